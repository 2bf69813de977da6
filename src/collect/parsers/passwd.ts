/** /etc/passwd: name:password:uid:gid:gecos:home:shell. Pure. */

export interface PasswdEntry {
  name: string;
  /** The password field (normally `x`); never a hash on a sane system, still never logged. */
  passwordField: string;
  uid: number | null;
  gid: number | null;
  gecos: string;
  home: string;
  shell: string;
  /** 1-based line number. */
  line: number;
  /** NIS compatibility line (`+`, `+name`, `-name`, `+@netgroup`). */
  legacy: boolean;
  /** Fewer or more than seven fields, or a non-numeric uid/gid. */
  malformed: boolean;
}

function intField(s: string | undefined): number | null {
  if (s === undefined || !/^\d+$/.test(s.trim())) return null;
  const n = Number(s.trim());
  return Number.isSafeInteger(n) ? n : null;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const f = line.split(':');
    const legacy = line.startsWith('+') || line.startsWith('-');
    const uid = intField(f[2]);
    const gid = intField(f[3]);
    out.push({
      name: f[0] ?? '',
      passwordField: f[1] ?? '',
      uid,
      gid,
      gecos: f[4] ?? '',
      home: f[5] ?? '',
      shell: f[6] ?? '',
      line: i + 1,
      legacy,
      malformed: !legacy && (f.length !== 7 || uid === null || gid === null),
    });
  });
  return out;
}
