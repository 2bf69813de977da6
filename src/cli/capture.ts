/**
 * `bulwark capture import FILE…` analyses packet captures (pcap, pcapng) passively and stores the flows, observed
 * assets and state-changing operations; `bulwark capture list|show|flows|assets|ops` read stored captures.
 * Thin: the analysis is src/capture/, the store is src/capture/store.ts.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { BulwarkError } from '../core/errors.js';
import type { CaptureSummary, CaptureWarning, Flow, ObservedAsset, Operation } from '../capture/types.js';
import { table, withStore } from './common.js';

const DB_HELP = 'database: SQLite file or postgres:// connection string';

const time = (us: number | null | undefined): string =>
  us === null || us === undefined || us <= 0
    ? '-'
    : new Date(Math.floor(us / 1000)).toISOString().replace('.000Z', 'Z');

function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function tally<T>(xs: T[], key: (x: T) => string): string {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

const where = (w: CaptureWarning): string =>
  `${w.file}${w.packet !== undefined ? ` packet ${w.packet}` : ''}${w.offset !== undefined ? ` byte ${w.offset}` : ''}`;

function assetRows(assets: ObservedAsset[]): string[][] {
  return [
    ['ASSET', 'MAC', 'VENDOR', 'ROLE', 'SERVES', 'USES', 'WHY'],
    ...assets.map((a) => [
      a.key,
      a.mac ?? '-',
      (a.vendor ?? '-').slice(0, 28),
      a.role,
      a.serves.join(',') || '-',
      a.uses.join(',') || '-',
      a.roleReasons.join('; '),
    ]),
  ];
}

function opRows(ops: Operation[]): string[][] {
  return [
    ['FIRST SEEN', 'FROM', 'TO', 'PROTOCOL', 'KIND', 'OPERATION', 'COUNT'],
    ...ops.map((o) => [time(o.firstSeen), o.srcIp, o.dstIp, o.protocol, o.kind, o.name, String(o.count)]),
  ];
}

function flowRows(flows: Flow[]): string[][] {
  return [
    ['PROTO', 'CLIENT', 'SERVER', 'APP', 'BY', 'PKTS →/←', 'BYTES →/←', 'FIRST SEEN', 'NOTES'],
    ...flows.map((f) => [
      f.transport,
      f.transport === 'l2' ? f.srcIp : `${f.srcIp}:${f.srcPort}${f.initiatorKnown ? '' : '?'}`,
      f.transport === 'l2' ? f.dstIp : `${f.dstIp}:${f.dstPort}`,
      f.protocol,
      f.identifiedBy,
      `${f.packetsToServer}/${f.packetsToClient}`,
      `${f.bytesToServer}/${f.bytesToClient}`,
      time(f.firstSeen),
      f.notes.join('; '),
    ]),
  ];
}

/** The text summary of an import (also used by `capture show`). */
export function summaryText(s: CaptureSummary, header: string): string {
  const packets = s.files.reduce((a, f) => a + f.packets, 0);
  const bytes = s.files.reduce((a, f) => a + f.bytes, 0);
  const first = s.flows.length ? Math.min(...s.flows.map((f) => f.firstSeen)) : null;
  const last = s.flows.length ? Math.max(...s.flows.map((f) => f.lastSeen)) : null;
  const notes = s.flows.filter((f) => f.notes.length > 0);
  const c = s.counters;
  const extra = [
    c['ipv4Fragments'] ? `${c['ipv4Fragments']} IPv4 fragments` : '',
    c['ipv6Fragments'] ? `${c['ipv6Fragments']} IPv6 fragments` : '',
    c['truncatedPackets'] ? `${c['truncatedPackets']} packets cut by the snaplen` : '',
    c['unknownLinkType'] ? `${c['unknownLinkType']} packets of unknown link types` : '',
    c['undecodable'] ? `${c['undecodable']} undecodable` : '',
    c['nonIp'] ? `${c['nonIp']} non-IP frames` : '',
  ].filter(Boolean);
  const lines = [
    header,
    `  files       ${s.files.length} (${[...new Set(s.files.map((f) => f.format))].join(', ') || 'none readable'}): ${packets} packets, ${size(bytes)}`,
    `  time        ${time(first)} → ${time(last)}`,
    `  flows       ${s.flows.length}${s.flows.length ? `: ${tally(s.flows, (f) => f.protocol)}` : ''}`,
    `  assets      ${s.assets.length}${s.assets.length ? `: ${tally(s.assets, (a) => a.role)}` : ''}`,
    `  operations  ${s.operations.length}${s.operations.length ? `: ${tally(s.operations, (o) => o.kind)}` : ''}`,
    ...(extra.length ? [`  counted     ${extra.join(', ')}`] : []),
    `  warnings    ${s.warnings.length}${c['warningsDropped'] ? ` (+${c['warningsDropped']} not kept)` : ''}`,
    '',
  ];
  let out = lines.join('\n') + '\n';
  if (s.assets.length) out += 'Assets\n' + table(assetRows(s.assets)) + '\n';
  if (s.operations.length) out += 'State-changing operations\n' + table(opRows(s.operations)) + '\n';
  if (notes.length)
    out +=
      'Findings on flows\n' +
      table([
        ['CLIENT', 'SERVER', 'APP', 'NOTES'],
        ...notes.map((f) => [f.srcIp, `${f.dstIp}:${f.dstPort}`, f.protocol, f.notes.join('; ')]),
      ]) +
      '\n';
  if (s.warnings.length)
    out +=
      'Warnings\n' +
      s.warnings
        .map((w) => `  ${w.message.startsWith(w.file) ? w.message : `${where(w)}: ${w.message}`} (${w.code})`)
        .join('\n') +
      '\n';
  return out;
}

