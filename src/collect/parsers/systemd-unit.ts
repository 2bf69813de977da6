/**
 * systemd unit files (systemd.syntax(7)): `[Section]` headers, `Key=Value` lines, comments with
 * `#` or `;`, a trailing backslash continues the line (joined with a space; comment lines inside a
 * continuation are skipped). Keys may repeat; for list settings an empty assignment resets the list.
 * Pure.
 */

export interface UnitEntry {
  section: string;
  key: string;
  value: string;
  /** 1-based line where the entry starts. */
  line: number;
}

export function parseUnitFile(text: string): UnitEntry[] {
  const out: UnitEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    if (trimmed.startsWith('[')) {
      const end = trimmed.indexOf(']');
      section = end > 0 ? trimmed.slice(1, end).trim() : trimmed.slice(1).trim();
      continue;
    }
    while (raw.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      raw = raw.trimEnd().slice(0, -1).trimEnd() + ' ';
      i++;
      const next = lines[i]!;
      const t = next.trim();
      if (t.startsWith('#') || t.startsWith(';')) {
        raw += '\\'; // keep continuing past the comment line
        continue;
      }
      raw += next.trimStart();
    }
    if (raw.trimEnd().endsWith('\\')) raw = raw.trimEnd().slice(0, -1);
    const eq = raw.indexOf('=');
    if (eq <= 0) continue;
    out.push({ section, key: raw.slice(0, eq).trim(), value: raw.slice(eq + 1).trim(), line: start + 1 });
  }
  return out;
}

/** Every value of a space-separated list setting (WantedBy=, Alias=, …), honouring empty-assignment resets. */
export function listValues(entries: readonly UnitEntry[], section: string, key: string): string[] {
  let out: string[] = [];
  for (const e of entries) {
    if (e.section !== section || e.key !== key) continue;
    if (e.value === '') out = [];
    else out.push(...e.value.split(/\s+/).filter(Boolean));
  }
  return out;
}

/** The last value of a single-valued setting, or undefined. */
export function lastValue(entries: readonly UnitEntry[], section: string, key: string): string | undefined {
  let v: string | undefined;
  for (const e of entries) if (e.section === section && e.key === key) v = e.value;
  return v;
}

export function hasSection(entries: readonly UnitEntry[], section: string): boolean {
  return entries.some((e) => e.section === section);
}
