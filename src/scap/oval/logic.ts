/**
 * The OVAL 5.11 result algebra, as OpenSCAP implements it: operators over child results, the check
 * enumeration over item results, check_existence over item statuses, negation, and the aggregation of
 * collected-object flags. Pure functions, table-tested in logic.test.ts.
 */
import type { CollectedFlag } from './types.js';
import type { Check, Existence, Operator } from './document.js';
import type { OvalResult } from './compare.js';

export interface Counts {
  t: number;
  f: number;
  e: number;
  u: number;
  ne: number;
  na: number;
}

export function count(results: Iterable<OvalResult>): Counts {
  const c: Counts = { t: 0, f: 0, e: 0, u: 0, ne: 0, na: 0 };
  for (const r of results) {
    if (r === 'true') c.t++;
    else if (r === 'false') c.f++;
    else if (r === 'error') c.e++;
    else if (r === 'unknown') c.u++;
    else if (r === 'not evaluated') c.ne++;
    else c.na++;
  }
  return c;
}

function emptyOrNa(c: Counts): OvalResult | undefined {
  if (c.t + c.f + c.e + c.u + c.ne + c.na === 0) return 'unknown';
  if (c.na > 0 && c.ne + c.f + c.e + c.u + c.t === 0) return 'not applicable';
  return undefined;
}

/** Combines results with an operator (criteria, state_operator, state operator). */
export function byOperator(results: Iterable<OvalResult>, op: Operator): OvalResult {
  const c = count(results);
  const pre = emptyOrNa(c);
  if (pre) return pre;
  switch (op) {
    case 'AND':
      if (c.t > 0 && c.f + c.e + c.u + c.ne === 0) return 'true';
      if (c.f > 0) return 'false';
      if (c.e > 0) return 'error';
      if (c.u > 0) return 'unknown';
      if (c.ne > 0) return 'not evaluated';
      return 'error';
    case 'OR':
      if (c.t > 0) return 'true';
      if (c.f > 0 && c.e + c.u + c.ne === 0) return 'false';
      if (c.e > 0) return 'error';
      if (c.u > 0) return 'unknown';
      if (c.ne > 0) return 'not evaluated';
      return 'error';
    case 'ONE':
      if (c.t === 1 && c.e + c.u + c.ne === 0) return 'true';
      if (c.t >= 2) return 'false';
      if (c.t === 0 && c.e + c.u + c.ne === 0) return 'false';
      if (c.e > 0) return 'error';
      if (c.u > 0) return 'unknown';
      if (c.ne > 0) return 'not evaluated';
      return 'error';
    case 'XOR':
      if (c.e + c.u + c.ne === 0) return c.t % 2 === 1 ? 'true' : 'false';
      if (c.e > 0) return 'error';
      if (c.u > 0) return 'unknown';
      return 'not evaluated';
  }
}

/** Combines results with a check (test check, entity_check, var_check). */
export function byCheck(results: Iterable<OvalResult>, check: Check): OvalResult {
  const c = count(results);
  const pre = emptyOrNa(c);
  if (pre) return pre;
  switch (check) {
    case 'all':
      if (c.t > 0 && c.f + c.e + c.u + c.ne === 0) return 'true';
      if (c.f > 0) return 'false';
      if (c.e > 0) return 'error';
      if (c.u > 0) return 'unknown';
      if (c.ne > 0) return 'not evaluated';
      return 'error';
    case 'at least one':
      if (c.t > 0) return 'true';
      if (c.f > 0 && c.u + c.e + c.ne === 0) return 'false';
      if (c.e > 0) return 'error';
      if (c.f === 0 && c.u > 0) return 'unknown';
      if (c.f === 0 && c.ne > 0) return 'not evaluated';
      return 'error';
    case 'none exist':
    case 'none satisfy':
      if (c.t > 0) return 'false';
      if (c.e > 0) return 'error';
      if (c.u > 0) return 'unknown';
      if (c.ne > 0) return 'not evaluated';
      if (c.f > 0) return 'true';
      return 'error';
    case 'only one':
      if (c.t === 1 && c.e + c.u + c.ne === 0) return 'true';
      if (c.t > 1) return 'false';
      if (c.e > 0) return 'error';
      if (c.u > 0) return 'unknown';
      if (c.ne > 0) return 'not evaluated';
      if (c.f > 0) return 'false';
      return 'error';
  }
}

