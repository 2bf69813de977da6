/**
 * rsyslog configuration: legacy `$Directives`, sysklogd selector lines (`*.* @@loghost`), and
 * RainerScript objects (`module(...)`, `input(...)`, `action(...)`, `include(...)`, `global(...)`),
 * which may span several lines. Pure; Include expansion is the collector's job (it sees `include`
 * statements with their targets).
 */
import { parseMode } from '../../core/values.js';

export type RsyslogKind = 'directive' | 'module' | 'input' | 'action' | 'rule' | 'include' | 'other';

export interface RsyslogStatement {
  line: number;
  kind: RsyslogKind;
  /** Directive name lower-cased with its `$` (`$filecreatemode`), module/input/action type, include target, object name. */
  name: string | null;
  /** Directive argument, or null. */
  value: string | null;
  /** Selector of a rule line (`*.*`, `authpriv.*`, `:msg, contains, "x"`), or null. */
  selector: string | null;
  /** Action of a rule line (`@@loghost:514`, `-/var/log/syslog`, `action(type="omfwd" …)`). */
  action: string | null;
  /** Object parameters as `name=value` with lower-case names. */
  params: string[];
  /** File creation mode set by this statement ($FileCreateMode, fileCreateMode=…), or null. */
  mode: number | null;
  text: string;
}

/** Removes `#` comments (outside quotes) and returns the text; block comments are handled by the caller. */
function stripHashComment(s: string): string {
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && q) {
      i++;
      continue;
    }
    if (c === '"') q = !q;
    else if (c === '#' && !q) return s.slice(0, i);
  }
  return s;
}

/** Net parenthesis depth change of a text, ignoring quoted parts. */
function parenDelta(s: string): number {
  let q = false;
  let d = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && q) {
      i++;
      continue;
    }
    if (c === '"') q = !q;
    else if (!q && c === '(') d++;
    else if (!q && c === ')') d--;
  }
  return d;
}

const PARAM_RE = /([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|\[([^\]]*)\]|([^\s)]+))/g;

export function objectParams(body: string): string[] {
  const out: string[] = [];
  let m: RegExpExecArray | null;
  PARAM_RE.lastIndex = 0;
  while ((m = PARAM_RE.exec(body)) !== null)
    out.push(`${m[1]!.toLowerCase()}=${m[2] ?? m[3] ?? m[4]?.replace(/"/g, '').trim() ?? m[5] ?? ''}`);
  return out;
}

const param = (params: readonly string[], name: string): string | undefined =>
  params.find((p) => p.startsWith(name + '='))?.slice(name.length + 1);

const OBJECT_RE =
  /\b(module|input|action|include|global|template|ruleset|main_queue|parser|timezone|lookup_table|dyn_stats|percentile_stats|license)\s*\(/gi;

function objectsIn(text: string): { type: string; body: string }[] {
  const out: { type: string; body: string }[] = [];
  OBJECT_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = OBJECT_RE.exec(text)) !== null) {
    const start = m.index + m[0].length;
    let depth = 1;
    let q = false;
    let i = start;
    for (; i < text.length && depth > 0; i++) {
      const c = text[i]!;
      if (c === '\\' && q) {
        i++;
        continue;
      }
      if (c === '"') q = !q;
      else if (!q && c === '(') depth++;
      else if (!q && c === ')') depth--;
    }
    out.push({ type: m[1]!.toLowerCase(), body: text.slice(start, i - 1) });
    OBJECT_RE.lastIndex = i;
  }
  return out;
}

function base(line: number, text: string): RsyslogStatement {
  return {
    line,
    kind: 'other',
    name: null,
    value: null,
    selector: null,
    action: null,
    params: [],
    mode: null,
    text,
  };
}

