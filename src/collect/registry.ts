/** Every fact collector, by fact name. One module per area; each exports `collectors`. */
import { byText, type FactSchemas } from '../core/types.js';
import type { Collector } from './types.js';
import { collectors as files } from './files.js';
import { collectors as packages } from './packages.js';
import { collectors as services } from './services.js';
import { collectors as accounts } from './accounts.js';
import { collectors as kernel } from './kernel.js';
import { collectors as network } from './network.js';
import { collectors as sshd } from './sshd.js';
import { collectors as logging } from './logging.js';
import { collectors as cron } from './cron.js';
import { collectors as special } from './special-files.js';
import { collectors as system } from './system.js';
import { collectors as dmi } from './dmi.js';

const all: Collector[] = [
  ...files,
  ...packages,
  ...services,
  ...accounts,
  ...kernel,
  ...network,
  ...sshd,
  ...logging,
  ...cron,
  ...special,
  ...system,
  ...dmi,
];

const byName = new Map<string, Collector>();
for (const c of all) {
  if (byName.has(c.name)) throw new Error(`two collectors named ${c.name}`);
  byName.set(c.name, c);
}

export function collectorFor(name: string): Collector | undefined {
  return byName.get(name);
}

export function allCollectors(): Collector[] {
  return [...byName.values()].sort((a, b) => byText(a.name, b.name));
}

/** What the engine needs to know of every fact kind: columns, parameters, live-only. */
export function factSchemas(): FactSchemas {
  const out: Record<string, FactSchemas[string]> = {};
  for (const c of allCollectors())
    out[c.name] = {
      fields: c.fields,
      ...(c.params ? { params: c.params } : {}),
      ...(c.liveOnly ? { liveOnly: true } : {}),
    };
  return out;
}
