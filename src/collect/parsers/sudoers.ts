/**
 * sudoers(5): Defaults, aliases, user specifications and include directives, with backslash
 * continuations and `#` comments (`#include`/`#includedir` are directives, not comments). Pure:
 * the collector follows the includes.
 */

export type SudoersKind = 'defaults' | 'user_spec' | 'alias' | 'include';

export interface SudoersEntry {
  line: number;
  kind: SudoersKind;
  /** The logical line, continuations joined. */
  text: string;
  /** Users of a user spec; the binding of `Defaults:x` / `@x` / `!x` / `>x`; the alias name; null otherwise. */
  subject: string | null;
  nopasswd: boolean;
  authenticateOff: boolean;
  commands: string[];
  defaultsKey: string | null;
  defaultsValue: string | null;
  /** include / includedir target for kind include. */
  include?: { dir: boolean; path: string };
}

/** Splits on `sep` outside double quotes, honouring backslash escapes. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1]!;
      i++;
      continue;
    }
    if (c === '"') q = !q;
    if (c === sep && !q) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function stripComment(s: string): string {
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '"') q = !q;
    if (c === '#' && !q) {
      // `#123` right after a user/runas separator is a numeric uid, not a comment.
      if (/\d/.test(s[i + 1] ?? '') && (i === 0 || /[\s,(:=!]/.test(s[i - 1]!))) continue;
      return s.slice(0, i);
    }
  }
  return s;
}

const unquote = (v: string) => {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, '$1') : t;
};

/** One `Defaults` entry: `flag`, `!flag`, `key=value`, `key+=value`, `key-=value`. */
function defaultsEntry(e: string): { key: string; value: string } | null {
  const t = e.trim();
  if (t === '') return null;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*([+-]?=)\s*(.*)$/s.exec(t);
  if (m) return { key: m[1]!, value: (m[2] === '=' ? '' : m[2]!.slice(0, 1)) + unquote(m[3]!) };
  const neg = /^(!+)\s*([A-Za-z_][A-Za-z0-9_]*)$/.exec(t);
  if (neg) return { key: neg[2]!, value: neg[1]!.length % 2 === 1 ? 'false' : 'true' };
  return { key: t, value: 'true' };
}

const TAG =
  /^(NOPASSWD|PASSWD|NOEXEC|EXEC|SETENV|NOSETENV|LOG_INPUT|NOLOG_INPUT|LOG_OUTPUT|NOLOG_OUTPUT|MAIL|NOMAIL|FOLLOW|NOFOLLOW|INTERCEPT|NOINTERCEPT)\s*:\s*/;

/** Parses the right side of a user spec (`(runas) TAG: cmd, cmd` per host, several hosts joined by `:`). */
function commandSpecs(rhs: string): { commands: string[]; nopasswd: boolean } {
  const commands: string[] = [];
  let nopasswd = false;
  let passwdTag: boolean | null = null;
  for (let spec of splitTop(rhs, ',')) {
    spec = spec.trim();
    // Runas, SELinux/AppArmor options, Timeouts and date options come before the tags.
    for (;;) {
      const before = spec;
      spec = spec.replace(/^\([^)]*\)\s*/, '');
      spec = spec.replace(
        /^(ROLE|TYPE|APPARMOR_PROFILE|TIMEOUT|NOTBEFORE|NOTAFTER|CWD|CHROOT)\s*=\s*\S+\s*/,
        '',
      );
      let m;
      while ((m = TAG.exec(spec))) {
        if (m[1] === 'NOPASSWD') passwdTag = false;
        if (m[1] === 'PASSWD') passwdTag = true;
        spec = spec.slice(m[0].length);
      }
      if (spec === before) break;
    }
    if (spec === '') continue;
    commands.push(spec.replace(/\\,/g, ','));
    if (passwdTag === false) nopasswd = true;
  }
  return { commands, nopasswd };
}

