/**
 * Generic key/value and INI parsers for simple configuration files (auditd.conf, journald.conf,
 * systemd drop-ins, …). Pure functions of text; line numbers are 1-based.
 */

export interface KvEntry {
  /** INI section (without brackets), or null for key/value files and lines before any section. */
  section: string | null;
  key: string;
  value: string;
  line: number;
}

export interface KvParse {
  entries: KvEntry[];
  /** Lines that are neither blank, comment, section header nor key/value (line number and text). */
  junk: { line: number; text: string }[];
}

export interface KvOptions {
  /** Characters that start a comment line (after leading whitespace). Default `#` and `;`. */
  commentChars?: string;
  /** Lower-case the keys (auditd.conf is case-insensitive). Default false. */
  lowerKeys?: boolean;
  /** Recognise `[section]` headers (INI / systemd). Default false. */
  sections?: boolean;
  /** Strip one pair of surrounding double or single quotes from values. Default false. */
  unquote?: boolean;
  /** Join lines ending in a backslash with the next (systemd syntax). Default false. */
  continuation?: boolean;
  /** Also accept `key value` (whitespace separator) when there is no `=`. Default false. */
  spaceSeparator?: boolean;
}

/** Splits text into lines, tolerating CRLF and a UTF-8 byte-order mark. */
export function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

export function parseKeyValue(text: string, opts: KvOptions = {}): KvParse {
  const comments = opts.commentChars ?? '#;';
  const entries: KvEntry[] = [];
  const junk: { line: number; text: string }[] = [];
  const lines = splitLines(text);
  let section: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw = lines[i]!;
    const trimmedStart = raw.trimStart();
    if (trimmedStart === '' || comments.includes(trimmedStart[0]!)) continue;
    if (opts.continuation) {
      while (raw.trimEnd().endsWith('\\') && i + 1 < lines.length) {
        raw = raw.trimEnd().slice(0, -1) + ' ' + lines[++i]!.trim();
      }
    }
    const t = raw.trim();
    if (opts.sections && t.startsWith('[')) {
      const m = /^\[([^\]]*)\]$/.exec(t);
      if (m) {
        section = m[1]!.trim();
        continue;
      }
      junk.push({ line: lineNo, text: raw });
      continue;
    }
    let key: string;
    let value: string;
    const eq = t.indexOf('=');
    if (eq > 0) {
      key = t.slice(0, eq).trim();
      value = t.slice(eq + 1).trim();
    } else if (opts.spaceSeparator && /^\S+\s+\S/.test(t)) {
      const m = /^(\S+)\s+(.*)$/.exec(t)!;
      key = m[1]!;
      value = m[2]!.trim();
    } else {
      junk.push({ line: lineNo, text: raw });
      continue;
    }
    if (key === '' || /\s/.test(key)) {
      junk.push({ line: lineNo, text: raw });
      continue;
    }
    if (
      opts.unquote &&
      value.length >= 2 &&
      ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
    )
      value = value.slice(1, -1);
    entries.push({ section, key: opts.lowerKeys ? key.toLowerCase() : key, value, line: lineNo });
  }
  return { entries, junk };
}

/** Last value of each key wins (systemd, auditd); returns entries in first-seen key order. */
export function lastWins<T extends { key: string }>(entries: readonly T[]): T[] {
  const m = new Map<string, T>();
  for (const e of entries) {
    m.delete(e.key);
    m.set(e.key, e);
  }
  return [...m.values()];
}