function fromObject(
  line: number,
  text: string,
  obj: { type: string; body: string },
  selector: string | null,
): RsyslogStatement {
  const params = objectParams(obj.body);
  const s = base(line, text);
  s.params = params;
  s.selector = selector;
  const fcm = param(params, 'filecreatemode');
  if (fcm !== undefined) s.mode = parseMode(fcm) ?? null;
  switch (obj.type) {
    case 'module':
      s.kind = 'module';
      s.name = param(params, 'load') ?? null;
      break;
    case 'input':
      s.kind = 'input';
      s.name = param(params, 'type') ?? null;
      break;
    case 'action':
      s.kind = 'action';
      s.name = param(params, 'type') ?? null;
      s.action = text.slice(text.toLowerCase().indexOf('action')).trim();
      break;
    case 'include':
      s.kind = 'include';
      s.name = param(params, 'file') ?? param(params, 'text') ?? null;
      s.value = param(params, 'mode') ?? null;
      break;
    default:
      s.kind = 'other';
      s.name = obj.type;
  }
  return s;
}

const SELECTOR_RE = /^((?:[A-Za-z0-9_*,]+\.!?=?[A-Za-z*]+\s*;?\s*)+)\s+(\S.*)$/;
const PROPFILTER_RE = /^(:[^,]+,\s*!?[A-Za-z_]+,\s*"(?:[^"\\]|\\.)*")\s*(\S.*)$/;

export function parseRsyslog(text: string): {
  statements: RsyslogStatement[];
  problems: { line: number; message: string }[];
} {
  const statements: RsyslogStatement[] = [];
  const problems: { line: number; message: string }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let inBlockComment = false;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw = lines[i]!;
    if (inBlockComment) {
      const end = raw.indexOf('*/');
      if (end < 0) continue;
      raw = raw.slice(end + 2);
      inBlockComment = false;
    }
    // A block comment opens with `/*` at the start of a line or after whitespace (not inside paths such as rsyslog.d/*.conf).
    const bcm = /(^|\s)\/\*/.exec(raw);
    const bc = bcm ? bcm.index + bcm[1]!.length : -1;
    if (bc >= 0 && !raw.slice(0, bc).includes('"')) {
      const end = raw.indexOf('*/', bc + 2);
      if (end < 0) {
        inBlockComment = true;
        raw = raw.slice(0, bc);
      } else raw = raw.slice(0, bc) + raw.slice(end + 2);
    }
    let t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (t.startsWith('$')) {
      const m = /^(\$[A-Za-z0-9_]+)\s*(.*)$/.exec(t);
      const s = base(lineNo, t);
      s.kind = 'directive';
      s.name = (m?.[1] ?? t).toLowerCase();
      s.value = m?.[2]?.trim() ?? '';
      if (s.name === '$filecreatemode') s.mode = parseMode(s.value) ?? null;
      if (s.name === '$includeconfig') s.kind = 'include';
      if (s.name === '$includeconfig') s.name = s.value;
      statements.push(s);
      continue;
    }
    t = stripHashComment(t).trim();
    // multi-line objects: join until parentheses balance
    let depth = parenDelta(t);
    while (depth > 0 && i + 1 < lines.length) {
      const next = stripHashComment(lines[++i]!).trim();
      t += ' ' + next;
      depth += parenDelta(next);
    }
    if (depth > 0) problems.push({ line: lineNo, message: 'unbalanced parentheses' });
    const pf = PROPFILTER_RE.exec(t);
    const sel = pf ?? SELECTOR_RE.exec(t);
    if (sel) {
      const selector = sel[1]!.trim();
      const action = sel[2]!.trim();
      const objs = objectsIn(action);
      if (objs.length > 0 && /^action\s*\(/i.test(action)) {
        for (const o of objs) statements.push(fromObject(lineNo, t, o, selector));
      } else {
        const s = base(lineNo, t);
        s.kind = 'rule';
        s.selector = selector;
        s.action = action;
        statements.push(s);
      }
      continue;
    }
    const objs = objectsIn(t);
    if (objs.length > 0) {
      const isIf = /^if\b/i.test(t);
      if (isIf) statements.push({ ...base(lineNo, t), name: 'if' });
      for (const o of objs) statements.push(fromObject(lineNo, t, o, null));
      continue;
    }
    statements.push(base(lineNo, t));
  }
  return { statements, problems };
}
