/**
 * Text edits of configuration files that keep them valid and keep their comments and order: a changed line
 * is replaced in place (its indentation kept), a conflicting line is commented out (never deleted) with a
 * note naming the rule, a new line goes where the program reading the file will take it. Pure: every
 * function maps text to text; the planner reads the files through the Target and diffs the results.
 */
import { lexSshdConfig, type PlacedDirective } from '../collect/parsers/sshd-config.js';
import { normaliseSysctlKey, parseSysctl } from '../collect/parsers/sysctl.js';
import { parseLoginDefs } from '../collect/parsers/login-defs.js';
import { normaliseModuleName, parseModprobe } from '../collect/parsers/modprobe.js';
import { pamTokens, parseKeyValueConf, parsePam } from '../collect/parsers/pam.js';

/** sshd keywords as written in sshd_config (the parser lower-cases them). */
const SSHD_NAMES: Record<string, string> = Object.fromEntries(
  [
    'PermitRootLogin',
    'PasswordAuthentication',
    'PermitEmptyPasswords',
    'HostbasedAuthentication',
    'IgnoreRhosts',
    'IgnoreUserKnownHosts',
    'PermitUserEnvironment',
    'X11Forwarding',
    'AllowTcpForwarding',
    'DisableForwarding',
    'PermitTunnel',
    'MaxAuthTries',
    'MaxSessions',
    'MaxStartups',
    'LoginGraceTime',
    'ClientAliveInterval',
    'ClientAliveCountMax',
    'LogLevel',
    'UsePAM',
    'Banner',
    'GSSAPIAuthentication',
    'KerberosAuthentication',
    'StrictModes',
    'Ciphers',
    'MACs',
    'KexAlgorithms',
    'PubkeyAuthentication',
    'KbdInteractiveAuthentication',
  ].map((n) => [n.toLowerCase(), n]),
);
export const sshdKeyword = (key: string): string => SSHD_NAMES[key.toLowerCase()] ?? key;

function lines(text: string): string[] {
  return text.split('\n');
}

/** `# <line>` with a note: a commented-out line is still there to read and to restore by hand. */
export function commentOut(line: string, tag: string): string {
  const indent = /^\s*/.exec(line)?.[0] ?? '';
  return `${indent}# ${line.trim()}    # disabled by bulwark (${tag})`;
}

const ensureNewline = (t: string): string => (t === '' || t.endsWith('\n') ? t : t + '\n');

/** Values compared as sshd compares them: case-insensitively for yes/no words, exactly otherwise. */
function sameSshdValue(a: string, b: string): boolean {
  return a === b || (/^[a-z-]+$/i.test(a) && a.toLowerCase() === b.toLowerCase());
}

/**
 * Sets an sshd keyword (first value wins): the first global occurrence is replaced in place when it is in
 * the main file and no Include before it could set the keyword; otherwise `Key value` is inserted before the
 * first directive of the main file (before any Include and any Match block). Every other occurrence with
 * another value — later global lines, lines in included files, overrides inside Match blocks — is commented
 * out. Returns the new text of each file it changes.
 */
