/**
 * Persistence. Embedded SQLite by default (one file, WAL), or PostgreSQL for shared use when the location is
 * a postgres:// connection string. Kysely is the query layer for both; migrations are versioned in code and
 * written once for both dialects. A scan and its results are written in one transaction: a killed process
 * never leaves a half-written scan visible.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  SqliteDialect,
  sql,
  CompiledQuery,
  type Migration,
  type MigrationProvider,
} from 'kysely';
import { BulwarkError } from '../core/errors.js';
import {
  type Asset,
  type AssetPatch,
  type Criticality,
  type DeviceClass,
  type Modifiability,
} from '../core/asset.js';
import type { Evidence, Fact } from '../core/types.js';
import {
  isExpired,
  today,
  waiverIndex,
  type Waiver,
  type WaiverInput,
  type WaiverScopeKind,
} from '../core/waiver.js';
import type { ScanOutcome } from '../scan/run.js';
import { dbPassword, isPostgresUrl, redactDbLocation, scrubPassword } from './path.js';
import { remediationMigration } from '../remediate/store.js';
import { decodeSnapshot, encodeSnapshot, snapshotProblem } from './snapshot.js';
import { encodeVerdicts, parseVerdicts } from './verdicts.js';

export type Backend = 'sqlite' | 'postgres';

export interface AssetTable {
  id: string;
  name: string;
  machine_id: string | null;
  hostname: string | null;
  kind: string;
  created_at: string;
  updated_at: string;
  /** JSON list of the MAC addresses seen on the asset (from the interfaces fact). */
  macs: string;
  owner: string | null;
  site: string | null;
  zone: string | null;
  criticality: string | null;
  /** JSON list of tags. */
  tags: string;
  device_class: string | null;
  modifiability: string;
  vendor_notes: string | null;
  /** The hardware serial (DMI product_serial, else product_uuid) when the scan could read it (live). */
  serial: string | null;
  /** JSON list of the IP addresses seen on the asset (shown; not used alone for identity). */
  ips: string;
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
  /** The fact snapshot the scan was evaluated from (src/store/snapshot.ts). */
  facts: Buffer;
  /** JSON object rule id → status, as in the results (null for scans stored before migration 0008). */
  verdicts: string | null;
  /** An imported scan: the tool's own score, its scoring system and maximum (null for Bulwark's scans). */
  tool_score: number | null;
  tool_score_system: string | null;
  tool_score_max: number | null;
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
export interface WaiverTable {
  id: string;
  rule_id: string;
  scope_kind: string;
  /** The asset id, tag or zone; null for `all`. */
  scope_value: string | null;
  owner: string;
  justification: string;
  compensating_control: string;
  /** YYYY-MM-DD: the last day the waiver applies. */
  expires: string;
  approver: string;
  created_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}
export interface BaselineTable {
  id: string;
  asset_id: string;
  scan_id: string;
  approved_by: string;
  approved_at: string;
  note: string | null;
  /** When a later approval replaced it; null for the asset's active baseline. */
  superseded_at: string | null;
}
/** One `bulwark capture import`: its files, counters and warnings (src/capture/store.ts). */
export interface CaptureImportTable {
  id: string;
  name: string;
  imported_at: string;
  /** JSON list of the files read (path, format, link types, packets, bytes). */
  files: string;
  packets: number;
  bytes: number;
  /** Epoch microseconds of the first and last packet of any flow; null when no flow. */
  first_seen: number | null;
  last_seen: number | null;
  flows: number;
  assets: number;
  operations: number;
  /** JSON objects. */
  counters: string;
  warnings: string;
}
export interface CaptureFlowTable {
  capture_id: string;
  transport: string;
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
  protocol: string;
  identified_by: string;
  initiator_known: number;
  src_mac: string | null;
  dst_mac: string | null;
  vlan: number | null;
  packets_to_server: number;
  packets_to_client: number;
  bytes_to_server: number;
  bytes_to_client: number;
  first_seen: number;
  last_seen: number;
  /** JSON list. */
  notes: string;
}
export interface CaptureAssetTable {
  capture_id: string;
  key: string;
  mac: string | null;
  /** JSON lists. */
  ips: string;
  vendor: string | null;
  serves: string;
  uses: string;
  role: string;
  role_reasons: string;
  first_seen: number;
  last_seen: number;
  packets: number;
  bytes: number;
}
export interface CaptureOperationTable {
  capture_id: string;
  protocol: string;
  kind: string;
  name: string;
  code: string;
  src_ip: string;
  dst_ip: string;
  first_seen: number;
  last_seen: number;
  count: number;
}
export interface Schema {
  assets: AssetTable;
  scans: ScanTable;
  results: ResultTable;
  waivers: WaiverTable;
  baselines: BaselineTable;
  capture_imports: CaptureImportTable;
  capture_flows: CaptureFlowTable;
  capture_assets: CaptureAssetTable;
  capture_operations: CaptureOperationTable;
}

