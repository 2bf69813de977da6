/** Unified diffs of two texts (line-based LCS, as `diff -u` prints them). Pure. */

function splitKeep(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

type Op = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };

/** Edit script by dynamic programming over the middle part (common prefix and suffix trimmed first). */
function ops(a: readonly string[], b: readonly string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const n = am.length;
  const m = bm.length;
  const out: Op[] = [];
  for (let i = 0; i < pre; i++) out.push({ kind: ' ', text: a[i]!, a: i, b: i });
  if (n * m > 25_000_000) {
    // Too large for the table: everything in the middle is replaced.
    am.forEach((t, i) => out.push({ kind: '-', text: t, a: pre + i, b: pre }));
    bm.forEach((t, j) => out.push({ kind: '+', text: t, a: pre + n, b: pre + j }));
  } else {
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * w + j] =
          am[i] === bm[j]
            ? lcs[(i + 1) * w + j + 1]! + 1
            : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        out.push({ kind: ' ', text: am[i]!, a: pre + i, b: pre + j });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
        // Deletions before insertions, as diff -u prints them.
        out.push({ kind: '-', text: am[i]!, a: pre + i, b: pre + j });
        i++;
      } else {
        out.push({ kind: '+', text: bm[j]!, a: pre + i, b: pre + j });
        j++;
      }
    }
  }
  for (let k = 0; k < suf; k++) {
    const ia = a.length - suf + k;
    const ib = b.length - suf + k;
    out.push({ kind: ' ', text: a[ia]!, a: ia, b: ib });
  }
  return out;
}

/**
 * `--- a/<path>` / `+++ b/<path>` with hunks of `context` lines; empty string when the texts are equal.
 * `before` null means the file is created (`/dev/null`), `after` null that it is removed.
 */
export function unifiedDiff(path: string, before: string | null, after: string | null, context = 3): string {
  if (before === after) return '';
  const a = splitKeep(before ?? '');
  const b = splitKeep(after ?? '');
  const script = ops(a, b);
  const changed = script.map((o, i) => (o.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  const head = `--- ${before === null ? '/dev/null' : 'a' + path}\n+++ ${after === null ? '/dev/null' : 'b' + path}\n`;
  if (changed.length === 0) {
    // Same lines, different final newline.
    return head + '@@ -1 +1 @@\n\\ the files differ only in their final newline\n';
  }
  const hunks: [number, number][] = [];
  for (const c of changed) {
    const lo = Math.max(0, c - context);
    const hi = Math.min(script.length - 1, c + context);
    const last = hunks[hunks.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else hunks.push([lo, hi]);
  }
  let out = head;
  for (const [lo, hi] of hunks) {
    const part = script.slice(lo, hi + 1);
    const aLines = part.filter((o) => o.kind !== '+').length;
    const bLines = part.filter((o) => o.kind !== '-').length;
    const aStart = aLines === 0 ? part[0]!.a : part[0]!.a + 1;
    const bStart = bLines === 0 ? part[0]!.b : part[0]!.b + 1;
    out += `@@ -${aStart},${aLines} +${bStart},${bLines} @@\n`;
    for (const o of part) out += `${o.kind}${o.text}\n`;
  }
  return out;
}
