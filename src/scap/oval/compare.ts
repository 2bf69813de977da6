/**
 * OVAL value comparison: one state (or object) value against one collected value, with an operation and
 * a datatype, returning an OVAL result. The semantics are OpenSCAP's (oval_cmp*.c), which implement the
 * OVAL 5.11 datatype/operation table; an operation that is not valid for a datatype is `error`.
 */
import type { OvalDatatype, OvalOperation } from './types.js';
import { compileOvalRegex } from './pcre.js';
import { BulwarkError } from '../../core/errors.js';

export type OvalResult = 'true' | 'false' | 'error' | 'unknown' | 'not evaluated' | 'not applicable';

const T: OvalResult = 'true';
const F: OvalResult = 'false';
const E: OvalResult = 'error';
const tf = (b: boolean): OvalResult => (b ? T : F);

/** strtoimax(…, 10) over the whole string, as OpenSCAP parses int: leading blanks and a sign allowed. */
export function parseOvalInt(s: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(s);
  if (!m) return undefined;
  const v = BigInt(m[1]!);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return undefined;
  return v;
}

/** strtod over the whole string. */
export function parseOvalFloat(s: string): number | undefined {
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (!/^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i.test(t)) return undefined;
  const low = t.toLowerCase().replace(/^\+/, '');
  if (low.startsWith('inf') || low.startsWith('-inf')) return low.startsWith('-') ? -Infinity : Infinity;
  if (low.includes('nan')) return NaN;
  return Number(t);
}

function cmpFloat(a: number, b: number): number {
  if (a === b) return 0;
  const r = a > b ? 1 : -1;
  const rel = Math.abs(a) > Math.abs(b) ? Math.abs((a - b) / a) : Math.abs((a - b) / b);
  return rel <= 0.000000001 ? 0 : r;
}

function ordered(c: number, op: OvalOperation): OvalResult {
  switch (op) {
    case 'equals':
      return tf(c === 0);
    case 'not equal':
      return tf(c !== 0);
    case 'greater than':
      return tf(c > 0);
    case 'greater than or equal':
      return tf(c >= 0);
    case 'less than':
      return tf(c < 0);
    case 'less than or equal':
      return tf(c <= 0);
    default:
      return E;
  }
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

// ------------------------------------------------------------------------------------------ rpm
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));

/** rpmvercmp (rpm 4.4 algorithm, as bundled in OpenSCAP). */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    while (i < a.length && !isDigit(a[i]) && !isAlpha(a[i])) i++;
    while (j < b.length && !isDigit(b[j]) && !isAlpha(b[j])) j++;
    if (!(i < a.length && j < b.length)) break;
    const num = isDigit(a[i]);
    const test = num ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < a.length && test(a[ei])) ei++;
    while (ej < b.length && test(b[ej])) ej++;
    if (ej === j) return num ? 1 : -1;
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (num) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function parseEvr(s: string): { e: string | null; v: string; r: string | null } {
  let k = 0;
  while (k < s.length && isDigit(s[k])) k++;
  let e: string | null = null;
  let rest = s;
  if (s[k] === ':') {
    e = s.slice(0, k) || '0';
    rest = s.slice(k + 1);
  }
  // rpm looks for the last '-' after the epoch digits
  const dash = rest.lastIndexOf('-');
  if (dash >= 0 && (e !== null || dash >= k)) return { e, v: rest.slice(0, dash), r: rest.slice(dash + 1) };
  return { e, v: rest, r: null };
}

function cmpNullable(a: string | null, b: string | null): number {
  if (a === null && b === null) return 0;
  if (a !== null && b === null) return 1;
  if (a === null && b !== null) return -1;
  return rpmvercmp(a!, b!);
}

/** EVR comparison of OVAL evr_string (sys vs state): epoch, version, release with rpmvercmp. */
export function rpmEvrCompare(sys: string, state: string): number {
  const a = parseEvr(sys);
  const b = parseEvr(state);
  return cmpNullable(a.e, b.e) || cmpNullable(a.v, b.v) || cmpNullable(a.r, b.r);
}

