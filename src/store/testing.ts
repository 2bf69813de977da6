/** Fixtures for store tests: scans with an os fact (machine-id, hostname) and, optionally, interfaces. */
import { randomUUID } from 'node:crypto';
import type { Fact } from '../core/types.js';
import { summarise } from '../engine/score.js';
import type { ScanOutcome } from '../scan/run.js';

export const MACHINE_A = '0123456789abcdef0123456789abcdef';
export const MACHINE_B = 'fedcba9876543210fedcba9876543210';

const provenance = { collector: 'test', sources: [], mode: 'offline' as const, at: '2026-01-01T00:00:00Z' };

export function osFact(machineId: string | null, hostname = 'plc-gw-1'): Fact {
  return {
    key: 'os',
    name: 'os',
    args: {},
    status: 'complete',
    rows: [{ id: 'debian', pretty_name: 'Debian 12', hostname, machine_id: machineId }],
    provenance,
  };
}

export function interfacesFact(macs: string[]): Fact {
  return {
    key: 'interfaces',
    name: 'interfaces',
    args: {},
    status: 'complete',
    rows: [
      { name: 'lo', wireless: false, operstate: 'unknown', mac: '00:00:00:00:00:00' },
      ...macs.map((mac, i) => ({ name: `eth${i}`, wireless: false, operstate: 'up', mac })),
    ],
    provenance,
  };
}

/** A `dmi` fact as the collector gives it (live). */
export function dmiFact(serial: string | null, uuid: string | null = null): Fact {
  return {
    key: 'dmi',
    name: 'dmi',
    args: {},
    status: 'complete',
    rows: [
      {
        product_serial: serial,
        product_uuid: uuid,
        sys_vendor: 'Siemens AG',
        product_name: 'IPC427E',
        board_serial: null,
      },
    ],
    provenance,
  };
}

export interface ScanFixture {
  /** A `dmi` fact with this product serial (and UUID). */
  serial?: string | null;
  uuid?: string;
  machineId?: string | null;
  hostname?: string;
  macs?: string[];
  root?: string;
  live?: boolean;
  results?: number;
}

export function fixtureScan(opts: ScanFixture = {}): ScanOutcome {
  const results = Array.from({ length: opts.results ?? 3 }, (_, i) => ({
    rule: `rule-${i}`,
    area: 'files',
    title: `Rule ${i}`,
    severity: 'high' as const,
    status: i % 2 === 0 ? ('pass' as const) : ('fail' as const),
    message: `message ${i}`,
    evidence: [
      { fact: 'file(path=/etc/shadow)', path: '/etc/shadow', line: i + 1, message: 'ümlaut ✓ evidence' },
    ],
  }));
  const big: Fact = {
    key: 'lines(path=/etc/x)',
    name: 'lines',
    args: { path: '/etc/x' },
    status: 'incomplete',
    reason: 'truncated',
    rows: Array.from({ length: 500 }, (_, i) => ({
      path: '/etc/x',
      line: i + 1,
      text: `line ${i} ${'x'.repeat(50)} \u0000 “quotes” 'single'`,
      list: ['a', 'b'],
      flag: i % 2 === 0,
      none: null,
      n: i / 3,
    })),
    provenance,
  };
  const facts = [
    osFact(opts.machineId === undefined ? MACHINE_A : opts.machineId, opts.hostname),
    big,
    ...(opts.macs ? [interfacesFact(opts.macs)] : []),
    ...(opts.serial !== undefined || opts.uuid !== undefined
      ? [dmiFact(opts.serial ?? null, opts.uuid ?? null)]
      : []),
  ];
  return {
    id: randomUUID(),
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 12,
    target: opts.live
      ? { kind: 'live', root: '/', mode: 'live' }
      : { kind: 'root', root: opts.root ?? '/mnt/image', mode: 'offline' },
    profile: 'default',
    tailoringFile: null,
    policyFiles: [],
    results,
    facts,
    summary: summarise(results),
    rules: new Map(),
  };
}
