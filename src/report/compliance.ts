/**
 * Compliance views: a framework's controls (content/frameworks/<id>.yaml, resolved to rule ids by the
 * loader) against stored results. Per control: `pass` (every mapped rule that was evaluated passed, or its
 * failure is waived), `fail` (some mapped rule fails), `manual` (no automatic check: a person must assess
 * it), `not_covered` (Bulwark has no rule for it), `not_assessed` (mapped rules exist but none was evaluated
 * in these scans, e.g. not in the profile), `not_applicable` (every mapped rule was not applicable).
 * Coverage is the share of the framework's controls that have at least one mapped rule.
 *
 * Streaming: add() one asset at a time; what is kept is bounded by the number of rules.
 */
import { evidenceText, type AssetReport, type ReportMeta } from './model.js';

export interface FrameworkControl {
  id: string;
  title: string;
  rules: string[];
  /** Why the control has no automatic check: what a person must look at. */
  manual?: string;
}
export interface Framework {
  id: string;
  title: string;
  version?: string;
  /** How the mapping was made (derived from rules' references, or by topic), and any licensing notice. */
  notes?: string;
  controls: FrameworkControl[];
}

export const CONTROL_STATUSES = [
  'fail',
  'pass',
  'manual',
  'not_assessed',
  'not_applicable',
  'not_covered',
] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

export interface RuleTally {
  rule: string;
  title: string;
  pass: number;
  fail: number;
  waived: number;
  not_applicable: number;
  /** error, not_checked, manual, informational. */
  other: number;
}

export interface ControlResult {
  id: string;
  title: string;
  status: ControlStatus;
  rules: RuleTally[];
  /** Findings behind a failure, and what passed: asset, rule, message, first evidence (at most 20). */
  evidence: string[];
  manual?: string;
}

export interface ComplianceReport {
  schema: 'bulwark/compliance@1';
  framework: { id: string; title: string; version: string | null; notes: string | null };
  scope: ReportMeta['scope'];
  generated_at: string;
  assets: number;
  coverage: { controls: number; covered: number; manual: number; not_covered: number; percent: number };
  /** Of the controls assessed (pass or fail), the share that pass. */
  passing_percent: number | null;
  counts: Record<ControlStatus, number>;
  controls: ControlResult[];
}

const EVIDENCE_CAP = 20;

export class ComplianceAccumulator {
  private readonly tallies = new Map<string, RuleTally>();
  private readonly samples = new Map<string, string[]>();
  private readonly mapped: Set<string>;
  private assets = 0;

  constructor(
    readonly framework: Framework,
    private readonly meta: ReportMeta,
  ) {
    this.mapped = new Set(framework.controls.flatMap((c) => c.rules));
  }

  add(a: AssetReport): void {
    this.assets++;
    for (const r of a.results) {
      if (!this.mapped.has(r.rule)) continue;
      let t = this.tallies.get(r.rule);
      if (!t) {
        t = { rule: r.rule, title: r.title, pass: 0, fail: 0, waived: 0, not_applicable: 0, other: 0 };
        this.tallies.set(r.rule, t);
      }
      if (r.shown === 'pass') t.pass++;
      else if (r.shown === 'fail') t.fail++;
      else if (r.shown === 'waived') t.waived++;
      else if (r.shown === 'not_applicable') t.not_applicable++;
      else t.other++;
      if (r.shown === 'fail' || r.shown === 'waived') {
        let s = this.samples.get(r.rule);
        if (!s) this.samples.set(r.rule, (s = []));
        if (s.length < EVIDENCE_CAP) {
          const ev = r.evidence[0];
          s.push(
            `${a.asset.name}: ${r.rule} ${r.shown}${r.waiver ? ` (waiver ${r.waiver.id} until ${r.waiver.expires})` : ''} — ${r.message}${ev ? ` [${evidenceText(ev)}]` : ''}`,
          );
        }
      }
    }
  }

  result(): ComplianceReport {
    const controls: ControlResult[] = this.framework.controls.map((c) => {
      const rules = c.rules.map(
        (id) =>
          this.tallies.get(id) ?? {
            rule: id,
            title: this.meta.rules.get(id)?.title ?? id,
            pass: 0,
            fail: 0,
            waived: 0,
            not_applicable: 0,
            other: 0,
          },
      );
      let status: ControlStatus;
      if (c.rules.length === 0) status = c.manual ? 'manual' : 'not_covered';
      else if (rules.some((t) => t.fail > 0)) status = 'fail';
      else if (rules.some((t) => t.pass > 0 || t.waived > 0)) status = 'pass';
      else if (rules.some((t) => t.not_applicable > 0) && rules.every((t) => t.other === 0))
        status = 'not_applicable';
      else status = 'not_assessed';
      const evidence: string[] = [];
      for (const t of rules) for (const s of this.samples.get(t.rule) ?? []) evidence.push(s);
      if (status === 'pass')
        for (const t of rules)
          if (t.pass > 0) evidence.push(`${t.rule}: passed on ${t.pass} asset(s) — ${t.title}`);
      return {
        id: c.id,
        title: c.title,
        status,
        rules,
        evidence: evidence.slice(0, EVIDENCE_CAP),
        ...(c.manual ? { manual: c.manual } : {}),
      };
    });
    const counts = Object.fromEntries(CONTROL_STATUSES.map((s) => [s, 0])) as Record<ControlStatus, number>;
    for (const c of controls) counts[c.status]++;
    const covered = controls.filter(
      (c) => this.framework.controls.find((x) => x.id === c.id)!.rules.length > 0,
    ).length;
    const assessed = counts.pass + counts.fail;
    const pct = (n: number, d: number) => (d === 0 ? 0 : Math.round((1000 * n) / d) / 10);
    return {
      schema: 'bulwark/compliance@1',
      framework: {
        id: this.framework.id,
        title: this.framework.title,
        version: this.framework.version ?? null,
        notes: this.framework.notes ?? null,
      },
      scope: this.meta.scope,
      generated_at: this.meta.generated_at,
      assets: this.assets,
      coverage: {
        controls: controls.length,
        covered,
        manual: counts.manual,
        not_covered: counts.not_covered,
        percent: pct(covered, controls.length),
      },
      passing_percent: assessed === 0 ? null : pct(counts.pass, assessed),
      counts,
      controls,
    };
  }
}

/** The compliance view as text (the terminal). */
export function complianceText(c: ComplianceReport): string {
  const out = [
    `${c.framework.title}${c.framework.version ? ` (${c.framework.version})` : ''} — ${c.scope.kind} ${c.scope.label}, ${c.assets} asset(s)`,
    `Coverage: ${c.coverage.covered} of ${c.coverage.controls} controls have automatic checks (${c.coverage.percent}%); ${c.coverage.manual} manual, ${c.coverage.not_covered} not covered`,
    `Controls: ${CONTROL_STATUSES.map((s) => `${s} ${c.counts[s]}`).join(' · ')}${c.passing_percent === null ? '' : `; ${c.passing_percent}% of assessed controls pass`}`,
    '',
  ];
  for (const ctl of c.controls) {
    out.push(`${ctl.status.toUpperCase().padEnd(14)} ${ctl.id}  ${ctl.title}`);
    if (ctl.status === 'fail') for (const e of ctl.evidence.slice(0, 5)) out.push(`               ${e}`);
    if (ctl.status === 'manual' && ctl.manual) out.push(`               manual: ${ctl.manual}`);
  }
  return out.join('\n') + '\n';
}
