/**
 * sshd_config: tokenising (OpenSSH quoting rules), and the effective configuration as `sshd -T`
 * would print it, computed offline. Include expansion needs file access, so it is done by the
 * collector through `expandSshdConfig` with a reader callback; everything here is pure.
 *
 * OpenSSH semantics modelled:
 * - keywords are case-insensitive; keyword and arguments are separated by whitespace or one `=`;
 * - arguments may be double-quoted; `#` at the start of a token begins a comment;
 * - for most keywords the FIRST value obtained wins; a few accumulate (CUMULATIVE);
 * - `Include` is processed in place (globs sorted, relative paths under /etc/ssh), and a `Match`
 *   inside an included file ends with that file;
 * - `Match` blocks last until the next `Match` or the end of the (top-level or included) file.
 */

export interface SshdDirective {
  /** Lower-case keyword (aliases mapped to the canonical name). */
  key: string;
  /** Arguments, unquoted. */
  args: string[];
  line: number;
}

export interface SshdLex {
  directives: SshdDirective[];
  /** Lines that could not be tokenised (unbalanced quotes). */
  problems: { line: number; message: string }[];
}

/** Keyword aliases, to the name `sshd -T` prints. */
const ALIASES: Record<string, string> = {
  challengeresponseauthentication: 'kbdinteractiveauthentication',
  skeyauthentication: 'kbdinteractiveauthentication',
  dsaauthentication: 'pubkeyauthentication',
  hostdsakey: 'hostkey',
  pubkeyacceptedkeytypes: 'pubkeyacceptedalgorithms',
  hostbasedacceptedkeytypes: 'hostbasedacceptedalgorithms',
};

/** Keywords whose every occurrence adds to the value rather than the first one winning. */
export const CUMULATIVE = new Set([
  'acceptenv',
  'allowusers',
  'denyusers',
  'allowgroups',
  'denygroups',
  'hostkey',
  'hostcertificate',
  'listenaddress',
  'port',
  'subsystem',
]);

/** Keywords whose values are case-insensitive words; their values are lower-cased. */
const LOWER_VALUES = new Set([
  'permitrootlogin',
  'permitemptypasswords',
  'hostbasedauthentication',
  'ignorerhosts',
  'ignoreuserknownhosts',
  'permituserenvironment',
  'x11forwarding',
  'x11uselocalhost',
  'allowtcpforwarding',
  'allowagentforwarding',
  'allowstreamlocalforwarding',
  'usepam',
  'gssapiauthentication',
  'gssapicleanupcredentials',
  'kerberosauthentication',
  'kerberosorlocalpasswd',
  'kerberosticketcleanup',
  'permittunnel',
  'disableforwarding',
  'passwordauthentication',
  'pubkeyauthentication',
  'kbdinteractiveauthentication',
  'strictmodes',
  'printmotd',
  'printlastlog',
  'compression',
  'usedns',
  'gatewayports',
  'tcpkeepalive',
  'permittty',
  'permituserrc',
  'exposeauthinfo',
  'addressfamily',
  'fingerprinthash',
  'syslogfacility',
]);

const TIME_VALUES = new Set(['logingracetime', 'clientaliveinterval']);
const INT_VALUES = new Set(['maxauthtries', 'maxsessions', 'clientalivecountmax', 'x11displayoffset']);
const LIST_VALUES = new Set([
  'ciphers',
  'macs',
  'kexalgorithms',
  'hostkeyalgorithms',
  'pubkeyacceptedalgorithms',
  'hostbasedacceptedalgorithms',
  'casignaturealgorithms',
]);

/** Splits one line into tokens like OpenSSH's argv_split: double quotes group, `#` starts a comment at a token start. */
export function tokenize(line: string): string[] | { error: string } {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) break;
    if (line[i] === '#') break;
    let tok = '';
    if (line[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = line[i]!;
        if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          tok += line[i + 1]!;
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        tok += c;
        i++;
      }
      if (!closed) return { error: 'unterminated quote' };
      out.push(tok);
      continue;
    }
    while (i < n && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (
        c === '\\' &&
        i + 1 < n &&
        (line[i + 1] === '"' || line[i + 1] === '\\' || /\s/.test(line[i + 1]!))
      ) {
        tok += line[i + 1]!;
        i += 2;
        continue;
      }
      tok += c;
      i++;
    }
    out.push(tok);
  }
  return out;
}

