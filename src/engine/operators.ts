/** Typed operators over fact fields. The field's declared type picks the comparator. */
import type { FieldType, FieldValue } from '../core/types.js';
import {
  compareDebianVersions,
  compareRpmVersions,
  formatMode,
  ipInCidr,
  ipToBigInt,
  modeAtMost,
  parseMode,
} from '../core/values.js';

export const OPERATORS = [
  'eq',
  'ne',
  'in',
  'not_in',
  'lt',
  'le',
  'gt',
  'ge',
  'matches',
  'not_matches',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'at_most',
  'exists',
  'empty',
  'subset_of',
  'ip_in',
  'not_ip_in',
] as const;
export type Operator = (typeof OPERATORS)[number];

export type Resolved = string | number | boolean | null | (string | number)[];

export interface OpContext {
  type: FieldType | undefined;
  /** Version scheme for `evr` fields: the row's `manager` column (`rpm` or `dpkg`). */
  scheme: 'dpkg' | 'rpm';
}

const regexCache = new Map<string, RegExp>();
/** Compiles a rule pattern. A leading `(?i)` makes it case-insensitive. */
export function compilePattern(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    const ci = pattern.startsWith('(?i)');
    re = new RegExp(ci ? pattern.slice(4) : pattern, ci ? 'i' : '');
    regexCache.set(pattern, re);
  }
  return re;
}

function toNumber(v: FieldValue | Resolved): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v.trim());
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

function asMode(v: FieldValue | Resolved): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseMode(v);
  return undefined;
}

function cmp(actual: FieldValue, expected: Resolved, ctx: OpContext): number | undefined {
  if (ctx.type === 'evr') {
    if (typeof actual !== 'string' || (typeof expected !== 'string' && typeof expected !== 'number'))
      return undefined;
    return ctx.scheme === 'rpm'
      ? compareRpmVersions(actual, String(expected))
      : compareDebianVersions(actual, String(expected));
  }
  const a = toNumber(actual);
  const b = toNumber(expected);
  if (a === undefined || b === undefined) return undefined;
  return a - b;
}

function equal(actual: FieldValue, expected: Resolved, ctx: OpContext): boolean {
  if (actual === null || expected === null) return actual === expected;
  switch (ctx.type) {
    case 'mode': {
      const a = asMode(actual);
      const b = asMode(expected);
      return a !== undefined && a === b;
    }
    case 'evr':
      return cmp(actual, expected, ctx) === 0;
    case 'int':
      return toNumber(actual) !== undefined && toNumber(actual) === toNumber(expected);
    case 'bool':
      return actual === expected || String(actual) === String(expected);
    case 'ip': {
      const a = typeof actual === 'string' ? ipToBigInt(actual) : undefined;
      const b = typeof expected === 'string' ? ipToBigInt(expected) : undefined;
      return a !== undefined && a === b;
    }
    case 'string_list':
      if (Array.isArray(actual) && Array.isArray(expected))
        return actual.length === expected.length && actual.every((x, i) => x === String(expected[i]));
      return false;
    default:
      if (typeof actual === 'number' || typeof expected === 'number')
        return toNumber(actual) === toNumber(expected) && toNumber(actual) !== undefined;
      return String(actual) === String(expected);
  }
}

const list = (v: Resolved): (string | number)[] =>
  Array.isArray(v) ? v : v === null ? [] : [v as string | number];

export function applyOperator(
  op: Operator,
  actual: FieldValue | undefined,
  expected: Resolved,
  ctx: OpContext,
): boolean {
  const a: FieldValue = actual === undefined ? null : actual;
  switch (op) {
    case 'exists':
      return (a !== null) === Boolean(expected);
    case 'eq':
      return equal(a, expected, ctx);
    case 'ne':
      return !equal(a, expected, ctx);
    case 'in':
      return list(expected).some((e) => equal(a, e, ctx));
    case 'not_in':
      return !list(expected).some((e) => equal(a, e, ctx));
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      if (a === null || Array.isArray(a)) return false;
      const c = cmp(a, expected, ctx);
      if (c === undefined) return false;
      return op === 'lt' ? c < 0 : op === 'le' ? c <= 0 : op === 'gt' ? c > 0 : c >= 0;
    }
    case 'matches':
    case 'not_matches': {
      const re = compilePattern(String(expected));
      const hit = Array.isArray(a) ? a.some((x: string) => re.test(x)) : a !== null && re.test(String(a));
      return op === 'matches' ? hit : !hit;
    }
    case 'contains':
    case 'not_contains': {
      const hit = Array.isArray(a)
        ? a.includes(String(expected))
        : a !== null && String(a).includes(String(expected));
      return op === 'contains' ? hit : !hit;
    }
    case 'starts_with':
      return a !== null && !Array.isArray(a) && String(a).startsWith(String(expected));
    case 'ends_with':
      return a !== null && !Array.isArray(a) && String(a).endsWith(String(expected));
    case 'at_most': {
      const m = asMode(a);
      const max = asMode(expected);
      return m !== undefined && max !== undefined && modeAtMost(m, max);
    }
    case 'empty': {
      const isEmpty = a === null || (Array.isArray(a) ? a.length === 0 : String(a) === '');
      return isEmpty === Boolean(expected);
    }
    case 'subset_of': {
      const allowed = list(expected).map(String);
      const items = Array.isArray(a) ? a : a === null ? [] : [String(a)];
      return items.every((x: string) => allowed.includes(x));
    }
    case 'ip_in':
    case 'not_ip_in': {
      const hit = typeof a === 'string' && list(expected).some((c) => ipInCidr(a, String(c)));
      return op === 'ip_in' ? hit : !hit;
    }
  }
}

/** Renders a value for evidence: modes in octal, lists joined. */
export function show(v: FieldValue | Resolved | undefined, type?: FieldType): string {
  if (v === undefined || v === null) return '(none)';
  if (type === 'mode' && typeof v === 'number') return formatMode(v);
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  return String(v);
}

/** Operators that make sense for a field type (validated when content is loaded). */
export function operatorAllowed(op: Operator, type: FieldType): string | undefined {
  const numeric: Operator[] = ['lt', 'le', 'gt', 'ge'];
  if (op === 'at_most' && type !== 'mode') return 'at_most compares file modes; use it on a mode field';
  if (numeric.includes(op) && !['int', 'evr', 'string'].includes(type))
    return `${op} needs a number or version field, not ${type}`;
  if ((op === 'ip_in' || op === 'not_ip_in') && type !== 'ip' && type !== 'string')
    return `${op} needs an address field`;
  return undefined;
}
