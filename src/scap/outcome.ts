/**
 * An XCCDF evaluation as a Bulwark scan: each rule-result becomes a stored result (status mapped as the
 * OpenSCAP import maps it, see docs/scap.md), the profile is `scap:<profile id>`, and the scan's facts are
 * the host's identity (`os` with hostname and machine-id, `interfaces` with MACs) so the store attaches it to
 * the same asset as Bulwark's own scans of that host or image. Pure.
 */
import { randomUUID } from 'node:crypto';
import type { Fact, ResultStatus, RuleResult, ScanMode, Severity } from '../core/types.js';
import { summarise } from '../engine/score.js';
import type { ScanOutcome } from '../scan/run.js';
import { andResult, type RuleOutcome, type XccdfEvaluation, type XccdfResult } from './engine.js';
import type { XccdfSeverity } from './xccdf.js';

/** XCCDF result → Bulwark status; `notselected` is not stored. */
export const STATUS_OF: Record<Exclude<XccdfResult, 'notselected'>, ResultStatus> = {
  pass: 'pass',
  fail: 'fail',
  error: 'error',
  unknown: 'error',
  notapplicable: 'not_applicable',
  notchecked: 'not_checked',
  informational: 'informational',
  fixed: 'pass',
};

/** XCCDF severity → Bulwark's; `unknown` counts as medium so an unrated failure still weighs. */
export const SEVERITY_OF: Record<XccdfSeverity, Severity> = {
  unknown: 'medium',
  info: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
};

export interface HostIdentity {
  hostname: string;
  machineId: string | null;
  macs: string[];
  prettyName?: string;
}

function messageOf(result: XccdfResult, o: RuleOutcome): string {
  const why = o.messages.find((m) => m.trim())?.trim();
  const base: Record<XccdfResult, string> = {
    pass: 'OVAL check passed',
    fail: 'OVAL check failed',
    error: 'the check could not be evaluated',
    unknown: 'the check could not decide (XCCDF result "unknown")',
    notapplicable: 'the rule does not apply to this platform (CPE)',
    notchecked: 'not checked',
    notselected: 'not selected',
    informational: 'informational',
    fixed: 'fixed',
  };
  return why && result !== 'pass' && result !== 'fail' ? `${base[result]}: ${why}` : base[result];
}

/** Bulwark results of an evaluation: one per selected rule (multi-check instances combined with AND). */
export function bulwarkResults(ev: XccdfEvaluation, source: string): (RuleResult & { area: string })[] {
  const byRule = new Map<string, RuleOutcome[]>();
  for (const o of ev.outcomes) {
    if (o.result === 'notselected') continue;
    byRule.set(o.rule.id, [...(byRule.get(o.rule.id) ?? []), o]);
  }
  return [...byRule.values()].map((os) => {
    const o = os[0]!;
    const result = os.map((x) => x.result).reduce((a, b) => andResult(a, b));
    const status = STATUS_OF[result as Exclude<XccdfResult, 'notselected'>] ?? 'error';
    const ref = o.check?.ref;
    const message = messageOf(result, o);
    return {
      rule: o.rule.id,
      title: o.rule.title,
      severity: SEVERITY_OF[o.severity],
      status,
      message,
      evidence: [
        {
          fact: 'scap:xccdf',
          path: source,
          message: `${result}${ref?.name ? ` (${ref.href} ${ref.name})` : ''}`,
        },
      ],
      area: 'scap',
    };
  });
}

/** The stored form of an evaluation. */
export function scanOutcome(
  ev: XccdfEvaluation,
  opts: {
    source: string;
    target: { kind: 'live' | 'root'; root: string; mode: ScanMode };
    identity: HostIdentity;
    tailoringFile: string | null;
    startedAt: string;
    finishedAt: string;
  },
): ScanOutcome {
  const provenance = {
    collector: 'scap',
    sources: [opts.source],
    mode: opts.target.mode,
    at: opts.finishedAt,
  };
  const facts: Fact[] = [
    {
      key: 'os',
      name: 'os',
      args: {},
      status: 'incomplete',
      rows: [
        {
          hostname: opts.identity.hostname,
          machine_id: opts.identity.machineId ?? '',
          ...(opts.identity.prettyName ? { pretty_name: opts.identity.prettyName } : {}),
        },
      ],
      provenance,
      reason: 'SCAP evaluation: the host identity only',
    },
  ];
  if (opts.identity.macs.length > 0)
    facts.push({
      key: 'interfaces',
      name: 'interfaces',
      args: {},
      status: 'incomplete',
      rows: opts.identity.macs.map((mac) => ({ name: '', wireless: false, operstate: '', mac })),
      provenance,
      reason: 'SCAP evaluation: MAC addresses only',
    });
  const results = bulwarkResults(ev, opts.source);
  return {
    id: randomUUID(),
    startedAt: opts.startedAt,
    finishedAt: opts.finishedAt,
    durationMs: Math.max(0, Date.parse(opts.finishedAt) - Date.parse(opts.startedAt)),
    target: opts.target,
    profile: `scap:${ev.profile.id ?? '(default)'}`,
    tailoringFile: opts.tailoringFile,
    policyFiles: [],
    results,
    facts,
    summary: summarise(results),
    rules: new Map(),
  };
}
