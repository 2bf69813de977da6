/**
 * /etc/shadow: user:password:lastchg:min:max:warn:inactive:expire:reserved. Pure.
 * The password field is classified here and then dropped by the collector: a hash never
 * leaves this module except as the opaque `hash` handed to the credential check.
 */

export type PasswordStatus = 'hash' | 'empty' | 'locked' | 'no_password';
export type HashAlg =
  'yescrypt' | 'gost-yescrypt' | 'scrypt' | 'sha512' | 'sha256' | 'md5' | 'bcrypt' | 'des' | 'other';

export interface ShadowEntry {
  user: string;
  status: PasswordStatus;
  alg: HashAlg | null;
  /** The crypt string (without a leading `!`) for status hash/locked; for in-memory verification only. */
  hash: string | null;
  lastChange: number | null;
  min: number | null;
  max: number | null;
  warn: number | null;
  inactive: number | null;
  expire: number | null;
  line: number;
  legacy: boolean;
  malformed: boolean;
}

export function hashAlgorithm(h: string): HashAlg | null {
  if (/^\$y\$/.test(h)) return 'yescrypt';
  if (/^\$gy\$/.test(h)) return 'gost-yescrypt';
  if (/^\$7\$/.test(h)) return 'scrypt';
  if (/^\$6\$/.test(h)) return 'sha512';
  if (/^\$5\$/.test(h)) return 'sha256';
  if (/^\$1\$/.test(h)) return 'md5';
  if (/^\$2[abxy]?\$/.test(h)) return 'bcrypt';
  if (/^[./0-9A-Za-z]{13}$/.test(h)) return 'des';
  if (/^\$[^$]+\$/.test(h) || /^_[./0-9A-Za-z]{19}$/.test(h)) return 'other';
  return null;
}

export function classifyPassword(field: string): {
  status: PasswordStatus;
  alg: HashAlg | null;
  hash: string | null;
} {
  if (field === '') return { status: 'empty', alg: null, hash: null };
  if (field.startsWith('!')) {
    const rest = field.replace(/^!+/, '');
    const alg = hashAlgorithm(rest);
    return alg ? { status: 'locked', alg, hash: rest } : { status: 'no_password', alg: null, hash: null };
  }
  const alg = hashAlgorithm(field);
  return alg ? { status: 'hash', alg, hash: field } : { status: 'no_password', alg: null, hash: null };
}

function intField(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = s.trim();
  if (!/^-?\d+$/.test(t)) return null;
  const n = Number(t);
  // shadow uses -1 / empty for "not set".
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

export function parseShadow(text: string): ShadowEntry[] {
  const out: ShadowEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const f = line.split(':');
    const legacy = line.startsWith('+') || line.startsWith('-');
    const c = classifyPassword(f[1] ?? '');
    out.push({
      user: f[0] ?? '',
      ...c,
      alg: c.alg,
      lastChange: intField(f[2]),
      min: intField(f[3]),
      max: intField(f[4]),
      warn: intField(f[5]),
      inactive: intField(f[6]),
      expire: intField(f[7]),
      line: i + 1,
      legacy,
      malformed: !legacy && f.length !== 9,
    });
  });
  return out;
}