/** The migrations, written once: the few types that differ between the dialects are chosen here. */
function migrationsFor(backend: Backend): Record<string, Migration> {
  const blob = backend === 'postgres' ? 'bytea' : 'blob';
  const real = backend === 'postgres' ? 'double precision' : 'real';
  return {
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
          .addColumn('score', real)
          .addColumn('counts', 'text', (c) => c.notNull())
          .addColumn('facts', blob, (c) => c.notNull())
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
    '0002_asset_attributes': {
      async up(db: Kysely<unknown>) {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        const add = (col: string, notNullDefault?: string) =>
          db.schema
            .alterTable('assets')
            .addColumn(col, 'text', (c) =>
              notNullDefault === undefined ? c : c.notNull().defaultTo(notNullDefault),
            )
            .execute();
        await add('macs', '[]');
        await add('owner');
        await add('site');
        await add('zone');
        await add('criticality');
        await add('tags', '[]');
        await add('device_class');
        await add('modifiability', 'full');
        await add('vendor_notes');
        await db.schema.createIndex('assets_name').on('assets').columns(['name', 'kind']).execute();
        await db.schema.createIndex('assets_hostname').on('assets').columns(['hostname', 'kind']).execute();
      },
    },
    '0003_waivers': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('waivers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('rule_id', 'text', (c) => c.notNull())
          .addColumn('scope_kind', 'text', (c) => c.notNull())
          .addColumn('scope_value', 'text')
          .addColumn('owner', 'text', (c) => c.notNull())
          .addColumn('justification', 'text', (c) => c.notNull())
          .addColumn('compensating_control', 'text', (c) => c.notNull())
          .addColumn('expires', 'text', (c) => c.notNull())
          .addColumn('approver', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .addColumn('revoked_by', 'text')
          .execute();
        await db.schema
          .createIndex('waivers_scope')
          .on('waivers')
          .columns(['scope_kind', 'scope_value'])
          .execute();
      },
    },
    '0004_baselines': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('baselines')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id'))
          .addColumn('scan_id', 'text', (c) => c.notNull().references('scans.id'))
          .addColumn('approved_by', 'text', (c) => c.notNull())
          .addColumn('approved_at', 'text', (c) => c.notNull())
          .addColumn('note', 'text')
          .addColumn('superseded_at', 'text')
          .execute();
        await db.schema
          .createIndex('baselines_asset')
          .on('baselines')
          .columns(['asset_id', 'superseded_at'])
          .execute();
      },
    },
    '0005_identity_and_tool_scores': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('assets').addColumn('serial', 'text').execute();
        await db.schema
          .alterTable('assets')
          .addColumn('ips', 'text', (c) => c.notNull().defaultTo('[]'))
          .execute();
        await db.schema.createIndex('assets_serial').on('assets').columns(['serial', 'kind']).execute();
        await db.schema.alterTable('scans').addColumn('tool_score', real).execute();
        await db.schema.alterTable('scans').addColumn('tool_score_system', 'text').execute();
        await db.schema.alterTable('scans').addColumn('tool_score_max', real).execute();
      },
    },
    '0006_captures': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('capture_imports')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('imported_at', 'text', (c) => c.notNull())
          .addColumn('files', 'text', (c) => c.notNull())
          .addColumn('packets', 'bigint', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addColumn('first_seen', 'bigint')
          .addColumn('last_seen', 'bigint')
          .addColumn('flows', 'integer', (c) => c.notNull())
          .addColumn('assets', 'integer', (c) => c.notNull())
          .addColumn('operations', 'integer', (c) => c.notNull())
          .addColumn('counters', 'text', (c) => c.notNull())
          .addColumn('warnings', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('capture_flows')
          .addColumn('capture_id', 'text', (c) => c.notNull().references('capture_imports.id'))
          .addColumn('transport', 'text', (c) => c.notNull())
          .addColumn('src_ip', 'text', (c) => c.notNull())
          .addColumn('src_port', 'integer', (c) => c.notNull())
          .addColumn('dst_ip', 'text', (c) => c.notNull())
          .addColumn('dst_port', 'integer', (c) => c.notNull())
          .addColumn('protocol', 'text', (c) => c.notNull())
          .addColumn('identified_by', 'text', (c) => c.notNull())
          .addColumn('initiator_known', 'integer', (c) => c.notNull())
          .addColumn('src_mac', 'text')
          .addColumn('dst_mac', 'text')
          .addColumn('vlan', 'integer')
          .addColumn('packets_to_server', 'bigint', (c) => c.notNull())
          .addColumn('packets_to_client', 'bigint', (c) => c.notNull())
          .addColumn('bytes_to_server', 'bigint', (c) => c.notNull())
          .addColumn('bytes_to_client', 'bigint', (c) => c.notNull())
          .addColumn('first_seen', 'bigint', (c) => c.notNull())
          .addColumn('last_seen', 'bigint', (c) => c.notNull())
          .addColumn('notes', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('capture_flows_capture')
          .on('capture_flows')
          .columns(['capture_id', 'protocol'])
          .execute();
        await db.schema
          .createTable('capture_assets')
          .addColumn('capture_id', 'text', (c) => c.notNull().references('capture_imports.id'))
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('mac', 'text')
          .addColumn('ips', 'text', (c) => c.notNull())
          .addColumn('vendor', 'text')
          .addColumn('serves', 'text', (c) => c.notNull())
          .addColumn('uses', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('role_reasons', 'text', (c) => c.notNull())
          .addColumn('first_seen', 'bigint', (c) => c.notNull())
          .addColumn('last_seen', 'bigint', (c) => c.notNull())
          .addColumn('packets', 'bigint', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('capture_assets_pk', ['capture_id', 'key'])
          .execute();
        await db.schema
          .createTable('capture_operations')
          .addColumn('capture_id', 'text', (c) => c.notNull().references('capture_imports.id'))
          .addColumn('protocol', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('code', 'text', (c) => c.notNull())
          .addColumn('src_ip', 'text', (c) => c.notNull())
          .addColumn('dst_ip', 'text', (c) => c.notNull())
          .addColumn('first_seen', 'bigint', (c) => c.notNull())
          .addColumn('last_seen', 'bigint', (c) => c.notNull())
          .addColumn('count', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('capture_operations_capture')
          .on('capture_operations')
          .columns(['capture_id', 'kind'])
          .execute();
      },
    },
    // Remediation: plans, applied changes and backups, change requests, audit log (src/remediate/store.ts).
    '0007_remediation': remediationMigration(backend),
    '0008_indexed_snapshots': {
      // Scans from now on store their snapshot indexed by fact with content hashes (src/store/snapshot.ts:
      // format 2; format 1 is still read) and their verdicts as one JSON object, so a fleet re-evaluation reads
      // one row per scan instead of one per result.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('scans').addColumn('verdicts', 'text').execute();
      },
    },
  };
}

const providerFor = (backend: Backend): MigrationProvider => ({
  getMigrations: () => Promise.resolve(migrationsFor(backend)),
});

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

/**
 * PostgreSQL errors as the same codes. `location` is the connection string as given: its password is
 * scrubbed from every message (the driver's own texts included), and the cause is not kept, since
 * driver errors can carry connection parameters.
 */
function mapPgError(e: unknown, location: string): BulwarkError {
  if (e instanceof BulwarkError) return e;
  const where = redactDbLocation(location);
  const code = (e as { code?: string }).code ?? '';
  const msg = scrubPassword(e instanceof Error ? e.message || code : String(e), location);
  // 55P03 lock_not_available (lock_timeout), 40P01 deadlock_detected.
  if (code === '55P03' || code === '40P01')
    return new BulwarkError(
      'BW_DB_LOCKED',
      `the database ${where} is locked by another session (${msg})`,
      'wait for the other Bulwark process to finish, or pass another --db',
    );
  const unreachable = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET'].includes(code);
  return new BulwarkError(
    'BW_DB_OPEN',
    `cannot use the database ${where}: ${msg}`,
    unreachable || /timeout|terminated/i.test(msg)
      ? 'check that PostgreSQL is running and reachable at that host and port, or pass another --db / BULWARK_DB'
      : "check the connection string (user, password, database) and the role's privileges, or pass another --db / BULWARK_DB",
  );
}

/** Migrations of one database file run one at a time within this process (Kysely's SQLite adapter takes no lock). */
const migrating = new Map<string, Promise<unknown>>();

/** A real systemd machine id: 32 hex digits. Images often carry "uninitialized" or an empty file. */
const MACHINE_ID = /^[0-9a-f]{32}$/i;
/** A MAC address worth identifying a host by: not all zeros (loopback), not all ones. */
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export interface StoreOptions {
  /** How long to wait for another process's lock before BW_DB_LOCKED (default 10 s). */
  busyTimeoutMs?: number;
  /** PostgreSQL: use (and create if missing) this schema instead of the connection's default. */
  schema?: string;
}

export interface SaveOptions {
  /** Name the asset (an image scan is otherwise named by its root path). */
  assetName?: string;
  /** An imported scan: the other tool's own score (OpenSCAP's XCCDF score, Lynis's hardening index). */
  toolScore?: ToolScore;
  /** IP addresses the scan saw on the asset (an imported report's), stored on it for display. */
  ips?: string[];
}

/** Another tool's own score of an imported scan, in its own system (never mixed with Bulwark's). */
export interface ToolScore {
  value: number;
  /** e.g. `urn:xccdf:scoring:default`, `lynis:hardening_index`. */
  system: string;
  maximum: number;
}

function toolScoreOf(r: {
  tool_score: number | null;
  tool_score_system: string | null;
  tool_score_max: number | null;
}): ToolScore | null {
  return r.tool_score === null
    ? null
    : { value: r.tool_score, system: r.tool_score_system ?? '', maximum: r.tool_score_max ?? 100 };
}

export interface AssetFilter {
  tag?: string;
  zone?: string;
  deviceClass?: string;
}

/** A stored scan's summary, ranked among its asset's scans (1 = the latest). */
export interface RankedScan {
  id: string;
  asset_id: string;
  asset_name: string;
  started_at: string;
  mode: string;
  profile: string;
  tailoring: string | null;
  score: number | null;
  counts: Record<string, number>;
  /** An imported scan's own score in the tool's system; null for Bulwark's scans. */
  tool_score: ToolScore | null;
  rank: number;
  /** How many scans the asset has in all. */
  scans: number;
}
/** A stored scan without its facts. */
export interface StoredScan {
  id: string;
  asset_id: string;
  asset_name: string;
  started_at: string;
  mode: string;
  profile: string;
  score: number | null;
  counts: Record<string, number>;
  tool_score: ToolScore | null;
}
export interface StoredResult {
  rule_id: string;
  area: string;
  status: string;
  severity: string;
  title: string;
  message: string;
  evidence: Evidence[];
}
export type Baseline = BaselineTable & { scan: StoredScan };

function toWaiver(r: WaiverTable): Waiver {
  return { ...r, scope_kind: r.scope_kind as WaiverScopeKind };
}

export type HistoryEntry = RankedScan & { delta: number | null };
export type FleetEntry = RankedScan & { previous_score: number | null; delta: number | null };

function parseCounts(text: string): Record<string, number> {
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).filter(
        (e): e is [string, number] => typeof e[1] === 'number',
      ),
    );
  } catch {
    return {};
  }
}

