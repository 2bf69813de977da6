/**
 * Reads what reports need from the store, one asset at a time: the scans in scope (one scan, an asset's latest,
 * or every asset's latest), then per scan its asset, results, the waivers in force and, when asked, its fact
 * snapshot. Nothing is kept across assets, so a fleet report's memory does not grow with the fleet.
 */
import { sql } from 'kysely';
import { BulwarkError } from '../core/errors.js';
import type { Evidence, ResultStatus, Severity } from '../core/types.js';
import type { Catalogue } from '../engine/profile.js';
import { canonicalRuleId } from '../engine/profile.js';
import { summarise } from '../engine/score.js';
import type { Rule } from '../engine/rule.js';
import type { AssetReport, ReportMeta, ReportResult, RuleInfo } from '../report/model.js';
import { toAsset, type ResultTable, type ScanTable, type Store } from '../store/db.js';
import type { Asset } from '../core/asset.js';
import { isExpired, waiverIndex } from '../core/waiver.js';

export interface Scope {
  scan?: string;
  asset?: string;
  fleet?: boolean;
}

export function ruleInfo(r: Rule): RuleInfo {
  return {
    id: r.id,
    title: r.title,
    area: r.area,
    severity: r.severity,
    description: r.description,
    rationale: r.rationale,
    fix: {
      impact: r.fix.impact,
      description: r.fix.description,
      ...(r.fix.shell !== undefined ? { shell: r.fix.shell } : {}),
      ...(r.fix.ansible !== undefined ? { ansible: r.fix.ansible } : {}),
    },
    references: r.references as RuleInfo['references'],
  };
}

export interface Source {
  meta: ReportMeta;
  /** The scans in scope, in report order (by asset name). */
  scans: { id: string; asset_id: string }[];
  load(scan: { id: string; asset_id: string }, opts?: { facts?: boolean }): Promise<AssetReport>;
  /** Every scan in scope, in order, read from the store a page at a time. */
  all(opts?: { facts?: boolean; pageSize?: number }): AsyncGenerator<AssetReport>;
}

type ScanRow = Pick<
  ScanTable,
  | 'id'
  | 'started_at'
  | 'finished_at'
  | 'duration_ms'
  | 'mode'
  | 'target_kind'
  | 'target_root'
  | 'profile'
  | 'tailoring'
  | 'policies'
  | 'bulwark_version'
  | 'score'
  | 'counts'
>;

