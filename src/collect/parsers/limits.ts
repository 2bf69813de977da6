/**
 * pam_limits configuration (limits.conf(5)): `<domain> <type> <item> <value>` lines, and systemd
 * INI-style configuration files such as coredump.conf (section, key, value).
 */

export interface LimitEntry {
  domain: string;
  type: string;
  item: string;
  value: string;
  line: number;
}

export function parseLimits(text: string): { entries: LimitEntry[]; invalid: number[] } {
  const entries: LimitEntry[] = [];
  const invalid: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const f = line.split(/\s+/);
    if (f.length < 4) {
      invalid.push(i + 1);
      return;
    }
    entries.push({
      domain: f[0]!,
      type: f[1]!.toLowerCase(),
      item: f[2]!.toLowerCase(),
      value: f[3]!.toLowerCase(),
      line: i + 1,
    });
  });
  return { entries, invalid };
}

export interface IniAssignment {
  section: string;
  key: string;
  value: string;
  line: number;
}

/** systemd unit-style configuration: `[Section]`, `Key=value`, `#`/`;` comments, trailing `\` continues. */
export function parseSystemdIni(text: string): IniAssignment[] {
  const out: IniAssignment[] = [];
  let section = '';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i]!.trim();
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!.trim();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    out.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), line: start });
  }
  return out;
}
