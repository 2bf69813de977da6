/**
 * Stored discovery: a capture import (its flows, observed assets and operations) written to the store in one
 * transaction (migration 0006_captures), listed, and loaded back as the same CaptureSummary the analyser
 * returns, so that `bulwark zones check` and reports can work from stored captures.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { BulwarkError } from '../core/errors.js';
import type { Schema, Store } from '../store/db.js';
import type {
  CaptureSummary,
  CaptureWarning,
  Flow,
  ObservedAsset,
  Operation,
  OperationKind,
  ProtocolName,
  RoleGuess,
} from './types.js';

export interface StoredCapture {
  id: string;
  name: string;
  importedAt: string;
  files: CaptureSummary['files'];
  packets: number;
  bytes: number;
  firstSeen: number | null;
  lastSeen: number | null;
  flows: number;
  assets: number;
  operations: number;
  counters: Record<string, number>;
  warnings: CaptureWarning[];
}

/** PostgreSQL returns bigint columns as strings. */
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
function json<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

const BATCH = 200;
async function insertBatches<T extends keyof Schema>(
  trx: Transaction<Schema>,
  table: T,
  rows: Schema[T][],
): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    // The rows are whole table rows: Kysely's insert type accepts them as they are.
    await trx
      .insertInto(table)
      .values(rows.slice(i, i + BATCH) as never)
      .execute();
  }
}

/** Stores a capture summary; returns the import's id. */
export async function saveCapture(
  store: Store,
  summary: CaptureSummary,
  name: string,
  at = new Date(),
): Promise<string> {
  const id = `cap-${randomUUID().slice(0, 8)}`;
  const seen = summary.flows.length
    ? {
        first: Math.min(...summary.flows.map((f) => f.firstSeen)),
        last: Math.max(...summary.flows.map((f) => f.lastSeen)),
      }
    : { first: null, last: null };
  try {
    await store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('capture_imports')
        .values({
          id,
          name,
          imported_at: at.toISOString(),
          files: JSON.stringify(summary.files),
          packets: summary.files.reduce((a, f) => a + f.packets, 0),
          bytes: summary.files.reduce((a, f) => a + f.bytes, 0),
          first_seen: seen.first,
          last_seen: seen.last,
          flows: summary.flows.length,
          assets: summary.assets.length,
          operations: summary.operations.length,
          counters: JSON.stringify(summary.counters),
          warnings: JSON.stringify(summary.warnings),
        })
        .execute();
      await insertBatches(
        trx,
        'capture_flows',
        summary.flows.map((f) => ({
          capture_id: id,
          transport: f.transport,
          src_ip: f.srcIp,
          src_port: f.srcPort,
          dst_ip: f.dstIp,
          dst_port: f.dstPort,
          protocol: f.protocol,
          identified_by: f.identifiedBy,
          initiator_known: f.initiatorKnown ? 1 : 0,
          src_mac: f.srcMac ?? null,
          dst_mac: f.dstMac ?? null,
          vlan: f.vlan ?? null,
          packets_to_server: f.packetsToServer,
          packets_to_client: f.packetsToClient,
          bytes_to_server: f.bytesToServer,
          bytes_to_client: f.bytesToClient,
          first_seen: f.firstSeen,
          last_seen: f.lastSeen,
          notes: JSON.stringify(f.notes),
        })),
      );
      await insertBatches(
        trx,
        'capture_assets',
        summary.assets.map((a) => ({
          capture_id: id,
          key: a.key,
          mac: a.mac ?? null,
          ips: JSON.stringify(a.ips),
          vendor: a.vendor ?? null,
          serves: JSON.stringify(a.serves),
          uses: JSON.stringify(a.uses),
          role: a.role,
          role_reasons: JSON.stringify(a.roleReasons),
          first_seen: a.firstSeen,
          last_seen: a.lastSeen,
          packets: a.packets,
          bytes: a.bytes,
        })),
      );
      await insertBatches(
        trx,
        'capture_operations',
        summary.operations.map((o) => ({
          capture_id: id,
          protocol: o.protocol,
          kind: o.kind,
          name: o.name,
          code: o.code,
          src_ip: o.srcIp,
          dst_ip: o.dstIp,
          first_seen: o.firstSeen,
          last_seen: o.lastSeen,
          count: o.count,
        })),
      );
    });
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    throw new BulwarkError(
      'BW_DB_OPEN',
      `storing the capture in ${store.file} failed: ${e instanceof Error ? e.message : String(e)}`,
      'check the database (bulwark capture list shows what is stored); nothing of this import was kept',
    );
  }
  return id;
}

function toStored(r: Schema['capture_imports']): StoredCapture {
  return {
    id: r.id,
    name: r.name,
    importedAt: r.imported_at,
    files: json(r.files, []),
    packets: num(r.packets),
    bytes: num(r.bytes),
    firstSeen: numOrNull(r.first_seen),
    lastSeen: numOrNull(r.last_seen),
    flows: num(r.flows),
    assets: num(r.assets),
    operations: num(r.operations),
    counters: json(r.counters, {}),
    warnings: json(r.warnings, []),
  };
}

