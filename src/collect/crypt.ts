/**
 * Offline verification of crypt(3) password hashes with node:crypto: SHA-512-crypt ($6$) and
 * SHA-256-crypt ($5$) after Ulrich Drepper's specification and MD5-crypt ($1$); yescrypt ($y$, and
 * scrypt $7$) in yescrypt.ts and bcrypt ($2a$/$2b$/$2y$) in bcrypt.ts. Other schemes (DES,
 * gost-yescrypt, $2x$, …) answer `unsupported`. Nothing here logs or stores a password or hash.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { bcryptSupported, verifyBcrypt } from './bcrypt.js';
import { verifyYescrypt, yescryptSupported } from './yescrypt.js';

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function b64From24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let s = '';
  for (let i = 0; i < n; i++) {
    s += B64[w & 0x3f]!;
    w >>>= 6;
  }
  return s;
}

/** Repeats `block` to exactly `len` bytes. */
function stretch(block: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let off = 0; off < len; off += block.length)
    block.copy(out, off, 0, Math.min(block.length, len - off));
  return out;
}

/** Refuse hashes whose cost would stall a scan (the default is 5000; distributions rarely exceed 100k). */
export const MAX_SHA_ROUNDS = 1_000_000;

interface ShaParams {
  alg: 'sha256' | 'sha512';
  rounds: number;
  customRounds: boolean;
  salt: Buffer;
}

function parseSha(hash: string): ShaParams | undefined {
  const m = /^\$([56])\$(?:rounds=(\d+)\$)?([^$]{0,16})[^$]*(?:\$[./0-9A-Za-z]*)?$/.exec(hash);
  if (!m) return undefined;
  let rounds = 5000;
  if (m[2] !== undefined) rounds = Math.min(Math.max(Number(m[2]), 1000), 999_999_999);
  return {
    alg: m[1] === '5' ? 'sha256' : 'sha512',
    rounds,
    customRounds: m[2] !== undefined,
    salt: Buffer.from(m[3]!, 'utf8'),
  };
}

/** SHA-crypt of `password` with the parameters of `setting` (`$6$[rounds=N$]salt[$…]`). */
export function shaCrypt(password: string, setting: string): string | undefined {
  const p = parseSha(setting);
  if (!p) return undefined;
  const H = () => createHash(p.alg);
  const L = p.alg === 'sha512' ? 64 : 32;
  const P = Buffer.from(password, 'utf8');
  const S = p.salt;
  const B = H().update(P).update(S).update(P).digest();
  const a = H().update(P).update(S);
  let cnt: number;
  for (cnt = P.length; cnt > L; cnt -= L) a.update(B);
  a.update(B.subarray(0, cnt));
  for (cnt = P.length; cnt > 0; cnt >>= 1) a.update(cnt & 1 ? B : P);
  const A = a.digest();
  const dp = H();
  for (let i = 0; i < P.length; i++) dp.update(P);
  const Pp = stretch(dp.digest(), P.length);
  const ds = H();
  for (let i = 0; i < 16 + A[0]!; i++) ds.update(S);
  const Sp = stretch(ds.digest(), S.length);
  let C = A;
  for (let i = 0; i < p.rounds; i++) {
    const c = H();
    c.update(i & 1 ? Pp : C);
    if (i % 3 !== 0) c.update(Sp);
    if (i % 7 !== 0) c.update(Pp);
    c.update(i & 1 ? C : Pp);
    C = c.digest();
  }
  let enc = '';
  if (p.alg === 'sha512') {
    for (let i = 0; i < 21; i++) {
      const x = i,
        y = i + 21,
        z = i + 42;
      const [b2, b1, b0] = i % 3 === 0 ? [x, y, z] : i % 3 === 1 ? [y, z, x] : [z, x, y];
      enc += b64From24(C[b2]!, C[b1]!, C[b0]!, 4);
    }
    enc += b64From24(0, 0, C[63]!, 2);
  } else {
    for (let i = 0; i < 10; i++) {
      const x = i,
        y = i + 10,
        z = i + 20;
      const [b2, b1, b0] = i % 3 === 0 ? [x, y, z] : i % 3 === 1 ? [z, x, y] : [y, z, x];
      enc += b64From24(C[b2]!, C[b1]!, C[b0]!, 4);
    }
    enc += b64From24(0, C[31]!, C[30]!, 3);
  }
  return `$${p.alg === 'sha512' ? '6' : '5'}$${p.customRounds ? `rounds=${p.rounds}$` : ''}${S.toString('utf8')}$${enc}`;
}

/** MD5-crypt (`$1$salt$…`), as in FreeBSD's and glibc's crypt. */
export function md5Crypt(password: string, setting: string): string | undefined {
  const m = /^\$1\$([^$]{0,8})/.exec(setting);
  if (!m) return undefined;
  const P = Buffer.from(password, 'utf8');
  const S = Buffer.from(m[1]!, 'utf8');
  const magic = Buffer.from('$1$');
  let fin = createHash('md5').update(P).update(S).update(P).digest();
  const ctx = createHash('md5').update(P).update(magic).update(S);
  for (let pl = P.length; pl > 0; pl -= 16) ctx.update(fin.subarray(0, Math.min(pl, 16)));
  for (let i = P.length; i; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : P.subarray(0, 1));
  fin = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const c = createHash('md5');
    c.update(i & 1 ? P : fin);
    if (i % 3) c.update(S);
    if (i % 7) c.update(P);
    c.update(i & 1 ? fin : P);
    fin = c.digest();
  }
  let enc = '';
  for (const [a, b, c] of [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ] as const)
    enc += b64From24(fin[a]!, fin[b]!, fin[c]!, 4);
  enc += b64From24(0, 0, fin[11]!, 2);
  return `$1$${S.toString('utf8')}$${enc}`;
}

export type VerifyResult = 'match' | 'no_match' | 'unsupported';

/** Can this build verify the hash (scheme known and cost within bounds)? */
export function supported(hash: string): boolean {
  if (/^\$1\$/.test(hash)) return true;
  if (/^\$[y7]\$/.test(hash)) return yescryptSupported(hash);
  if (/^\$2[abxy]?\$/.test(hash)) return bcryptSupported(hash);
  const p = /^\$[56]\$/.test(hash) ? parseSha(hash) : undefined;
  return p !== undefined && p.rounds <= MAX_SHA_ROUNDS;
}

/** Does `password` verify against the crypt string `hash`? Constant-time comparison of the results. */
export function verifyPassword(password: string, hash: string): VerifyResult {
  if (!supported(hash)) return 'unsupported';
  if (/^\$([y7]|2[abxy]?)\$/.test(hash)) {
    const v = hash.startsWith('$2') ? verifyBcrypt(password, hash) : verifyYescrypt(password, hash);
    return v === 'unsupported' ? 'unsupported' : v ? 'match' : 'no_match';
  }
  const got = hash.startsWith('$1$') ? md5Crypt(password, hash) : shaCrypt(password, hash);
  if (got === undefined) return 'unsupported';
  const a = Buffer.from(got);
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b) ? 'match' : 'no_match';
}
