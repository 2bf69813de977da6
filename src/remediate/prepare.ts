/** Where a plan's findings come from: a stored scan, an asset's latest scan, or a fresh scan of the target. */
import { BulwarkError } from '../core/errors.js';
import { requireRuleId, resolveProfile, type Catalogue } from '../engine/profile.js';
import { runScan } from '../scan/run.js';
import { FsTarget } from '../targets/target.js';
import type { Store } from '../store/db.js';
import { buildPlan, type PlanRule } from './plan.js';
import type { Plan } from './types.js';

export { actorName } from './identity.js';

export interface PrepareOptions {
  store: Store;
  catalogue: Catalogue;
  scanId?: string;
  asset?: string;
  root?: string;
  rules?: string[];
  profile?: string;
}

export async function preparePlan(o: PrepareOptions): Promise<Plan> {
  const ruleIds = o.rules?.map((r) => requireRuleId(o.catalogue, r));
  let scanId = o.scanId;
  const asset = o.asset ? await o.store.findAsset(o.asset) : undefined;
  if (!scanId && asset && !o.root) {
    const latest = await o.store.latestScans([asset.id]);
    scanId = latest[0]?.id;
    if (!scanId)
      throw new BulwarkError(
        'BW_SCAN_NOT_FOUND',
        `the asset ${asset.name} has no stored scan`,
        'scan it first, or give --root',
      );
  }
  if (scanId) {
    const scan = await o.store.findScan(scanId);
    const where = await o.store.db
      .selectFrom('scans')
      .select(['target_root', 'target_kind'])
      .where('id', '=', scan.id)
      .executeTakeFirstOrThrow();
    const a = asset ?? (await o.store.findAsset(scan.asset_id));
    const profile =
      o.profile ??
      (scan.profile.startsWith('import:') || scan.profile === 'policy' ? 'default' : scan.profile);
    const sels = new Map(
      resolveProfile(o.catalogue, profile, undefined, undefined).map((s) => [s.rule.id, s]),
    );
    const results = await o.store.loadResults(scanId);
    const rules: PlanRule[] = [];
    for (const r of results) {
      if (ruleIds && !ruleIds.includes(r.rule_id)) continue;
      const sel = sels.get(r.rule_id);
      const rule = sel?.rule ?? o.catalogue.rules.get(r.rule_id);
      if (!rule) continue;
      rules.push({ rule, params: sel?.params ?? {}, status: r.status, severity: r.severity });
    }
    const root = o.root ?? where.target_root;
    const target =
      root === '/' && where.target_kind === 'live' && !o.root
        ? FsTarget.live()
        : await FsTarget.mounted(root);
    return buildPlan({
      target,
      rules,
      asset: { id: a.id, name: a.name, modifiability: a.modifiability },
      scanId,
      profile,
    });
  }
  const target = o.root ? await FsTarget.mounted(o.root) : FsTarget.live();
  const profile = o.profile ?? 'default';
  const scan = await runScan(target, {
    catalogue: o.catalogue,
    profile,
    ...(ruleIds ? { rules: ruleIds } : {}),
  });
  const sels = new Map(resolveProfile(o.catalogue, profile, undefined, ruleIds).map((s) => [s.rule.id, s]));
  const rules: PlanRule[] = scan.results.flatMap((r) => {
    const sel = sels.get(r.rule);
    return sel ? [{ rule: sel.rule, params: sel.params, status: r.status, severity: r.severity }] : [];
  });
  return buildPlan({
    target,
    rules,
    asset: asset ? { id: asset.id, name: asset.name, modifiability: asset.modifiability } : null,
    scanId: null,
    profile,
  });
}