/** Tokenises a whole sshd_config file into directives. */
export function lexSshdConfig(text: string): SshdLex {
  const directives: SshdDirective[] = [];
  const problems: { line: number; message: string }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    // `Keyword=value` and `Keyword = value`: the first `=` after the keyword separates.
    const m = /^([A-Za-z][A-Za-z0-9]*)\s*=?\s*(.*)$/.exec(t);
    if (!m) {
      problems.push({ line, message: `not a keyword line: ${t.slice(0, 80)}` });
      return;
    }
    const rest = m[2]!;
    const toks = tokenize(rest);
    if (!Array.isArray(toks)) {
      problems.push({ line, message: `${toks.error}: ${t.slice(0, 80)}` });
      return;
    }
    const lower = m[1]!.toLowerCase();
    directives.push({ key: ALIASES[lower] ?? lower, args: toks, line });
  });
  return { directives, problems };
}

/** One directive with its place, after Include expansion. */
export interface PlacedDirective {
  key: string;
  args: string[];
  path: string;
  line: number;
  /** Match condition text (arguments joined by spaces), null outside Match blocks. */
  match: string | null;
}

export interface ExpandResult {
  directives: PlacedDirective[];
  /** Files read, in order. */
  files: string[];
  problems: string[];
  /** True when something could not be read (the result is partial). */
  incomplete: boolean;
}

export type ReadOutcome = { ok: true; text: string } | { ok: false; absent: boolean; reason: string };

export interface ExpandIo {
  read(path: string): Promise<ReadOutcome>;
  glob(pattern: string): Promise<string[]>;
}

const MAX_INCLUDE_DEPTH = 16;

/** Resolves an Include argument the way sshd does: relative paths are under /etc/ssh. */
export function resolveIncludePath(arg: string, base = '/etc/ssh'): string {
  return arg.startsWith('/') ? arg : `${base.replace(/\/$/, '')}/${arg}`;
}

/** Reads `path` and every Include in place, recording the Match context of each directive. */
export async function expandSshdConfig(path: string, io: ExpandIo): Promise<ExpandResult> {
  const out: ExpandResult = { directives: [], files: [], problems: [], incomplete: false };
  const walk = async (p: string, inherited: string | null, depth: number): Promise<void> => {
    if (depth > MAX_INCLUDE_DEPTH) {
      out.problems.push(`${p}: Include nested deeper than ${MAX_INCLUDE_DEPTH} levels (a loop?)`);
      out.incomplete = true;
      return;
    }
    const r = await io.read(p);
    if (!r.ok) {
      if (!r.absent || depth === 0) {
        out.problems.push(r.reason);
        out.incomplete = true;
      }
      return;
    }
    out.files.push(p);
    const lex = lexSshdConfig(r.text);
    for (const pr of lex.problems) out.problems.push(`${p}:${pr.line}: ${pr.message}`);
    let match = inherited;
    for (const d of lex.directives) {
      if (d.key === 'match') {
        const cond = d.args.join(' ');
        match = cond === '' ? null : cond;
        continue;
      }
      if (d.key === 'include') {
        for (const arg of d.args) {
          const pattern = resolveIncludePath(arg);
          const paths = /[*?[]/.test(pattern) ? await io.glob(pattern) : [pattern];
          for (const inc of paths) await walk(inc, match, depth + 1);
        }
        continue;
      }
      out.directives.push({ key: d.key, args: d.args, path: p, line: d.line, match });
    }
  };
  await walk(path, null, 0);
  return out;
}

export interface SshdRow {
  key: string;
  value: string;
  /** Value split into items (commas for algorithm lists, whitespace otherwise). */
  values: string[];
  /** Numeric value: seconds for time keywords, the integer for count keywords, else null. */
  number: number | null;
  path: string | null;
  line: number | null;
  match: string | null;
  is_default: boolean;
}

/** Parses an sshd time value ("90", "1m30s", "2h") into seconds; undefined when invalid. */
export function parseSshdTime(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t);
  const re = /(\d+)([smhdw])/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  const mult: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * mult[m[2]!]!;
    consumed = re.lastIndex;
  }
  return consumed === t.length && consumed > 0 ? total : undefined;
}

function wildcardMatch(pattern: string, s: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  return re.test(s);
}

/** Applies OpenSSH's `+list` (append), `-list` (remove, wildcards allowed) and `^list` (prepend) to a default list. */
export function resolveAlgorithmList(spec: string, defaults: readonly string[]): string[] {
  const items = (s: string) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  if (spec.startsWith('+'))
    return [...defaults, ...items(spec.slice(1)).filter((x) => !defaults.includes(x))];
  if (spec.startsWith('^')) {
    const add = items(spec.slice(1));
    return [...add, ...defaults.filter((x) => !add.includes(x))];
  }
  if (spec.startsWith('-')) {
    const rm = items(spec.slice(1));
    return defaults.filter((x) => !rm.some((p) => wildcardMatch(p, x)));
  }
  return items(spec);
}