/** Stored captures, the latest first. */
export async function listCaptures(store: Store, limit = 50): Promise<StoredCapture[]> {
  const rows = await store.db
    .selectFrom('capture_imports')
    .selectAll()
    .orderBy('imported_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toStored);
}

/** One stored capture by id (or unique id prefix), or the latest when no id is given. */
export async function findCapture(store: Store, ref?: string): Promise<StoredCapture> {
  const db: Kysely<Schema> = store.db;
  let q = db.selectFrom('capture_imports').selectAll().orderBy('imported_at', 'desc').orderBy('id');
  if (ref !== undefined)
    q = q.where((eb) =>
      eb.or([eb('id', '=', ref), eb('id', 'like', `${ref.replace(/[%_\\]/g, '')}%`), eb('name', '=', ref)]),
    );
  const rows = await q.limit(2).execute();
  const exact = rows.find((r) => r.id === ref);
  if (exact) return toStored(exact);
  if (rows.length === 0)
    throw new BulwarkError(
      'BW_CAPTURE_NOT_FOUND',
      ref === undefined ? `no capture is stored in ${store.file}` : `no stored capture is called ${ref}`,
      ref === undefined
        ? 'import one first: bulwark capture import FILE…'
        : 'list them with: bulwark capture list',
    );
  if (rows.length > 1 && ref !== undefined)
    throw new BulwarkError(
      'BW_CAPTURE_NOT_FOUND',
      `${ref} names more than one stored capture`,
      'give the full id (bulwark capture list)',
    );
  return toStored(rows[0]!);
}

export async function loadFlows(store: Store, id: string): Promise<Flow[]> {
  const rows = await store.db
    .selectFrom('capture_flows')
    .selectAll()
    .where('capture_id', '=', id)
    .orderBy('first_seen')
    .execute();
  return rows.map((r) => {
    const f: Flow = {
      transport: r.transport,
      srcIp: r.src_ip,
      srcPort: num(r.src_port),
      dstIp: r.dst_ip,
      dstPort: num(r.dst_port),
      protocol: r.protocol as ProtocolName,
      identifiedBy: r.identified_by as Flow['identifiedBy'],
      initiatorKnown: num(r.initiator_known) === 1,
      packetsToServer: num(r.packets_to_server),
      packetsToClient: num(r.packets_to_client),
      bytesToServer: num(r.bytes_to_server),
      bytesToClient: num(r.bytes_to_client),
      firstSeen: num(r.first_seen),
      lastSeen: num(r.last_seen),
      notes: json(r.notes, []),
    };
    if (r.src_mac !== null) f.srcMac = r.src_mac;
    if (r.dst_mac !== null) f.dstMac = r.dst_mac;
    if (r.vlan !== null) f.vlan = num(r.vlan);
    return f;
  });
}

export async function loadAssets(store: Store, id: string): Promise<ObservedAsset[]> {
  const rows = await store.db.selectFrom('capture_assets').selectAll().where('capture_id', '=', id).execute();
  const { compareKeys } = await import('./assets.js');
  return rows
    .map((r) => {
      const a: ObservedAsset = {
        key: r.key,
        ips: json(r.ips, []),
        serves: json(r.serves, []),
        uses: json(r.uses, []),
        role: r.role as RoleGuess,
        roleReasons: json(r.role_reasons, []),
        firstSeen: num(r.first_seen),
        lastSeen: num(r.last_seen),
        packets: num(r.packets),
        bytes: num(r.bytes),
      };
      if (r.mac !== null) a.mac = r.mac;
      if (r.vendor !== null) a.vendor = r.vendor;
      return a;
    })
    .sort((x, y) => compareKeys(x.key, y.key));
}

export async function loadOperations(store: Store, id: string): Promise<Operation[]> {
  const rows = await store.db
    .selectFrom('capture_operations')
    .selectAll()
    .where('capture_id', '=', id)
    .orderBy('first_seen')
    .orderBy('name')
    .execute();
  return rows.map((r) => ({
    protocol: r.protocol as ProtocolName,
    kind: r.kind as OperationKind,
    name: r.name,
    code: r.code,
    srcIp: r.src_ip,
    dstIp: r.dst_ip,
    firstSeen: num(r.first_seen),
    lastSeen: num(r.last_seen),
    count: num(r.count),
  }));
}

/** A stored capture as the analyser's summary (for zone checks and reports). */
export async function loadCapture(
  store: Store,
  ref?: string,
): Promise<{ capture: StoredCapture; summary: CaptureSummary }> {
  const capture = await findCapture(store, ref);
  const [flows, assets, operations] = await Promise.all([
    loadFlows(store, capture.id),
    loadAssets(store, capture.id),
    loadOperations(store, capture.id),
  ]);
  return {
    capture,
    summary: {
      files: capture.files,
      flows,
      assets,
      operations,
      warnings: capture.warnings,
      counters: capture.counters,
    },
  };
}
