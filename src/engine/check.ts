/** Evaluates declarative checks over collected facts. Pure: no I/O, same answer on live or stored facts. */
import {
  factKey,
  type Evidence,
  type Fact,
  type FactSchemas,
  type FieldType,
  type FieldValue,
  type Row,
  type ScanMode,
} from '../core/types.js';
import {
  applyOperator,
  operatorAllowed,
  show,
  OPERATORS,
  type Operator,
  type Resolved,
} from './operators.js';
import type { Check, Condition, LeafCheck, Operand } from './rule.js';
import { parseMode } from '../core/values.js';

export type VerdictStatus = 'pass' | 'fail' | 'error' | 'not_checked' | 'not_applicable' | 'manual' | 'skip';
export interface Verdict {
  status: VerdictStatus;
  message: string;
  evidence: Evidence[];
}

export interface EvalEnv {
  facts: ReadonlyMap<string, Fact>;
  schemas: FactSchemas;
  params: Readonly<Record<string, unknown>>;
  mode: ScanMode;
}

const MAX_EVIDENCE = 20;
const COMBINATORS = new Set(['all', 'any', 'not']);

export function isLeaf(c: Check): c is LeafCheck {
  return 'fact' in c;
}

/** A leaf's fact arguments with parameter references replaced by their values. */
export function leafArgs(leaf: LeafCheck, params: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(leaf.args ?? {})) {
    if (typeof v === 'string') out[k] = v;
    else {
      const p = params[v.param];
      out[k] = Array.isArray(p)
        ? p.map(String).join(',')
        : typeof p === 'string' || typeof p === 'number' || typeof p === 'boolean'
          ? String(p)
          : '';
    }
  }
  return out;
}

export function leafRequests(
  c: Check | undefined,
  params: Readonly<Record<string, unknown>> = {},
): { name: string; args: Record<string, string> }[] {
  return leavesOf(c).map((leaf) => ({ name: leaf.fact, args: leafArgs(leaf, params) }));
}

/** Every leaf of a check, in evaluation order. */
export function leavesOf(c: Check | undefined, out: LeafCheck[] = []): LeafCheck[] {
  if (!c) return out;
  if (isLeaf(c)) out.push(c);
  else if ('all' in c) for (const x of c.all) leavesOf(x, out);
  else if ('any' in c) for (const x of c.any) leavesOf(x, out);
  else if ('not' in c) leavesOf(c.not, out);
  return out;
}

function resolve(o: Operand, env: EvalEnv): Resolved {
  if (o !== null && typeof o === 'object' && !Array.isArray(o))
    return (env.params[o.param] ?? null) as Resolved;
  return o;
}

function isOps(v: unknown): v is Partial<Record<Operator, Operand>> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !('param' in v);
}

const OP_TEXT: Record<Operator, string> = {
  eq: '=',
  ne: '≠',
  in: 'one of',
  not_in: 'none of',
  lt: '<',
  le: '≤',
  gt: '>',
  ge: '≥',
  matches: 'matching',
  not_matches: 'not matching',
  contains: 'containing',
  not_contains: 'not containing',
  starts_with: 'starting with',
  ends_with: 'ending with',
  at_most: 'at most',
  exists: 'present:',
  empty: 'empty:',
  subset_of: 'within',
  ip_in: 'inside',
  not_ip_in: 'outside',
};

interface Miss {
  field: string;
  actual: FieldValue | undefined;
  expected: string;
}

