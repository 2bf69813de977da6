/**
 * The remediation part of an evidence pack (src/cli/evidence.ts): every change request of the assets in the
 * pack as `changes/<id>.json` (approvals, plan, impact assessment, before/after evidence, applications,
 * the audit entries about it) with `changes/index.json`, and the whole hash-chained audit log as
 * `audit/log.jsonl` with `audit/verification.json` (entries, head hash, the chain check's result).
 * Backups' file contents are not copied (they may hold secrets such as /etc/shadow): their paths and SHA-256 are.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuditTable } from '../remediate/store.js';
import type { Store } from '../store/db.js';

export const AUDIT_LOG = 'audit/log.jsonl';

const j = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

export interface ChangesWritten {
  changes: number;
  audit: { entries: number; head: string | null; ok: boolean };
}

/**
 * Writes changes/ and audit/ under `dir`. `assets` is the set of asset ids in the pack; a change request
 * without an asset (a plan for a mounted root) is included only in a fleet pack (`fleet`).
 */
export async function writeChanges(
  store: Store,
  dir: string,
  assets: ReadonlySet<string>,
  fleet: boolean,
): Promise<ChangesWritten> {
  const { listRequests, findPlan, listApplied, listAudit, verifyChain, rdb } =
    await import('../remediate/store.js');
  const sub = (p: string) => {
    fs.mkdirSync(path.join(dir, path.dirname(p)), { recursive: true, mode: 0o700 });
    return path.join(dir, p);
  };
  const put = (rel: string, text: string) => {
    fs.writeFileSync(sub(rel), text, { mode: 0o600 });
  };
  const requests = (await listRequests(store)).filter((r) =>
    r.asset_id === null ? fleet : assets.has(r.asset_id),
  );
  const log = await listAudit(store);
  const index: Record<string, unknown>[] = [];
  for (const r of requests) {
    const applied = await listApplied(store, r.plan_id);
    const backups = applied.length
      ? await rdb(store)
          .selectFrom('remediation_backups')
          .select(['applied_id', 'path', 'existed', 'sha256', 'mode', 'uid', 'gid'])
          .where(
            'applied_id',
            'in',
            applied.map((a) => a.id),
          )
          .execute()
      : [];
    const doc = {
      schema: 'bulwark/change-record@1',
      ...r,
      findings: j(r.findings),
      impact: j(r.impact),
      evidence_before: j(r.evidence_before),
      evidence_after: j(r.evidence_after),
      plan: (await findPlan(store, r.plan_id)) ?? null,
      applied: applied
        .filter((a) => a.request_id === null || a.request_id === r.id)
        .map((a) => ({
          ...a,
          evidence: j(a.evidence),
          backups: backups
            .filter((b) => b.applied_id === a.id)
            .map((b) => ({ ...b, existed: b.existed === 1 })),
        })),
      audit: log
        .filter((e) => e.subject === r.id)
        .map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, hash: e.hash })),
    };
    put(`changes/${r.id}.json`, JSON.stringify(doc, null, 2) + '\n');
    index.push({
      id: r.id,
      file: `${r.id}.json`,
      title: r.title,
      status: r.status,
      asset_id: r.asset_id,
      requester: r.requester,
      approver: r.approver,
      decided_at: r.decided_at,
      window_start: r.window_start,
      window_end: r.window_end,
      findings: j(r.findings),
    });
  }
  put(
    'changes/index.json',
    JSON.stringify({ schema: 'bulwark/change-index@1', changes: index }, null, 2) + '\n',
  );
  put(
    'changes/README.txt',
    requests.length
      ? `${requests.length} change request(s) for the assets in this pack: index.json lists them, <id>.json holds each\n` +
          'with its approvals, plan, impact assessment, before/after evidence, applications and audit entries.\n'
      : 'No change request was made through Bulwark for the assets in this pack.\n',
  );
  const problems = verifyChain(log);
  const head = log[log.length - 1]?.hash ?? null;
  put(AUDIT_LOG, log.map((e) => JSON.stringify(e)).join('\n') + (log.length ? '\n' : ''));
  put(
    'audit/verification.json',
    JSON.stringify(
      {
        schema: 'bulwark/audit-verification@1',
        entries: log.length,
        head,
        ok: problems.length === 0,
        problems,
        how: 'hash = SHA-256(previous hash ‖ canonical JSON of seq, at, actor, action, subject, details); the first entry follows 64 zeros',
      },
      null,
      2,
    ) + '\n',
  );
  return { changes: requests.length, audit: { entries: log.length, head, ok: problems.length === 0 } };
}

/** Re-checks the hash chain of a pack's `audit/log.jsonl` (text): entries, head hash and each problem. */
export async function checkPackAudit(
  text: string,
): Promise<{ entries: number; head: string | null; problems: string[] }> {
  const { verifyChain } = await import('../remediate/store.js');
  const rows: AuditTable[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      rows.push(JSON.parse(line) as AuditTable);
    } catch {
      problems.push(`${AUDIT_LOG}:${i + 1}: not a JSON entry`);
    }
  });
  for (const p of verifyChain(rows)) problems.push(`${AUDIT_LOG}: #${p.seq} ${p.kind}: ${p.message}`);
  return { entries: rows.length, head: rows[rows.length - 1]?.hash ?? null, problems };
}