/** check_existence over the counts of items that exist and items in error. */
export function byExistence(existence: Existence, exists: number, errors: number): OvalResult {
  switch (existence) {
    case 'all_exist':
      if (exists >= 1 && errors === 0) return 'true';
      if (exists === 0 && errors === 0) return 'false';
      return 'error';
    case 'any_exist':
      if (errors === 0) return 'true';
      if (exists >= 1) return 'true';
      return 'error';
    case 'at_least_one_exists':
      if (exists >= 1) return 'true';
      if (errors === 0) return 'false';
      return 'error';
    case 'none_exist':
      if (exists === 0 && errors === 0) return 'true';
      if (exists >= 1 && errors === 0) return 'false';
      if (exists === 0) return 'error';
      return 'error';
    case 'only_one_exists':
      if (exists === 1 && errors === 0) return 'true';
      if (exists >= 2) return 'false';
      if (exists === 0 && errors === 0) return 'false';
      return 'error';
  }
}

export function negate(r: OvalResult, neg: boolean): OvalResult {
  if (!neg) return r;
  if (r === 'true') return 'false';
  if (r === 'false') return 'true';
  return r;
}

/** Internal flag: OpenSCAP's "unknown" is the identity of the aggregation. */
export type AggFlag = CollectedFlag | 'unknown';
const RANK: Record<AggFlag, number> = {
  unknown: 0,
  complete: 1,
  incomplete: 2,
  'does not exist': 3,
  'not collected': 4,
  'not applicable': 5,
  error: 6,
};
/** OpenSCAP's _flag_agg_map: error > not applicable > not collected > does not exist > incomplete > complete. */
export function aggFlag(a: AggFlag, b: AggFlag): AggFlag {
  return RANK[a] >= RANK[b] ? a : b;
}

export function hasValues(f: AggFlag): boolean {
  return f === 'complete' || f === 'incomplete';
}

type SetTable = Record<CollectedFlag, Partial<Record<CollectedFlag, CollectedFlag>>>;
const C: CollectedFlag = 'complete';
const I: CollectedFlag = 'incomplete';
const D: CollectedFlag = 'does not exist';
const N: CollectedFlag = 'not collected';
const A: CollectedFlag = 'not applicable';
const X: CollectedFlag = 'error';
/** OpenSCAP's probe_cobj_combine_flags tables (rows: first operand, columns: second); missing → error. */
const SET_TABLES: Record<'UNION' | 'INTERSECTION' | 'COMPLEMENT', SetTable> = {
  COMPLEMENT: {
    error: {},
    complete: { complete: C, 'does not exist': C },
    incomplete: { 'does not exist': I, complete: I },
    'does not exist': { error: D, complete: D, incomplete: D, 'does not exist': D, 'not collected': D },
    'not collected': { complete: N, incomplete: N, 'does not exist': N, 'not collected': N },
    'not applicable': {},
  },
  INTERSECTION: {
    error: {},
    complete: { 'does not exist': D, complete: C, 'not applicable': C, incomplete: I, 'not collected': N },
    incomplete: { 'does not exist': D, 'not applicable': A, 'not collected': I, complete: I, incomplete: I },
    'does not exist': {
      error: D,
      complete: D,
      incomplete: D,
      'does not exist': D,
      'not collected': D,
      'not applicable': D,
    },
    'not collected': {
      'does not exist': D,
      complete: N,
      incomplete: N,
      'not applicable': N,
      'not collected': N,
    },
    'not applicable': {
      'does not exist': D,
      complete: C,
      incomplete: I,
      'not applicable': A,
      'not collected': N,
    },
  },
  UNION: {
    error: {},
    complete: { complete: C, 'does not exist': C, 'not applicable': C, incomplete: I, 'not collected': I },
    incomplete: { complete: I, incomplete: I, 'does not exist': I, 'not collected': I, 'not applicable': I },
    'does not exist': {
      complete: C,
      incomplete: I,
      'not collected': I,
      'not applicable': D,
      'does not exist': D,
    },
    'not collected': {
      complete: I,
      incomplete: I,
      'does not exist': I,
      'not applicable': N,
      'not collected': N,
    },
    'not applicable': {
      complete: C,
      incomplete: I,
      'not applicable': A,
      'does not exist': D,
      'not collected': N,
    },
  },
};

/** Flag of a <set> from its two operand flags (OpenSCAP's probe_cobj_combine_flags). */
export function setFlag(
  op: 'UNION' | 'INTERSECTION' | 'COMPLEMENT',
  a: CollectedFlag,
  b: CollectedFlag | undefined,
): CollectedFlag {
  if (b === undefined) return a;
  return SET_TABLES[op][a][b] ?? X;
}