/** The change of score, to the precision scores are shown with (a tenth), or null when either is unknown. */
function scoreDelta(now: number | null, before: number | null): number | null {
  return now === null || before === null ? null : Math.round((now - before) * 10) / 10;
}

/** How a scan's target is recognised as an asset: read from its facts. */
interface Identity {
  kind: 'host' | 'image';
  machineId: string | null;
  /** The hardware serial (DMI product_serial, else product_uuid), when one that identifies was read. */
  serial: string | null;
  hostname: string | null;
  macs: string[];
  /** Shown on the asset; never used alone to recognise it (NAT and DHCP share and move addresses). */
  ips: string[];
  name: string;
}

/** Placeholders firmware puts where a serial or UUID should be: they identify nothing. */
const JUNK_SERIAL =
  /^(|none|null|n\/a|na|0+|1234567890|0123456789|default string|to be filled by o\.e\.m\.|system serial number|not specified|not applicable|chassis serial number|serial|\*+|\.+|x+|f+)$/i;
const JUNK_UUID =
  /^(0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12}|03000200-0400-0500-0006-000700080009)$/i;

/** The serial an asset is recognised by, from the `dmi` fact: product_serial, else product_uuid (`uuid:…`). */
export function serialOf(facts: readonly Fact[]): string | null {
  const dmi = facts.find((f) => f.key === 'dmi');
  const row = dmi && dmi.status === 'complete' ? dmi.rows[0] : undefined;
  const serial = typeof row?.['product_serial'] === 'string' ? row['product_serial'].trim() : '';
  if (serial && !JUNK_SERIAL.test(serial)) return serial;
  const uuid = typeof row?.['product_uuid'] === 'string' ? row['product_uuid'].trim().toLowerCase() : '';
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid) && !JUNK_UUID.test(uuid))
    return `uuid:${uuid}`;
  return null;
}

export function identityOf(scan: ScanOutcome, assetName?: string): Identity {
  const os = scan.facts.find((f) => f.key === 'os')?.rows[0];
  const rawMachineId = typeof os?.['machine_id'] === 'string' ? os['machine_id'].trim() : '';
  const machineId = MACHINE_ID.test(rawMachineId) ? rawMachineId.toLowerCase() : null;
  const hostname = typeof os?.['hostname'] === 'string' && os['hostname'] ? os['hostname'] : null;
  const ifs = scan.facts.find((f) => f.key === 'interfaces');
  const macs =
    ifs && (ifs.status === 'complete' || ifs.status === 'incomplete')
      ? [
          ...new Set(
            ifs.rows
              .map((r) => (typeof r['mac'] === 'string' ? r['mac'].toLowerCase() : ''))
              .filter((m) => MAC.test(m) && m !== '00:00:00:00:00:00' && m !== 'ff:ff:ff:ff:ff:ff'),
          ),
        ].sort()
      : [];
  const kind = scan.target.kind === 'live' ? 'host' : 'image';
  const name = assetName ?? (scan.target.kind === 'live' ? (hostname ?? 'localhost') : scan.target.root);
  return { kind, machineId, serial: serialOf(scan.facts), hostname, macs, ips: [], name };
}