/** Normalised value of a directive as `sshd -T` would show it. */
export function normaliseValue(
  key: string,
  args: readonly string[],
  defaults: Readonly<Record<string, string>>,
): string {
  let v = args.join(' ');
  if (LOWER_VALUES.has(key)) v = v.toLowerCase();
  if (key === 'permitrootlogin' && v === 'without-password') v = 'prohibit-password';
  if (key === 'loglevel') v = v.toUpperCase();
  if (LIST_VALUES.has(key))
    v = resolveAlgorithmList(v, (defaults[key] ?? '').split(',').filter(Boolean)).join(',');
  return v;
}

function rowFor(
  key: string,
  value: string,
  place: { path: string | null; line: number | null; match: string | null },
  isDefault: boolean,
): SshdRow {
  let number: number | null = null;
  if (TIME_VALUES.has(key)) number = parseSshdTime(value) ?? null;
  else if (INT_VALUES.has(key) && /^\d+$/.test(value.trim())) number = Number(value.trim());
  const values = LIST_VALUES.has(key) ? value.split(',').filter(Boolean) : value.split(/\s+/).filter(Boolean);
  return {
    key,
    value,
    values,
    number,
    path: place.path,
    line: place.line,
    match: place.match,
    is_default: isDefault,
  };
}

/**
 * The effective configuration: for global directives the first value of each keyword (all values
 * for cumulative keywords), for each Match block its own first values; then a default row for every
 * keyword in `defaults` that is not set globally.
 */
export function effectiveSshdConfig(
  directives: readonly PlacedDirective[],
  defaults: Readonly<Record<string, string>>,
): SshdRow[] {
  const rows: SshdRow[] = [];
  const seen = new Set<string>();
  for (const d of directives) {
    const scope = `${d.match ?? ''}\u0000${d.key}`;
    if (!CUMULATIVE.has(d.key)) {
      if (seen.has(scope)) continue;
      seen.add(scope);
    }
    rows.push(rowFor(d.key, normaliseValue(d.key, d.args, defaults), d, false));
  }
  const globalKeys = new Set(rows.filter((r) => r.match === null).map((r) => r.key));
  for (const [key, value] of Object.entries(defaults)) {
    if (globalKeys.has(key)) continue;
    const place = { path: null, line: null, match: null };
    if (CUMULATIVE.has(key))
      for (const v of value.split('\n').filter(Boolean)) rows.push(rowFor(key, v, place, true));
    else rows.push(rowFor(key, value, place, true));
  }
  return rows;
}

/**
 * OpenSSH server defaults (upstream 8.7–9.x, as in RHEL 9 and Debian 12) for the keywords the
 * rules read. Distribution sshd_config files override several of them (Debian sets UsePAM yes,
 * X11Forwarding yes; RHEL includes its crypto policy) — those come from the files themselves.
 * Cumulative keywords with several default values use one line per value.
 */
export const SSHD_DEFAULTS: Readonly<Record<string, string>> = {
  port: '22',
  addressfamily: 'any',
  listenaddress: '0.0.0.0\n::',
  hostkey: '/etc/ssh/ssh_host_rsa_key\n/etc/ssh/ssh_host_ecdsa_key\n/etc/ssh/ssh_host_ed25519_key',
  permitrootlogin: 'prohibit-password',
  permitemptypasswords: 'no',
  passwordauthentication: 'yes',
  pubkeyauthentication: 'yes',
  kbdinteractiveauthentication: 'yes',
  hostbasedauthentication: 'no',
  ignorerhosts: 'yes',
  ignoreuserknownhosts: 'no',
  permituserenvironment: 'no',
  x11forwarding: 'no',
  x11uselocalhost: 'yes',
  allowtcpforwarding: 'yes',
  allowagentforwarding: 'yes',
  allowstreamlocalforwarding: 'yes',
  gatewayports: 'no',
  disableforwarding: 'no',
  permittunnel: 'no',
  maxauthtries: '6',
  maxsessions: '10',
  maxstartups: '10:30:100',
  logingracetime: '120',
  clientaliveinterval: '0',
  clientalivecountmax: '3',
  loglevel: 'INFO',
  syslogfacility: 'auth',
  usepam: 'no',
  banner: 'none',
  gssapiauthentication: 'no',
  kerberosauthentication: 'no',
  strictmodes: 'yes',
  printlastlog: 'yes',
  usedns: 'no',
  compression: 'yes',
  ciphers:
    'chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com',
  macs: 'umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1',
  kexalgorithms:
    'sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256',
};