export function sshdSet(
  files: ReadonlyMap<string, string>,
  directives: readonly PlacedDirective[],
  mainPath: string,
  key: string,
  value: string,
  tag: string,
): Map<string, string> {
  const k = key.toLowerCase();
  const want = `${sshdKeyword(k)} ${value}`;
  const edited = new Map<string, string[]>();
  const get = (p: string): string[] => {
    let l = edited.get(p);
    if (!l) {
      l = lines(files.get(p) ?? '');
      edited.set(p, l);
    }
    return l;
  };
  const occ = directives.filter((d) => d.key === k);
  const first = occ.find((d) => d.match === null);
  const firstMainDirective = lexSshdConfig(files.get(mainPath) ?? '').directives[0];
  let replaced: PlacedDirective | undefined;
  // In place when the effective line is in the main file (Includes above it did not set the keyword).
  if (first && first.path === mainPath) {
    const l = get(mainPath);
    const old = l[first.line - 1]!;
    const indent = /^\s*/.exec(old)?.[0] ?? '';
    l[first.line - 1] = indent + want;
    replaced = first;
  }
  for (const d of occ) {
    if (d === replaced) continue;
    const v = d.args.join(' ');
    if (sameSshdValue(v, value)) continue;
    const l = get(d.path);
    l[d.line - 1] = commentOut(l[d.line - 1]!, tag);
  }
  if (!replaced) {
    const l = get(mainPath);
    const at = firstMainDirective
      ? firstMainDirective.line - 1
      : l.length && l[l.length - 1] === ''
        ? l.length - 1
        : l.length;
    l.splice(at, 0, `# ${tag}: set by bulwark; sshd uses the first value it reads`, want);
  }
  const out = new Map<string, string>();
  for (const [p, l] of edited) out.set(p, ensureNewline(l.join('\n')));
  return out;
}

/** Sets `key = value` in a sysctl drop-in (created when null), replacing the key's line if present. */
export function sysctlDropinSet(text: string | null, key: string, value: string, tag: string): string {
  const nk = normaliseSysctlKey(key);
  const base = text ?? '# Kernel parameters set by bulwark (one line per rule).\n';
  const l = lines(ensureNewline(base));
  const parsed = parseSysctl(base);
  const hit = parsed.assignments.find((a) => a.key === nk);
  if (hit) l[hit.line - 1] = `${key} = ${value}`;
  else l.splice(l.length - 1, 0, `# ${tag}`, `${key} = ${value}`);
  return ensureNewline(l.join('\n'));
}

/** Comments out assignments of `key` to another value (in files that would override the drop-in). */
export function sysctlCommentConflicts(text: string, key: string, value: string, tag: string): string {
  const nk = normaliseSysctlKey(key);
  const l = lines(text);
  for (const a of parseSysctl(text).assignments)
    if (a.key === nk && a.value !== value) l[a.line - 1] = commentOut(l[a.line - 1]!, tag);
  return l.join('\n');
}

/** A modprobe.d file that makes a module impossible to load. */
export function modprobeDropin(module: string, tag: string): string {
  return `# ${tag}: set by bulwark\ninstall ${module} /bin/false\nblacklist ${module}\n`;
}

/** Comments out `install <module> …` lines that would load it anyway. */
export function modprobeCommentConflicts(text: string, module: string, tag: string): string {
  const m = normaliseModuleName(module);
  const l = lines(text);
  for (const e of parseModprobe(text).entries)
    if (e.directive === 'install' && e.module === m && !/^(\/usr)?\/bin\/(false|true)(\s|$)/.test(e.args))
      l[e.line - 1] = commentOut(l[e.line - 1]!, tag);
  return l.join('\n');
}

/** Sets a login.defs key: the effective (last) line is replaced in place, else the line is appended. */
export function loginDefsSet(text: string, key: string, value: string, tag: string): string {
  const l = lines(ensureNewline(text));
  const eff = parseLoginDefs(text).find((d) => d.key === key && d.effective);
  if (eff) {
    const old = l[eff.line - 1]!;
    const m = /^(\s*\S+)(\s+)/.exec(old);
    l[eff.line - 1] = m ? `${m[1]}${m[2]}${value}` : `${key}\t${value}`;
  } else l.splice(l.length - 1, 0, `# ${tag}: set by bulwark`, `${key}\t${value}`);
  return ensureNewline(l.join('\n'));
}

