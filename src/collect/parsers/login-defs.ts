/** /etc/login.defs: `KEY value` lines; shadow-utils lets a later line override an earlier one. Pure. */

export interface LoginDef {
  key: string;
  value: string;
  line: number;
  /** The occurrence that shadow-utils uses (the last one for its key). */
  effective: boolean;
}

export function parseLoginDefs(text: string): LoginDef[] {
  const out: LoginDef[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Za-z0-9_]+)(?:\s+(.*))?$/.exec(line);
    if (!m) return;
    let v = (m[2] ?? '').trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    out.push({ key: m[1]!, value: v, line: i + 1, effective: false });
  });
  const last = new Map<string, LoginDef>();
  for (const d of out) last.set(d.key, d);
  for (const d of last.values()) d.effective = true;
  return out;
}
