/**
 * Remediation's tables (migration 0007, portable SQLite + PostgreSQL through Kysely, no dependency on other
 * areas' tables): stored plans, applied changes with their backups, change requests, and the hash-chained
 * audit log. The Store's Kysely handle is reused with this module's table types.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import { BulwarkError } from '../core/errors.js';
import type { Store } from '../store/db.js';
// The plan schema (zod) is loaded only where a stored plan is read: the audit log and the migration sit on
// every scan's path, which stays free of zod.
import type { Plan } from './types.js';
import { actorName } from './identity.js';

export interface PlanTable {
  id: string;
  created_at: string;
  created_by: string;
  asset_id: string | null;
  scan_id: string | null;
  target_kind: string;
  target_root: string;
  /** The plan document (JSON). */
  plan: string;
}
export interface AppliedTable {
  /** One application of one change of a plan. */
  id: string;
  plan_id: string;
  change_id: string;
  request_id: string | null;
  target_root: string;
  /** applied | verified | rolled_back | failed | refused */
  status: string;
  actor: string;
  applied_at: string;
  rolled_back_at: string | null;
  message: string;
  /** JSON: affected rules' results before and after. */
  evidence: string;
}
export interface BackupTable {
  applied_id: string;
  path: string;
  /** 1 when the file existed before the change. */
  existed: number;
  content: Buffer | null;
  sha256: string | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
}
export interface ChangeRequestTable {
  id: string;
  title: string;
  /** requested | approved | rejected | applied | failed | verified | closed */
  status: string;
  requester: string;
  approver: string | null;
  decided_at: string | null;
  decision_note: string | null;
  plan_id: string;
  asset_id: string | null;
  /** JSON list of rule ids (the findings). */
  findings: string;
  window_start: string | null;
  window_end: string | null;
  /** JSON impact assessment. */
  impact: string;
  /** JSON: results of the affected rules before and after. */
  evidence_before: string | null;
  evidence_after: string | null;
  created_at: string;
  updated_at: string;
}
export interface AuditTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  /** Canonical JSON. */
  details: string;
  prev_hash: string;
  hash: string;
}
export interface RemediationSchema {
  remediation_plans: PlanTable;
  remediation_applied: AppliedTable;
  remediation_backups: BackupTable;
  change_requests: ChangeRequestTable;
  audit_log: AuditTable;
}

