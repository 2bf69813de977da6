/**
 * A scan's verdicts column (migration 0008): one JSON object, rule id → status, the same verdicts as its result
 * rows, so that a fleet re-evaluation reads one row per scan. Written by the store, read by the store and by the
 * evaluate workers (which load nothing else of the store).
 */

/** A scan's results → its verdicts column. */
export function encodeVerdicts(results: readonly { rule: string; status: string }[]): string {
  return JSON.stringify(Object.fromEntries(results.map((r) => [r.rule, r.status])));
}

/** The column → rule id → status; undefined when it is not a JSON object (entries that are not text are dropped). */
export function parseVerdicts(text: string): Map<string, string> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const out = new Map<string, string>();
    for (const [rule, status] of Object.entries(v)) if (typeof status === 'string') out.set(rule, status);
    return out;
  } catch {
    return undefined;
  }
}