// ------------------------------------------------------------------------------------------ dpkg
function dpkgOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = dpkgOrder(a[i]);
      const bc = dpkgOrder(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** dpkg comparison (sys vs state); undefined when an epoch is out of range. */
export function debianEvrCompare(sys: string, state: string): number | undefined {
  const a = parseEvr(sys);
  const b = parseEvr(state);
  const ea = parseInt(a.e ?? '0', 10) || 0;
  const eb = parseInt(b.e ?? '0', 10) || 0;
  if (Math.abs(ea) > 2147483647 || Math.abs(eb) > 2147483647) return undefined;
  if (ea !== eb) return ea > eb ? 1 : -1;
  return verrevcmp(a.v, b.v) || verrevcmp(a.r ?? '', b.r ?? '');
}

// ------------------------------------------------------------------------------------------ version
function atoi(s: string, from: number): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s.slice(from, from + 40));
  return m ? Number.parseInt(m[1]!, 10) | 0 : 0;
}

/** OVAL `version` datatype, OpenSCAP's field-by-field atoi walk. */
function versionCmp(state: string, sys: string, op: OvalOperation): OvalResult {
  if (
    ![
      'equals',
      'not equal',
      'greater than',
      'greater than or equal',
      'less than',
      'less than or equal',
    ].includes(op)
  )
    return E;
  let si = 0;
  let yi = 0;
  while (si < state.length || yi < sys.length) {
    const a = atoi(state, si);
    const b = atoi(sys, yi);
    if (op === 'equals' && a !== b) return F;
    if (op === 'not equal' && a !== b) return T;
    if (op === 'greater than' || op === 'greater than or equal') {
      if (b > a) return T;
      if (b < a) return F;
    }
    if (op === 'less than' || op === 'less than or equal') {
      if (b < a) return T;
      if (b > a) return F;
    }
    if (si < state.length) si++;
    while (si < state.length && isDigit(state[si])) si++;
    if (si < state.length && !isDigit(state[si])) si++;
    if (yi < sys.length) yi++;
    while (yi < sys.length && isDigit(sys[yi])) yi++;
    if (yi < sys.length && !isDigit(sys[yi])) yi++;
  }
  return tf(op === 'equals' || op === 'greater than or equal' || op === 'less than or equal');
}

