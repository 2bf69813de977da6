/** Builds the JSON report from a scan. Kept free of zod so that a scan does not load the schema library. */
import type { ScanOutcome } from '../scan/run.js';
import type { Report } from './json.js';

export const REPORT_SCHEMA_ID = 'bulwark/scan-report@1';

export function buildReport(scan: ScanOutcome, version: string, storedIn: string | null): Report {
  const os = scan.facts.find((f) => f.key === 'os')?.rows[0];
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    schema: REPORT_SCHEMA_ID,
    bulwark: { version },
    scan: {
      id: scan.id,
      started_at: scan.startedAt,
      finished_at: scan.finishedAt,
      duration_ms: scan.durationMs,
      mode: scan.target.mode,
      target: { kind: scan.target.kind, root: scan.target.root },
      profile: scan.profile,
      tailoring: scan.tailoringFile,
      policies: scan.policyFiles,
      stored_in: storedIn,
    },
    asset: {
      hostname: str(os?.['hostname']),
      machine_id: str(os?.['machine_id']),
      os: str(os?.['pretty_name']),
    },
    summary: {
      score: scan.summary.score,
      formula: scan.summary.formula,
      weights: scan.summary.weights,
      counts: scan.summary.counts,
      failed_by_severity: scan.summary.failedBySeverity,
      costliest: scan.summary.costliest,
    },
    results: scan.results.map((r) => {
      const rule = scan.rules.get(r.rule)!;
      const fix: Report['results'][number]['fix'] = {
        impact: rule.fix.impact,
        description: rule.fix.description,
      };
      if (rule.fix.shell !== undefined) fix.shell = rule.fix.shell;
      if (rule.fix.ansible !== undefined) fix.ansible = rule.fix.ansible;
      return {
        rule: r.rule,
        title: r.title,
        area: r.area,
        severity: r.severity,
        status: r.status,
        message: r.message,
        evidence: r.evidence as Report['results'][number]['evidence'],
        rationale: rule.rationale,
        fix,
        references: rule.references as Report['results'][number]['references'],
      };
    }),
    facts: scan.facts.map((f) => ({
      key: f.key,
      status: f.status,
      ...(f.reason !== undefined ? { reason: f.reason } : {}),
      rows: f.rows.length,
      sources: f.provenance.sources.slice(0, 50),
    })),
  };
}