function parseList(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** An asset as stored (lists as JSON text) to the Asset the rest of Bulwark uses. */
export function toAsset(r: AssetTable): Asset {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    machine_id: r.machine_id,
    hostname: r.hostname,
    macs: parseList(r.macs),
    owner: r.owner,
    site: r.site,
    zone: r.zone,
    criticality: r.criticality as Criticality | null,
    tags: parseList(r.tags),
    device_class: r.device_class as DeviceClass | null,
    modifiability: r.modifiability as Modifiability,
    vendor_notes: r.vendor_notes,
    serial: r.serial,
    ips: parseList(r.ips),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/**
 * The statements of one scan's save, written once for both backends: a generator that yields each query and
 * receives its rows. SQLite drives it synchronously inside BEGIN IMMEDIATE, PostgreSQL inside an async transaction.
 */
function* saveSteps(
  db: Kysely<Schema>,
  backend: Backend,
  scan: ScanOutcome,
  version: string,
  opts: SaveOptions,
): Generator<CompiledQuery, string, unknown[]> {
  const id = identityOf(scan, opts.assetName);
  // Loopback and link-local addresses say nothing about which host this is.
  if (opts.ips)
    id.ips = [...new Set(opts.ips.map((a) => a.toLowerCase()))]
      .filter((a) => !/^(127\.|::1$|fe80:|169\.254\.|0\.0\.0\.0$|::$)/.test(a))
      .sort();
  const now = new Date().toISOString();
  if (backend === 'postgres') {
    // Two sessions saving scans of the same new asset must not both create it: serialise on its identity.
    const key = `bulwark-asset:${id.kind}:${id.machineId ?? id.hostname ?? id.name}`;
    yield sql`select pg_advisory_xact_lock(hashtext(${key}))`.compile(db);
  }
  const cols = ['id', 'name', 'macs', 'serial'] as const;
  type Found = { id: string; name: string; macs: string; serial: string | null };
  let found: Found | undefined;
  if (id.machineId) {
    const rows = yield db
      .selectFrom('assets')
      .select(cols)
      .where('machine_id', '=', id.machineId)
      .where('kind', '=', id.kind)
      .orderBy('created_at')
      .compile();
    found = rows[0] as typeof found;
  }
  if (!found && id.serial) {
    // The same hardware: its serial — unless both carry machine-ids and they differ (two installs of one
    // golden image can share a virtual serial; a machine-id, when real, says which system this is).
    const rows = (yield db
      .selectFrom('assets')
      .select([...cols, 'machine_id'])
      .where('serial', '=', id.serial)
      .where('kind', '=', id.kind)
      .orderBy('created_at')
      .compile()) as (Found & { machine_id: string | null })[];
    found = rows.find((r) => !id.machineId || r.machine_id === null || r.machine_id === id.machineId);
  }
  if (!found && !id.machineId && id.hostname && id.macs.length > 0) {
    // No machine-id: the same hostname with a MAC address in common.
    const rows = (yield db
      .selectFrom('assets')
      .select(cols)
      .where('hostname', '=', id.hostname)
      .where('kind', '=', id.kind)
      .where('machine_id', 'is', null)
      .orderBy('created_at')
      .compile()) as Found[];
    found = rows.find((r) => parseList(r.macs).some((m) => id.macs.includes(m)));
  }
  if (!found && !id.machineId && id.macs.length === 0) {
    const rows = yield db
      .selectFrom('assets')
      .select(cols)
      .where('name', '=', id.name)
      .where('kind', '=', id.kind)
      .where('machine_id', 'is', null)
      .orderBy('created_at')
      .compile();
    found = rows[0] as typeof found;
  }
  const assetId = found?.id ?? crypto.randomUUID();
  if (!found)
    yield db
      .insertInto('assets')
      .values({
        id: assetId,
        name: id.name,
        machine_id: id.machineId,
        hostname: id.hostname,
        kind: id.kind,
        created_at: now,
        updated_at: now,
        macs: JSON.stringify(id.macs),
        tags: '[]',
        modifiability: 'full',
        serial: id.serial,
        ips: JSON.stringify(id.ips),
      })
      .compile();
  else {
    const macs = [...new Set([...parseList(found.macs), ...id.macs])].sort();
    yield db
      .updateTable('assets')
      .set({
        updated_at: now,
        hostname: id.hostname,
        macs: JSON.stringify(macs),
        ...(opts.assetName ? { name: opts.assetName } : {}),
        // A machine-id asset keeps the serial it was first seen with; one found by its serial has it already.
        ...(id.serial && !found.serial ? { serial: id.serial } : {}),
        // The addresses of the latest scan that saw any (they move with DHCP: not accumulated).
        ...(id.ips.length > 0 ? { ips: JSON.stringify(id.ips) } : {}),
      })
      .where('id', '=', assetId)
      .compile();
  }
  yield db
    .insertInto('scans')
    .values({
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
      facts: encodeSnapshot(scan.facts),
      verdicts: encodeVerdicts(scan.results),
      tool_score: opts.toolScore?.value ?? null,
      tool_score_system: opts.toolScore?.system ?? null,
      tool_score_max: opts.toolScore?.maximum ?? null,
    })
    .compile();
  for (let i = 0; i < scan.results.length; i += 200) {
    yield db
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
      .compile();
  }
  return assetId;
}

const SAFE_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/i;

/**
 * TEST ONLY: BULWARK_TEST_SLOW_WRITE_MS=N pauses N ms after each statement of a scan's write transaction, and
 * says on stderr when the transaction is open, so the kill -9 tests (src/store/crash.test.ts) can kill a
 * process in the middle of a write. Never set it in production: it only makes writes slower.
 */
function slowWriteMs(): number {
  const n = Number(process.env['BULWARK_TEST_SLOW_WRITE_MS'] ?? 0);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 60_000) : 0;
}
const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));
/** TEST ONLY (see slowWriteMs): says the write transaction has committed, so a kill after it is not "inside". */
function testCommitted(): void {
  process.stderr.write('bulwark: test hook: write transaction committed\n');
}
function testPause(ms: number, first: boolean): void {
  if (first) process.stderr.write('bulwark: test hook: write transaction open\n');
  Atomics.wait(sleepBuffer, 0, 0, ms);
}

export class Store {
  readonly db: Kysely<Schema>;
  /** Where the data lives, safe to print: the file path, or the connection string without its password. */
  readonly file: string;
  readonly backend: Backend;
  /** The location as given (a connection string may hold a password: never print it). */
  private readonly location: string;
  private readonly raw: Database.Database | undefined;
  private readonly migrationSchema: string | undefined;

  private constructor(
    location: string,
    db: Kysely<Schema>,
    backend: Backend,
    raw?: Database.Database,
    migrationSchema?: string,
  ) {
    this.location = location;
    this.file = redactDbLocation(location);
    this.db = db;
    this.backend = backend;
    this.raw = raw;
    this.migrationSchema = migrationSchema;
  }

  /** Opens (creating and migrating when needed) an SQLite file or, for postgres:// locations, a PostgreSQL database. */
  static async open(location: string, opts: StoreOptions = {}): Promise<Store> {
    return isPostgresUrl(location) ? Store.openPostgres(location, opts) : Store.openSqlite(location, opts);
  }