const ALIAS = /^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s+(.*)$/;

export function parseSudoers(text: string): SudoersEntry[] {
  const out: SudoersEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let raw = lines[i]!.replace(/\r$/, '');
    const base = {
      line: start + 1,
      subject: null,
      nopasswd: false,
      authenticateOff: false,
      commands: [] as string[],
      defaultsKey: null,
      defaultsValue: null,
    };
    const inc = /^\s*[#@](include|includedir)\s+(.+?)\s*$/.exec(raw);
    if (inc) {
      out.push({
        ...base,
        kind: 'include',
        text: raw.trim(),
        include: { dir: inc[1] === 'includedir', path: unquote(inc[2]!) },
      });
      continue;
    }
    while (stripComment(raw).trimEnd().endsWith('\\') && i + 1 < lines.length)
      raw = stripComment(raw).trimEnd().slice(0, -1) + ' ' + lines[++i]!.replace(/\r$/, '').trim();
    const l = stripComment(raw).trim();
    if (l === '') continue;
    const def = /^Defaults([:@!>])?(\S*)\s+(.*)$/.exec(l) ?? /^Defaults([:@!>])?(\S*)$/.exec(l);
    if (def) {
      const subject = def[1] ? def[1] + (def[2] ?? '') : null;
      for (const e of splitTop(def[3] ?? '', ',')) {
        const d = defaultsEntry(e);
        if (!d) continue;
        out.push({
          ...base,
          kind: 'defaults',
          text: l,
          subject,
          defaultsKey: d.key,
          defaultsValue: d.value,
          authenticateOff: d.key === 'authenticate' && d.value === 'false',
        });
      }
      continue;
    }
    const al = ALIAS.exec(l);
    if (al) {
      // NAME = a, b : NAME2 = c
      for (const part of splitTop(al[2]!, ':')) {
        const eq = part.indexOf('=');
        if (eq < 0) continue;
        const name = part.slice(0, eq).trim();
        const members = splitTop(part.slice(eq + 1), ',')
          .map((x) => x.trim())
          .filter(Boolean);
        out.push({
          ...base,
          kind: 'alias',
          text: l,
          subject: `${al[1]} ${name}`,
          commands: al[1]!.startsWith('Cmnd') || al[1]!.startsWith('Cmd') ? members : [],
        });
      }
      continue;
    }
    // User spec: users hosts = cmndspecs [: hosts = cmndspecs]
    const eq = splitTop(l, '=');
    if (eq.length < 2) {
      out.push({ ...base, kind: 'user_spec', text: l });
      continue;
    }
    const lhs = eq[0]!
      .replace(/\s*,\s*/g, ',')
      .trim()
      .split(/\s+/);
    const users = lhs[0] ?? '';
    const rhsText = l.slice(eq[0]!.length + 1);
    // Further `: Host = …` groups on the same line.
    const groups: string[] = [];
    for (const part of splitTop(rhsText, ':')) {
      const prev = groups[groups.length - 1];
      // A ':' of a tag (NOPASSWD:) or of a runas spec ((root:wheel)) is not a host separator.
      const prevWord =
        prev
          ?.trim()
          .split(/[\s,(]/)
          .pop() ?? '';
      if (
        prev !== undefined &&
        (!part.includes('=') || TAG.test(prevWord + ':') || prev.lastIndexOf('(') > prev.lastIndexOf(')'))
      )
        groups[groups.length - 1] = prev + ':' + part;
      else groups.push(part);
    }
    const commands: string[] = [];
    let nopasswd = false;
    groups.forEach((g, gi) => {
      const rhs = gi === 0 ? g : g.slice(g.indexOf('=') + 1);
      const c = commandSpecs(rhs);
      commands.push(...c.commands);
      nopasswd ||= c.nopasswd;
    });
    out.push({ ...base, kind: 'user_spec', text: l, subject: users, nopasswd, commands });
  }
  return out;
}