/** Tests one row; returns the unmet field conditions (empty when the row satisfies the condition). */
function testRow(
  cond: Condition,
  row: Row,
  fieldTypes: Readonly<Record<string, FieldType>>,
  env: EvalEnv,
): Miss[] {
  const misses: Miss[] = [];
  for (const [key, spec] of Object.entries(cond)) {
    if (key === 'all') {
      for (const c of spec as Condition[]) misses.push(...testRow(c, row, fieldTypes, env));
      continue;
    }
    if (key === 'any') {
      const subs = (spec as Condition[]).map((c) => testRow(c, row, fieldTypes, env));
      if (!subs.some((m) => m.length === 0))
        misses.push({
          field: '(any)',
          actual: undefined,
          expected: subs.map((m) => m.map((x) => `${x.field} ${x.expected}`).join(' and ')).join(' or '),
        });
      continue;
    }
    if (key === 'not') {
      if (testRow(spec as Condition, row, fieldTypes, env).length === 0)
        misses.push({ field: '(not)', actual: undefined, expected: 'the negated condition to be false' });
      continue;
    }
    const type = fieldTypes[key];
    const scheme = row['manager'] === 'rpm' ? 'rpm' : 'dpkg';
    const actual = row[key];
    const ops: [Operator, Operand][] = isOps(spec)
      ? (Object.entries(spec) as [Operator, Operand][])
      : [['eq', spec as Operand]];
    for (const [op, operand] of ops) {
      const expected = resolve(operand, env);
      if (!applyOperator(op, actual, expected, { type, scheme }))
        misses.push({ field: key, actual, expected: `${OP_TEXT[op]} ${show(expected, type)}` });
    }
  }
  return misses;
}

/**
 * A condition compiled once (per condition object) into a yes/no matcher: `where` filters and
 * `expect: none/any` selections only need yes or no, and run over every row of a fact. The
 * explaining `testRow` is used only for the rows kept as evidence.
 */
type Compiled =
  | { kind: 'field'; key: string; type: FieldType | undefined; ops: [Operator, Operand][] }
  | { kind: 'all' | 'any'; subs: Compiled[][] }
  | { kind: 'not'; sub: Compiled[] };
const compiledCache = new WeakMap<Condition, Compiled[]>();

function compile(cond: Condition, fieldTypes: Readonly<Record<string, FieldType>>): Compiled[] {
  let c = compiledCache.get(cond);
  if (c) return c;
  c = Object.entries(cond).map(([key, spec]): Compiled => {
    if (key === 'all' || key === 'any')
      return { kind: key, subs: (spec as Condition[]).map((x) => compile(x, fieldTypes)) };
    if (key === 'not') return { kind: 'not', sub: compile(spec as Condition, fieldTypes) };
    return {
      kind: 'field',
      key,
      type: fieldTypes[key],
      ops: isOps(spec) ? (Object.entries(spec) as [Operator, Operand][]) : [['eq', spec as Operand]],
    };
  });
  compiledCache.set(cond, c);
  return c;
}

function matchCompiled(parts: readonly Compiled[], row: Row, env: EvalEnv): boolean {
  for (const part of parts) {
    switch (part.kind) {
      case 'all':
        if (!part.subs.every((sub) => matchCompiled(sub, row, env))) return false;
        break;
      case 'any':
        if (!part.subs.some((sub) => matchCompiled(sub, row, env))) return false;
        break;
      case 'not':
        if (matchCompiled(part.sub, row, env)) return false;
        break;
      case 'field': {
        const ctx = {
          type: part.type,
          scheme: row['manager'] === 'rpm' ? ('rpm' as const) : ('dpkg' as const),
        };
        const actual = row[part.key];
        for (const [op, operand] of part.ops)
          if (!applyOperator(op, actual, resolve(operand, env), ctx)) return false;
      }
    }
  }
  return true;
}

/**
 * Rows that may satisfy a `where` condition, found through an index instead of a scan of every row: a fleet
 * re-evaluation runs hundreds of rules over each snapshot, and most select a few rows by name out of hundreds
 * (packages, services). The index only narrows: every candidate is still tested by the full matcher, so the
 * selection (and its order) is exactly that of a scan. It applies to an equality (`eq`, `in`) on a string field
 * with literal string operands, where equality is string identity: a row whose value is a string is a
 * candidate only under the values asked for; a row whose value is a number, boolean or list may still compare
 * equal (numerically, as text) and is always a candidate; a null never equals a string and is never one.
 */
type Plan =
  | { kind: 'field'; key: string; values: readonly string[] }
  | { kind: 'min'; alts: Plan[] }
  | { kind: 'union'; subs: Plan[] };
const planCache = new WeakMap<readonly Compiled[], Plan | null>();

