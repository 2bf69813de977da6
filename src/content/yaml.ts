/** YAML with positions: parse errors and schema issues point at file:line:column and the offending key. */
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { Issue } from '../core/errors.js';

export interface Located<T> {
  value: T;
  file: string;
  doc: Document;
  lines: LineCounter;
}

/**
 * Parses one YAML document. `data` is the plain value (undefined when there are issues). Errors,
 * and warnings such as unresolved tags (`!!js/function`, `!!python/object`), are issues with
 * line and column: content is plain data, nothing in it is ever interpreted.
 */
export function parseYaml(text: string, file: string): { doc: Document; lines: LineCounter; issues: Issue[]; data: unknown } {
  const lines = new LineCounter();
  // Core schema, no custom tags, no merge keys: plain data only.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, schema: 'core', merge: false, uniqueKeys: true });
  const issues: Issue[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    // linePos is only filled in with prettyErrors; compute it from the offset.
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    issues.push({ code: `yaml_${e.code.toLowerCase()}`, file, line: pos.line, column: pos.col, message: e.message.split('\n')[0] ?? e.message });
  }
  let data: unknown;
  if (issues.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // e.g. "Excessive alias count indicates a resource exhaustion attack" (a billion-laughs document).
      issues.push({ code: 'yaml_unsafe', file, line: 1, column: 1, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { doc, lines, issues, data };
}

/** Line and column of the node at `path` (falling back to the nearest existing parent). For a key, its key token. */
export function locate(doc: Document, lines: LineCounter, path: readonly (string | number)[]): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let best: { line: number; column: number } | undefined;
  const pos = (n: unknown) => {
    const r = (n as Node | null)?.range;
    if (!r) return undefined;
    const p = lines.linePos(r[0]);
    return { line: p.line, column: p.col };
  };
  best = pos(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => String((it.key as { value?: unknown } | null)?.value ?? it.key) === String(seg));
      if (!pair) break;
      best = pos(pair.key) ?? best;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) break;
      best = pos(item) ?? best;
      node = item;
    } else break;
  }
  return best;
}

export function zodIssues(err: z.ZodError, file: string, doc: Document, lines: LineCounter, prefix: (string | number)[] = []): Issue[] {
  return err.issues.map((i) => {
    const path = [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    let message = i.message;
    let keyPath = path;
    if (i.code === 'unrecognized_keys') {
      message = `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      keyPath = [...path, i.keys[0]!];
    }
    const at = locate(doc, lines, keyPath);
    return { code: i.code, file, ...(at ? { line: at.line, column: at.column } : {}), path: keyPath.join('.'), message };
  });
}
