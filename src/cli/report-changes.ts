/**
 * What reports read from remediation's tables (src/remediate/store.ts): the waivers recorded by
 * `bulwark fix compensate` (their `fix.compensate` audit entries name them), and the change requests of the
 * assets in a report's scope.
 */
import type { ChangeInfo } from '../report/model.js';
import type { Store } from '../store/db.js';

/** Ids of the waivers that are compensating controls. */
export async function compensatingWaivers(store: Store): Promise<Set<string>> {
  const { rdb } = await import('../remediate/store.js');
  const rows = await rdb(store)
    .selectFrom('audit_log')
    .select('subject')
    .where('action', '=', 'fix.compensate')
    .execute();
  return new Set(rows.map((r) => r.subject));
}

/** The change requests of these assets (`null`: every request, the fleet), oldest first. */
export async function changesOf(store: Store, assets: ReadonlySet<string> | null): Promise<ChangeInfo[]> {
  const { listRequests } = await import('../remediate/store.js');
  const requests = (await listRequests(store)).filter(
    (r) => assets === null || (r.asset_id !== null && assets.has(r.asset_id)),
  );
  if (requests.length === 0) return [];
  const names = new Map((await store.listAssets()).map((a) => [a.id, a.name]));
  return requests.map((r) => ({
    id: r.id,
    title: r.title,
    status: r.status,
    asset: r.asset_id === null ? null : (names.get(r.asset_id) ?? r.asset_id),
    requester: r.requester,
    approver: r.approver,
    window_start: r.window_start,
    window_end: r.window_end,
    rules: JSON.parse(r.findings) as string[],
    updated_at: r.updated_at,
  }));
}