/** How a conjunction's candidates can be found: each indexable part is an alternative (the smallest is used). */
function planOf(parts: readonly Compiled[]): Plan | null {
  const cached = planCache.get(parts);
  if (cached !== undefined) return cached;
  const alts: Plan[] = [];
  for (const part of parts) {
    if (part.kind === 'field') {
      if ((part.type !== undefined && part.type !== 'string') || part.ops.length !== 1) continue;
      const [op, operand] = part.ops[0]!;
      const values = op === 'eq' ? [operand] : op === 'in' && Array.isArray(operand) ? operand : undefined;
      if (values?.every((v) => typeof v === 'string'))
        alts.push({ kind: 'field', key: part.key, values: values });
    } else if (part.kind === 'all') {
      for (const sub of part.subs) {
        const p = planOf(sub);
        if (p) alts.push(p);
      }
    } else if (part.kind === 'any') {
      const subs = part.subs.map(planOf);
      if (subs.length > 0 && subs.every((x) => x !== null)) alts.push({ kind: 'union', subs: subs });
    }
  }
  const plan = alts.length === 0 ? null : alts.length === 1 ? alts[0]! : { kind: 'min' as const, alts };
  planCache.set(parts, plan);
  return plan;
}

/** The candidate row indices of a plan, as lists (possibly overlapping) to be merged. */
function runPlan(plan: Plan, rows: readonly Row[]): number[][] {
  switch (plan.kind) {
    case 'field': {
      const idx = rowIndex(rows, plan.key);
      return [...plan.values.map((v) => idx.byValue.get(v) ?? []), idx.other];
    }
    case 'union':
      return plan.subs.flatMap((p) => runPlan(p, rows));
    case 'min': {
      let best: number[][] | undefined;
      let size = Infinity;
      for (const alt of plan.alts) {
        const lists = runPlan(alt, rows);
        const n = lists.reduce((t, l) => t + l.length, 0);
        if (n < size) [best, size] = [lists, n];
      }
      return best ?? [];
    }
  }
}

/** Per rows array: per field, the indices of the rows by string value, and of the rows with a non-string value. */
const rowIndexCache = new WeakMap<
  readonly Row[],
  Map<string, { byValue: Map<string, number[]>; other: number[] }>
>();

function rowIndex(rows: readonly Row[], key: string): { byValue: Map<string, number[]>; other: number[] } {
  let perKey = rowIndexCache.get(rows);
  if (!perKey)
    rowIndexCache.set(
      rows,
      (perKey = new Map<string, { byValue: Map<string, number[]>; other: number[] }>()),
    );
  let idx = perKey.get(key);
  if (!idx) {
    idx = { byValue: new Map(), other: [] };
    rows.forEach((r, i) => {
      const v = r[key];
      if (typeof v === 'string') {
        const list = idx!.byValue.get(v);
        if (list) list.push(i);
        else idx!.byValue.set(v, [i]);
      } else if (v !== null && v !== undefined) idx!.other.push(i);
    });
    perKey.set(key, idx);
  }
  return idx;
}

/** Below this many rows a plain scan is as quick as the index. */
const INDEX_MIN_ROWS = 32;

function selectRows(
  cond: Condition,
  rows: readonly Row[],
  fieldTypes: Readonly<Record<string, FieldType>>,
  env: EvalEnv,
): Row[] {
  const parts = compile(cond, fieldTypes);
  const plan = rows.length >= INDEX_MIN_ROWS ? planOf(parts) : null;
  if (!plan) return rows.filter((r) => matchCompiled(parts, r, env));
  const hits = new Set<number>();
  for (const list of runPlan(plan, rows)) for (const i of list) hits.add(i);
  return [...hits]
    .sort((a, b) => a - b)
    .map((i) => rows[i]!)
    .filter((r) => matchCompiled(parts, r, env));
}

/**
 * The rows of `fact` whose content a leaf's status and message can depend on: the rows its `where` may select,
 * found through the row index (a superset of the selection, in row order), or null when the leaf may read every
 * row (no `where`, or one the index cannot narrow). Together with the fact's key, status and reason, the mode and
 * the parameters, they decide the leaf's status and message; only its evidence also counts the rows examined.
 * A fleet re-evaluation remembers verdicts by them: two hosts whose package lists differ, but not in the
 * packages a rule asks about, get that rule's verdict once.
 */
