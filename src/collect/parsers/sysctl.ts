/**
 * sysctl.d parsing with systemd-sysctl semantics (sysctl.d(5)):
 * - `key = value` lines; `#` and `;` start comments; blank lines ignored;
 * - a leading `-` on the key means "ignore errors when writing", not part of the key;
 * - keys may use `/` or `.` as separator. When the first separator is `/`, `/` and `.` swap
 *   (net/ipv4/conf/eth0.100/forwarding is net.ipv4.conf.eth0/100.forwarding);
 * - globs in keys (systemd 250+) are kept as written;
 * - files from several directories are merged by file name (an earlier directory masks the same
 *   name later), applied in file-name order, /etc/sysctl.conf last; later assignments win.
 */

export interface SysctlAssignment {
  key: string;
  value: string;
  line: number;
  /** The key started with `-` (errors writing it are ignored). */
  ignoreErrors: boolean;
}

export interface SysctlParse {
  assignments: SysctlAssignment[];
  /** Lines that are neither comments nor assignments: 1-based numbers. */
  invalid: number[];
}

/** Normalises a sysctl key to dotted form, as systemd-sysctl does. */
export function normaliseSysctlKey(raw: string): string {
  const key = raw.trim();
  const slash = key.indexOf('/');
  const dot = key.indexOf('.');
  if (slash >= 0 && (dot < 0 || slash < dot)) {
    return key.replace(/[./]/g, (c) => (c === '/' ? '.' : '/')).replace(/^\.+/, '');
  }
  return key;
}

/** Collapses runs of whitespace to one space (multi-value keys such as net.ipv4.ip_local_port_range). */
export function normaliseSysctlValue(raw: string): string {
  return raw.trim().replace(/\s+/g, ' ');
}

export function parseSysctl(text: string): SysctlParse {
  const assignments: SysctlAssignment[] = [];
  const invalid: number[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, i) => {
    const line = rawLine.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    if (eq < 0) {
      invalid.push(i + 1);
      return;
    }
    let key = line.slice(0, eq).trim();
    let ignoreErrors = false;
    if (key.startsWith('-')) {
      ignoreErrors = true;
      key = key.slice(1).trim();
    }
    if (key === '') {
      invalid.push(i + 1);
      return;
    }
    assignments.push({
      key: normaliseSysctlKey(key),
      value: normaliseSysctlValue(line.slice(eq + 1)),
      line: i + 1,
      ignoreErrors,
    });
  });
  return { assignments, invalid };
}

export interface SysctlSource {
  path: string;
  text: string;
}

export interface EffectiveSysctl {
  key: string;
  value: string;
  path: string;
  line: number;
}

export { orderConfFiles } from './dropins.js';

/** Applies sources in order; later assignments of a key win. Result is sorted by key. */
export function effectiveSysctl(sources: readonly SysctlSource[]): EffectiveSysctl[] {
  const out = new Map<string, EffectiveSysctl>();
  for (const s of sources)
    for (const a of parseSysctl(s.text).assignments) {
      out.delete(a.key);
      out.set(a.key, { key: a.key, value: a.value, path: s.path, line: a.line });
    }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
