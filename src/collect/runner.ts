/** Runs the collectors a selection of rules needs, each isolated: one failure is one `error` fact. */
import { factKey, type Fact, type FactRequest } from '../core/types.js';
import { errorMessage } from '../core/errors.js';
import type { Target } from '../targets/target.js';
import type { CollectContext } from './types.js';
import { collectorFor } from './registry.js';

export interface CollectProgress {
  done: number;
  total: number;
  current: string;
}

export function makeContext(target: Target, now = new Date()): CollectContext {
  const memos = new Map<string, Promise<unknown>>();
  return {
    target,
    mode: target.mode,
    now,
    memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
      let p = memos.get(key) as Promise<T> | undefined;
      if (!p) {
        p = fn();
        memos.set(key, p);
      }
      return p;
    },
  };
}

export async function collectFacts(
  ctx: CollectContext,
  requests: readonly FactRequest[],
  opts: { concurrency?: number; onProgress?: (p: CollectProgress) => void } = {},
): Promise<Map<string, Fact>> {
  const unique = new Map<string, FactRequest>();
  for (const r of requests) unique.set(factKey(r), r);
  const out = new Map<string, Fact>();
  // Slow collectors first: their work (often a child process) overlaps everything else.
  const queue = [...unique.entries()].sort(
    ([, a], [, b]) =>
      Number(collectorFor(b.name)?.slow ?? false) - Number(collectorFor(a.name)?.slow ?? false),
  );
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const next = queue.shift();
      if (!next) return;
      const [key, req] = next;
      out.set(key, await collectOne(ctx, req));
      done++;
      opts.onProgress?.({ done, total: unique.size, current: key });
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return out;
}

export async function collectOne(ctx: CollectContext, req: FactRequest): Promise<Fact> {
  const key = factKey(req);
  const base = { key, name: req.name, args: req.args };
  const prov = (sources: string[]) => ({
    collector: req.name,
    sources,
    mode: ctx.mode,
    at: new Date().toISOString(),
  });
  const c = collectorFor(req.name);
  if (!c)
    return {
      ...base,
      status: 'error',
      rows: [],
      provenance: prov([]),
      reason: `no collector named ${req.name}`,
    };
  if (c.liveOnly && ctx.mode !== 'live')
    return {
      ...base,
      status: 'not_collected',
      rows: [],
      provenance: prov([]),
      reason: `${req.name} only exists on a running system; not collected from an offline root`,
    };
  try {
    const r = await c.collect(ctx, req.args);
    const fact: Fact = { ...base, status: r.status, rows: r.rows, provenance: prov(r.sources) };
    if (r.reason !== undefined) fact.reason = r.reason;
    return fact;
  } catch (e) {
    return {
      ...base,
      status: 'error',
      rows: [],
      provenance: prov([]),
      reason: `collector ${req.name} failed: ${errorMessage(e)}`,
    };
  }
}
