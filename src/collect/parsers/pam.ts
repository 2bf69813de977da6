/**
 * PAM: /etc/pam.d/<service> lines (`type control module args…`, `@include name`, bracketed
 * controls and arguments, backslash continuations) and the key=value settings files of
 * pam_pwquality, pam_faillock and pam_pwhistory. Pure; include resolution is the collector's job.
 */

export interface PamLine {
  line: number;
  /** auth | account | password | session, or 'include' for an `@include` directive. */
  type: string;
  /** The line started with `-`: a missing module is silently skipped. */
  optional: boolean;
  /** required | requisite | sufficient | optional | include | substack | [value=action …]. */
  control: string;
  /** Module file name (basename, e.g. `pam_unix.so`), or the included service for include/substack. */
  module: string;
  args: string[];
}

/** Splits on whitespace, keeping `[ … ]` groups together (with `\]` escapes) and dropping the brackets' outer spaces. */
export function pamTokens(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let tok = '';
    if (s[i] === '[') {
      let j = i + 1;
      while (j < s.length && s[j] !== ']') {
        if (s[j] === '\\' && s[j + 1] === ']') j++;
        j++;
      }
      tok = s.slice(i, Math.min(j + 1, s.length)).replace(/\\]/g, ']');
      i = j + 1;
      // A bracketed argument like `[name=a b]` stands alone; anything glued after it joins it.
      while (i < s.length && !/\s/.test(s[i]!)) tok += s.charAt(i++);
    } else {
      while (i < s.length && !/\s/.test(s[i]!)) {
        if (s[i] === '[') {
          const j = s.indexOf(']', i);
          const end = j < 0 ? s.length : j + 1;
          tok += s.slice(i, end);
          i = end;
        } else tok += s.charAt(i++);
      }
    }
    out.push(tok);
  }
  return out;
}

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);

export function parsePam(text: string): PamLine[] {
  const out: PamLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let l = lines[i]!.replace(/\r$/, '');
    while (l.endsWith('\\') && i + 1 < lines.length)
      l = l.slice(0, -1) + ' ' + lines[++i]!.replace(/\r$/, '');
    const hash = l.indexOf('#');
    if (hash >= 0) l = l.slice(0, hash);
    l = l.trim();
    if (l === '') continue;
    const t = pamTokens(l);
    if (t[0] === '@include') {
      if (t[1])
        out.push({
          line: start + 1,
          type: 'include',
          optional: false,
          control: 'include',
          module: t[1],
          args: [],
        });
      continue;
    }
    if (t.length < 3) continue;
    let type = t[0]!.toLowerCase();
    const optional = type.startsWith('-');
    if (optional) type = type.slice(1);
    const control = t[1]!.startsWith('[') ? t[1]! : t[1]!.toLowerCase();
    const module = control === 'include' || control === 'substack' ? t[2]! : basename(t[2]!);
    out.push({ line: start + 1, type, optional, control, module, args: t.slice(3) });
  }
  return out;
}

export interface Setting {
  key: string;
  value: string;
  line: number;
}

/** `key = value` files (pwquality.conf, faillock.conf, pwhistory.conf); a bare key is a flag with value "". */
export function parseKeyValueConf(text: string): Setting[] {
  const out: Setting[] = [];
  text.split('\n').forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const l = (hash >= 0 ? raw.slice(0, hash) : raw).replace(/\r$/, '').trim();
    if (l === '') return;
    const eq = l.indexOf('=');
    if (eq < 0) out.push({ key: l.toLowerCase(), value: '', line: i + 1 });
    else out.push({ key: l.slice(0, eq).trim().toLowerCase(), value: l.slice(eq + 1).trim(), line: i + 1 });
  });
  return out;
}

/** Module arguments as settings: `minlen=14` → {minlen, "14"}, `enforce_for_root` → {enforce_for_root, ""}. */
export function argSettings(args: readonly string[]): { key: string; value: string }[] {
  return args.map((a) => {
    const eq = a.indexOf('=');
    return eq < 0
      ? { key: a.toLowerCase(), value: '' }
      : { key: a.slice(0, eq).toLowerCase(), value: a.slice(eq + 1) };
  });
}
