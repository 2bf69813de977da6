/**
 * The evaluation half of `bulwark evaluate`: one stored snapshot (compressed) → the verdicts of the selected
 * rules, in this thread or spread over worker threads for a fleet. The rules are selected (and their
 * conditions compiled) once per thread; each snapshot is decompressed, evaluated and dropped before the next,
 * so memory is bounded by the snapshots in flight, not by the fleet.
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { factKey, type ResultStatus } from '../core/types.js';
import type { FactSchemas } from '../core/types.js';
import { requiredFacts, type RuleSelection } from '../engine/evaluate.js';
import { summarise } from '../engine/score.js';
import { factSchemas } from '../collect/registry.js';
import { evaluateSelections, selectRules } from '../scan/run.js';
import { decodeFacts } from '../store/db.js';
import { loadWithPolicies } from './common.js';

/** What selects the rules: enough for a worker thread to select the same rules on its own. */
export interface SelectionSpec {
  profile: string;
  profileExplicit: boolean;
  tailoring?: string;
  policies: string[];
}

/** One snapshot's verdicts, in the order of the selected rules (compact: it crosses threads). */
export interface SnapshotVerdicts {
  statuses: ResultStatus[];
  messages: string[];
  score: number | null;
  counts: Record<string, number>;
  /** Rules `not_checked` for want of facts: [index of the rule, the fact keys missing]. */
  missing: [number, string[]][];
  /** Time to evaluate the rules (decompressing not included). */
  evalMs: number;
  /** Time to decompress and parse the snapshot. */
  loadMs: number;
}

export interface Selected {
  selections: RuleSelection[];
  /** The catalogue's mapping of ids and aliases to today's ids. */
  canonical: (id: string) => string | undefined;
  /** The profile's name as shown (`policy` for policy rules alone, a tailoring's base profile). */
  profile: string;
}

export async function select(spec: SelectionSpec): Promise<Selected> {
  const { catalogue, policyRules } = await loadWithPolicies(spec.policies);
  const tailoring = spec.tailoring
    ? (await import('../content/load.js')).loadTailoring(spec.tailoring, catalogue)
    : undefined;
  const selections = selectRules({
    catalogue,
    profile: spec.profile,
    profileExplicit: spec.profileExplicit,
    ...(tailoring ? { tailoring } : {}),
    policyRules,
  });
  const { canonicalRuleId } = await import('../engine/profile.js');
  return {
    selections,
    canonical: (id) => canonicalRuleId(catalogue, id),
    profile: policyRules.length && !spec.profileExplicit ? 'policy' : (tailoring?.extends ?? spec.profile),
  };
}

/** Evaluates the selected rules over one compressed snapshot. Pure apart from the clock. */
export function snapshotEvaluator(
  selections: readonly RuleSelection[],
): (blob: Uint8Array, mode: 'live' | 'offline') => SnapshotVerdicts {
  const schemas: FactSchemas = factSchemas();
  const needs = selections.map((s) => [...new Set(requiredFacts([s]).map((r) => factKey(r)))]);
  return (blob, mode) => {
    const l0 = performance.now();
    const facts = decodeFacts(blob);
    const byKey = new Map(facts.map((f) => [f.key, f]));
    const t0 = performance.now();
    const results = evaluateSelections(selections, byKey, mode, undefined, schemas);
    const summary = summarise(results);
    const evalMs = performance.now() - t0;
    const missing: [number, string[]][] = [];
    results.forEach((r, i) => {
      if (r.status !== 'not_checked') return;
      const m = (needs[i] ?? []).filter((k) => !byKey.has(k));
      if (m.length > 0) missing.push([i, m]);
    });
    return {
      statuses: results.map((r) => r.status),
      messages: results.map((r) => r.message),
      score: summary.score,
      counts: summary.counts,
      missing,
      evalMs,
      loadMs: t0 - l0,
    };
  };
}

export interface Evaluator {
  run(blob: Uint8Array, mode: 'live' | 'offline'): Promise<SnapshotVerdicts>;
  /** Worker threads in use (0: this thread). */
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * Below this many snapshots the evaluation stays in this thread: starting a worker (loading the catalogue
 * again) costs more than it saves.
 */
export const WORKER_THRESHOLD = 64;

/**
 * An evaluator for `count` snapshots: in this thread for a few, else one worker thread per core.
 * `BULWARK_EVALUATE_THREADS=N` sets the number of threads whatever the count (0 or 1: this thread).
 */
export function makeEvaluator(spec: SelectionSpec, selected: Selected, count: number): Evaluator {
  const env = Number(process.env['BULWARK_EVALUATE_THREADS']);
  const cores = os.availableParallelism();
  const threads = Number.isInteger(env) && env >= 0 ? Math.min(env, 64) : cores > 1 ? cores : 0;
  const explicit = process.env['BULWARK_EVALUATE_THREADS'] !== undefined;
  if (threads <= 1 || (count < WORKER_THRESHOLD && !explicit) || count === 0) {
    const evaluate = snapshotEvaluator(selected.selections);
    return {
      threads: 0,
      run: (blob, mode) => Promise.resolve(evaluate(blob, mode)),
      close: () => Promise.resolve(),
    };
  }
  const url = new URL(
    import.meta.url.endsWith('.ts') ? './evaluate-worker.ts' : './evaluate-worker.js',
    import.meta.url,
  );
  const pending = new Map<number, { resolve: (v: SnapshotVerdicts) => void; reject: (e: unknown) => void }>();
  const workers: { worker: Worker; busy: number }[] = [];
  let seq = 0;
  let failure: Error | undefined;
  for (let i = 0; i < threads; i++) {
    // A worker holds one snapshot at a time: a modest heap keeps the fleet's memory bounded.
    const worker = new Worker(url, {
      workerData: spec,
      resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 48 },
    });
    worker.on('message', (m: { id: number; ok: boolean; value?: SnapshotVerdicts; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      const w = workers.find((x) => x.worker === worker);
      if (w) w.busy--;
      if (m.ok) p.resolve(m.value!);
      else p.reject(new Error(m.error ?? 'evaluation failed in a worker thread'));
    });
    worker.on('error', (e) => {
      const err = e instanceof Error ? e : new Error(String(e));
      failure = err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    workers.push({ worker, busy: 0 });
  }
  return {
    threads,
    run(blob, mode) {
      if (failure !== undefined) return Promise.reject(failure);
      const w = workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      const id = seq++;
      w.busy++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.worker.postMessage({ id, blob, mode });
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