// ------------------------------------------------------------------------------------------ ip
interface Net {
  addr: bigint;
  bits: number;
  width: number;
}
function parseIp(s: string, v6: boolean): Net | undefined {
  const [a, pfx, extra] = s.trim().split('/');
  if (extra !== undefined || a === undefined) return undefined;
  const width = v6 ? 128 : 32;
  let addr: bigint | undefined;
  if (!v6) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
    if (!m) return undefined;
    const parts = m.slice(1).map(Number);
    if (parts.some((x) => x > 255)) return undefined;
    addr = parts.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
  } else {
    addr = parseV6(a);
  }
  if (addr === undefined) return undefined;
  let bits = width;
  if (pfx !== undefined) {
    if (!/^\d{1,3}$/.test(pfx) && !(!v6 && /^\d{1,3}(\.\d{1,3}){3}$/.test(pfx))) return undefined;
    if (pfx.includes('.')) {
      const mask = pfx.split('.').reduce((acc, x) => (acc << 8n) | BigInt(Number(x)), 0n);
      bits = mask.toString(2).replace(/0+$/, '').length;
    } else bits = Number(pfx);
    if (bits > width) return undefined;
  }
  return { addr, bits, width };
}
function parseV6(text: string): bigint | undefined {
  let t = text.toLowerCase();
  const tail4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
  if (tail4) {
    const parts = tail4.slice(1).map(Number);
    if (parts.some((x) => x > 255)) return undefined;
    t =
      t.slice(0, -tail4[0].length) +
      `${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1))
    return undefined;
  let out = 0n;
  for (const g of [...head, ...Array<string>(missing).fill('0'), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    out = (out << 16n) | BigInt(parseInt(g, 16));
  }
  return out;
}
function masked(n: Net, bits: number): bigint {
  const shift = BigInt(n.width - bits);
  return (n.addr >> shift) << shift;
}
function ipCmp(state: string, sys: string, op: OvalOperation, v6: boolean): OvalResult {
  const s = parseIp(state, v6);
  const y = parseIp(sys, v6);
  if (!s || !y) return E;
  switch (op) {
    case 'equals':
      return tf(s.bits === y.bits && masked(s, s.bits) === masked(y, y.bits));
    case 'not equal':
      return tf(!(s.bits === y.bits && masked(s, s.bits) === masked(y, y.bits)));
    case 'subset of':
      // every address of sys lies in state
      return tf(y.bits >= s.bits && masked(y, s.bits) === masked(s, s.bits));
    case 'superset of':
      return tf(s.bits >= y.bits && masked(s, y.bits) === masked(y, y.bits));
    case 'greater than':
    case 'greater than or equal':
    case 'less than':
    case 'less than or equal': {
      if (s.bits !== y.bits) return E;
      const a = masked(y, y.bits);
      const b = masked(s, s.bits);
      return ordered(a === b ? 0 : a > b ? 1 : -1, op);
    }
    default:
      return E;
  }
}

function boolValue(s: string): boolean {
  return s === 'true' || s === '1';
}

/**
 * Compares a collected value `sys` with a state/object value `state` under `op` and `datatype`.
 * A pattern that cannot be translated yields `error` (never a verdict), as does an operation that is
 * not valid for the datatype or a value that does not parse as the datatype.
 */
export function compareValues(
  state: string,
  sys: string,
  datatype: OvalDatatype,
  op: OvalOperation,
): OvalResult {
  switch (datatype) {
    case 'string':
      switch (op) {
        case 'equals':
          return tf(state === sys);
        case 'not equal':
          return tf(state !== sys);
        case 'case insensitive equals':
          return tf(asciiLower(state) === asciiLower(sys));
        case 'case insensitive not equal':
          return tf(asciiLower(state) !== asciiLower(sys));
        case 'pattern match':
          try {
            return tf(compileOvalRegex(state).test(sys));
          } catch (e) {
            if (e instanceof BulwarkError) return E;
            throw e;
          }
        default:
          return E;
      }
    case 'int': {
      const a = parseOvalInt(state);
      const b = parseOvalInt(sys);
      if (a === undefined || b === undefined) return E;
      if (op === 'bitwise and') return tf((b & a) === a);
      if (op === 'bitwise or') return tf((b | a) === a);
      return ordered(b === a ? 0 : b > a ? 1 : -1, op);
    }
    case 'float': {
      const a = parseOvalFloat(state);
      const b = parseOvalFloat(sys);
      if (a === undefined || b === undefined) return E;
      return ordered(cmpFloat(b, a), op);
    }
    case 'boolean':
      if (op !== 'equals' && op !== 'not equal') return E;
      return tf((boolValue(state) === boolValue(sys)) === (op === 'equals'));
    case 'binary':
      if (op !== 'equals' && op !== 'not equal') return E;
      return tf((asciiLower(state) === asciiLower(sys)) === (op === 'equals'));
    case 'evr_string':
      return ordered(rpmEvrCompare(sys, state), op);
    case 'debian_evr_string': {
      const c = debianEvrCompare(sys, state);
      return c === undefined ? E : ordered(c, op);
    }
    case 'version':
      return versionCmp(state, sys, op);
    case 'ipv4_address':
      return ipCmp(state, sys, op, false);
    case 'ipv6_address':
      return ipCmp(state, sys, op, true);
    case 'fileset_revision':
    case 'ios_version':
      return 'not evaluated';
    case 'record':
      return E;
  }
}
