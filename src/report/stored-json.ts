/**
 * The JSON report (`bulwark/scan-report@1`, the schema of json.ts) of a stored scan, and the fleet as JSON
 * Lines: one such document per line, per asset, written as each asset is read.
 */
import { REPORT_SCHEMA_ID } from './build.js';
import type { Report } from './json.js';
import type { AssetReport, Renderer, ReportMeta } from './model.js';

type ReportResult = Report['results'][number];

export function storedReport(a: AssetReport, meta: ReportMeta, storedIn: string | null): Report {
  return {
    schema: REPORT_SCHEMA_ID,
    bulwark: { version: a.scan.bulwark_version },
    scan: {
      id: a.scan.id,
      started_at: a.scan.started_at,
      finished_at: a.scan.finished_at,
      duration_ms: a.scan.duration_ms,
      mode: a.scan.mode === 'live' ? 'live' : 'offline',
      target: { kind: a.scan.target_kind === 'live' ? 'live' : 'root', root: a.scan.target_root },
      profile: a.scan.profile,
      tailoring: a.scan.tailoring,
      policies: a.scan.policies,
      stored_in: storedIn,
    },
    asset: { hostname: a.asset.hostname, machine_id: a.asset.machine_id, os: null },
    summary: {
      score: a.summary.score,
      formula: a.summary.formula,
      weights: a.summary.weights,
      counts: a.summary.counts,
      failed_by_severity: a.summary.failedBySeverity,
      costliest: a.summary.costliest,
    },
    results: a.results.map((r): ReportResult => {
      const rule = meta.rules.get(r.rule);
      const fix: ReportResult['fix'] = rule
        ? { impact: rule.fix.impact, description: rule.fix.description }
        : { impact: 'manual', description: 'no fix is known to Bulwark for this rule (imported result)' };
      if (rule?.fix.shell !== undefined) fix.shell = rule.fix.shell;
      if (rule?.fix.ansible !== undefined) fix.ansible = rule.fix.ansible;
      return {
        rule: r.rule,
        title: r.title,
        area: r.area,
        severity: r.severity,
        status: r.status,
        message: r.message,
        evidence: r.evidence as ReportResult['evidence'],
        rationale: rule?.rationale ?? '',
        fix,
        references: (rule?.references ?? {}) as ReportResult['references'],
      };
    }),
    facts: (a.facts ?? []).map((f) => ({
      key: f.key,
      status: f.status,
      ...(f.reason !== undefined ? { reason: f.reason } : {}),
      rows: f.rows,
      sources: f.sources.slice(0, 50),
    })),
  };
}

/** One asset: the pretty-printed document; a fleet: JSON Lines. */
export function jsonRenderer(meta: ReportMeta, storedIn: string | null): Renderer {
  const lines = meta.scope.kind === 'fleet';
  return {
    begin: () => '',
    asset: (a) =>
      lines
        ? JSON.stringify(storedReport(a, meta, storedIn)) + '\n'
        : JSON.stringify(storedReport(a, meta, storedIn), null, 2) + '\n',
    end: () => '',
  };
}