export function leafCandidates(leaf: LeafCheck, fact: Fact, schemas: FactSchemas): readonly Row[] | null {
  if (!leaf.where) return null;
  const plan = planOf(compile(leaf.where, schemas[leaf.fact]?.fields ?? {}));
  if (!plan) return null;
  const hits = new Set<number>();
  for (const list of runPlan(plan, fact.rows)) for (const i of list) hits.add(i);
  return [...hits].sort((a, b) => a - b).map((i) => fact.rows[i]!);
}

function matches(
  cond: Condition,
  row: Row,
  fieldTypes: Readonly<Record<string, FieldType>>,
  env: EvalEnv,
): boolean {
  return matchCompiled(compile(cond, fieldTypes), row, env);
}

function rowEvidence(fact: Fact, row: Row, message: string, miss?: Miss): Evidence {
  const ev: Evidence = { fact: fact.key, message };
  const p = row['path'];
  const l = row['line'];
  if (typeof p === 'string') ev.path = p;
  if (typeof l === 'number') ev.line = l;
  if (miss) {
    ev.field = miss.field;
    if (miss.actual !== undefined) ev.actual = miss.actual;
    ev.expected = miss.expected;
  }
  return ev;
}

/** A short label for a row in messages: its identifying column, and where it was read (path:line). */
function rowLabel(row: Row, fieldTypes: Readonly<Record<string, FieldType>>): string {
  let id: string | undefined;
  for (const k of [
    'name',
    'key',
    'user',
    'unit',
    'module',
    'service',
    'mountpoint',
    'local',
    'rule',
    'directive',
    'text',
  ]) {
    const v = row[k];
    if (v !== undefined && v !== null && !Array.isArray(v) && String(v) !== '') {
      id = `${k}=${show(v, fieldTypes[k])}`;
      break;
    }
  }
  const p = row['path'];
  const l = row['line'];
  const loc = typeof p === 'string' ? (typeof l === 'number' ? `${p}:${l}` : p) : undefined;
  if (id && loc) return `${id} (${loc})`;
  if (id) return id;
  if (loc) return `path=${loc}`;
  return JSON.stringify(row).slice(0, 120);
}

/** Up to three distinct labels, each with its count when it repeats (a shared include seen from several services). */
function summariseLabels(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const shown = [...counts].slice(0, 3).map(([l, n]) => (n > 1 ? `${l} ×${n}` : l));
  return shown.join('; ') + (counts.size > 3 ? `; … ${counts.size - 3} more` : '');
}

function describeCond(c: Condition | undefined, env: EvalEnv): string {
  if (!c) return 'any entry';
  const val = (o: unknown) => {
    const r = resolve(o as Operand, env);
    const param =
      o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as { param: string }).param : undefined;
    return param ? `${show(r)} (${param})` : show(r);
  };
  return Object.entries(c)
    .map(([k, v]) => {
      if (COMBINATORS.has(k)) return `${k} (…)`;
      if (isOps(v))
        return Object.entries(v)
          .map(([op, o]) => `${k} ${OP_TEXT[op as Operator] ?? op} ${val(o)}`)
          .join(', ');
      return `${k} = ${val(v)}`;
    })
    .join(', ');
}

