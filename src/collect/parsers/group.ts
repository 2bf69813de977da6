/** /etc/group (name:password:gid:members) and /etc/gshadow (name:password:admins:members). Pure. */

export interface GroupEntry {
  name: string;
  gid: number | null;
  members: string[];
  line: number;
  legacy: boolean;
  malformed: boolean;
}

const list = (s: string | undefined): string[] =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const f = line.split(':');
    const legacy = line.startsWith('+') || line.startsWith('-');
    const g = f[2]?.trim() ?? '';
    const gid = /^\d+$/.test(g) && Number.isSafeInteger(Number(g)) ? Number(g) : null;
    out.push({
      name: f[0] ?? '',
      gid,
      members: list(f[3]),
      line: i + 1,
      legacy,
      malformed: !legacy && (f.length !== 4 || gid === null),
    });
  });
  return out;
}

export interface GshadowEntry {
  name: string;
  admins: string[];
  members: string[];
  line: number;
}

/** gshadow: the password field is deliberately dropped. */
export function parseGshadow(text: string): GshadowEntry[] {
  const out: GshadowEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const f = line.split(':');
    out.push({ name: f[0] ?? '', admins: list(f[2]), members: list(f[3]), line: i + 1 });
  });
  return out;
}
