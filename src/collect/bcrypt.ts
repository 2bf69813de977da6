/**
 * Offline verification of bcrypt crypt(3) hashes (`$2a$`, `$2b$`, `$2y$`, as written by OpenBSD,
 * libxcrypt, crypt_blowfish and PHP) through bcryptjs, a dependency-free JavaScript bcrypt. The
 * password is hashed as UTF-8, truncated at 72 bytes like every bcrypt. Refused as `unsupported`:
 * `$2x$` (crypt_blowfish's emulation of its old sign-extension bug), `$2$`, malformed settings and
 * costs above {@link MAX_BCRYPT_COST}. Nothing here logs or stores a password or hash.
 */
import { timingSafeEqual } from 'node:crypto';
import { hashSync } from 'bcryptjs';

/**
 * Highest cost (log2 of the rounds) verified. Each step doubles the time: bcryptjs takes ~100 ms of
 * CPU at cost 10 and ~400 ms at cost 12 (libxcrypt: 80 and 270 ms on the same machine), paid for
 * every candidate of the default-password list.
 */
export const MAX_BCRYPT_COST = 14;

const SETTING = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{22}/;

/** The setting (`$2b$10$` + 22 salt characters) when this build verifies `hash`, else undefined. */
function setting(hash: string): string | undefined {
  const m = SETTING.exec(hash);
  if (!m) return undefined;
  const cost = Number(m[1]);
  return cost >= 4 && cost <= MAX_BCRYPT_COST ? m[0] : undefined;
}

/** Can this build verify `hash` ($2a$/$2b$/$2y$ with a cost from 4 to MAX_BCRYPT_COST)? Cheap. */
export function bcryptSupported(hash: string): boolean {
  return setting(hash) !== undefined;
}

/** Does `password` verify against the bcrypt crypt string `hash`? */
export function verifyBcrypt(password: string, hash: string): boolean | 'unsupported' {
  const s = setting(hash);
  if (s === undefined) return 'unsupported';
  let got: string;
  try {
    got = hashSync(password, s);
  } catch {
    return 'unsupported';
  }
  const a = Buffer.from(got);
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}
