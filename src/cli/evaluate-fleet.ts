/**
 * The evaluation half of `bulwark evaluate`: one stored snapshot → the verdicts of the selected rules, and
 * (evaluate-assess.ts) the asset's entry of the report, in this thread or spread over worker threads for a
 * fleet. The rules are selected (and their conditions compiled) once per thread. A snapshot's facts are
 * decoded only as rules read them, and a rule is evaluated only when the content of the facts it reads has
 * not been seen before (see snapshotEvaluator). Memory is bounded by the snapshots in flight and two capped
 * caches, not by the fleet.
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { BulwarkError } from '../core/errors.js';
import { factKey, type ResultStatus } from '../core/types.js';
import type { Fact, FactSchemas, Row } from '../core/types.js';
import { platformView, type RuleSelection } from '../engine/evaluate.js';
import { leafArgs, leafCandidates, leavesOf } from '../engine/check.js';
import { scoreOf } from '../engine/score.js';
import { factSchemas } from '../collect/registry.js';
import { evaluateSelections, selectRules } from '../scan/run.js';
import { contentHash, DecodedCache, factHash, openSnapshot, type OpenSnapshot } from '../store/snapshot.js';
import { loadWithPolicies } from './common.js';
import { assessor, type AssessJob } from './evaluate-assess.js';

/** What selects the rules: enough for a worker thread to select the same rules on its own. */
export interface SelectionSpec {
  profile: string;
  profileExplicit: boolean;
  tailoring?: string;
  policies: string[];
}

/** A rule's verdict as the report shows it; `json` is its report fragment, made once (evaluate-assess.ts). */
export interface Verdict {
  status: ResultStatus;
  message: string;
  json?: string;
}