export function evaluateLeaf(leaf: LeafCheck, env: EvalEnv): Verdict {
  if (leaf.live_only && env.mode !== 'live')
    return { status: 'skip', message: `live-only check of ${leaf.fact} skipped offline`, evidence: [] };
  const key = factKey({ name: leaf.fact, args: leafArgs(leaf, env.params) });
  const fact = env.facts.get(key);
  if (!fact)
    return {
      status: 'not_checked',
      message: `fact ${key} was not collected`,
      evidence: [{ fact: key, message: 'not collected' }],
    };
  if (fact.status === 'not_collected')
    return {
      status: 'not_checked',
      message: fact.reason ?? `fact ${key} was not collected`,
      evidence: [{ fact: key, message: fact.reason ?? 'not collected' }],
    };
  if (fact.status === 'error')
    return {
      status: 'error',
      message: fact.reason ?? `collecting ${key} failed`,
      evidence: [{ fact: key, message: fact.reason ?? 'error' }],
    };
  const types = env.schemas[leaf.fact]?.fields ?? {};
  const selected = leaf.where ? selectRows(leaf.where, fact.rows, types, env) : fact.rows;
  const expect = leaf.expect ?? 'all';
  let v: Verdict;
  if (expect === 'none') {
    const bad = leaf.test ? selected.filter((r) => matches(leaf.test!, r, types, env)) : selected;
    v =
      bad.length === 0
        ? {
            status: 'pass',
            message: `no ${leaf.fact} entry with ${describeCond(leaf.where, env)}${leaf.test ? ' and ' + describeCond(leaf.test, env) : ''}`,
            evidence: [{ fact: key, message: `${fact.rows.length} entries examined, none matched` }],
          }
        : {
            status: 'fail',
            message: `${bad.length} ${leaf.fact} ${bad.length === 1 ? 'entry' : 'entries'} found that should not exist: ${summariseLabels(bad.map((r) => rowLabel(r, types)))}`,
            evidence: bad
              .slice(0, MAX_EVIDENCE)
              .map((r) => rowEvidence(fact, r, `unexpected: ${rowLabel(r, types)}`)),
          };
  } else if (selected.length === 0) {
    const outcome = leaf.if_empty ?? 'fail';
    v = {
      status: outcome,
      message: `no ${leaf.fact} entry with ${describeCond(leaf.where, env)}`,
      evidence: [
        {
          fact: key,
          message: `no entry with ${describeCond(leaf.where, env)} (${fact.rows.length} examined)`,
        },
      ],
    };
  } else if (expect === 'any') {
    const good = leaf.test ? selected.filter((r) => matches(leaf.test!, r, types, env)) : selected;
    v =
      good.length > 0
        ? {
            status: 'pass',
            message: `${rowLabel(good[0]!, types)} satisfies the check`,
            evidence: good.slice(0, 3).map((r) => rowEvidence(fact, r, `found: ${rowLabel(r, types)}`)),
          }
        : {
            status: 'fail',
            message: `none of ${selected.length} ${leaf.fact} entries has ${describeCond(leaf.test, env)}`,
            evidence: selected.slice(0, MAX_EVIDENCE).map((r) => {
              const miss = testRow(leaf.test!, r, types, env)[0];
              return rowEvidence(
                fact,
                r,
                `${rowLabel(r, types)}: ${miss ? `${miss.field} is ${show(miss.actual, types[miss.field])}, expected ${miss.expected}` : 'no match'}`,
                miss,
              );
            }),
          };
  } else {
    const failures: Evidence[] = [];
    const passes: Evidence[] = [];
    let failed = 0;
    for (const r of selected) {
      if (!leaf.test || matches(leaf.test, r, types, env)) {
        if (passes.length < 3) passes.push(rowEvidence(fact, r, `ok: ${rowLabel(r, types)}`));
      } else {
        failed++;
        if (failures.length < MAX_EVIDENCE)
          for (const m of testRow(leaf.test, r, types, env))
            if (failures.length < MAX_EVIDENCE)
              failures.push(
                rowEvidence(
                  fact,
                  r,
                  `${rowLabel(r, types)}: ${m.field} is ${show(m.actual, types[m.field])}, expected ${m.expected}`,
                  m,
                ),
              );
      }
    }
    v =
      failed === 0
        ? {
            status: 'pass',
            message: `all ${selected.length} matching ${leaf.fact} entries comply`,
            evidence: passes,
          }
        : {
            status: 'fail',
            message: failures[0]?.message ?? `${failed} ${leaf.fact} entries do not comply`,
            evidence: failures,
          };
  }
  if (fact.status === 'incomplete' && v.status === 'pass')
    return {
      status: 'not_checked',
      message: `fact ${key} is incomplete (${fact.reason ?? 'partial'}); cannot conclude pass`,
      evidence: v.evidence,
    };
  return v;
}

