/**
 * Drift: what changed between two fact snapshots (a baseline's and the latest scan's), row by row. Pure.
 * Rows are matched by a stable identity — a key field (key and match, name and arch, user, unit, or protocol,
 * address and port), else path and line, else the whole row — so an installed package or a moved line in a
 * config file shows as what it is, not as a shift of every row after it.
 */
import type { Fact, FieldValue, Row } from '../core/types.js';

export interface RowChange {
  fact: string;
  kind: 'added' | 'removed' | 'changed';
  /** What the row is: the sshd keyword, the package or account name, `0.0.0.0:23 tcp`, `path:line`. */
  label: string;
  /** For changes: the fields that differ. */
  fields?: { field: string; from: FieldValue; to: FieldValue }[];
  /** Where the row (the new one, else the old one) was read. */
  path?: string;
  line?: number;
  text: string;
}

export interface FactChange {
  fact: string;
  /** The fact's status in each snapshot; null when the snapshot lacks the fact. */
  from: string | null;
  to: string | null;
}

export interface FactDrift {
  facts: FactChange[];
  rows: RowChange[];
}

/** Fields that change between two collections of the same state, and say nothing about hardening. */
const VOLATILE = new Set(['inode', 'pid']);

const str = (v: FieldValue | undefined): string =>
  v === undefined || v === null ? '' : Array.isArray(v) ? v.join(',') : String(v);
const has = (r: Row, k: string) => r[k] !== undefined && r[k] !== null && r[k] !== '';

/** A row's identity within its fact, and a readable label for it. */
function identity(r: Row): { id: string; label: string; positional: boolean } {
  if (has(r, 'key')) {
    const m = has(r, 'match') ? ` [Match ${str(r['match'])}]` : '';
    return {
      id: `key=${str(r['key'])}|${str(r['match'])}`,
      label: `${str(r['key'])}${m}`,
      positional: false,
    };
  }
  if (has(r, 'port') && (has(r, 'local') || has(r, 'proto'))) {
    const label = `${str(r['local'])}:${str(r['port'])} ${str(r['proto'])}`.trim();
    return { id: `sock=${label}|${str(r['state'])}`, label, positional: false };
  }
  for (const k of ['name', 'user', 'unit'])
    if (has(r, k)) {
      const arch = k === 'name' && has(r, 'arch') ? `:${str(r['arch'])}` : '';
      return { id: `${k}=${str(r[k])}${arch}`, label: `${str(r[k])}${arch}`, positional: false };
    }
  if (has(r, 'path') && has(r, 'line'))
    return {
      id: `at=${str(r['path'])}:${str(r['line'])}`,
      label: `${str(r['path'])}:${str(r['line'])}`,
      positional: true,
    };
  if (has(r, 'path')) return { id: `path=${str(r['path'])}`, label: str(r['path']), positional: false };
  const whole = JSON.stringify(
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k]]),
  );
  return { id: `row=${whole}`, label: whole, positional: false };
}

/** Rows by identity; repeats of one identity get an occurrence number so none is lost. */
function keyed(rows: readonly Row[]): Map<string, { row: Row; label: string; positional: boolean }> {
  const out = new Map<string, { row: Row; label: string; positional: boolean }>();
  for (const r of rows) {
    const { id, label, positional } = identity(r);
    let k = id;
    for (let n = 2; out.has(k); n++) k = `${id}#${n}`;
    out.set(k, { row: r, label, positional });
  }
  return out;
}

const same = (a: FieldValue | undefined, b: FieldValue | undefined) =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function where(r: Row, label = ''): { path?: string; line?: number; suffix: string } {
  const p = typeof r['path'] === 'string' && r['path'] ? r['path'] : undefined;
  const l = typeof r['line'] === 'number' ? r['line'] : undefined;
  return {
    ...(p !== undefined ? { path: p } : {}),
    ...(l !== undefined ? { line: l } : {}),
    suffix: p === undefined || p === label ? '' : ` (${p}${l === undefined ? '' : `:${l}`})`,
  };
}

const ACCOUNTS = new Set(['users', 'groups', 'shadow']);

/** The row-level changes between two snapshots, and the facts whose status changed or that one of them lacks. */
export function diffFacts(before: readonly Fact[], after: readonly Fact[]): FactDrift {
  const a = new Map(before.map((f) => [f.key, f]));
  const b = new Map(after.map((f) => [f.key, f]));
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const facts: FactChange[] = [];
  const rows: RowChange[] = [];
  for (const key of keys) {
    const fa = a.get(key);
    const fb = b.get(key);
    if ((fa?.status ?? null) !== (fb?.status ?? null))
      facts.push({ fact: key, from: fa?.status ?? null, to: fb?.status ?? null });
    // A fact not collected in one snapshot says nothing about its rows.
    const usable = (f: Fact | undefined) =>
      f !== undefined && (f.status === 'complete' || f.status === 'incomplete' || f.status === 'absent');
    if (!usable(fa) || !usable(fb)) continue;
    const ra = keyed(fa!.rows);
    const rb = keyed(fb!.rows);
    const [plus, minus] = ACCOUNTS.has(fb!.name) ? ['added', 'removed'] : ['appeared', 'disappeared'];
    for (const [id, x] of rb) {
      const old = ra.get(id);
      const w = where(x.row, x.label);
      if (!old) {
        rows.push({
          fact: key,
          kind: 'added',
          label: x.label,
          ...w,
          text: `${key}: ${x.label} ${plus}${x.positional ? `: ${JSON.stringify(x.row['text'] ?? x.row)}` : w.suffix}`,
        });
        continue;
      }
      const fields = [...new Set([...Object.keys(old.row), ...Object.keys(x.row)])]
        .filter((f) => !VOLATILE.has(f) && !(f === 'line' && !x.positional) && !same(old.row[f], x.row[f]))
        .map((f) => ({ field: f, from: old.row[f] ?? null, to: x.row[f] ?? null }));
      if (fields.length === 0) continue;
      const value = fields.find((f) => f.field === 'value' || f.field === 'text' || f.field === 'version');
      const desc = value
        ? `${x.label} changed from ${str(value.from) || '(none)'} to ${str(value.to) || '(none)'}`
        : `${x.label}: ${fields.map((f) => `${f.field} ${str(f.from) || '(none)'} → ${str(f.to) || '(none)'}`).join(', ')}`;
      rows.push({
        fact: key,
        kind: 'changed',
        label: x.label,
        fields,
        ...w,
        text: `${key}: ${desc}${w.suffix}`,
      });
    }
    for (const [id, x] of ra)
      if (!rb.has(id)) {
        const w = where(x.row, x.label);
        rows.push({
          fact: key,
          kind: 'removed',
          label: x.label,
          ...w,
          text: `${key}: ${x.label} ${minus}${w.suffix}`,
        });
      }
  }
  return { facts, rows };
}
