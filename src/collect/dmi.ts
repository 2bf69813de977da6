/**
 * Hardware identity from the firmware's DMI/SMBIOS tables as the kernel exposes them (/sys/class/dmi/id): the
 * product serial and UUID (root-readable only), vendor and product name. Live only: an offline image carries
 * no firmware. Used to recognise an asset across reinstalls of its OS and renamings (src/store/db.ts).
 */
import type { Row } from '../core/types.js';
import type { Collector } from './types.js';

const DIR = '/sys/class/dmi/id';
const FIELDS = ['product_serial', 'product_uuid', 'sys_vendor', 'product_name', 'board_serial'] as const;

/** The fact row from the files' texts (each file holds one line); an unreadable or empty file is null. */
export function dmiRow(texts: Readonly<Partial<Record<(typeof FIELDS)[number], string | null>>>): Row {
  return Object.fromEntries(
    FIELDS.map((f) => {
      const v = texts[f]?.split('\n')[0]?.trim();
      return [f, v ? v : null];
    }),
  );
}

const dmi: Collector = {
  name: 'dmi',
  description:
    'Hardware identity from /sys/class/dmi/id: product serial, product UUID, vendor, product name, board serial (null when unreadable or empty; placeholders such as "To Be Filled By O.E.M." kept as read). Live only; absent on machines without DMI (many ARM boards, some microVMs).',
  fields: {
    product_serial: 'string',
    product_uuid: 'string',
    sys_vendor: 'string',
    product_name: 'string',
    board_serial: 'string',
  },
  liveOnly: true,
  async collect(ctx) {
    if (!(await ctx.target.stat(DIR).catch(() => null)))
      return { status: 'absent', rows: [], sources: [DIR], reason: `${DIR} does not exist (no DMI tables)` };
    const texts: Partial<Record<(typeof FIELDS)[number], string | null>> = {};
    const sources: string[] = [];
    for (const f of FIELDS) {
      const r = await ctx.target.readText(`${DIR}/${f}`, { maxBytes: 256 });
      texts[f] = r.status === 'ok' && !r.binary ? r.text : null;
      if (r.status === 'ok') sources.push(`${DIR}/${f}`);
    }
    return { status: 'complete', rows: [dmiRow(texts)], sources };
  },
};

export const collectors: Collector[] = [dmi];
