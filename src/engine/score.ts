/**
 * The score, explainable: each rule that passed or failed weighs its severity's weight;
 * score = 100 × Σ weight(pass) / Σ weight(pass + fail). Other states do not count.
 * A failed rule costs 100 × weight / Σ weight points: the report lists the costliest.
 */
import {
  SEVERITIES,
  byText,
  severityRank,
  type ResultStatus,
  type RuleResult,
  type Severity,
} from '../core/types.js';

export const SEVERITY_WEIGHTS: Record<Severity, number> = {
  info: 0,
  low: 1,
  medium: 3,
  high: 6,
  critical: 10,
};

export interface ScoreSummary {
  score: number | null;
  formula: string;
  weights: Record<Severity, number>;
  counts: Record<ResultStatus, number>;
  failedBySeverity: Record<Severity, number>;
  /** Failed rules by points lost, most first. */
  costliest: { rule: string; title: string; severity: Severity; points: number }[];
}

/** The score and the counts alone: what a fleet re-evaluation shows per asset (summarise adds the rest). */
export function scoreOf(results: Iterable<{ status: ResultStatus; severity: Severity }>): {
  score: number | null;
  counts: Record<ResultStatus, number>;
  failedBySeverity: Record<Severity, number>;
  /** Σ weight(pass + fail): what one failed rule's points are a share of. */
  total: number;
} {
  const counts = {
    pass: 0,
    fail: 0,
    error: 0,
    not_applicable: 0,
    not_checked: 0,
    manual: 0,
    informational: 0,
  } as Record<ResultStatus, number>;
  const failedBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let total = 0;
  let got = 0;
  for (const r of results) {
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    const w = SEVERITY_WEIGHTS[r.severity];
    if (r.status === 'pass') {
      total += w;
      got += w;
    } else if (r.status === 'fail') {
      total += w;
      failedBySeverity[r.severity]++;
    }
  }
  return { score: total > 0 ? Math.round((1000 * got) / total) / 10 : null, counts, failedBySeverity, total };
}

export function summarise(results: readonly RuleResult[]): ScoreSummary {
  const { score, counts, failedBySeverity, total } = scoreOf(results);
  const costliest = results
    .filter((r) => r.status === 'fail')
    .map((r) => ({
      rule: r.rule,
      title: r.title,
      severity: r.severity,
      points: total > 0 ? Math.round((1000 * SEVERITY_WEIGHTS[r.severity]) / total) / 10 : 0,
    }))
    .sort(
      (a, b) =>
        b.points - a.points || severityRank(b.severity) - severityRank(a.severity) || byText(a.rule, b.rule),
    );
  return {
    score,
    formula:
      '100 × Σ weight(passed) / Σ weight(passed + failed); weights info 0, low 1, medium 3, high 6, critical 10',
    weights: SEVERITY_WEIGHTS,
    counts,
    failedBySeverity,
    costliest,
  };
}