  private static async openSqlite(file: string, opts: StoreOptions): Promise<Store> {
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
    const store = new Store(
      file,
      new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw }) }),
      'sqlite',
      raw,
    );
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

  private static async openPostgres(location: string, opts: StoreOptions): Promise<Store> {
    if (opts.schema !== undefined && !SAFE_SCHEMA.test(opts.schema))
      throw new BulwarkError(
        'BW_DB_OPEN',
        `"${opts.schema}" is not a usable PostgreSQL schema name`,
        'use letters, digits and underscores, starting with a letter',
      );
    // Loaded only here: scans into SQLite do not pay for the PostgreSQL driver.
    const { default: pg } = await import('pg');
    const { PostgresDialect } = await import('kysely');
    const timeout = opts.busyTimeoutMs ?? 10_000;
    let pool;
    try {
      pool = new pg.Pool({ connectionString: location, max: 4, connectionTimeoutMillis: 5_000 });
    } catch (e) {
      throw mapPgError(e, location);
    }
    // An idle connection dropped by the server must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const session = [
      // A lock held by another session: wait this long, then 55P03 (BW_DB_LOCKED).
      `set lock_timeout = ${Math.max(1, Math.round(timeout))}`,
      ...(opts.schema ? [`set search_path to "${opts.schema}"`] : []),
    ];
    const dialect = new PostgresDialect({
      pool,
      onCreateConnection: async (conn) => {
        for (const q of session) await conn.executeQuery(CompiledQuery.raw(q));
      },
    });
    const db = new Kysely<Schema>({ dialect });
    let schema: string;
    try {
      if (opts.schema) await sql`create schema if not exists ${sql.id(opts.schema)}`.execute(db);
      const r = await sql<{ s: string | null }>`select current_schema() as s`.execute(db);
      if (!r.rows[0]?.s)
        throw new BulwarkError(
          'BW_DB_OPEN',
          `the database ${redactDbLocation(location)} has no schema to use: its search_path names none that exists`,
          'create the schema (create schema …), or fix the search_path of the role or of the connection string',
        );
      schema = r.rows[0].s;
    } catch (e) {
      await db.destroy().catch(() => undefined);
      throw mapPgError(e, location);
    }
    const store = new Store(location, db, 'postgres', undefined, schema);
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  private mapError(e: unknown): BulwarkError {
    if (e instanceof BulwarkError) return e;
    return this.backend === 'postgres' ? mapPgError(e, this.location) : mapSqliteError(e, this.file);
  }

  private async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: providerFor(this.backend),
      ...(this.migrationSchema ? { migrationTableSchema: this.migrationSchema } : {}),
    });
    // Another process may be migrating the same fresh file: its tables appear under our feet
    // ("already exists") or our read snapshot goes stale (SQLITE_BUSY). Try again: the next run sees its work.
    for (let attempt = 1; ; attempt++) {
      let res;
      try {
        res = await migrator.migrateToLatest();
      } catch (e) {
        throw this.mapError(e);
      }
      if (!res.error) return;
      const msg = res.error instanceof Error ? res.error.message : JSON.stringify(res.error);
      if (/corrupted migrations|missing/i.test(msg))
        throw new BulwarkError(
          'BW_DB_TOO_NEW',
          `the database ${this.file} was written by a newer Bulwark (${scrubPassword(msg, this.location)})`,
          'upgrade Bulwark, or pass another --db; this version will not modify it',
          this.backend === 'sqlite' ? { cause: res.error } : {},
        );
      const code = (res.error as { code?: string }).code ?? '';
      if (
        attempt < 5 &&
        (/already exists|duplicate column name/.test(msg) ||
          code.startsWith('SQLITE_BUSY') ||
          code === '23505' ||
          code === '42P07' ||
          code === '42701')
      ) {
        await new Promise((r) => setTimeout(r, 50 * attempt));
        continue;
      }
      throw this.mapError(res.error);
    }
  }

  /**
   * Stores a finished scan with its results and compressed fact snapshot, atomically. Returns the asset id.
   * SQLite: one synchronous BEGIN IMMEDIATE transaction: it takes the write lock first (waiting up to the
   * busy timeout for another process), so a read snapshot never has to be upgraded (which fails at once with
   * SQLITE_BUSY), and nothing else of this process runs in between (better-sqlite3 waits synchronously: an
   * async transaction could stall against a second connection of the same process). PostgreSQL: one
   * transaction on one pooled connection, the asset lookup serialised by an advisory lock on its identity.
   */
  async saveScan(scan: ScanOutcome, version: string, opts: SaveOptions = {}): Promise<string> {
    if (this.raw) {
      const raw = this.raw;
      try {
        const slow = slowWriteMs();
        const write = raw.transaction((): string => {
          const steps = saveSteps(this.db, 'sqlite', scan, version, opts);
          let next = steps.next([]);
          for (let i = 0; !next.done; i++) {
            const stmt = raw.prepare(next.value.sql);
            const params = next.value.parameters as unknown[];
            next = steps.next(stmt.reader ? stmt.all(...params) : (stmt.run(...params), []));
            if (slow) testPause(slow, i === 0);
          }
          return next.value;
        });
        const id = write.immediate();
        if (slow) testCommitted();
        return id;
      } catch (e) {
        throw this.mapError(e);
      }
    }
    try {
      const id = await this.db.transaction().execute(async (trx) => {
        const steps = saveSteps(this.db, 'postgres', scan, version, opts);
        const slow = slowWriteMs();
        let next = steps.next([]);
        for (let i = 0; !next.done; i++) {
          next = steps.next((await trx.executeQuery(next.value)).rows);
          if (slow) {
            if (i === 0) process.stderr.write('bulwark: test hook: write transaction open\n');
            await new Promise((r) => setTimeout(r, slow));
          }
        }
        return next.value;
      });
      if (slowWriteMs()) testCommitted();
      return id;
    } catch (e) {
      throw this.mapError(e);
    }
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
      .execute()
      .catch((e: unknown) => {
        throw this.mapError(e);
      });
  }

  async loadFacts(scanId: string): Promise<Fact[] | undefined> {
    const row = await this.db.selectFrom('scans').select('facts').where('id', '=', scanId).executeTakeFirst();
    return row ? decodeSnapshot(row.facts) : undefined;
  }

  /**
   * What a fleet re-evaluation needs of several scans, in one query per 500: each one's fact snapshot, still
   * compressed (src/store/snapshot.ts opens it), and its stored verdicts as a JSON object rule id → status (from
   * the results for scans stored before migration 0008). Read a batch at a time, memory stays bounded.
   */
  async snapshotsOf(
    scanIds: readonly string[],
  ): Promise<Map<string, { facts: Uint8Array; verdicts: string }>> {
    const out = new Map<string, { facts: Uint8Array; verdicts: string }>();
    const fail = (e: unknown) => {
      throw this.mapError(e);
    };
    for (let i = 0; i < scanIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('scans')
        .select(['id', 'facts', 'verdicts'])
        .where('id', 'in', scanIds.slice(i, i + 500))
        .execute()
        .catch(fail);
      const older = rows.filter((r) => r.verdicts === null);
      const olderVerdicts =
        older.length > 0 ? await this.resultStatusesOf(older.map((r) => r.id)) : undefined;
      for (const r of rows) {
        const old = olderVerdicts?.get(r.id);
        out.set(r.id, {
          facts: r.facts,
          verdicts: old ? JSON.stringify(Object.fromEntries(old)) : r.verdicts!,
        });
      }
    }
    return out;
  }

  /**
   * The stored verdicts of several scans, by scan id then rule id: from each scan's verdicts column (one row per
   * scan), or from its results for scans stored before migration 0008 (one query per 500 scans).
   */
  async resultStatusesOf(scanIds: readonly string[]): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>(scanIds.map((id) => [id, new Map()]));
    const fail = (e: unknown) => {
      throw this.mapError(e);
    };
    for (let i = 0; i < scanIds.length; i += 500) {
      const ids = scanIds.slice(i, i + 500);
      const compact = await this.db
        .selectFrom('scans')
        .select(['id', 'verdicts'])
        .where('id', 'in', ids)
        .execute()
        .catch(fail);
      const older: string[] = [];
      for (const r of compact) {
        const parsed = r.verdicts === null ? undefined : parseVerdicts(r.verdicts);
        if (parsed) out.set(r.id, parsed);
        else older.push(r.id);
      }
      if (older.length === 0) continue;
      const rows = await this.db
        .selectFrom('results')
        .select(['scan_id', 'rule_id', 'status'])
        .where('scan_id', 'in', older)
        .execute()
        .catch(fail);
      for (const r of rows) out.get(r.scan_id)?.set(r.rule_id, r.status);
    }
    return out;
  }

  /** The stored verdicts of one scan, by rule id (as stored: a rule renamed since appears under its old id). */
  async loadResultStatuses(scanId: string): Promise<Map<string, string>> {
    return (await this.resultStatusesOf([scanId])).get(scanId) ?? new Map<string, string>();
  }

  /**
   * Each asset's scans ranked newest first (rank 1 = latest), at most `depth` of them per asset, with the
   * asset's number of scans. One window-function query, the same on SQLite (3.25+) and PostgreSQL.
   */
  private async rankedScans(depth: number, assetIds?: readonly string[]): Promise<RankedScan[]> {
    const run = (ids?: readonly string[]) => {
      const ranked = this.db
        .selectFrom('scans')
        .select((eb) => [
          'scans.id',
          'scans.asset_id',
          'scans.started_at',
          'scans.mode',
          'scans.profile',
          'scans.tailoring',
          'scans.score',
          'scans.counts',
          'scans.tool_score',
          'scans.tool_score_system',
          'scans.tool_score_max',
          eb.fn
            .agg<number | string>('row_number', [])
            .over((ob) =>
              ob
                .partitionBy('scans.asset_id')
                .orderBy('scans.started_at', 'desc')
                .orderBy('scans.id', 'desc'),
            )
            .as('rank'),
          eb.fn
            .countAll<number | string>()
            .over((ob) => ob.partitionBy('scans.asset_id'))
            .as('scans'),
        ])
        .$if(ids !== undefined, (q) => q.where('scans.asset_id', 'in', ids!));
      return this.db
        .selectFrom(ranked.as('r'))
        .innerJoin('assets', 'assets.id', 'r.asset_id')
        .selectAll('r')
        .select('assets.name as asset_name')
        .where('r.rank', '<=', depth)
        .orderBy('assets.name')
        .orderBy('r.asset_id')
        .orderBy('r.rank')
        .execute();
    };
    try {
      const rows = [];
      if (assetIds === undefined) rows.push(...(await run()));
      // A long fleet: bounded IN lists (SQLite binds at most 32766 parameters).
      else
        for (let i = 0; i < assetIds.length; i += 500) rows.push(...(await run(assetIds.slice(i, i + 500))));
      return rows.map((r) => ({
        id: r.id,
        asset_id: r.asset_id,
        asset_name: r.asset_name,
        started_at: r.started_at,
        mode: r.mode,
        profile: r.profile,
        tailoring: r.tailoring,
        score: r.score,
        counts: parseCounts(r.counts),
        tool_score: toolScoreOf(r),
        rank: Number(r.rank),
        scans: Number(r.scans),
      }));
    } catch (e) {
      throw this.mapError(e);
    }
  }

  /** The latest scan of every asset that has one (of these assets, when given), by asset name. */
  async latestScans(assetIds?: readonly string[]): Promise<RankedScan[]> {
    if (assetIds?.length === 0) return [];
    return this.rankedScans(1, assetIds);
  }

  /**
   * One asset's scans, newest first, at most `limit`, each with the change of score since the scan before it
   * (null for its first scan, or when either score is null).
   */
  async assetHistory(assetId: string, limit = 20): Promise<HistoryEntry[]> {
    const rows = await this.rankedScans(Math.max(1, limit) + 1, [assetId]);
    return rows.slice(0, Math.max(1, limit)).map((r, i) => {
      const prev = rows[i + 1];
      return { ...r, delta: prev ? scoreDelta(r.score, prev.score) : null };
    });
  }

  /** The fleet: per asset with scans, its number of scans, the latest scan and the change of score since the one before. */
  async fleetHistory(): Promise<FleetEntry[]> {
    const rows = await this.rankedScans(2);
    const out: FleetEntry[] = [];
    for (const r of rows) {
      if (r.rank === 1) out.push({ ...r, previous_score: null, delta: null });
      else {
        const last = out[out.length - 1];
        if (last?.asset_id === r.asset_id) {
          last.previous_score = r.score;
          last.delta = scoreDelta(last.score, r.score);
        }
      }
    }
    return out;
  }

  async count(table: 'scans' | 'results' | 'assets'): Promise<number> {
    // PostgreSQL's count is a bigint, which the driver hands over as a string.
    const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(
      this.db,
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Assets, by name, optionally only those with a tag, in a zone, or of a device class. */
  async listAssets(
    filter: AssetFilter = {},
  ): Promise<(Asset & { scans: number; last_scan: string | null })[]> {
    let q = this.db
      .selectFrom('assets')
      .leftJoin('scans', 'scans.asset_id', 'assets.id')
      .selectAll('assets')
      .select((eb) => [
        eb.fn.count<number | string>('scans.id').as('scans'),
        eb.fn.max('scans.started_at').as('last_scan'),
      ])
      .groupBy('assets.id')
      .orderBy('assets.name')
      .orderBy('assets.id');
    if (filter.zone !== undefined) q = q.where('assets.zone', '=', filter.zone);
    if (filter.deviceClass !== undefined) q = q.where('assets.device_class', '=', filter.deviceClass);
    const rows = await q.execute().catch((e: unknown) => {
      throw this.mapError(e);
    });
    return rows
      .map((r) => ({ ...toAsset(r), scans: Number(r.scans), last_scan: r.last_scan }))
      .filter((a) => filter.tag === undefined || a.tags.includes(filter.tag));
  }

  /** One asset by id, or by name when the name is unambiguous. */
  async findAsset(ref: string): Promise<Asset> {
    const rows = await this.db
      .selectFrom('assets')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
      .orderBy('created_at')
      .execute()
      .catch((e: unknown) => {
        throw this.mapError(e);
      });
    const byId = rows.find((r) => r.id === ref);
    if (byId) return toAsset(byId);
    if (rows.length === 0)
      throw new BulwarkError(
        'BW_ASSET_NOT_FOUND',
        `no asset with the id or name "${ref}"`,
        'see `bulwark assets list`',
      );
    if (rows.length > 1)
      throw new BulwarkError(
        'BW_ASSET_AMBIGUOUS',
        `${rows.length} assets are named "${ref}": ${rows.map((r) => r.id).join(', ')}`,
        'name the asset by its id, or give one of them another name with `bulwark assets set <id> --name …`',
      );
    return toAsset(rows[0]!);
  }

  /** Validates and applies a change of attributes; returns the asset as it now is. */
  async updateAsset(ref: string, patch: AssetPatch): Promise<Asset> {
    // zod is loaded only when a change is validated, not on every scan.
    const { AssetPatchSchema } = await import('../core/asset-schema.js');
    const parsed = AssetPatchSchema.safeParse(patch);
    if (!parsed.success)
      throw new BulwarkError(
        'BW_ASSET_INVALID',
        `invalid asset attributes: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        'see `bulwark assets set --help` for the accepted values',
        {
          issues: parsed.error.issues.map((i) => ({
            code: i.code,
            path: i.path.join('.'),
            message: i.message,
          })),
        },
      );
    const p = parsed.data;
    const asset = await this.findAsset(ref);
    const tags = [...new Set([...asset.tags, ...(p.add_tags ?? [])])]
      .filter((t) => !(p.remove_tags ?? []).includes(t))
      .sort();
    const set: Partial<AssetTable> = { updated_at: new Date().toISOString(), tags: JSON.stringify(tags) };
    for (const k of [
      'name',
      'owner',
      'site',
      'zone',
      'criticality',
      'device_class',
      'modifiability',
      'vendor_notes',
    ] as const)
      if (p[k] !== undefined) (set as Record<string, unknown>)[k] = p[k];
    await this.db
      .updateTable('assets')
      .set(set)
      .where('id', '=', asset.id)
      .execute()
      .catch((e: unknown) => {
        throw this.mapError(e);
      });
    return this.findAsset(asset.id);
  }

  /** One stored scan (without its facts), with its asset's name. */
  async findScan(scanId: string): Promise<StoredScan> {
    const row = await this.db
      .selectFrom('scans')
      .innerJoin('assets', 'assets.id', 'scans.asset_id')
      .select([
        'scans.id',
        'scans.asset_id',
        'assets.name as asset_name',
        'scans.started_at',
        'scans.mode',
        'scans.profile',
        'scans.score',
        'scans.counts',
        'scans.tool_score',
        'scans.tool_score_system',
        'scans.tool_score_max',
      ])
      .where('scans.id', '=', scanId)
      .executeTakeFirst()
      .catch((e: unknown) => {
        throw this.mapError(e);
      });
    if (!row)
      throw new BulwarkError(
        'BW_SCAN_NOT_FOUND',
        `no scan with the id "${scanId}"`,
        'see `bulwark history ASSET` for the ids of its scans',
      );
    return {
      id: row.id,
      asset_id: row.asset_id,
      asset_name: row.asset_name,
      started_at: row.started_at,
      mode: row.mode,
      profile: row.profile,
      score: row.score,
      counts: parseCounts(row.counts),
      tool_score: toolScoreOf(row),
    };
  }

  /** The stored results of one scan, by rule id. */
  async loadResults(scanId: string): Promise<StoredResult[]> {
    const rows = await this.db
      .selectFrom('results')
      .select(['rule_id', 'area', 'status', 'severity', 'title', 'message', 'evidence'])
      .where('scan_id', '=', scanId)
      .orderBy('rule_id')
      .execute()
      .catch((e: unknown) => {
        throw this.mapError(e);
      });
    return rows.map((r) => ({ ...r, evidence: JSON.parse(r.evidence) as Evidence[] }));
  }

  /** Validates and stores a waiver (the rule id as given: the caller resolves aliases). Refuses an expiry before `date`. */
  async addWaiver(input: WaiverInput, date = today()): Promise<Waiver> {
    const { WaiverInputSchema } = await import('../core/waiver-schema.js');
    const parsed = WaiverInputSchema.safeParse(input);
    if (!parsed.success)
      throw new BulwarkError(
        'BW_WAIVER_INVALID',
        `invalid waiver: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'waiver'}: ${i.message}`).join('; ')}`,
        'a waiver needs --rule, --scope asset:X|tag:T|zone:Z|all, --owner, --justification, --compensating-control, --expires YYYY-MM-DD and --approver',
        {
          issues: parsed.error.issues.map((i) => ({
            code: i.code,
            path: i.path.join('.'),
            message: i.message,
          })),
        },
      );
    const w = parsed.data;
    if (isExpired(w, date))
      throw new BulwarkError(
        'BW_WAIVER_INVALID',
        `the expiry ${w.expires} is in the past (today is ${date})`,
        'a waiver is time-limited from now on: give an expiry date of today or later',
      );
    const waiver: Waiver = {
      ...w,
      id: `w-${crypto.randomUUID().slice(0, 8)}`,
      created_at: new Date().toISOString(),
      revoked_at: null,
      revoked_by: null,
    };
    await this.db
      .insertInto('waivers')
      .values(waiver)
      .execute()
      .catch((e: unknown) => {
        throw this.mapError(e);
      });
    return waiver;
  }

  /**
   * Waivers, newest first. By default those in force on `date` (not revoked, not expired); `all` adds the
   * revoked and expired ones; `expired` gives only those expired (and not revoked).
   */
  async listWaivers(opts: { all?: boolean; expired?: boolean; date?: string } = {}): Promise<Waiver[]> {
    const date = opts.date ?? today();
    let q = this.db.selectFrom('waivers').selectAll().orderBy('created_at', 'desc').orderBy('id');
    if (opts.expired) q = q.where('revoked_at', 'is', null).where('expires', '<', date);
    else if (!opts.all) q = q.where('revoked_at', 'is', null).where('expires', '>=', date);
    const rows = await q.execute().catch((e: unknown) => {
      throw this.mapError(e);
    });
    return rows.map(toWaiver);
  }

  async revokeWaiver(id: string, by: string): Promise<Waiver> {
    if (!by.trim())
      throw new BulwarkError('BW_WAIVER_INVALID', 'who revokes the waiver is required', 'pass --by NAME');
    const r = await this.db
      .updateTable('waivers')
      .set({ revoked_at: new Date().toISOString(), revoked_by: by.trim() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
      .catch((e: unknown) => {
        throw this.mapError(e);
      });
    const row = await this.db.selectFrom('waivers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row)
      throw new BulwarkError(
        'BW_WAIVER_NOT_FOUND',
        `no waiver with the id "${id}"`,
        'see `bulwark waivers list --all`',
      );
    if (Number(r.numUpdatedRows) === 0)
      throw new BulwarkError(
        'BW_WAIVER_INVALID',
        `the waiver ${id} was already revoked by ${row.revoked_by ?? '?'} at ${row.revoked_at ?? '?'}`,
        'nothing to do',
      );
    return toWaiver(row);
  }

  /**
   * The waivers that cover an asset on a date: scoped to its id, one of its tags, its zone, or all; not
   * revoked. `active` are in force (expiry on or after the date), `expired` no longer apply.
   */
  async waiversFor(asset: Asset, date = today()): Promise<{ active: Waiver[]; expired: Waiver[] }> {
    const rows = await this.db
      .selectFrom('waivers')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('scope_kind', '=', 'all'),
          eb.and([eb('scope_kind', '=', 'asset'), eb('scope_value', '=', asset.id)]),
          ...(asset.zone !== null
            ? [eb.and([eb('scope_kind', '=', 'zone'), eb('scope_value', '=', asset.zone)])]
            : []),
          ...(asset.tags.length > 0
            ? [eb.and([eb('scope_kind', '=', 'tag'), eb('scope_value', 'in', asset.tags)])]
            : []),
        ]),
      )
      .orderBy('created_at')
      .orderBy('id')
      .execute()
      .catch((e: unknown) => {
        throw this.mapError(e);
      });
    const all = rows.map(toWaiver);
    return { active: all.filter((w) => !isExpired(w, date)), expired: all.filter((w) => isExpired(w, date)) };
  }

  /**
   * The waivers in force for an asset on a date, as a lookup by rule id: `canonical` maps ids and old aliases
   * to today's ids, so a waiver on a renamed rule's old id covers it.
   */
  async activeWaivers(
    asset: Asset,
    date = today(),
    canonical?: (id: string) => string | undefined,
  ): Promise<(ruleId: string) => Waiver | undefined> {
    return waiverIndex((await this.waiversFor(asset, date)).active, canonical);
  }

  /** Approves a scan as its asset's baseline, replacing the active one, in one transaction. */
  async approveBaseline(scanId: string, by: string, note?: string): Promise<Baseline> {
    if (!by.trim())
      throw new BulwarkError('BW_USAGE', 'who approves the baseline is required', 'pass --by NAME');
    const scan = await this.findScan(scanId);
    const now = new Date().toISOString();
    const row: BaselineTable = {
      id: crypto.randomUUID(),
      asset_id: scan.asset_id,
      scan_id: scan.id,
      approved_by: by.trim(),
      approved_at: now,
      note: note ?? null,
      superseded_at: null,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('baselines')
          .set({ superseded_at: now })
          .where('asset_id', '=', scan.asset_id)
          .where('superseded_at', 'is', null)
          .execute();
        await trx.insertInto('baselines').values(row).execute();
      });
    } catch (e) {
      throw this.mapError(e);
    }
    return { ...row, scan };
  }

  /** The asset's active baseline with its scan, or undefined when none was approved. */
  async baselineFor(assetId: string): Promise<Baseline | undefined> {
    const row = await this.db
      .selectFrom('baselines')
      .selectAll()
      .where('asset_id', '=', assetId)
      .where('superseded_at', 'is', null)
      .orderBy('approved_at', 'desc')
      .executeTakeFirst()
      .catch((e: unknown) => {
        throw this.mapError(e);
      });
    return row ? { ...row, scan: await this.findScan(row.scan_id) } : undefined;
  }

  /** The tables Bulwark keeps, for counts (info, check, backup). */
  static readonly TABLES = ['assets', 'scans', 'results', 'waivers', 'baselines'] as const;

  /** Rows per table. */
  async counts(): Promise<Record<(typeof Store.TABLES)[number], number>> {
    const out = {} as Record<(typeof Store.TABLES)[number], number>;
    for (const t of Store.TABLES) {
      const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(t)}`
        .execute(this.db)
        .catch((e: unknown) => {
          throw this.mapError(e);
        });
      out[t] = Number(r.rows[0]?.n ?? 0);
    }
    return out;
  }

  /** What `bulwark db info` shows: where, which schema version, how much. */
  async info(): Promise<StoreInfo> {
    const migrations = await sql<{ name: string }>`select name from ${sql.table(
      this.migrationSchema ? `${this.migrationSchema}.kysely_migration` : 'kysely_migration',
    )} order by name`
      .execute(this.db)
      .catch((e: unknown) => {
        throw this.mapError(e);
      });
    const names = migrations.rows.map((r) => r.name);
    const info: StoreInfo = {
      backend: this.backend,
      location: this.file,
      schema_version: names[names.length - 1] ?? null,
      migrations: names,
      counts: await this.counts(),
    };
    if (this.raw) {
      const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
      info.bytes = size(this.location) + size(`${this.location}-wal`);
      info.journal_mode = String(this.raw.pragma('journal_mode', { simple: true }));
    } else {
      const v = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(this.db);
      info.server_version = v.rows[0]?.v ?? null;
      info.pg_schema = this.migrationSchema ?? null;
    }
    return info;
  }

  /**
   * Checks the database: SQLite's integrity_check and foreign_key_check (PostgreSQL checks its own pages), then
   * on both that every scan has exactly the results its counts declare (no half-written scan).
   */
  async check(): Promise<{ ok: boolean; problems: string[]; checked: string[] }> {
    const problems: string[] = [];
    const checked: string[] = [];
    if (this.raw) {
      const integrity = this.raw.pragma('integrity_check') as { integrity_check: string }[];
      checked.push('integrity_check');
      for (const r of integrity)
        if (r.integrity_check !== 'ok') problems.push(`integrity: ${r.integrity_check}`);
      const fk = this.raw.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
      checked.push('foreign_key_check');
      for (const r of fk.slice(0, 20))
        problems.push(`foreign key: ${r.table} row ${r.rowid} → missing ${r.parent}`);
    }
    try {
      const scans = await this.db.selectFrom('scans').select(['id', 'counts']).execute();
      const rows = await this.db
        .selectFrom('results')
        .select((eb) => ['scan_id', eb.fn.countAll<number | string>().as('n')])
        .groupBy('scan_id')
        .execute();
      const n = new Map(rows.map((r) => [r.scan_id, Number(r.n)]));
      checked.push('scan results complete');
      for (const s of scans) {
        const declared = Object.values(parseCounts(s.counts)).reduce((a, b) => a + b, 0);
        const have = n.get(s.id) ?? 0;
        if (have !== declared) problems.push(`scan ${s.id}: ${have} results stored, ${declared} declared`);
      }
      // Every fact of every snapshot decodes and matches its content hash; the verdicts column, where there is
      // one, agrees with the results in number. A batch of snapshots at a time.
      checked.push('fact snapshots and verdicts readable');
      const ids = scans.map((s) => s.id);
      let damaged = 0;
      for (let i = 0; i < ids.length; i += 200) {
        const rows = await this.db
          .selectFrom('scans')
          .select(['id', 'facts', 'verdicts'])
          .where('id', 'in', ids.slice(i, i + 200))
          .execute();
        for (const r of rows) {
          const why = snapshotProblem(r.facts);
          const verdicts = r.verdicts === null ? undefined : parseVerdicts(r.verdicts);
          const whyVerdicts =
            r.verdicts === null
              ? undefined
              : verdicts === undefined
                ? 'its verdicts are not a JSON object'
                : verdicts.size !== (n.get(r.id) ?? 0)
                  ? `${verdicts.size} verdicts stored with it, ${n.get(r.id) ?? 0} results`
                  : undefined;
          for (const problem of [why && `its fact snapshot: ${why}`, whyVerdicts])
            if (problem && damaged++ < 50) problems.push(`scan ${r.id}: ${problem}`);
        }
      }
      if (damaged > 50) problems.push(`… and ${damaged - 50} more damaged snapshots or verdicts`);
    } catch (e) {
      throw this.mapError(e);
    }
    return { ok: problems.length === 0, problems, checked };
  }

  /**
   * SQLite: an online backup (SQLite's backup API: a consistent snapshot while other processes keep writing)
   * into `tmp`, which must exist (created 0600 by the caller), turned into a self-contained file (no WAL).
   */
  async backupSqlite(tmp: string): Promise<void> {
    if (!this.raw) throw new BulwarkError('BW_INTERNAL', 'backupSqlite on PostgreSQL', 'use backupPostgres');
    try {
      await this.raw.backup(tmp);
      const copy = new Database(tmp);
      try {
        copy.pragma('journal_mode = DELETE');
      } finally {
        copy.close();
      }
    } catch (e) {
      throw new BulwarkError(
        'BW_DB_BACKUP',
        `the backup of ${this.file} into ${tmp} failed: ${e instanceof Error ? e.message : String(e)}`,
        'check the free space and permissions of the output directory',
        { cause: e },
      );
    }
  }

  /** PostgreSQL: the connection for pg_dump — the location without its password, the password apart. */
  pgDumpTarget(): { url: string; password: string | undefined; schema: string } {
    if (this.raw) throw new BulwarkError('BW_INTERNAL', 'pgDumpTarget on SQLite', 'use backupSqlite');
    const u = new URL(this.location);
    const password = dbPassword(this.location);
    u.password = '';
    u.searchParams.delete('password');
    // The driver reads '+' in the query as a space (URLSearchParams does), libpq literally: %20 both read alike.
    u.search = u.search.replace(/\+/g, '%20');
    return { url: u.toString(), password, schema: this.migrationSchema ?? 'public' };
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

export interface StoreInfo {
  backend: Backend;
  /** The file, or the connection string without its password. */
  location: string;
  /** The last migration applied. */
  schema_version: string | null;
  migrations: string[];
  counts: Record<string, number>;
  bytes?: number;
  journal_mode?: string;
  server_version?: string | null;
  pg_schema?: string | null;
}
