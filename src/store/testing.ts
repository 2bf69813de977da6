/**
 * Fixtures for store tests: scans with an os fact (machine-id, hostname) and, optionally, interfaces; and
 * TestStores, the SQLite + PostgreSQL databases every test that stores something runs on.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import type { Fact } from '../core/types.js';
import { summarise } from '../engine/score.js';
import type { ScanOutcome } from '../scan/run.js';
import type { StoreOptions } from './db.js';

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

/** The PostgreSQL the tests use: BULWARK_TEST_PG, else database `test` at 127.0.0.1:5432 (trust auth). */
export const PG_URL = process.env['BULWARK_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, empty database: an SQLite file, or a PostgreSQL schema of its own. */
export interface FreshStore {
  location: string;
  opts: StoreOptions;
}

export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** Why this backend's tests are skipped (PostgreSQL not reachable), or false. */
  skip: string | false;
  fresh(): FreshStore;
}

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Stores for tests on both backends: SQLite files in a temporary directory, and PostgreSQL at PG_URL with
 * one fresh schema per case (all dropped by tearDown). When PostgreSQL is not reachable its half is skipped
 * LOUDLY: CI (.ci/run) starts it, so there it always runs. Call setUp in `before` and tearDown in `after`.
 */
export class TestStores {
  readonly backends: readonly TestBackend[];
  /** Why the PostgreSQL half is skipped, or false. */
  readonly pgSkip: string | false;
  private readonly run: string;
  private tmp = '';
  private n = 0;

  private constructor(
    readonly pgUp: boolean,
    private readonly tag: string,
  ) {
    this.pgSkip = pgUp ? false : 'SKIPPED: PostgreSQL not reachable at 127.0.0.1:5432';
    this.run = `bulwark_test_${tag}_${String(process.pid)}_${Math.random().toString(36).slice(2, 8)}`;
    this.backends = [
      { name: 'sqlite', skip: false, fresh: () => ({ location: this.file(), opts: {} }) },
      {
        name: 'postgres',
        skip: this.pgSkip,
        fresh: () => ({ location: PG_URL, opts: { schema: this.schemaName() } }),
      },
    ];
  }

  /** `testFile` names the test in the loud message when PostgreSQL is absent; `tag` names its databases. */
  static async create(testFile: string, tag: string): Promise<TestStores> {
    const up = await pgReachable();
    if (!up)
      console.error(
        `\n*** SKIPPED: PostgreSQL not reachable at 127.0.0.1:5432 — CI must run the PostgreSQL half of ${testFile} ***\n`,
      );
    return new TestStores(up, tag);
  }

  /** The temporary directory, between setUp and tearDown. */
  get dir(): string {
    if (!this.tmp) throw new Error('TestStores.setUp() was not called');
    return this.tmp;
  }

  setUp(): void {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-${this.tag}-`));
  }

  /**
   * A fresh PostgreSQL schema, created now, and a connection string that selects it (search_path), for
   * tests that hand the store to a child process. `password` is added to the URL (trust auth ignores it).
   */
  async pgSchema(password?: string): Promise<{ schema: string; url: string }> {
    const schema = this.schemaName();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(`create schema "${schema}"`);
    } finally {
      await c.end();
    }
    const u = new URL(PG_URL);
    if (password !== undefined) u.password = password;
    u.searchParams.set('options', `-c search_path=${schema}`);
    return { schema, url: u.toString() };
  }

  /** Removes the temporary directory and every PostgreSQL schema these tests made. */
  async tearDown(): Promise<void> {
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
    if (!this.pgUp) return;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      const r = await c.query<{ s: string }>(
        'select nspname as s from pg_namespace where starts_with(nspname, $1)',
        [this.run],
      );
      for (const { s } of r.rows) await c.query(`drop schema "${s}" cascade`);
    } finally {
      await c.end();
    }
  }

  private file(): string {
    return path.join(this.dir, `s${String(++this.n)}.db`);
  }

  private schemaName(): string {
    return `${this.run}_${String(++this.n)}`;
  }
}
