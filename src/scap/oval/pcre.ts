/**
 * OVAL patterns are Perl-compatible regular expressions (OpenSCAP compiles them with PCRE in UTF-8 mode,
 * without UCP). This module translates a PCRE pattern into an equivalent JavaScript RegExp (no `u` flag)
 * and refuses, with BW_CONTENT_INVALID, every construct it cannot reproduce faithfully — a refused pattern
 * makes the test using it `error`, never a wrong verdict.
 *
 * What differs between the two engines, and how each difference is handled:
 * - `.` matches anything but `\n` in PCRE (JS also excludes `\r`, U+2028, U+2029): emitted as `[^\n]`,
 *   or `[\s\S]` under (?s).
 * - `$` matches at the end or before a final newline in PCRE: `(?=\n?$)`; under (?m) before any `\n`.
 *   `^` under (?m) matches after an internal newline, not after a newline that ends the subject.
 *   `\A` `\Z` `\z` become the corresponding lookarounds. The JS `m` and `s` flags are never used.
 * - `\s` is ASCII whitespace in PCRE without UCP (JS adds Unicode spaces): an explicit class. `\h` `\H`
 *   `\v` `\V` `\R` become explicit classes (JS `\v` is only the vertical tab).
 * - Inline modifiers (?i) (?s) (?m) (?x), also negated and scoped `(?i:…)`: JS (Node 20) has no
 *   modifiers, so they are applied while translating (a case-insensitive scope turns letters into
 *   `[aA]`; when (?i) covers the whole pattern the JS `i` flag is used instead).
 * - Atomic groups `(?>…)` and possessive quantifiers `x*+` become `(?=(…))\N` (a lookahead cannot be
 *   backtracked into, so this is exactly atomic). The extra capture is hidden: the returned RegExp maps
 *   match indexes back to the pattern's own group numbers, so capture numbering is PCRE's.
 * - `\Q…\E`, `\x{…}`, `\xh`, octal escapes, `\e`, `\a`, POSIX classes `[[:alpha:]]` (also negated),
 *   named groups `(?P<n>…)`, `(?'n'…)`, `\k{n}`, `(?P=n)`, `\g{n}`, `\g{-n}` and `(?#comments)`.
 * - Refused: recursion and subroutine calls `(?R)` `(?1)` `(?&n)` `(?P>n)`, conditionals `(?(…)…)`,
 *   branch reset `(?|…)`, backtracking verbs `(*…)`, callouts, `\G`, `\K`, `\C`, `\X`, `\p{…}`,
 *   a back reference inside a scoped case-insensitive region, and code points above U+FFFF in classes.
 */
import { BulwarkError } from '../../core/errors.js';

export interface TranslatedPattern {
  /** JavaScript source (no `u` flag). */
  source: string;
  /** JavaScript flags ('' or 'i'). */
  flags: string;
  /** Number of capturing groups in the PCRE pattern. */
  groups: number;
  /** For each PCRE group number n (index n), the JS group number; null when identical. */
  groupMap: number[] | null;
}

/** PCRE compile options given by the caller (e.g. a probe's multiline/singleline behaviors). */
export interface PcreOptions {
  caseless?: boolean;
  multiline?: boolean;
  dotall?: boolean;
  extended?: boolean;
}

interface Mods {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
}

