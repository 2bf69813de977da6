/**
 * Persistence. Embedded SQLite by default (one file, WAL). Kysely is the query layer; migrations are
 * versioned in code. A scan and its results are written in one transaction: a killed process never
 * leaves a half-written scan visible.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import { BulwarkError } from '../core/errors.js';
import type { Fact } from '../core/types.js';
import type { ScanOutcome } from '../scan/run.js';

export interface AssetTable {
  id: string;
  name: string;
  machine_id: string | null;
  hostname: string | null;
  kind: string;
  created_at: string;
  updated_at: string;
}
export interface ScanTable {
  id: string;
  asset_id: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  target_kind: string;
  target_root: string;
  mode: string;
  profile: string;
  tailoring: string | null;
  policies: string;
  bulwark_version: string;
  score: number | null;
  counts: string;
  facts: Buffer;
}
export interface ResultTable {
  scan_id: string;
  rule_id: string;
  area: string;
  status: string;
  severity: string;
  title: string;
  message: string;
  evidence: string;
}
export interface Schema {
  assets: AssetTable;
  scans: ScanTable;
  results: ResultTable;
}

const migrations: Record<string, Migration> = {
  '0001_scans': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('assets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('machine_id', 'text')
        .addColumn('hostname', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('assets_machine_id').on('assets').column('machine_id').execute();
      await db.schema
        .createTable('scans')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id'))
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('target_kind', 'text', (c) => c.notNull())
        .addColumn('target_root', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('tailoring', 'text')
        .addColumn('policies', 'text', (c) => c.notNull())
        .addColumn('bulwark_version', 'text', (c) => c.notNull())
        .addColumn('score', 'real')
        .addColumn('counts', 'text', (c) => c.notNull())
        .addColumn('facts', 'blob', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('scans_asset').on('scans').columns(['asset_id', 'started_at']).execute();
      await db.schema
        .createTable('results')
        .addColumn('scan_id', 'text', (c) => c.notNull().references('scans.id'))
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('area', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('results_pk', ['scan_id', 'rule_id'])
        .execute();
      await db.schema.createIndex('results_rule').on('results').columns(['rule_id', 'status']).execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

export { defaultDbPath } from './path.js';

function mapSqliteError(e: unknown, file: string): BulwarkError {
  const code = (e as { code?: string }).code ?? '';
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
    return new BulwarkError(
      'BW_DB_LOCKED',
      `the database ${file} is locked by another process`,
      'wait for the other Bulwark process to finish, or pass another --db',
      { cause: e },
    );
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
    return new BulwarkError(
      'BW_DB_CORRUPT',
      `the database ${file} is damaged or not a Bulwark database (${msg})`,
      'restore it from a backup, or pass another --db; Bulwark did not modify it',
      { cause: e },
    );
  return new BulwarkError(
    'BW_DB_OPEN',
    `cannot use the database ${file}: ${msg}`,
    'check the path and its permissions, or pass another --db / BULWARK_DB',
    { cause: e },
  );
}

/** Migrations of one database file run one at a time within this process (Kysely's SQLite adapter takes no lock). */
const migrating = new Map<string, Promise<unknown>>();

/** A real systemd machine id: 32 hex digits. Images often carry "uninitialized" or an empty file. */
const MACHINE_ID = /^[0-9a-f]{32}$/i;

export interface StoreOptions {
  /** How long to wait for another process's lock before BW_DB_LOCKED (default 10 s). */
  busyTimeoutMs?: number;
}

export class Store {
  readonly db: Kysely<Schema>;
  readonly file: string;
  private readonly raw: Database.Database;

