/** Builds the JSON report from a scan. Kept free of zod so that a scan does not load the schema library. */
import type { ScanOutcome } from '../scan/run.js';
import type { Report } from './json.js';

/** The waiver that covers a failing rule, as the report shows it. */
export interface ReportWaiver {
  id: string;
  owner: string;
  justification: string;
  compensating_control: string;
  expires: string;
  approver: string;
}

export const REPORT_SCHEMA_ID = 'bulwark/scan-report@1';

/**
 * `waiverFor` gives the waiver in force that covers a rule (known once the scan is stored on its asset): a
 * failing (or erroring) result it covers carries it as `waiver`; its status stays the rule's own verdict.
 */
export function buildReport(
  scan: ScanOutcome,
  version: string,
  storedIn: string | null,
  waiverFor?: (rule: string) => ReportWaiver | undefined,
): Report {
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
        ...waived(r.status === 'fail' || r.status === 'error' ? waiverFor?.(r.rule) : undefined),
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

function waived(w: ReportWaiver | undefined): { waiver?: ReportWaiver } {
  if (!w) return {};
  const { id, owner, justification, compensating_control, expires, approver } = w;
  return { waiver: { id, owner, justification, compensating_control, expires, approver } };
}