const POSIX: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\x0b\\f\\r ',
  blank: '\\t ',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f\\x7f',
  xdigit: '0-9A-Fa-f',
  word: 'A-Za-z0-9_',
  ascii: '\\x00-\\x7f',
};
/** Complements of the POSIX sets over the UTF-16 code unit range (for [:^name:] and \S-like escapes). */
const complementCache = new Map<Array<[number, number]>, string>();
function complementRanges(ranges: Array<[number, number]>): string {
  const hit = complementCache.get(ranges);
  if (hit !== undefined) return hit;
  const text = computeComplement(ranges);
  complementCache.set(ranges, text);
  return text;
}
function computeComplement(ranges: Array<[number, number]>): string {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let out = '';
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out += rangeText(next, lo - 1);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0xffff) out += rangeText(next, 0xffff);
  return out;
}
function hex(n: number): string {
  return '\\u' + n.toString(16).padStart(4, '0');
}
function rangeText(lo: number, hi: number): string {
  return lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`;
}
const R_SPACE: Array<[number, number]> = [
  [9, 13],
  [32, 32],
];
const R_DIGIT: Array<[number, number]> = [[48, 57]];
const R_WORD: Array<[number, number]> = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];
const H_SPACE: Array<[number, number]> = [
  [9, 9],
  [32, 32],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x180e, 0x180e],
  [0x2000, 0x200a],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];
const V_SPACE: Array<[number, number]> = [
  [10, 13],
  [0x85, 0x85],
  [0x2028, 0x2029],
];
const POSIX_RANGES: Record<string, Array<[number, number]>> = {
  alpha: [
    [65, 90],
    [97, 122],
  ],
  digit: R_DIGIT,
  alnum: [
    [48, 57],
    [65, 90],
    [97, 122],
  ],
  upper: [[65, 90]],
  lower: [[97, 122]],
  space: R_SPACE,
  blank: [
    [9, 9],
    [32, 32],
  ],
  punct: [
    [33, 47],
    [58, 64],
    [91, 96],
    [123, 126],
  ],
  print: [[32, 126]],
  graph: [[33, 126]],
  cntrl: [
    [0, 31],
    [127, 127],
  ],
  xdigit: [
    [48, 57],
    [65, 70],
    [97, 102],
  ],
  word: R_WORD,
  ascii: [[0, 127]],
};
function setText(ranges: Array<[number, number]>): string {
  return ranges.map(([a, b]) => rangeText(a, b)).join('');
}

function refuse(pattern: string, what: string): never {
  throw new BulwarkError(
    'BW_CONTENT_INVALID',
    `OVAL pattern ${JSON.stringify(pattern)} uses ${what}, which cannot be evaluated faithfully (no JavaScript equivalent)`,
    'Rewrite the pattern without this construct, or report the content to its publisher; tests using it are reported as error.',
  );
}

/** A literal code unit as JS source, escaped when it is a metacharacter. */
function lit(code: number, inClass: boolean): string {
  const c = String.fromCharCode(code);
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code <= 0xa0) || code === 0x2028 || code === 0x2029)
    return hex(code);
  if (inClass) return /[\\\]^-]/.test(c) ? '\\' + c : c;
  return /[\\^$.|?*+()[\]{}/]/.test(c) ? '\\' + c : c;
}

function otherCase(code: number): number | undefined {
  const c = String.fromCharCode(code);
  const u = c.toUpperCase();
  const l = c.toLowerCase();
  if (u !== c && u.length === 1) return u.charCodeAt(0);
  if (l !== c && l.length === 1) return l.charCodeAt(0);
  return undefined;
}

/** Translates `pattern`; throws BW_CONTENT_INVALID when it is invalid or untranslatable. */
export function translatePcre(pattern: string, opts: PcreOptions = {}): TranslatedPattern {
  const p = pattern;
  let pos = 0;
  // First pass: count capture groups and names (needed for \10-style ambiguity and relative refs).
  const names = new Map<string, number>();
  let totalGroups = 0;
  {
    let inCls = false;
    let quote = false;
    for (let k = 0; k < p.length; k++) {
      const c = p[k];
      if (quote) {
        if (c === '\\' && p[k + 1] === 'E') {
          quote = false;
          k++;
        }
        continue;
      }
      if (c === '\\') {
        if (p[k + 1] === 'Q') quote = true;
        k++;
        continue;
      }
      if (inCls) {
        if (c === '[' && p[k + 1] === ':') {
          const end = p.indexOf(':]', k + 2);
          if (end > 0) k = end + 1;
        } else if (c === ']') inCls = false;
        continue;
      }
      if (c === '[') {
        inCls = true;
        if (p[k + 1] === '^') k++;
        if (p[k + 1] === ']') k++;
        continue;
      }
      if (c === '(') {
        if (p[k + 1] !== '?' && p[k + 1] !== '*') totalGroups++;
        else {
          const m = /^\(\?(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(p.slice(k));
          if (m) {
            totalGroups++;
            names.set(m[1] ?? m[2] ?? '', totalGroups);
          }
        }
      }
    }
  }

  const base: Mods = {
    i: opts.caseless ?? false,
    m: opts.multiline ?? false,
    s: opts.dotall ?? false,
    x: opts.extended ?? false,
  };
  // The JS 'i' flag is used when case-insensitivity covers the whole pattern.
  let globalI = base.i;
  {
    const lead = /^\(\?([imsx]+)\)/.exec(p);
    if (lead?.[1]?.includes('i') && !/\(\?[a-z]*-[a-z]*i/.test(p)) globalI = true;
    if (globalI && /\(\?[a-z]*-[a-z]*i/.test(p)) globalI = false;
  }

  let jsGroup = 0; // JS capture groups emitted so far
  let pcreGroup = 0;
  const groupMap: number[] = [0];
  let mapped = false;

  function parseClassEscape(): { text: string; code?: number } {
    // pos is at the char after '\'
    const c = p[pos];
    if (c === undefined) refuse(p, 'a trailing backslash');
    pos++;
    switch (c) {
      case 'd':
        return { text: '0-9' };
      case 'D':
        return { text: complementRanges(R_DIGIT) };
      case 'w':
        return { text: 'A-Za-z0-9_' };
      case 'W':
        return { text: complementRanges(R_WORD) };
      case 's':
        return { text: setText(R_SPACE) };
      case 'S':
        return { text: complementRanges(R_SPACE) };
      case 'h':
        return { text: setText(H_SPACE) };
      case 'H':
        return { text: complementRanges(H_SPACE) };
      case 'v':
        return { text: setText(V_SPACE) };
      case 'V':
        return { text: complementRanges(V_SPACE) };
      case 'b':
        return { text: '\\b', code: 8 };
      case 'p':
      case 'P':
      case 'X':
      case 'R':
        return refuse(p, `\\${c} inside a character class`);
      default: {
        pos--;
        const code = parseCodeEscape(true);
        return { text: lit(code, true), code };
      }
    }
  }

  /** Escapes that denote one code unit (pos at the char after '\'); advances pos. */
  function parseCodeEscape(inClass: boolean): number {
    const c = p[pos]!;
    pos++;
    switch (c) {
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 't':
        return 9;
      case 'f':
        return 12;
      case 'e':
        return 27;
      case 'a':
        return 7;
      case 'c': {
        const x = p[pos];
        if (x === undefined) refuse(p, 'a \\c at the end');
        pos++;
        return x.toUpperCase().charCodeAt(0) ^ 0x40;
      }
      case 'x': {
        if (p[pos] === '{') {
          const end = p.indexOf('}', pos);
          const digits = end > 0 ? p.slice(pos + 1, end) : '';
          if (!/^[0-9A-Fa-f]{1,8}$/.test(digits)) refuse(p, 'a malformed \\x{…} escape');
          pos = end + 1;
          const v = parseInt(digits, 16);
          if (v > 0xffff) refuse(p, 'a code point above U+FFFF');
          return v;
        }
        const m = /^[0-9A-Fa-f]{0,2}/.exec(p.slice(pos))![0];
        pos += m.length;
        return m ? parseInt(m, 16) : 0;
      }
      case 'o': {
        if (p[pos] !== '{') refuse(p, 'a malformed \\o escape');
        const end = p.indexOf('}', pos);
        const digits = end > 0 ? p.slice(pos + 1, end) : '';
        if (!/^[0-7]+$/.test(digits)) refuse(p, 'a malformed \\o{…} escape');
        pos = end + 1;
        const v = parseInt(digits, 8);
        if (v > 0xffff) refuse(p, 'a code point above U+FFFF');
        return v;
      }
      case '0': {
        const m = /^[0-7]{0,2}/.exec(p.slice(pos))![0];
        pos += m.length;
        return parseInt('0' + m, 8);
      }
      default:
        if (/[1-9]/.test(c)) {
          if (!inClass) refuse(p, 'an internal error (back reference parsed as a code)');
          const m = /^[0-7]{0,3}/.exec(p.slice(pos - 1))![0];
          if (m.length === 0) refuse(p, `\\${c} inside a character class (not octal)`);
          pos += m.length - 1;
          return parseInt(m, 8);
        }
        if (/[A-Za-z]/.test(c)) refuse(p, `the escape \\${c}`);
        return c.charCodeAt(0);
    }
  }

  function caseClass(code: number, mods: Mods): string {
    if (mods.i && !globalI) {
      const o = otherCase(code);
      if (o !== undefined) return `[${lit(code, true)}${lit(o, true)}]`;
    }
    return lit(code, false);
  }

  function parseClass(mods: Mods): string {
    // pos is after '['
    let negate = false;
    if (p[pos] === '^') {
      negate = true;
      pos++;
    }
    let body = '';
    let first = true;
    const add: number[] = [];
    for (;;) {
      const c = p[pos];
      if (c === undefined) refuse(p, 'an unterminated character class');
      if (c === ']' && !first) {
        pos++;
        break;
      }
      first = false;
      if (c === '[' && p[pos + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(pos));
        if (m) {
          const ranges = POSIX_RANGES[m[2]!];
          if (!ranges || POSIX[m[2]!] === undefined) refuse(p, `the unknown POSIX class [:${m[2]}:]`);
          body += m[1] ? complementRanges(ranges) : setText(ranges);
          pos += m[0].length;
          continue;
        }
      }
      if (c === '[' && (p[pos + 1] === '.' || p[pos + 1] === '=')) refuse(p, 'a POSIX collating element');
      let code: number | undefined;
      let text: string;
      if (c === '\\') {
        pos++;
        if (p[pos] === 'Q') {
          pos++;
          const end = p.indexOf('\\E', pos);
          const q = end < 0 ? p.slice(pos) : p.slice(pos, end);
          pos = end < 0 ? p.length : end + 2;
          for (const ch of q) {
            body += lit(ch.charCodeAt(0), true);
            add.push(ch.charCodeAt(0));
          }
          continue;
        }
        if (p[pos] === 'E') {
          pos++;
          continue;
        }
        const e = parseClassEscape();
        text = e.text;
        code = e.code;
      } else {
        code = c.charCodeAt(0);
        text = lit(code, true);
        pos++;
      }
      // Range?
      if (code !== undefined && p[pos] === '-' && p[pos + 1] !== ']' && p[pos + 1] !== undefined) {
        const save = pos;
        pos++;
        let hi: number | undefined;
        if (p[pos] === '\\') {
          pos++;
          if (/[dDwWsShHvV]/.test(p[pos] ?? '')) {
            // "a-\d" : '-' is literal
            pos = save;
          } else {
            const e = parseClassEscape();
            hi = e.code;
          }
        } else if (p[pos] === '[' && p[pos + 1] === ':') {
          pos = save;
        } else {
          hi = p.charCodeAt(pos);
          pos++;
        }
        if (hi !== undefined) {
          if (hi < code) refuse(p, 'a character class range out of order');
          body += `${lit(code, true)}-${lit(hi, true)}`;
          if (mods.i && !globalI) {
            for (let k = code; k <= hi && k - code < 0x400; k++) {
              const o = otherCase(k);
              if (o !== undefined) add.push(o);
            }
          }
          continue;
        }
      }
      body += text;
      if (code !== undefined && mods.i && !globalI) {
        const o = otherCase(code);
        if (o !== undefined) add.push(o);
      }
    }
    for (const a of add) body += lit(a, true);
    if (body === '') return negate ? '[\\s\\S]' : '[]';
    return `[${negate ? '^' : ''}${body}]`;
  }

  function skipExtended(mods: Mods): void {
    if (!mods.x) return;
    for (;;) {
      const c = p[pos];
      if (c !== undefined && /[ \t\n\r\f\v]/.test(c)) pos++;
      else if (c === '#') {
        const nl = p.indexOf('\n', pos);
        pos = nl < 0 ? p.length : nl + 1;
      } else return;
    }
  }

  function parseQuantifier(): string | undefined {
    const c = p[pos];
    if (c === '*' || c === '+' || c === '?') {
      pos++;
      return c;
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(pos));
      if (!m) return undefined;
      pos += m[0].length;
      return m[0];
    }
    return undefined;
  }

  function applyModSpec(mods: Mods, spec: string): Mods {
    const out = { ...mods };
    let on = true;
    for (const ch of spec) {
      if (ch === '-') on = false;
      else if (ch === 'i' || ch === 'm' || ch === 's' || ch === 'x') out[ch] = on;
      else if (ch === 'J' || ch === 'U') refuse(p, `the inline option (?${ch})`);
      else refuse(p, `the inline option letter '${ch}'`);
    }
    return out;
  }

  function backref(n: number, mods: Mods): string {
    if (n < 1 || n > totalGroups) refuse(p, `a reference to the missing group ${n}`);
    if (mods.i && !globalI) refuse(p, 'a back reference in a scoped case-insensitive region');
    mapped = mapped || false;
    return `(?:\\${groupMap[n] ?? refuseForward(n)})`;
  }
  function refuseForward(n: number): never {
    return refuse(p, `a forward reference to group ${n}`);
  }

  /** Parses an alternation until ')' or end; returns JS source. */
  function parseAlt(mods0: Mods, depth: number): string {
    let mods = mods0;
    let out = '';
    let atomStart = -1; // index in `out` where the last quantifiable atom starts
    let atomBase = 0; // JS groups emitted before that atom
    for (;;) {
      skipExtended(mods);
      const c = p[pos];
      if (c === undefined) {
        if (depth > 0) refuse(p, 'an unclosed group');
        return out;
      }
      if (c === ')') {
        if (depth === 0) refuse(p, 'an unmatched )');
        return out;
      }
      if (c === '|') {
        pos++;
        out += '|';
        mods = mods0.x === mods.x && mods0.i === mods.i ? mods : mods; // options persist across branches in PCRE
        atomStart = -1;
        continue;
      }
      // quantifier following an atom
      if ((c === '*' || c === '+' || c === '?' || c === '{') && atomStart >= 0) {
        const save = pos;
        const q = parseQuantifier();
        if (q !== undefined) {
          let lazy = '';
          let possessive = false;
          if (p[pos] === '?') {
            lazy = '?';
            pos++;
          } else if (p[pos] === '+') {
            possessive = true;
            pos++;
          }
          if (possessive) {
            const atom = out.slice(atomStart);
            out = out.slice(0, atomStart);
            jsGroup++;
            mapped = true;
            // The wrapper opens before the atom's own groups: they move up by one.
            const g = atomBase + 1;
            const renum = renumberInside(atom, g);
            out += `(?=(${renum}${q}))(?:\\${g})`;
          } else out += q + lazy;
          atomStart = -1;
          continue;
        }
        pos = save;
      }
      if ((c === '*' || c === '+' || c === '?') && atomStart < 0) {
        refuse(p, `a quantifier '${c}' with nothing to repeat`);
      }
      const start = out.length;
      atomBase = jsGroup;
      if (c === '(') {
        out += parseGroup(mods, depth, (m) => (mods = m));
        atomStart = out.length === start ? -1 : start;
        continue;
      }
      pos++;
      if (c === '[') {
        out += parseClass(mods);
      } else if (c === '.') {
        out += mods.s ? '[\\s\\S]' : '[^\\n]';
      } else if (c === '^') {
        out += mods.m ? '(?:^|(?<=\\n)(?!$))' : '^';
        atomStart = -1;
        continue;
      } else if (c === '$') {
        out += mods.m ? '(?=\\n|$)' : '(?=\\n?$)';
        atomStart = -1;
        continue;
      } else if (c === '\\') {
        const e = p[pos];
        if (e === undefined) refuse(p, 'a trailing backslash');
        if (e === 'Q') {
          pos++;
          const end = p.indexOf('\\E', pos);
          const q = end < 0 ? p.slice(pos) : p.slice(pos, end);
          pos = end < 0 ? p.length : end + 2;
          let last = out.length;
          for (const ch of q) {
            last = out.length;
            out += caseClass(ch.charCodeAt(0), mods);
          }
          atomStart = q.length > 0 ? last : -1;
          continue;
        }
        if (e === 'E') {
          pos++;
          continue;
        }
        const simple: Record<string, string> = {
          d: '\\d',
          D: '\\D',
          w: '\\w',
          W: '\\W',
          s: `[${setText(R_SPACE)}]`,
          S: `[^${setText(R_SPACE)}]`,
          h: `[${setText(H_SPACE)}]`,
          H: `[^${setText(H_SPACE)}]`,
          v: `[${setText(V_SPACE)}]`,
          V: `[^${setText(V_SPACE)}]`,
          R: `(?:\\r\\n|[${setText(V_SPACE)}])`,
          N: '[^\\n]',
        };
        const anchors: Record<string, string> = { b: '\\b', B: '\\B', A: '^', z: '$', Z: '(?=\\n?$)' };
        if (simple[e] !== undefined) {
          pos++;
          out += simple[e];
        } else if (anchors[e] !== undefined) {
          pos++;
          out += anchors[e];
          atomStart = -1;
          continue;
        } else if ('GKCXpPlLuU'.includes(e)) {
          refuse(p, `\\${e}`);
        } else if (e === 'g' || e === 'k') {
          pos++;
          const m =
            e === 'g'
              ? /^(?:\{(-?\d+)\}|(-?\d+)|\{([A-Za-z_]\w*)\}|<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(
                  p.slice(pos),
                )
              : /^(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|\{([A-Za-z_]\w*)\})/.exec(p.slice(pos));
          if (!m) refuse(p, `a malformed \\${e} reference`);
          pos += m[0].length;
          if (e === 'g' && (m[1] !== undefined || m[2] !== undefined)) {
            if (m[0].startsWith('<') || m[0].startsWith("'")) refuse(p, 'a subroutine call \\g<…>');
            let n = Number(m[1] ?? m[2]);
            if (n < 0) n = pcreGroup + 1 + n;
            out += backref(n, mods);
          } else {
            if (e === 'g' && (m[0].startsWith('<') || m[0].startsWith("'")))
              refuse(p, 'a subroutine call \\g<…>');
            const name = m.slice(1).find((x) => x !== undefined)!;
            const n = names.get(name);
            if (n === undefined) refuse(p, `a reference to the unknown group name ${name}`);
            out += backref(n, mods);
          }
        } else if (/[1-9]/.test(e)) {
          const m = /^\d+/.exec(p.slice(pos))![0];
          const n = Number(m);
          if (n < 10 || n <= totalGroups) {
            pos += m.length;
            out += backref(n, mods);
          } else {
            // octal
            const o = /^[0-7]{1,3}/.exec(m);
            if (!o) refuse(p, `the reference \\${m} to a missing group`);
            pos += o[0].length;
            out += caseClass(parseInt(o[0], 8), mods);
          }
        } else {
          const code = parseCodeEscape(false);
          out += caseClass(code, mods);
        }
      } else if (c === '{') {
        // not a valid quantifier position: literal
        out += '\\{';
      } else if (c === '}' || c === ']') {
        out += '\\' + c;
      } else if (c === '*' || c === '+' || c === '?') {
        refuse(p, `a quantifier '${c}' with nothing to repeat`);
      } else {
        out += caseClass(c.charCodeAt(0), mods);
      }
      atomStart = start;
    }
  }

  /** Adds 1 to every JS back reference / group number >= g inside an already emitted fragment. */
  function renumberInside(fragment: string, g: number): string {
    // Groups opened inside the fragment were assigned numbers >= g (before the wrapper took g).
    // Shift the groupMap entries and the back references that point to them.
    for (let k = 1; k < groupMap.length; k++) if (groupMap[k]! >= g) groupMap[k] = groupMap[k]! + 1;
    let o = '';
    let inCls = false;
    for (let k = 0; k < fragment.length; k++) {
      const ch = fragment[k]!;
      if (ch === '\\') {
        const m = /^\d+/.exec(fragment.slice(k + 1));
        if (m && !inCls) {
          const n = Number(m[0]);
          o += '\\' + String(n >= g ? n + 1 : n);
          k += m[0].length;
          continue;
        }
        o += ch + (fragment[k + 1] ?? '');
        k++;
        continue;
      }
      if (ch === '[') inCls = true;
      else if (ch === ']') inCls = false;
      o += ch;
    }
    return o;
  }

  function parseGroup(mods: Mods, depth: number, setMods: (m: Mods) => void): string {
    // pos at '('
    pos++;
    if (p[pos] === '*') refuse(p, 'a backtracking control verb (*…)');
    if (p[pos] !== '?') {
      pcreGroup++;
      jsGroup++;
      groupMap[pcreGroup] = jsGroup;
      const inner = parseAlt(mods, depth + 1);
      pos++; // ')'
      return `(${inner})`;
    }
    pos++; // '?'
    const rest = p.slice(pos);
    const close = (open: string): string => {
      const inner = parseAlt(mods, depth + 1);
      pos++;
      return `${open}${inner})`;
    };
    if (rest.startsWith('#')) {
      const end = p.indexOf(')', pos);
      if (end < 0) refuse(p, 'an unclosed comment group');
      pos = end + 1;
      return '';
    }
    if (rest.startsWith(':')) {
      pos++;
      return close('(?:');
    }
    if (rest.startsWith('=') || rest.startsWith('!')) {
      pos++;
      return close(`(?${rest[0]!}`);
    }
    if (rest.startsWith('<=') || rest.startsWith('<!')) {
      pos += 2;
      return close(`(?${rest.slice(0, 2)}`);
    }
    const named = /^(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest);
    if (named) {
      pos += named[0].length;
      pcreGroup++;
      jsGroup++;
      groupMap[pcreGroup] = jsGroup;
      const name = named[1] ?? named[2]!;
      const inner = parseAlt(mods, depth + 1);
      pos++;
      return `(?<${name}>${inner})`;
    }
    const pref = /^P=([A-Za-z_]\w*)\)/.exec(rest);
    if (pref) {
      pos += pref[0].length;
      const n = names.get(pref[1]!);
      if (n === undefined) refuse(p, `a reference to the unknown group name ${pref[1]!}`);
      return backref(n, mods);
    }
    if (rest.startsWith('>')) {
      pos++;
      jsGroup++;
      mapped = true;
      const g = jsGroup;
      const inner = parseAlt(mods, depth + 1);
      pos++;
      return `(?=(${inner}))(?:\\${g})`;
    }
    if (/^(?:R|[+-]?\d|&|P>)/.test(rest)) refuse(p, 'recursion or a subroutine call');
    if (rest.startsWith('(')) refuse(p, 'a conditional group (?(…)…)');
    if (rest.startsWith('|')) refuse(p, 'a branch reset group (?|…)');
    if (rest.startsWith('C')) refuse(p, 'a callout (?C…)');
    const opt = /^([imsxJU-]*)(:|\))/.exec(rest);
    if (opt) {
      pos += opt[0].length;
      const nm = applyModSpec(mods, opt[1]!);
      if (opt[2] === ')') {
        setMods(nm);
        return '';
      }
      const inner = parseAlt(nm, depth + 1);
      pos++;
      return `(?:${inner})`;
    }
    return refuse(p, `the group syntax (?${rest.slice(0, 3)}`);
  }

  // A leading (?i) is handled with the JS flag; its other letters still apply.
  const source = parseAlt(base, 0);
  const identity = !mapped && groupMap.every((v, k) => v === k);
  return { source, flags: globalI ? 'i' : '', groups: pcreGroup, groupMap: identity ? null : groupMap };
}

/** A RegExp whose match arrays carry the PCRE pattern's own group numbering. */
class MappedRegExp extends RegExp {
  private readonly map: number[];
  /** `map` is omitted when String.prototype.matchAll/split clone the regex through its species. */
  constructor(source: string | RegExp, flags?: string, map?: number[]) {
    super(source, flags);
    this.map = map ?? (source instanceof MappedRegExp ? source.map : []);
  }
  override exec(s: string): RegExpExecArray | null {
    const m = super.exec(s);
    if (!m || this.map.length === 0) return m;
    const out = [] as unknown as RegExpExecArray;
    for (let k = 0; k < this.map.length; k++) out.push(m[this.map[k]!] as string);
    out.index = m.index;
    out.input = m.input;
    if (m.groups) out.groups = m.groups;
    return out;
  }
}

const cache = new Map<string, RegExp>();

/**
 * Compiles an OVAL (PCRE) pattern to a cached JavaScript RegExp. `flags` may contain PCRE options
 * `i` (caseless), `m` (multiline), `s` (dotall), `x` (extended) and the JS-only `g`, `y`, `d`.
 * Callers must not rely on `lastIndex` of a cached non-global regex being shared safely with `g`.
 */
export function compileOvalRegex(pattern: string, flags = ''): RegExp {
  const key = flags + '\u0000' + pattern;
  const hit = cache.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  const t = translatePcre(pattern, {
    caseless: flags.includes('i'),
    multiline: flags.includes('m'),
    dotall: flags.includes('s'),
    extended: flags.includes('x'),
  });
  const jsFlags = t.flags + ['g', 'y', 'd'].filter((f) => flags.includes(f)).join('');
  let re: RegExp;
  try {
    re = t.groupMap ? new MappedRegExp(t.source, jsFlags, t.groupMap) : new RegExp(t.source, jsFlags);
  } catch (e) {
    throw new BulwarkError(
      'BW_CONTENT_INVALID',
      `OVAL pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`,
      'Correct the pattern in the content; tests using it are reported as error.',
    );
  }
  if (cache.size > 20000) cache.clear();
  cache.set(key, re);
  return re;
}

/** PCRE-style test: does `pattern` match anywhere in `subject`? */
export function pcreTest(pattern: string, subject: string, flags = ''): boolean {
  const re = compileOvalRegex(pattern, flags);
  re.lastIndex = 0;
  return re.test(subject);
}