interface ImportOpts {
  db?: string;
  json?: boolean;
  name?: string;
  store: boolean;
}

export function register(program: Command, setExit: (code: number) => void): void {
  const cap = program
    .command('capture')
    .description('passive discovery from packet captures: flows, assets, state-changing operations');

  cap
    .command('import <files...>')
    .description(
      'analyse pcap/pcapng files (format by magic bytes) and store the flows, assets and operations',
    )
    .option('--name <name>', 'a name for this import (default: the first file name)')
    .option('--json', 'print the summary as JSON')
    .option('--no-store', 'analyse only; store nothing')
    .option('--db <path|url>', DB_HELP)
    .action(async (files: string[], o: ImportOpts) => {
      const { importCaptures } = await import('../capture/index.js');
      const summary = await importCaptures(files);
      if (summary.files.length === 0)
        throw new BulwarkError(
          'BW_CAPTURE_UNREADABLE',
          `none of the ${files.length} file(s) could be read as a capture: ${summary.warnings.map((w) => w.message).join('; ')}`,
          'give pcap or pcapng files (tcpdump -w, dumpcap, Wireshark); other formats: convert with editcap -F pcapng',
        );
      let id: string | undefined;
      let db = '';
      if (o.store) {
        const { saveCapture } = await import('../capture/store.js');
        const name =
          o.name ??
          (files.length === 1
            ? path.basename(files[0]!)
            : `${path.basename(files[0]!)} +${files.length - 1}`);
        [id, db] = await withStore(o.db, async (store) => [
          await saveCapture(store, summary, name),
          store.file,
        ]);
      }
      if (o.json) process.stdout.write(JSON.stringify({ id: id ?? null, ...summary }, null, 2) + '\n');
      else
        process.stdout.write(
          summaryText(
            summary,
            id ? `capture ${id} stored in ${db}` : 'capture analysed (not stored: --no-store)',
          ),
        );
      setExit(0);
    });

  cap
    .command('list')
    .description('list stored captures, the latest first')
    .option('--json', 'print JSON')
    .option('--db <path|url>', DB_HELP)
    .action(async (o: { db?: string; json?: boolean }) => {
      const { listCaptures } = await import('../capture/store.js');
      const rows = await withStore(o.db, (store) => listCaptures(store));
      if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else if (rows.length === 0) process.stdout.write('no capture stored (bulwark capture import FILE…)\n');
      else
        process.stdout.write(
          table([
            ['CAPTURE', 'NAME', 'IMPORTED', 'FROM', 'TO', 'PACKETS', 'FLOWS', 'ASSETS', 'OPS', 'WARNINGS'],
            ...rows.map((r) => [
              r.id,
              r.name,
              r.importedAt.replace(/\.\d+Z$/, 'Z'),
              time(r.firstSeen),
              time(r.lastSeen),
              String(r.packets),
              String(r.flows),
              String(r.assets),
              String(r.operations),
              String(r.warnings.length),
            ]),
          ]),
        );
      setExit(0);
    });

  const stored = <T>(
    name: string,
    description: string,
    filters: [string, string][],
    pick: (s: CaptureSummary, o: Record<string, string | undefined>) => T[],
    rows: (xs: T[]) => string[][],
  ) => {
    const c = cap
      .command(`${name} [capture]`)
      .description(description)
      .option('--capture <id>', 'the stored capture (id, id prefix or name; default the latest)');
    for (const [flag, help] of filters) c.option(flag, help);
    c.option('--json', 'print JSON').option('--db <path|url>', DB_HELP);
    c.action(async (ref: string | undefined, o: Record<string, string | undefined>) => {
      const { loadCapture } = await import('../capture/store.js');
      const { capture, summary } = await withStore(o['db'], (store) =>
        loadCapture(store, o['capture'] ?? ref),
      );
      const xs = pick(summary, o);
      if (o['json']) process.stdout.write(JSON.stringify(xs, null, 2) + '\n');
      else {
        process.stdout.write(`capture ${capture.id} (${capture.name})\n`);
        process.stdout.write(xs.length ? table(rows(xs)) : '  none\n');
      }
      setExit(0);
    });
  };

  stored(
    'flows',
    'list the flows of a stored capture',
    [
      ['--protocol <name>', 'only this application protocol (modbus, s7comm, tls, unknown…)'],
      ['--host <ip|mac>', 'only flows to or from this address'],
    ],
    (s, o) =>
      s.flows.filter(
        (f) =>
          (!o['protocol'] || f.protocol === o['protocol']) &&
          (!o['host'] || f.srcIp === o['host'] || f.dstIp === o['host']),
      ),
    flowRows,
  );
  stored(
    'assets',
    'list the assets observed in a stored capture, with their role guess and the reasons',
    [
      [
        '--role <role>',
        'only this role (plc-rtu, hmi, engineering-workstation, historian, it-host, network-device…)',
      ],
    ],
    (s, o) => s.assets.filter((a) => !o['role'] || a.role === o['role']),
    assetRows,
  );
  stored(
    'ops',
    'list the state-changing operations of a stored capture (writes, downloads, stops, restarts…)',
    [
      [
        '--kind <kind>',
        'only this kind (write, program, stop, start, restart, reset, command, config, time-sync)',
      ],
      ['--protocol <name>', 'only this protocol'],
    ],
    (s, o) =>
      s.operations.filter(
        (x) => (!o['kind'] || x.kind === o['kind']) && (!o['protocol'] || x.protocol === o['protocol']),
      ),
    opRows,
  );

  cap
    .command('show [capture]')
    .description('the summary of a stored capture (default the latest)')
    .option('--json', 'print JSON')
    .option('--db <path|url>', DB_HELP)
    .action(async (ref: string | undefined, o: { db?: string; json?: boolean }) => {
      const { loadCapture } = await import('../capture/store.js');
      const { capture, summary } = await withStore(o.db, (store) => loadCapture(store, ref));
      if (o.json)
        process.stdout.write(
          JSON.stringify({ id: capture.id, name: capture.name, ...summary }, null, 2) + '\n',
        );
      else
        process.stdout.write(
          summaryText(summary, `capture ${capture.id} (${capture.name}), imported ${capture.importedAt}`),
        );
      setExit(0);
    });
}
