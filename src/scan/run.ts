/** A scan: target → collect → evaluate → results. The CLI and (later) the server call this. */
import { randomUUID } from 'node:crypto';
import { byText, type Fact, type FactSchemas, type RuleResult, type ScanMode } from '../core/types.js';
import { collectFacts, makeContext, type CollectProgress } from '../collect/runner.js';
import { evaluateRule, requiredFacts } from '../engine/evaluate.js';
import { resolveProfile, selectionFor, type Catalogue, type Tailoring } from '../engine/profile.js';
import type { Rule } from '../engine/rule.js';
import type { RuleSelection } from '../engine/evaluate.js';
import { summarise, type ScoreSummary } from '../engine/score.js';
import { factSchemas } from '../collect/registry.js';
import type { Target } from '../targets/target.js';

export interface ScanOptions {
  catalogue: Catalogue;
  profile: string;
  tailoring?: Tailoring;
  tailoringFile?: string;
  /** Only these rules (ids or aliases). */
  rules?: string[];
  /** Rules defined by --policy files; run alone when no profile was asked for. */
  policyRules?: string[];
  policyFiles?: string[];
  profileExplicit?: boolean;
  onProgress?: (p: { phase: 'collect' | 'evaluate'; done: number; total: number; current?: string }) => void;
}

export interface ScanOutcome {
  id: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  target: { kind: Target['kind']; root: string; mode: Target['mode'] };
  profile: string;
  tailoringFile: string | null;
  policyFiles: string[];
  results: (RuleResult & { area: string })[];
  facts: Fact[];
  summary: ScoreSummary;
  rules: Map<string, Rule>;
}

export function selectRules(opts: ScanOptions): RuleSelection[] {
  const { catalogue } = opts;
  if (
    opts.policyRules &&
    opts.policyRules.length > 0 &&
    !opts.profileExplicit &&
    !(opts.rules && opts.rules.length)
  ) {
    const params = { ...(opts.tailoring?.parameters ?? {}) };
    return opts.policyRules.map((id) =>
      selectionFor(catalogue.rules.get(id)!, params, opts.tailoring?.severity?.[id]),
    );
  }
  return resolveProfile(catalogue, opts.tailoring?.extends ?? opts.profile, opts.tailoring, opts.rules);
}

/**
 * The pure half of a scan: every selected rule evaluated over a set of facts (collected now, or a stored
 * snapshot). A rule whose evaluation throws is an `error` result, never a lost run. `onProgress` is called
 * every 50 rules and at the end. `schemas` can be passed once for many evaluations.
 */
export function evaluateSelections(
  selections: readonly RuleSelection[],
  facts: ReadonlyMap<string, Fact>,
  mode: ScanMode,
  onProgress?: (done: number, total: number) => void,
  schemas: FactSchemas = factSchemas(),
): (RuleResult & { area: string })[] {
  const results: (RuleResult & { area: string })[] = [];
  let i = 0;
  for (const sel of selections) {
    let r: RuleResult;
    try {
      r = evaluateRule(sel, facts, schemas, mode);
    } catch (e) {
      r = {
        rule: sel.rule.id,
        title: sel.rule.title,
        severity: sel.severity,
        status: 'error',
        message: `evaluation failed: ${e instanceof Error ? e.message : String(e)}`,
        evidence: [],
      };
    }
    results.push({ ...r, area: sel.rule.area });
    if (++i % 50 === 0) onProgress?.(i, selections.length);
  }
  onProgress?.(selections.length, selections.length);
  return results;
}

const IDENTITY_FACTS = [
  { name: 'interfaces', args: {} },
  { name: 'dmi', args: {} },
];

export async function runScan(target: Target, opts: ScanOptions): Promise<ScanOutcome> {
  const started = new Date();
  const t0 = performance.now();
  const selections = selectRules(opts);
  const ctx = makeContext(target, started);
  // What the rules need, and what recognises the asset in the store whatever the profile: its MAC
  // addresses and hardware serial (both live only: offline they are not_collected).
  const requests = [...requiredFacts(selections), ...IDENTITY_FACTS];
  const facts = await collectFacts(ctx, requests, {
    onProgress: (p: CollectProgress) =>
      opts.onProgress?.({ phase: 'collect', done: p.done, total: p.total, current: p.current }),
  });
  const results = evaluateSelections(selections, facts, target.mode, (done, total) =>
    opts.onProgress?.({ phase: 'evaluate', done, total }),
  );
  const finished = new Date();
  return {
    id: randomUUID(),
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    target: { kind: target.kind, root: target.root, mode: target.mode },
    profile: opts.policyRules?.length && !opts.profileExplicit ? 'policy' : opts.profile,
    tailoringFile: opts.tailoringFile ?? null,
    policyFiles: opts.policyFiles ?? [],
    results,
    facts: [...facts.values()].sort((a, b) => byText(a.key, b.key)),
    summary: summarise(results),
    rules: new Map(selections.map((s) => [s.rule.id, s.rule])),
  };
}