export function evaluateCheck(c: Check, env: EvalEnv): Verdict {
  if (isLeaf(c)) return evaluateLeaf(c, env);
  if ('manual' in c) return { status: 'manual', message: c.manual, evidence: [] };
  if ('not' in c) {
    const v = evaluateCheck(c.not, env);
    if (v.status === 'pass')
      return { status: 'fail', message: `not expected: ${v.message}`, evidence: v.evidence };
    if (v.status === 'fail')
      return { status: 'pass', message: `as expected, not: ${v.message}`, evidence: v.evidence };
    return v;
  }
  const parts = ('all' in c ? c.all : c.any)
    .map((x) => evaluateCheck(x, env))
    .filter((v) => v.status !== 'skip');
  if (parts.length === 0) return { status: 'skip', message: 'every part skipped', evidence: [] };
  const by = (s: VerdictStatus) => parts.filter((p) => p.status === s);
  const merge = (vs: Verdict[], status: VerdictStatus): Verdict => ({
    status,
    message: vs.map((v) => v.message).join('; '),
    evidence: vs.flatMap((v) => v.evidence).slice(0, MAX_EVIDENCE),
  });
  if ('all' in c) {
    if (by('fail').length) return merge(by('fail'), 'fail');
    if (by('error').length) return merge(by('error'), 'error');
    if (by('not_checked').length) return merge(by('not_checked'), 'not_checked');
    // A part a person must verify: the whole cannot pass automatically.
    if (by('manual').length) return merge(by('manual'), 'manual');
    if (by('pass').length === 0) return merge(parts, parts[0]!.status);
    return merge(by('pass'), 'pass');
  }
  if (by('pass').length) return merge(by('pass'), 'pass');
  if (by('error').length) return merge(by('error'), 'error');
  if (by('not_checked').length) return merge(by('not_checked'), 'not_checked');
  if (by('manual').length) return merge(by('manual'), 'manual');
  if (by('fail').length) return merge(by('fail'), 'fail');
  return merge(parts, parts[0]!.status);
}

// ---------------------------------------------------------------- validation (when content loads)

export interface CheckIssue {
  path: (string | number)[];
  code: string;
  message: string;
}

function validateCondition(
  cond: unknown,
  fields: Readonly<Record<string, FieldType>>,
  params: ReadonlySet<string>,
  path: (string | number)[],
  out: CheckIssue[],
): void {
  if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) {
    out.push({
      path,
      code: 'invalid_condition',
      message: 'a condition is a mapping of field names to values or operators',
    });
    return;
  }
  for (const [key, spec] of Object.entries(cond)) {
    const p = [...path, key];
    if (key === 'all' || key === 'any') {
      if (!Array.isArray(spec))
        out.push({ path: p, code: 'invalid_condition', message: `${key} takes a list of conditions` });
      else
        spec.forEach((c: unknown, i) => {
          validateCondition(c, fields, params, [...p, i], out);
        });
      continue;
    }
    if (key === 'not') {
      validateCondition(spec, fields, params, p, out);
      continue;
    }
    const type = fields[key];
    if (!type) {
      out.push({
        path: p,
        code: 'unknown_field',
        message: `unknown field "${key}"; this fact has: ${Object.keys(fields).join(', ')}`,
      });
      continue;
    }
    const ops: [string, unknown][] = isOps(spec) ? Object.entries(spec) : [['eq', spec]];
    for (const [op, operand] of ops) {
      const po = isOps(spec) ? [...p, op] : p;
      if (!(OPERATORS as readonly string[]).includes(op)) {
        out.push({
          path: po,
          code: 'unknown_operator',
          message: `unknown operator "${op}"; use one of ${OPERATORS.join(', ')}`,
        });
        continue;
      }
      const bad = operatorAllowed(op as Operator, type);
      if (bad) out.push({ path: po, code: 'operator_type', message: bad });
      if (operand !== null && typeof operand === 'object' && !Array.isArray(operand)) {
        const name = (operand as { param?: unknown }).param;
        if (typeof name !== 'string' || Object.keys(operand).length !== 1)
          out.push({
            path: po,
            code: 'invalid_operand',
            message: 'an operand is a value, a list, or {param: name}',
          });
        else if (!params.has(name))
          out.push({
            path: po,
            code: 'unknown_param',
            message: `parameter "${name}" is not declared in this rule's parameters`,
          });
        continue;
      }
      if ((type === 'mode' || op === 'at_most') && ['eq', 'ne', 'at_most', 'in', 'not_in'].includes(op)) {
        const vals = Array.isArray(operand) ? operand : [operand];
        for (const v of vals)
          if (v !== null && (typeof v !== 'string' || parseMode(v) === undefined))
            out.push({
              path: po,
              code: 'mode_not_octal',
              message: `file modes are octal strings such as "0640"; ${JSON.stringify(v)} would be read as a decimal number`,
            });
      }
      if ((op === 'matches' || op === 'not_matches') && typeof operand === 'string') {
        try {
          new RegExp(operand.startsWith('(?i)') ? operand.slice(4) : operand);
        } catch (e) {
          out.push({
            path: po,
            code: 'invalid_regex',
            message: `invalid regular expression: ${e instanceof Error ? e.message : String(e)}`,
          });
        }
      }
      if (['in', 'not_in', 'subset_of'].includes(op) && !Array.isArray(operand))
        out.push({ path: po, code: 'invalid_operand', message: `${op} takes a list` });
      // YAML 1.2 reads `no` / `false` in quotes as text, which would be truthy.
      if ((op === 'exists' || op === 'empty') && typeof operand !== 'boolean')
        out.push({
          path: po,
          code: 'invalid_operand',
          message: `${op} takes true or false, not ${JSON.stringify(operand)}`,
        });
      if (['eq', 'ne'].includes(op) && Array.isArray(operand) && type !== 'string_list')
        out.push({
          path: po,
          code: 'invalid_operand',
          message: `a list never equals a single ${type} value; use \`in: [...]\` (or \`not_in\`)`,
        });
      if (['lt', 'le', 'gt', 'ge'].includes(op) && type === 'int' && typeof operand !== 'number')
        out.push({
          path: po,
          code: 'invalid_operand',
          message: `${op} on the int field "${key}" takes a number, not ${JSON.stringify(operand)}`,
        });
    }
  }
}

