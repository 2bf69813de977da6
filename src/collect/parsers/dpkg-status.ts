/**
 * dpkg's status database (/var/lib/dpkg/status): RFC 822-style stanzas separated by blank lines,
 * `Field: value` lines, continuation lines starting with a space or tab. Pure.
 */

export interface DpkgPackage {
  name: string;
  version: string;
  arch: string;
  /** The three Status words: want, error flag, state (`install ok installed`). */
  want: string;
  flag: string;
  state: string;
  /** 1-based line of the stanza's first line. */
  line: number;
}

export interface DpkgParse {
  packages: DpkgPackage[];
  /** Stanzas that could not be understood (no Package field), with their line. */
  problems: string[];
}

/** Splits the file into stanzas of fields; field names are case-insensitive (kept lower-case). */
export function parseStanzas(text: string): { line: number; fields: Map<string, string> }[] {
  const out: { line: number; fields: Map<string, string> }[] = [];
  let cur: { line: number; fields: Map<string, string> } | undefined;
  let last: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') {
      cur = undefined;
      last = undefined;
      return;
    }
    if (/^[ \t]/.test(raw)) {
      // Continuation of the previous field (Description, Conffiles, …).
      if (cur && last !== undefined) cur.fields.set(last, `${cur.fields.get(last) ?? ''}\n${raw.trim()}`);
      return;
    }
    if (raw.startsWith('#')) return;
    const colon = raw.indexOf(':');
    if (colon <= 0) return;
    if (!cur) {
      cur = { line: i + 1, fields: new Map() };
      out.push(cur);
    }
    last = raw.slice(0, colon).trim().toLowerCase();
    // A duplicated field keeps its first value, as dpkg refuses duplicates rather than merging them.
    if (!cur.fields.has(last)) cur.fields.set(last, raw.slice(colon + 1).trim());
  });
  return out;
}

export function parseDpkgStatus(text: string): DpkgParse {
  const packages: DpkgPackage[] = [];
  const problems: string[] = [];
  for (const st of parseStanzas(text)) {
    const name = st.fields.get('package');
    if (!name) {
      problems.push(`stanza at line ${st.line} has no Package field`);
      continue;
    }
    const words = (st.fields.get('status') ?? '').split(/\s+/).filter(Boolean);
    packages.push({
      name,
      version: st.fields.get('version') ?? '',
      arch: st.fields.get('architecture') ?? '',
      want: words[0] ?? '',
      flag: words[1] ?? '',
      state: words[2] ?? '',
      line: st.line,
    });
  }
  return { packages, problems };
}
