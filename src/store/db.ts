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
    return new BulwarkError('BW_DB_LOCKED', `the database ${file} is locked by another process`, 'wait for the other Bulwark process to finish, or pass another --db', { cause: e });
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
    return new BulwarkError('BW_DB_CORRUPT', `the database ${file} is damaged or not a Bulwark database (${msg})`, 'restore it from a backup, or pass another --db; Bulwark did not modify it', { cause: e });
  return new BulwarkError('BW_DB_OPEN', `cannot use the database ${file}: ${msg}`, 'check the path and its permissions, or pass another --db / BULWARK_DB', { cause: e });
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

  static async open(file: string): Promise<Store> {
    let raw: Database.Database;
    try {
      if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      raw = new Database(file, { timeout: 10_000 });
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = NORMAL');
      raw.pragma('foreign_keys = ON');
      raw.prepare('select count(*) from sqlite_master').get();
    } catch (e) {
      throw mapSqliteError(e, file);
    }
    const store = new Store(file, raw);
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider });
    let res;
    try {
      res = await migrator.migrateToLatest();
    } catch (e) {
      throw mapSqliteError(e, this.file);
    }
    if (res.error) {
      const msg = res.error instanceof Error ? res.error.message : JSON.stringify(res.error);
      if (/corrupted migrations|missing/i.test(msg))
        throw new BulwarkError('BW_DB_TOO_NEW', `the database ${this.file} was written by a newer Bulwark (${msg})`, 'upgrade Bulwark, or pass another --db; this version will not modify it', { cause: res.error });
      throw mapSqliteError(res.error, this.file);
    }
  }

  /** Stores a finished scan with its results and compressed fact snapshot, atomically. Returns the asset id. */
  async saveScan(scan: ScanOutcome, version: string): Promise<string> {
    const os = scan.facts.find((f) => f.key === 'os')?.rows[0];
    const machineId = typeof os?.['machine_id'] === 'string' ? os['machine_id'] : null;
    const hostname = typeof os?.['hostname'] === 'string' ? os['hostname'] : null;
    const kind = scan.target.kind === 'live' ? 'host' : 'image';
    const name = scan.target.kind === 'live' ? (hostname ?? 'localhost') : scan.target.root;
    const now = new Date().toISOString();
    try {
      return await this.db.transaction().execute(async (tx) => {
        let asset = machineId
          ? await tx.selectFrom('assets').select('id').where('machine_id', '=', machineId).where('kind', '=', kind).executeTakeFirst()
          : await tx.selectFrom('assets').select('id').where('name', '=', name).where('kind', '=', kind).executeTakeFirst();
        if (!asset) {
          asset = { id: crypto.randomUUID() };
          await tx.insertInto('assets').values({ id: asset.id, name, machine_id: machineId, hostname, kind, created_at: now, updated_at: now }).execute();
        } else await tx.updateTable('assets').set({ updated_at: now, hostname }).where('id', '=', asset.id).execute();
        await tx
          .insertInto('scans')
          .values({
            id: scan.id,
            asset_id: asset.id,
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
            facts: gzipSync(JSON.stringify(scan.facts)),
          })
          .execute();
        for (let i = 0; i < scan.results.length; i += 200) {
          await tx
            .insertInto('results')
            .values(
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
            )
            .execute();
        }
        return asset.id;
      });
    } catch (e) {
      if (e instanceof BulwarkError) throw e;
      throw mapSqliteError(e, this.file);
    }
  }

  async listScans(limit = 20) {
    return this.db
      .selectFrom('scans')
      .innerJoin('assets', 'assets.id', 'scans.asset_id')
      .select(['scans.id', 'assets.name as asset', 'scans.started_at', 'scans.mode', 'scans.profile', 'scans.score', 'scans.counts'])
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