/** Migration 0007: created once, for both dialects. */
export function remediationMigration(backend: 'sqlite' | 'postgres'): Migration {
  const blob = backend === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('remediation_plans')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('asset_id', 'text')
        .addColumn('scan_id', 'text')
        .addColumn('target_kind', 'text', (c) => c.notNull())
        .addColumn('target_root', 'text', (c) => c.notNull())
        .addColumn('plan', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('remediation_applied')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('change_id', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('target_root', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('applied_at', 'text', (c) => c.notNull())
        .addColumn('rolled_back_at', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('remediation_applied_plan')
        .on('remediation_applied')
        .columns(['plan_id', 'change_id'])
        .execute();
      await db.schema
        .createTable('remediation_backups')
        .addColumn('applied_id', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('existed', 'integer', (c) => c.notNull())
        .addColumn('content', blob)
        .addColumn('sha256', 'text')
        .addColumn('mode', 'integer')
        .addColumn('uid', 'integer')
        .addColumn('gid', 'integer')
        .addPrimaryKeyConstraint('remediation_backups_pk', ['applied_id', 'path'])
        .execute();
      await db.schema
        .createTable('change_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('requester', 'text', (c) => c.notNull())
        .addColumn('approver', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('decision_note', 'text')
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('asset_id', 'text')
        .addColumn('findings', 'text', (c) => c.notNull())
        .addColumn('window_start', 'text')
        .addColumn('window_end', 'text')
        .addColumn('impact', 'text', (c) => c.notNull())
        .addColumn('evidence_before', 'text')
        .addColumn('evidence_after', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

export const rdb = (store: Store): Kysely<RemediationSchema> =>
  store.db as unknown as Kysely<RemediationSchema>;

// ------------------------------------------------------------------ audit log

export const GENESIS = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  if (v && typeof v === 'object')
    return (
      '{' +
      Object.keys(v)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => JSON.stringify(k) + ':' + canonicalJson((v as Record<string, unknown>)[k]))
        .join(',') +
      '}'
    );
  return JSON.stringify(v ?? null);
}

export function entryHash(e: Omit<AuditTable, 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    details: e.details,
  });
  return createHash('sha256').update(e.prev_hash).update(body).digest('hex');
}

export interface AuditInput {
  action: string;
  actor: string;
  subject: string;
  details?: Record<string, unknown>;
}

/**
 * Appends one entry to the hash-chained audit log: hash = SHA-256(previous hash ‖ canonical JSON of the
 * entry). Two writers racing for the same sequence number: the primary key refuses the second, which retries.
 */
export async function appendAudit(store: Store, input: AuditInput): Promise<AuditTable> {
  const db = rdb(store);
  for (let attempt = 1; ; attempt++) {
    const last = await db
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const base = {
      seq: (last?.seq ?? 0) + 1,
      at: new Date().toISOString(),
      actor: input.actor,
      action: input.action,
      subject: input.subject,
      details: canonicalJson(input.details ?? {}),
      prev_hash: last?.hash ?? GENESIS,
    };
    const row: AuditTable = { ...base, hash: entryHash(base) };
    try {
      await db.insertInto('audit_log').values(row).execute();
      return row;
    } catch (e) {
      if (attempt >= 10) throw e;
      await new Promise((r) => setTimeout(r, 10 * attempt));
    }
  }
}

/** One line for other commands: appends `action` on `subject` by --by / $BULWARK_USER / the OS user. */
export async function audit(
  store: Store,
  action: string,
  subject: string,
  details: Record<string, unknown> = {},
  by?: string,
): Promise<AuditTable> {
  return appendAudit(store, { action, actor: actorName(by), subject, details });
}

export async function listAudit(
  store: Store,
  opts: { limit?: number; subject?: string } = {},
): Promise<AuditTable[]> {
  let q = rdb(store).selectFrom('audit_log').selectAll().orderBy('seq', 'asc');
  if (opts.subject) q = q.where('subject', '=', opts.subject);
  const rows = await q.execute();
  return opts.limit ? rows.slice(-opts.limit) : rows;
}

export interface AuditProblem {
  seq: number;
  kind: 'edited' | 'deleted' | 'reordered' | 'chain_broken';
  message: string;
}

/** Checks the chain: an edited entry, a deleted one (a gap) and a reordered one are each named. Pure. */
export function verifyChain(rows: readonly AuditTable[]): AuditProblem[] {
  const out: AuditProblem[] = [];
  const sorted = [...rows].sort((a, b) => a.seq - b.seq);
  const seqOfHash = new Map(sorted.map((r) => [r.hash, r.seq]));
  let prev: AuditTable | undefined;
  for (const r of sorted) {
    const seq = r.seq;
    const expected = prev ? prev.seq + 1 : 1;
    let reported = false;
    if (seq !== expected) {
      out.push({
        seq,
        kind: 'deleted',
        message: `entries #${expected}${seq - 1 > expected ? `–#${seq - 1}` : ''} are missing before #${seq} (deleted)`,
      });
      reported = true;
    }
    if (entryHash({ ...r, seq }) !== r.hash) {
      const linkedTo = seqOfHash.get(r.prev_hash);
      const written = r.prev_hash === GENESIS ? 1 : linkedTo !== undefined ? linkedTo + 1 : undefined;
      if (written !== undefined && written !== seq && entryHash({ ...r, seq: written }) === r.hash)
        out.push({
          seq,
          kind: 'reordered',
          message: `entry stored as #${seq} was written as #${written} (entries reordered)`,
        });
      else
        out.push({
          seq,
          kind: 'edited',
          message: `entry #${seq} (${r.action} ${r.subject}) does not match its hash: it was edited`,
        });
      reported = true;
    }
    const wantPrev = prev ? prev.hash : GENESIS;
    if (!reported && r.prev_hash !== wantPrev)
      out.push({
        seq,
        kind: 'chain_broken',
        message: `entry #${seq} does not follow #${prev ? prev.seq : 0} (its previous hash differs): an entry before it was deleted or replaced`,
      });
    prev = r;
  }
  return out;
}

export async function verifyAudit(
  store: Store,
): Promise<{ entries: number; problems: AuditProblem[]; head: string | null }> {
  const rows = await listAudit(store);
  return { entries: rows.length, problems: verifyChain(rows), head: rows[rows.length - 1]?.hash ?? null };
}

// ------------------------------------------------------------------ plans

export async function savePlan(store: Store, plan: Plan, by: string): Promise<void> {
  await rdb(store)
    .insertInto('remediation_plans')
    .values({
      id: plan.id,
      created_at: plan.created_at,
      created_by: by,
      asset_id: plan.asset?.id ?? null,
      scan_id: plan.scan_id,
      target_kind: plan.target.kind,
      target_root: plan.target.root,
      plan: JSON.stringify(plan),
    })
    .execute();
}

export async function findPlan(store: Store, id: string): Promise<Plan | undefined> {
  const row = await rdb(store)
    .selectFrom('remediation_plans')
    .select('plan')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const { PlanSchema } = await import('./types.js');
  return PlanSchema.parse(JSON.parse(row.plan));
}

// ------------------------------------------------------------------ applied changes and backups

export async function recordApplied(store: Store, row: AppliedTable, backups: BackupTable[]): Promise<void> {
  await rdb(store)
    .transaction()
    .execute(async (tx) => {
      await tx.insertInto('remediation_applied').values(row).execute();
      for (const b of backups) await tx.insertInto('remediation_backups').values(b).execute();
    });
}

export async function updateApplied(store: Store, id: string, patch: Partial<AppliedTable>): Promise<void> {
  await rdb(store).updateTable('remediation_applied').set(patch).where('id', '=', id).execute();
}

export async function findApplied(
  store: Store,
  ref: string,
): Promise<{ row: AppliedTable; backups: BackupTable[] }> {
  const db = rdb(store);
  let row = await db.selectFrom('remediation_applied').selectAll().where('id', '=', ref).executeTakeFirst();
  if (!row) {
    const rows = await db
      .selectFrom('remediation_applied')
      .selectAll()
      .where('id', 'like', `${ref}%`)
      .execute();
    if (rows.length === 1) row = rows[0];
  }
  if (!row)
    throw new BulwarkError(
      'BW_CHANGE_NOT_FOUND',
      `no applied change "${ref}"`,
      'see `bulwark fix history` for the ids of applied changes',
    );
  const backups = await db
    .selectFrom('remediation_backups')
    .selectAll()
    .where('applied_id', '=', row.id)
    .execute();
  return { row, backups };
}

export async function listApplied(store: Store, planId?: string): Promise<AppliedTable[]> {
  let q = rdb(store)
    .selectFrom('remediation_applied')
    .selectAll()
    .orderBy('applied_at', 'asc')
    .orderBy('id', 'asc');
  if (planId) q = q.where('plan_id', '=', planId);
  return q.execute();
}

// ------------------------------------------------------------------ change requests

export const newId = (): string => randomUUID();

export async function insertRequest(store: Store, row: ChangeRequestTable): Promise<void> {
  await rdb(store).insertInto('change_requests').values(row).execute();
}

export async function findRequest(store: Store, ref: string): Promise<ChangeRequestTable> {
  const db = rdb(store);
  let row = await db.selectFrom('change_requests').selectAll().where('id', '=', ref).executeTakeFirst();
  if (!row && ref.length >= 6) {
    const rows = await db.selectFrom('change_requests').selectAll().where('id', 'like', `${ref}%`).execute();
    if (rows.length === 1) row = rows[0];
  }
  if (!row)
    throw new BulwarkError('BW_CHANGE_NOT_FOUND', `no change request "${ref}"`, 'see `bulwark change list`');
  return row;
}

export async function updateRequest(
  store: Store,
  id: string,
  patch: Partial<ChangeRequestTable>,
): Promise<ChangeRequestTable> {
  await rdb(store)
    .updateTable('change_requests')
    .set({ ...patch, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute();
  return findRequest(store, id);
}

export async function listRequests(store: Store, status?: string): Promise<ChangeRequestTable[]> {
  let q = rdb(store).selectFrom('change_requests').selectAll().orderBy('created_at', 'asc');
  if (status) q = q.where('status', '=', status);
  return q.execute();
}