export function validateCheck(
  c: unknown,
  schemas: FactSchemas,
  params: ReadonlySet<string>,
  path: (string | number)[] = ['check'],
): CheckIssue[] {
  const out: CheckIssue[] = [];
  const walk = (node: unknown, p: (string | number)[]): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (Array.isArray(n['all']))
      (n['all'] as unknown[]).forEach((x, i) => {
        walk(x, [...p, 'all', i]);
      });
    else if (Array.isArray(n['any']))
      (n['any'] as unknown[]).forEach((x, i) => {
        walk(x, [...p, 'any', i]);
      });
    else if (n['not'] !== undefined) walk(n['not'], [...p, 'not']);
    else if (typeof n['fact'] === 'string') {
      const schema = schemas[n['fact']];
      if (!schema) {
        out.push({
          path: [...p, 'fact'],
          code: 'unknown_fact',
          message: `unknown fact "${n['fact']}"; see \`bulwark facts\` for the list`,
        });
        return;
      }
      const args = (n['args'] ?? {}) as Record<string, unknown>;
      for (const [a, v] of Object.entries(args)) {
        if (!schema.params?.[a])
          out.push({
            path: [...p, 'args', a],
            code: 'unknown_arg',
            message: `fact ${n['fact']} takes no argument "${a}"`,
          });
        const ref = v !== null && typeof v === 'object' ? (v as { param?: unknown }).param : undefined;
        if (typeof ref === 'string' && !params.has(ref))
          out.push({
            path: [...p, 'args', a],
            code: 'unknown_param',
            message: `parameter "${ref}" is not declared in this rule's parameters`,
          });
      }
      for (const [a, spec] of Object.entries(schema.params ?? {}))
        if (spec.required && args[a] === undefined)
          out.push({
            path: [...p, 'args'],
            code: 'missing_arg',
            message: `fact ${n['fact']} needs the argument "${a}"`,
          });
      if (n['where'] !== undefined)
        validateCondition(n['where'], schema.fields, params, [...p, 'where'], out);
      if (n['test'] !== undefined) validateCondition(n['test'], schema.fields, params, [...p, 'test'], out);
      if (n['expect'] === 'any' || n['expect'] === undefined) {
        if (n['expect'] === undefined && n['test'] === undefined && n['where'] !== undefined)
          out.push({
            path: p,
            code: 'vacuous_check',
            message:
              'a check with `where` but no `test` needs `expect: any` (must exist) or `expect: none` (must not exist)',
          });
      }
    }
  };
  walk(c, path);
  return out;
}