export async function openSource(
  store: Store,
  catalogue: Catalogue,
  scope: Scope,
  opts: { version: string; date: string },
): Promise<Source> {
  const given = [scope.scan !== undefined, scope.asset !== undefined, scope.fleet === true].filter(
    Boolean,
  ).length;
  if (given > 1)
    throw new BulwarkError(
      'BW_USAGE',
      'give one of --scan, --asset and --fleet',
      'e.g. `bulwark report --fleet --format html --out fleet.html`',
    );
  let scans: { id: string; asset_id: string }[];
  let kind: ReportMeta['scope']['kind'];
  let label: string;
  if (scope.scan !== undefined) {
    const s = await store.findScan(scope.scan);
    scans = [{ id: s.id, asset_id: s.asset_id }];
    kind = 'scan';
    label = `${s.asset_name} ${s.id}`;
  } else if (scope.asset !== undefined) {
    const a = await store.findAsset(scope.asset);
    const latest = await store.latestScans([a.id]);
    if (latest.length === 0)
      throw new BulwarkError(
        'BW_SCAN_NOT_FOUND',
        `the asset ${a.name} (${a.id}) has no stored scan`,
        'scan it first: `bulwark scan`',
      );
    scans = latest.map((s) => ({ id: s.id, asset_id: s.asset_id }));
    kind = 'asset';
    label = a.name;
  } else {
    scans = (await store.latestScans()).map((s) => ({ id: s.id, asset_id: s.asset_id }));
    if (scans.length === 0)
      throw new BulwarkError(
        'BW_SCAN_NOT_FOUND',
        `nothing to report: the database ${store.file} holds no scan`,
        'scan first (`bulwark scan`, or `bulwark import`), or pass the --db that holds the scans',
      );
    kind = 'fleet';
    label = 'fleet';
  }
  const rules = new Map<string, RuleInfo>();
  if (kind === 'fleet') for (const r of catalogue.rules.values()) rules.set(r.id, ruleInfo(r));
  const meta: ReportMeta = {
    version: opts.version,
    generated_at: new Date().toISOString(),
    scope: { kind, label },
    waiver_date: opts.date,
    rules,
  };
  if (kind === 'fleet') {
    // The fleet's average score per day over the last 90 days with scans: one aggregate query.
    const r = await sql<{ day: string; score: number | string | null; assets: number | string }>`
      select substr(started_at, 1, 10) as day, avg(score) as score, count(distinct asset_id) as assets
      from scans group by substr(started_at, 1, 10) order by day desc limit 90`.execute(store.db);
    meta.trend = r.rows.reverse().map((x) => ({
      at: x.day,
      score: x.score === null ? null : Math.round(Number(x.score) * 10) / 10,
      assets: Number(x.assets),
    }));
  }
  const canonical = (id: string) => canonicalRuleId(catalogue, id);

  // Waivers are few: read once, matched per asset in memory (the store's rule: scope, not revoked, not expired).
  const waivers = (await store.listWaivers({ all: true })).filter((w) => w.revoked_at === null);
  // Remediation's records: which waivers are compensating controls, and the change requests in scope.
  const { compensatingWaivers, changesOf } = await import('./report-changes.js');
  const compensating = await compensatingWaivers(store);
  meta.changes = await changesOf(store, kind === 'fleet' ? null : new Set(scans.map((s) => s.asset_id)));
  const waiversOf = (a: Asset) =>
    waiverIndex(
      waivers.filter(
        (w) =>
          !isExpired(w, opts.date) &&
          (w.scope_kind === 'all' ||
            (w.scope_kind === 'asset' && w.scope_value === a.id) ||
            (w.scope_kind === 'zone' && a.zone !== null && w.scope_value === a.zone) ||
            (w.scope_kind === 'tag' && w.scope_value !== null && a.tags.includes(w.scope_value))),
      ),
      canonical,
    );

  /** A page of scans: three queries whatever its size (assets, scans, results; plus facts when asked). */
  async function loadPage(refs: readonly { id: string; asset_id: string }[], o: { facts?: boolean } = {}) {
    if (refs.length === 0) return [];
    const ids = refs.map((r) => r.id);
    const assetRows = await store.db
      .selectFrom('assets')
      .selectAll()
      .where('id', 'in', [...new Set(refs.map((r) => r.asset_id))])
      .execute();
    const assets = new Map(assetRows.map((r) => [r.id, toAsset(r)]));
    const scanRows = await store.db
      .selectFrom('scans')
      .select([
        'id',
        'started_at',
        'finished_at',
        'duration_ms',
        'mode',
        'target_kind',
        'target_root',
        'profile',
        'tailoring',
        'policies',
        'bulwark_version',
        'score',
        'counts',
      ])
      .where('id', 'in', ids)
      .execute();
    const rows = new Map(scanRows.map((r) => [r.id, r]));
    const byScan = new Map<string, ResultTable[]>();
    const resultRows = await store.db
      .selectFrom('results')
      .selectAll()
      .where('scan_id', 'in', ids)
      .orderBy('scan_id')
      .orderBy('rule_id')
      .execute();
    for (const r of resultRows) {
      let l = byScan.get(r.scan_id);
      if (!l) byScan.set(r.scan_id, (l = []));
      l.push(r);
    }
    const out: AssetReport[] = [];
    for (const ref of refs) {
      const asset = assets.get(ref.asset_id);
      const row = rows.get(ref.id);
      if (!asset || !row)
        throw new BulwarkError(
          'BW_SCAN_NOT_FOUND',
          `the scan ${ref.id} disappeared while the report was being written`,
          'run the report again',
        );
      out.push(await build(asset, row, byScan.get(ref.id) ?? [], o));
    }
    return out;
  }

  async function build(
    asset: Asset,
    row: ScanRow,
    stored: readonly ResultTable[],
    o: { facts?: boolean },
  ): Promise<AssetReport> {
    const waiverFor = waiversOf(asset);
    const results: ReportResult[] = stored.map((s) => {
      const id = canonical(s.rule_id) ?? s.rule_id;
      const rule = catalogue.rules.get(id);
      if (rule && kind !== 'fleet' && !rules.has(id)) rules.set(id, ruleInfo(rule));
      const w = s.status === 'fail' ? waiverFor(s.rule_id) : undefined;
      return {
        rule: id,
        title: s.title,
        area: s.area,
        severity: s.severity as Severity,
        status: s.status as ResultStatus,
        shown: w ? 'waived' : (s.status as ResultStatus),
        message: s.message,
        evidence: JSON.parse(s.evidence) as Evidence[],
        waiver: w
          ? {
              id: w.id,
              owner: w.owner,
              justification: w.justification,
              compensating_control: w.compensating_control,
              expires: w.expires,
              approver: w.approver,
              ...(compensating.has(w.id) ? { kind: 'compensating-control' as const } : {}),
            }
          : null,
      };
    });
    const summary = summarise(results);
    const parse = (t: string): unknown => {
      try {
        return JSON.parse(t);
      } catch {
        return undefined;
      }
    };
    const counts = parse(row.counts);
    const policies = parse(row.policies);
    const report: AssetReport = {
      asset: {
        id: asset.id,
        name: asset.name,
        kind: asset.kind,
        hostname: asset.hostname,
        machine_id: asset.machine_id,
        zone: asset.zone,
        site: asset.site,
        owner: asset.owner,
        criticality: asset.criticality,
        device_class: asset.device_class,
        tags: asset.tags,
      },
      scan: {
        id: row.id,
        started_at: row.started_at,
        finished_at: row.finished_at,
        duration_ms: row.duration_ms,
        mode: row.mode,
        target_kind: row.target_kind,
        target_root: row.target_root,
        profile: row.profile,
        tailoring: row.tailoring,
        policies: Array.isArray(policies) ? policies.map(String) : [],
        bulwark_version: row.bulwark_version,
        score: row.score,
        counts: counts && typeof counts === 'object' ? (counts as Record<string, number>) : {},
      },
      results,
      summary,
    };
    if (kind !== 'fleet') {
      const h = await store.assetHistory(asset.id, 30);
      report.history = h.reverse().map((x) => ({ scan: x.id, at: x.started_at, score: x.score }));
    }
    if (o.facts) {
      const facts = (await store.loadFacts(row.id)) ?? [];
      report.facts = facts.map((f) => ({
        key: f.key,
        status: f.status,
        ...(f.reason !== undefined ? { reason: f.reason } : {}),
        rows: f.rows.length,
        sources: f.provenance.sources.slice(0, 50),
      }));
    }
    return report;
  }

  const load = async (ref: { id: string; asset_id: string }, o: { facts?: boolean } = {}) =>
    (await loadPage([ref], o))[0]!;
  /** Every scan in scope, read a page at a time. */
  async function* all(o: { facts?: boolean; pageSize?: number } = {}): AsyncGenerator<AssetReport> {
    const size = o.pageSize ?? 50;
    for (let i = 0; i < scans.length; i += size) yield* await loadPage(scans.slice(i, i + size), o);
  }
  return { meta, scans, load, all };
}

/** Status names as results carry them, for callers that compare. */
export type { ResultStatus };