/** One snapshot's verdicts, in the order of the selected rules. */
export interface SnapshotVerdicts {
  /** Shared with other snapshots that gave the same verdict: read, never change. */
  verdicts: readonly Verdict[];
  /** How many of them were remembered, not evaluated. */
  reused: number;
  score: number | null;
  counts: Record<string, number>;
  /** Rules `not_checked` for want of facts: [index of the rule, the fact keys missing]. */
  missing: [number, string[]][];
  /** Time to evaluate the rules, decoding the facts they read on demand. */
  evalMs: number;
  /** Time to open the snapshot (its index; a format 1 snapshot is decoded whole). */
  loadMs: number;
  /** The snapshot could not be read (every rule is then `error`): what went wrong and what to do. */
  error?: string;
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

/**
 * Verdicts remembered per rule, at most this many keys of each kind (then that memory starts again): by the
 * content hashes of the facts the rule reads, and by the rows its checks can select (see snapshotEvaluator).
 */
const MEMO_PER_RULE = 256;
/** A row key longer than this is remembered by its hash. */
const ROW_KEY_MAX = 240;
/** Decoded facts and row chunks kept between snapshots, by content hash: this many compressed bytes' worth each. */
const FACT_CACHE_BYTES = 256 << 10;
const CHUNK_CACHE_BYTES = 256 << 10;

/**
 * The facts of one snapshot as the engine reads them (a ReadonlyMap): each decoded on first read, from the
 * cache of decoded facts when another snapshot had the same content. Records whether a read went beyond the
 * keys the rule declared, which makes its verdict unfit to remember by those keys' hashes.
 */
class SnapshotFacts implements ReadonlyMap<string, Fact> {
  /** The keys the rule being evaluated declared; a read of any other sets `stray`. */
  declared: ReadonlySet<string> = new Set();
  stray = false;
  private platform: Fact | undefined;
  constructor(
    private readonly snap: OpenSnapshot,
    private readonly cache: DecodedCache<Fact>,
  ) {}
  /** `os` reduced to what the platform decision reads (platformView), for rules whose checks do not read it. */
  platformOs(): Fact | undefined {
    if (this.platform) return this.platform;
    const os = this.read('os');
    return (this.platform = os && platformView(os));
  }
  get(key: string): Fact | undefined {
    if (key === 'os' && !this.declared.has(key)) return this.platformOs();
    if (!this.declared.has(key)) this.stray = true;
    return this.read(key);
  }
  private read(key: string): Fact | undefined {
    const e = this.snap.entries.get(key);
    if (!e) return undefined;
    if (this.snap.format === 1) return this.snap.fact(key);
    return this.cache.get(e.hash) ?? this.cache.put(e.hash, e.length, this.snap.fact(key)!);
  }
  has(key: string): boolean {
    if (!this.declared.has(key)) this.stray = true;
    return this.snap.entries.has(key);
  }
  get size(): number {
    return this.snap.entries.size;
  }
  private everything(): Map<string, Fact> {
    this.stray = true;
    return new Map([...this.snap.entries.keys()].map((k) => [k, this.get(k)!]));
  }
  forEach(cb: (value: Fact, key: string, map: ReadonlyMap<string, Fact>) => void): void {
    for (const [k, v] of this.everything()) cb(v, k, this);
  }
  entries(): MapIterator<[string, Fact]> {
    return this.everything().entries();
  }
  keys(): MapIterator<string> {
    return this.everything().keys();
  }
  values(): MapIterator<Fact> {
    return this.everything().values();
  }
  [Symbol.iterator](): MapIterator<[string, Fact]> {
    return this.entries();
  }
}

/**
 * Adds to a capped memory, which starts again when full: a rule whose facts differ on every host fills it with
 * keys never seen again, and the keys that recur are learnt back at once.
 */
function remember<V>(m: Map<string, V>, key: string, v: V): void {
  if (m.size >= MEMO_PER_RULE) m.clear();
  m.set(key, v);
}

/** One rule's memory: verdicts by selectable rows, and the distinct verdicts themselves. */
interface RuleMemo {
  byRows: Map<string, Verdict>;
  /** One Verdict object per distinct status and message, so that its report fragment is made once. */
  verdicts: Map<string, Verdict>;
}

/**
 * Evaluates the selected rules over one stored snapshot (either format). Pure apart from the clock.
 *
 * The evaluator remembers verdicts across the snapshots it is given. A rule's status and message are a function
 * of the facts it reads (its checks' facts, and `os` for the platform decision), the mode and the parameters
 * (fixed here); the engine reads nothing else. So a rule is answered from memory:
 *   1. when the facts it reads have the content hashes of facts seen before (stored in the snapshot's index:
 *      nothing is decoded), `os` counting only by its platform view unless a check reads it;
 *   2. else when the rows its checks can select (leafCandidates: the packages it names, the sysctl keys it
 *      asks about), with the facts' status and reason, are those seen before: the facts are decoded, but the
 *      rule is not evaluated. Hosts whose package lists differ elsewhere share the verdict.
 * A rule whose evaluation reads a fact it did not declare is never remembered. Verdicts remembered this way are
 * exact: src/cli/evaluate-fleet.test.ts compares them with a plain evaluation of every snapshot.
 */
export function snapshotEvaluator(
  selections: readonly RuleSelection[],
): (blob: Uint8Array, mode: 'live' | 'offline') => SnapshotVerdicts {
  const schemas: FactSchemas = factSchemas();
  const leaves = selections.map((s) =>
    [...leavesOf(s.rule.applies_if), ...leavesOf(s.rule.check)].map((leaf) => ({
      leaf,
      key: factKey({ name: leaf.fact, args: leafArgs(leaf, s.params) }),
    })),
  );
  // What each rule reads: its checks' facts, and `os` for the platform decision (as requiredFacts says).
  const checksRead = leaves.map((ls) => new Set(ls.map((l) => l.key)));
  const needs = checksRead.map((keys) => [...new Set(['os', ...keys])]);
  // Rules reading the same facts share their first memory: one key per group and snapshot (`os` standing for
  // its platform view unless a check reads it), one lookup answering every rule of the group.
  const groupIds = new Map<string, number>();
  const groups: { parts: string[]; rules: number[]; memo: Map<string, (Verdict | undefined)[]> }[] = [];
  needs.forEach((keys, i) => {
    const parts = keys.map((k) => (k === 'os' && !checksRead[i]!.has(k) ? '' : k));
    const sig = parts.join('\n');
    let g = groupIds.get(sig);
    if (g === undefined) {
      groupIds.set(sig, (g = groups.length));
      groups.push({ parts, rules: [], memo: new Map() });
    }
    groups[g]!.rules.push(i);
  });
  const memos: RuleMemo[] = selections.map(() => ({
    byRows: new Map(),
    verdicts: new Map(),
  }));
  const unfit = new Set<number>();
  const cache = new DecodedCache<Fact>(FACT_CACHE_BYTES);
  const chunks = new DecodedCache<readonly Row[]>(CHUNK_CACHE_BYTES);
  // A row's JSON, made once per row object (rows of a chunk seen before are the same objects).
  const rowTexts = new WeakMap<Row, string>();
  const rowText = (r: Row): string => {
    let t = rowTexts.get(r);
    if (t === undefined) rowTexts.set(r, (t = JSON.stringify(r)));
    return t;
  };
  const intern = (m: RuleMemo, status: ResultStatus, message: string): Verdict => {
    const k = `${status}\u0000${message}`;
    let v = m.verdicts.get(k);
    if (!v) remember(m.verdicts, k, (v = { status, message }));
    return v;
  };
  return (blob, mode) => {
    const l0 = performance.now();
    let snap: OpenSnapshot;
    try {
      snap = openSnapshot(blob, chunks);
    } catch (e) {
      const error = e instanceof BulwarkError ? `${e.message} (${e.code}): ${e.hint}` : String(e);
      const message = `the stored snapshot could not be read: ${error}`;
      const verdicts = selections.map((): Verdict => ({ status: 'error', message }));
      const { score, counts } = scoreOf(selections.map((x) => ({ status: 'error', severity: x.severity })));
      return {
        verdicts,
        reused: 0,
        score,
        counts,
        missing: [],
        evalMs: 0,
        loadMs: performance.now() - l0,
        error,
      };
    }
    const facts = new SnapshotFacts(snap, cache);
    const t0 = performance.now();
    let reused = 0;
    const missing: [number, string[]][] = [];
    const platformOs = facts.platformOs();
    const platformHash = platformOs ? factHash(platformOs) : '-';
    /** The rows rule i's checks can select, with their facts' status and reason: its second memory's key. */
    const rowKey = (i: number): string => {
      let id = `${mode}|${platformHash}`;
      for (const { leaf, key } of leaves[i]!) {
        const f = facts.get(key);
        let part: string;
        if (!f) part = '-';
        else if (f.status === 'not_collected' || f.status === 'error') part = `${f.status}:${f.reason ?? ''}`;
        else {
          const rows = leafCandidates(leaf, f, schemas);
          if (rows === null) part = snap.entries.get(key)!.hash;
          else {
            const text = `${f.status}:${f.reason ?? ''}:[${rows.map(rowText).join(',')}]`;
            part = text.length <= ROW_KEY_MAX ? text : contentHash(text);
          }
        }
        id += `|${part}`;
      }
      return id;
    };
    /** Rule i evaluated now (over the facts it declared; a read beyond them makes it unfit for memory). */
    const evaluate = (i: number): Verdict => {
      facts.declared = checksRead[i]!;
      facts.stray = false;
      const [r] = evaluateSelections([selections[i]!], facts, mode, undefined, schemas);
      if (facts.stray) unfit.add(i);
      return intern(memos[i]!, r!.status, r!.message);
    };
    const verdicts: Verdict[] = new Array<Verdict>(selections.length);
    for (const { parts, rules, memo } of groups) {
      let key: string = mode;
      for (const k of parts) key += `|${k === '' ? platformHash : (snap.entries.get(k)?.hash ?? '-')}`;
      const known = memo.get(key);
      if (known) {
        rules.forEach((i, j) => {
          const v = known[j];
          if (v) reused++;
          verdicts[i] = v ?? evaluate(i);
        });
        continue;
      }
      const row: (Verdict | undefined)[] = [];
      for (const i of rules) {
        let v: Verdict | undefined;
        if (!unfit.has(i)) {
          facts.declared = checksRead[i]!;
          facts.stray = false;
          const byRows = rowKey(i);
          if (facts.stray) unfit.add(i);
          else {
            v = memos[i]!.byRows.get(byRows);
            if (v) reused++;
            else {
              v = evaluate(i);
              if (!unfit.has(i)) remember(memos[i]!.byRows, byRows, v);
            }
          }
        }
        // A rule unfit for memory is evaluated every time.
        verdicts[i] = v ??= evaluate(i);
        row.push(unfit.has(i) ? undefined : v);
      }
      remember(memo, key, row);
    }
    verdicts.forEach((v, i) => {
      if (v.status !== 'not_checked') return;
      const m = needs[i]!.filter((k) => !snap.entries.has(k));
      if (m.length > 0) missing.push([i, m]);
    });
    const { score, counts } = scoreOf(
      verdicts.map((x, i) => ({ status: x.status, severity: selections[i]!.severity })),
    );
    return {
      verdicts,
      reused,
      score,
      counts,
      missing,
      evalMs: performance.now() - t0,
      loadMs: t0 - l0,
    };
  };
}

export interface Evaluator {
  /** The asset's entry of the report (evaluate-assess.ts), from wherever it was evaluated (UTF-8 from a worker). */
  run(job: AssessJob): Promise<string | Uint8Array>;
  /** Worker threads in use (0: this thread). */
  readonly threads: number;
  close(): Promise<void>;
}

/** What a worker thread is started with. */
export interface WorkerSpec {
  spec: SelectionSpec;
  format: 'json' | 'text';
}

/** The evaluation and the report entry of one job, in the thread that runs them. */
export function jobRunner(selected: Selected, format: 'json' | 'text'): (job: AssessJob) => string {
  const evaluate = snapshotEvaluator(selected.selections);
  const assess = assessor(selected, format);
  return (job) =>
    assess(
      job,
      job.facts === undefined
        ? undefined
        : evaluate(job.facts, job.scan.mode === 'live' ? 'live' : 'offline'),
    );
}

/**
 * Below this many snapshots the evaluation stays in this thread: starting a worker (loading the catalogue
 * again) costs more than it saves.
 */
export const WORKER_THRESHOLD = 64;

/** Jobs a worker holds at once: enough to keep it busy while this thread reads and writes, no more. */
const WORKER_QUEUE = 32;

/**
 * An evaluator for `count` snapshots: in this thread for a few, else in one worker thread per core, each taking
 * the next job as it becomes free (this thread reads the store and writes the report; it does not evaluate, so
 * that its heap, which no limit caps, stays small). `BULWARK_EVALUATE_THREADS=N` sets the number of worker
 * threads whatever the count (0 or 1: this thread alone).
 */
export function makeEvaluator(
  spec: SelectionSpec,
  selected: Selected,
  count: number,
  format: 'json' | 'text',
): Evaluator {
  const env = Number(process.env['BULWARK_EVALUATE_THREADS']);
  const cores = os.availableParallelism();
  const threads = Number.isInteger(env) && env >= 0 ? Math.min(env, 64) : cores;
  const explicit = process.env['BULWARK_EVALUATE_THREADS'] !== undefined;
  if (threads <= 1 || (count < WORKER_THRESHOLD && !explicit) || count === 0) {
    const local = jobRunner(selected, format);
    return {
      threads: 0,
      run: (job) => Promise.resolve(local(job)),
      close: () => Promise.resolve(),
    };
  }
  const url = new URL(
    import.meta.url.endsWith('.ts') ? './evaluate-worker.ts' : './evaluate-worker.js',
    import.meta.url,
  );
  interface Task {
    job: AssessJob;
    resolve: (v: string | Uint8Array) => void;
    reject: (e: unknown) => void;
  }
  const queue: Task[] = [];
  const pending = new Map<number, Task>();
  const workers: { worker: Worker; busy: number }[] = [];
  let seq = 0;
  let failure: Error | undefined;
  /** Hands out the queued jobs to the workers with room. */
  const pump = (): void => {
    for (const w of workers)
      while (w.busy < WORKER_QUEUE && queue.length > 0) {
        const t = queue.shift()!;
        const id = seq++;
        pending.set(id, t);
        w.busy++;
        w.worker.postMessage({ id, job: t.job });
      }
  };
  const workerData: WorkerSpec = { spec, format };
  for (let i = 0; i < threads; i++) {
    // A worker holds WORKER_QUEUE snapshots and two capped caches: a modest heap keeps memory bounded.
    const worker = new Worker(url, {
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 },
    });
    const w = { worker, busy: 0 };
    worker.on('message', (m: { id: number; ok: boolean; value?: Uint8Array; error?: string }) => {
      const t = pending.get(m.id);
      if (!t) return;
      pending.delete(m.id);
      w.busy--;
      if (m.ok) t.resolve(m.value!);
      else t.reject(new Error(m.error ?? 'evaluation failed in a worker thread'));
      pump();
    });
    worker.on('error', (e) => {
      const err = e instanceof Error ? e : new Error(String(e));
      failure = err;
      for (const t of [...pending.values(), ...queue.splice(0)]) t.reject(err);
      pending.clear();
    });
    workers.push(w);
  }
  return {
    threads,
    run(job) {
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        queue.push({ job, resolve, reject });
        pump();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
