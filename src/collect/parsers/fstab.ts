/**
 * fstab(5) and /proc/self/mounts parsing, and systemd .mount units (systemd.mount(5)).
 * Fields are separated by blanks; octal escapes (\040 for a space) are decoded; missing dump and
 * pass fields default to 0.
 */

export interface MountEntry {
  device: string;
  mountpoint: string;
  fstype: string;
  options: string[];
  dump: number;
  pass: number;
  line: number;
}

/** Decodes the octal escapes fstab and /proc/mounts use for blanks and backslashes. */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Normalises a mount point: no trailing slash except for `/`. */
export function normaliseMountpoint(p: string): string {
  if (p === '/' || !p.startsWith('/')) return p;
  return p.replace(/\/+$/, '') || '/';
}

export function splitOptions(s: string | undefined): string[] {
  if (!s) return [];
  return s
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
}

export function parseFstab(text: string): { entries: MountEntry[]; invalid: number[] } {
  const entries: MountEntry[] = [];
  const invalid: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const f = line.split(/\s+/);
    if (f.length < 3) {
      invalid.push(i + 1);
      return;
    }
    const num = (s: string | undefined) => {
      const n = Number(s ?? '0');
      return Number.isInteger(n) ? n : 0;
    };
    entries.push({
      device: unescapeMountField(f[0]!),
      mountpoint: normaliseMountpoint(unescapeMountField(f[1]!)),
      fstype: f[2]!,
      options: splitOptions(f[3] ?? 'defaults'),
      dump: num(f[4]),
      pass: num(f[5]),
      line: i + 1,
    });
  });
  return { entries, invalid };
}

/** /proc/self/mounts has the fstab layout. */
export const parseProcMounts = parseFstab;

export interface MountUnit {
  what: string | null;
  where: string | null;
  type: string | null;
  options: string[];
  /** Line of the Where= (or What=) assignment. */
  line: number;
}

/** Parses the [Mount] section of a systemd .mount unit (later assignments win; empty resets Options). */
export function parseMountUnit(text: string): MountUnit {
  const out: MountUnit = { what: null, where: null, type: null, options: [], line: 1 };
  let section = '';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    const start = i + 1;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    if (section !== 'Mount') continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'What') {
      out.what = value;
      if (out.where === null) out.line = start;
    } else if (key === 'Where') {
      out.where = normaliseMountpoint(value);
      out.line = start;
    } else if (key === 'Type') out.type = value;
    else if (key === 'Options') out.options = splitOptions(value);
  }
  return out;
}

/** systemd unit name for a mount point: /var/log → var-log.mount (systemd-escape --path --suffix=mount). */
export function mountUnitName(mountpoint: string): string {
  const p = mountpoint.replace(/^\/+|\/+$/g, '');
  if (p === '') return '-.mount';
  const esc = p
    .split('/')
    .filter(Boolean)
    .map((c) =>
      c.replace(/[^A-Za-z0-9:_./]|^\./g, (ch) => '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0')),
    )
    .join('-');
  return esc + '.mount';
}
