/** A scan just run, as a report asset (for `scan --report FILE` in formats other than JSON). No waivers applied. */
import type { ScanOutcome } from '../scan/run.js';
import type { AssetReport, ReportMeta, RuleInfo } from './model.js';

export function fromScan(
  scan: ScanOutcome,
  version: string,
  assetId: string | null,
  assetName?: string,
): { meta: ReportMeta; asset: AssetReport } {
  const os = scan.facts.find((f) => f.key === 'os')?.rows[0];
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const hostname = str(os?.['hostname']);
  const name = assetName ?? (scan.target.kind === 'live' ? (hostname ?? 'this host') : scan.target.root);
  const rules = new Map<string, RuleInfo>();
  for (const r of scan.results) {
    const rule = scan.rules.get(r.rule);
    if (rule)
      rules.set(r.rule, {
        id: rule.id,
        title: rule.title,
        area: rule.area,
        severity: rule.severity,
        description: rule.description,
        rationale: rule.rationale,
        fix: {
          impact: rule.fix.impact,
          description: rule.fix.description,
          ...(rule.fix.shell !== undefined ? { shell: rule.fix.shell } : {}),
          ...(rule.fix.ansible !== undefined ? { ansible: rule.fix.ansible } : {}),
        },
        references: rule.references as RuleInfo['references'],
      });
  }
  const generated = new Date().toISOString();
  return {
    meta: {
      version,
      generated_at: generated,
      scope: { kind: 'scan', label: `${name} ${scan.id}` },
      waiver_date: generated.slice(0, 10),
      rules,
    },
    asset: {
      asset: {
        id: assetId ?? 'not-stored',
        name,
        kind: scan.target.kind === 'live' ? 'host' : 'image',
        hostname,
        machine_id: str(os?.['machine_id']),
        zone: null,
        site: null,
        owner: null,
        criticality: null,
        device_class: null,
        tags: [],
      },
      scan: {
        id: scan.id,
        started_at: scan.startedAt,
        finished_at: scan.finishedAt,
        duration_ms: scan.durationMs,
        mode: scan.target.mode,
        target_kind: scan.target.kind,
        target_root: scan.target.root,
        profile: scan.profile,
        tailoring: scan.tailoringFile,
        policies: scan.policyFiles,
        bulwark_version: version,
        score: scan.summary.score,
        counts: scan.summary.counts,
      },
      results: scan.results.map((r) => ({
        rule: r.rule,
        title: r.title,
        area: r.area,
        severity: r.severity,
        status: r.status,
        shown: r.status,
        message: r.message,
        evidence: r.evidence,
        waiver: null,
      })),
      summary: scan.summary,
    },
  };
}