  private constructor(file: string, raw: Database.Database) {
    this.file = file;
    this.raw = raw;
    this.db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw }) });
  }

  static async open(file: string, opts: StoreOptions = {}): Promise<Store> {
    let raw: Database.Database;
    try {
      // Scans hold fact snapshots (accounts, which account still has a default password): owner only.
      const fresh = file !== ':memory:' && !fs.existsSync(file);
      if (file !== ':memory:')
        fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
      if (fresh) fs.closeSync(fs.openSync(file, 'a', 0o600));
      raw = new Database(file, { timeout: opts.busyTimeoutMs ?? 10_000 });
    } catch (e) {
      throw mapSqliteError(e, file);
    }
    try {
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = NORMAL');
      raw.pragma('foreign_keys = ON');
      raw.prepare('select count(*) from sqlite_master').get();
    } catch (e) {
      raw.close();
      throw mapSqliteError(e, file);
    }
    const store = new Store(file, raw);
    const key = file === ':memory:' ? `:memory:${String(Math.random())}` : path.resolve(file);
    const run = (migrating.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => store.migrate());
    migrating.set(key, run);
    try {
      await run;
    } catch (e) {
      await store.close();
      throw e;
    } finally {
      if (migrating.get(key) === run) migrating.delete(key);
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider });
    // Another process may be migrating the same fresh file: its tables appear under our feet
    // ("already exists") or our read snapshot goes stale (SQLITE_BUSY). Try again: the next run sees its work.
    for (let attempt = 1; ; attempt++) {
      let res;
      try {
        res = await migrator.migrateToLatest();
      } catch (e) {
        throw mapSqliteError(e, this.file);
      }
      if (!res.error) return;
      const msg = res.error instanceof Error ? res.error.message : JSON.stringify(res.error);
      if (/corrupted migrations|missing/i.test(msg))
        throw new BulwarkError(
          'BW_DB_TOO_NEW',
          `the database ${this.file} was written by a newer Bulwark (${msg})`,
          'upgrade Bulwark, or pass another --db; this version will not modify it',
          { cause: res.error },
        );
      const code = (res.error as { code?: string }).code ?? '';
      if (attempt < 5 && (/already exists/.test(msg) || code.startsWith('SQLITE_BUSY'))) {
        await new Promise((r) => setTimeout(r, 50 * attempt));
        continue;
      }
      throw mapSqliteError(res.error, this.file);
    }
  }

  /**
   * Stores a finished scan with its results and compressed fact snapshot, atomically. Returns the asset id.
   * One synchronous BEGIN IMMEDIATE transaction: it takes the write lock first (waiting up to the busy
   * timeout for another process), so a read snapshot never has to be upgraded (which fails at once with
   * SQLITE_BUSY), and nothing else of this process runs in between (better-sqlite3 waits synchronously:
   * an async transaction could stall against a second connection of the same process).
   */
  saveScan(scan: ScanOutcome, version: string): Promise<string> {
    try {
      return Promise.resolve(this.writeScan(scan, version));
    } catch (e) {
      return Promise.reject(e instanceof BulwarkError ? e : mapSqliteError(e, this.file));
    }
  }

  private writeScan(scan: ScanOutcome, version: string): string {
    const os = scan.facts.find((f) => f.key === 'os')?.rows[0];
    const rawMachineId = typeof os?.['machine_id'] === 'string' ? os['machine_id'].trim() : '';
    const machineId = MACHINE_ID.test(rawMachineId) ? rawMachineId.toLowerCase() : null;
    const hostname = typeof os?.['hostname'] === 'string' ? os['hostname'] : null;
    const kind = scan.target.kind === 'live' ? 'host' : 'image';
    const name = scan.target.kind === 'live' ? (hostname ?? 'localhost') : scan.target.root;
    const now = new Date().toISOString();
    const db = this.db;
    const run = (q: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
      const c = q.compile();
      return this.raw.prepare(c.sql).run(...c.parameters);
    };
    const facts = gzipSync(JSON.stringify(scan.facts));
    const write = this.raw.transaction((): string => {
      const find = (
        machineId
          ? db.selectFrom('assets').select('id').where('machine_id', '=', machineId).where('kind', '=', kind)
          : db
              .selectFrom('assets')
              .select('id')
              .where('name', '=', name)
              .where('kind', '=', kind)
              .where('machine_id', 'is', null)
      ).compile();
      const found = this.raw.prepare(find.sql).get(...find.parameters) as { id: string } | undefined;
      const assetId = found?.id ?? crypto.randomUUID();
      if (!found)
        run(
          db.insertInto('assets').values({
            id: assetId,
            name,
            machine_id: machineId,
            hostname,
            kind,
            created_at: now,
            updated_at: now,
          }),
        );
      else run(db.updateTable('assets').set({ updated_at: now, hostname }).where('id', '=', assetId));
      run(
        db.insertInto('scans').values({
          id: scan.id,
          asset_id: assetId,
          started_at: scan.startedAt,
          finished_at: scan.finishedAt,
          duration_ms: scan.durationMs,
          target_kind: scan.target.kind,
          target_root: scan.target.root,
          mode: scan.target.mode,
          profile: scan.profile,
          tailoring: scan.tailoringFile,
          policies: JSON.stringify(scan.policyFiles),
          bulwark_version: version,
          score: scan.summary.score,
          counts: JSON.stringify(scan.summary.counts),
          facts,
        }),
      );
      for (let i = 0; i < scan.results.length; i += 200) {
        run(
          db.insertInto('results').values(
            scan.results.slice(i, i + 200).map((r) => ({
              scan_id: scan.id,
              rule_id: r.rule,
              area: r.area,
              status: r.status,
              severity: r.severity,
              title: r.title,
              message: r.message,
              evidence: JSON.stringify(r.evidence),
            })),
          ),
        );
      }
      return assetId;
    });
    return write.immediate();
  }

  async listScans(limit = 20) {
    return this.db
      .selectFrom('scans')
      .innerJoin('assets', 'assets.id', 'scans.asset_id')
      .select([
        'scans.id',
        'assets.name as asset',
        'scans.started_at',
        'scans.mode',
        'scans.profile',
        'scans.score',
        'scans.counts',
      ])
      .orderBy('scans.started_at', 'desc')
      .limit(limit)
      .execute();
  }

  async loadFacts(scanId: string): Promise<Fact[] | undefined> {
    const row = await this.db.selectFrom('scans').select('facts').where('id', '=', scanId).executeTakeFirst();
    return row ? (JSON.parse(gunzipSync(row.facts).toString('utf8')) as Fact[]) : undefined;
  }

  async count(table: 'scans' | 'results' | 'assets'): Promise<number> {
    const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(this.db);
    return r.rows[0]?.n ?? 0;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