/** Sets `key = value` (or a bare flag when value is "") in pwquality.conf / faillock.conf / pwhistory.conf. */
export function kvConfSet(text: string | null, key: string, value: string, tag: string): string {
  const src = text ?? '';
  const l = lines(ensureNewline(src));
  const line = value === '' ? key : `${key} = ${value}`;
  const hits = parseKeyValueConf(src).filter((s) => s.key === key.toLowerCase());
  if (hits.length > 0) {
    l[hits[0]!.line - 1] = line;
    for (const h of hits.slice(1)) l[h.line - 1] = commentOut(l[h.line - 1]!, tag);
  } else {
    // After the distribution's commented example of the same key, when there is one.
    const example = l.findIndex((x) => new RegExp(`^\\s*#\\s*${key}\\s*(=|$)`, 'i').test(x));
    if (example >= 0) l.splice(example + 1, 0, line);
    else l.splice(l.length ? l.length - 1 : 0, 0, `# ${tag}: set by bulwark`, line);
  }
  return ensureNewline(l.join('\n'));
}

/** Replaces the value of `key=` arguments of `module` lines in a PAM file (only where the argument is present). */
export function pamArgSet(text: string, module: string, key: string, value: string): string {
  const l = lines(text);
  for (const p of parsePam(text)) {
    if (p.module !== module) continue;
    const idx = p.line - 1;
    const cur = l[idx]!;
    const re = new RegExp(`(^|\\s)${key}(=[^\\s#]*)?(?=\\s|$|#)`, 'i');
    if (!p.args.some((a) => a.toLowerCase() === key || a.toLowerCase().startsWith(key + '='))) continue;
    l[idx] = cur.replace(re, (_m, pre: string) => `${pre}${value === '' ? key : `${key}=${value}`}`);
  }
  return l.join('\n');
}

/** Removes an argument (e.g. `nullok`) from every `module` line of a PAM file. */
export function pamArgRemove(text: string, module: string, arg: string): string {
  const l = lines(text);
  for (const p of parsePam(text)) {
    if (p.module !== module || !p.args.includes(arg)) continue;
    const idx = p.line - 1;
    const cur = l[idx]!;
    const hash = cur.indexOf('#');
    const body = hash >= 0 ? cur.slice(0, hash) : cur;
    const rest = hash >= 0 ? cur.slice(hash) : '';
    const re = new RegExp(`[ \\t]+${arg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[ \\t]|$)`, 'g');
    l[idx] = body.replace(re, '') + rest;
  }
  return l.join('\n');
}

/** Checks a PAM file's syntax the way the planner needs it: every non-comment line is a module line. */
export function pamSyntaxProblems(text: string): string[] {
  const out: string[] = [];
  const types = new Set(['auth', 'account', 'password', 'session']);
  text.split('\n').forEach((raw, i) => {
    const l = raw.replace(/#.*$/, '').trim();
    if (l === '' || raw.trimEnd().endsWith('\\')) return;
    const t = pamTokens(l);
    if (t[0] === '@include') {
      if (!t[1]) out.push(`line ${i + 1}: @include without a file`);
      return;
    }
    const type = (t[0] ?? '').replace(/^-/, '').toLowerCase();
    if (!types.has(type) || t.length < 3) out.push(`line ${i + 1}: not a PAM module line: ${l.slice(0, 80)}`);
  });
  return out;
}

/** Sets a Defaults entry in a sudoers drop-in (created when null): `Defaults key` or `Defaults key=value`. */
export function sudoersDefaultSet(
  text: string | null,
  key: string,
  value: string | null,
  tag: string,
): string {
  const base = text ?? '# sudo settings written by bulwark; checked with visudo -c.\n';
  const l = lines(ensureNewline(base));
  const line = value === null ? `Defaults ${key}` : `Defaults ${key}=${value}`;
  const re = new RegExp(`^\\s*Defaults\\s+!?${key}(\\s|=|$)`);
  const hit = l.findIndex((x) => re.test(x));
  if (hit >= 0) l[hit] = line;
  else l.splice(l.length - 1, 0, `# ${tag}`, line);
  return ensureNewline(l.join('\n'));
}

/** The mode a file gets: its current bits within the allowed maximum (0644 ≤ 0600 → 0600; 0755 ≤ 0700 → 0700). */
export function clampMode(mode: number, max: number): number {
  return (mode & 0o7777 & max) | 0;
}
