/** Rule-level evaluation: applicability, check, result with evidence. Pure. */
import type { Fact, FactRequest, FactSchemas, RuleResult, ScanMode, Severity } from '../core/types.js';
import { evaluateCheck, leafRequests, type EvalEnv } from './check.js';
import type { Rule } from './rule.js';

export interface RuleSelection {
  rule: Rule;
  severity: Severity;
  params: Record<string, unknown>;
}

/** Facts the selected rules need (with their parameters applied to fact arguments); `os` always. */
export function requiredFacts(selections: readonly RuleSelection[]): FactRequest[] {
  const out: FactRequest[] = [{ name: 'os', args: {} }];
  for (const s of selections)
    out.push(...leafRequests(s.rule.applies_if, s.params), ...leafRequests(s.rule.check, s.params));
  return out;
}

/** Does the target's OS (from the `os` fact) belong to one of the rule's platforms? Unknown OS: yes. */
export function platformMatches(platforms: readonly string[], facts: ReadonlyMap<string, Fact>): boolean {
  if (platforms.includes('linux')) return true;
  const os = facts.get('os');
  const row = os?.rows[0];
  if (!os || os.status !== 'complete' || !row) return true;
  const ids = [String(row['id'] ?? ''), ...String(row['id_like'] ?? '').split(/\s+/)].map((s) =>
    s.toLowerCase(),
  );
  const families: Record<string, string[]> = {
    debian: ['debian', 'ubuntu', 'raspbian'],
    ubuntu: ['ubuntu'],
    rhel: ['rhel', 'centos', 'fedora', 'rocky', 'almalinux', 'ol'],
  };
  return platforms.some((p) => (families[p] ?? [p]).some((f) => ids.includes(f)));
}

/**
 * The part of the `os` fact that platformMatches (and its not_applicable message) reads: its status and the
 * first row's id, id_like and pretty_name. Two systems alike in these get the same platform decision for every
 * rule, whatever their hostnames or versions: a fleet re-evaluation remembers verdicts by it.
 */
export function platformView(os: Fact): Fact {
  const row = os.rows[0];
  return {
    ...os,
    rows: row
      ? [{ id: row['id'] ?? null, id_like: row['id_like'] ?? null, pretty_name: row['pretty_name'] ?? null }]
      : [],
  };
}

export function evaluateRule(
  sel: RuleSelection,
  facts: ReadonlyMap<string, Fact>,
  schemas: FactSchemas,
  mode: ScanMode,
): RuleResult {
  const { rule } = sel;
  const base = { rule: rule.id, title: rule.title, severity: sel.severity };
  const env: EvalEnv = { facts, schemas, params: sel.params, mode };
  if (!platformMatches(rule.platforms, facts)) {
    const os = facts.get('os')?.rows[0];
    return {
      ...base,
      status: 'not_applicable',
      message: `applies to ${rule.platforms.join(', ')}; this system is ${String(os?.['pretty_name'] ?? os?.['id'] ?? 'another OS')}`,
      evidence: [{ fact: 'os', message: 'platform does not match' }],
    };
  }
  if (rule.applies_if) {
    const a = evaluateCheck(rule.applies_if, env);
    if (a.status === 'fail' || a.status === 'not_applicable')
      return {
        ...base,
        status: 'not_applicable',
        message: `not applicable: ${a.message}`,
        evidence: a.evidence,
      };
    if (a.status === 'error')
      return {
        ...base,
        status: 'error',
        message: `applicability could not be decided: ${a.message}`,
        evidence: a.evidence,
      };
    if (a.status === 'not_checked')
      return {
        ...base,
        status: 'not_checked',
        message: `applicability could not be decided: ${a.message}`,
        evidence: a.evidence,
      };
    if (a.status === 'skip')
      return {
        ...base,
        status: 'not_checked',
        message: 'whether this rule applies can only be decided on a running system',
        evidence: a.evidence,
      };
  }
  const v = evaluateCheck(rule.check, env);
  if (rule.informational && (v.status === 'pass' || v.status === 'fail'))
    return { ...base, status: 'informational', message: v.message, evidence: v.evidence };
  switch (v.status) {
    case 'skip':
      return {
        ...base,
        status: 'not_checked',
        message: 'every part of this check needs a running system',
        evidence: v.evidence,
      };
    default:
      return { ...base, status: v.status, message: v.message, evidence: v.evidence };
  }
}
