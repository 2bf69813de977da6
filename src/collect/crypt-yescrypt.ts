/**
 * yescrypt ($y$), the crypt(3) default of Debian 11+, Ubuntu 22.04+ and Fedora 35+, for offline
 * verification of password hashes. Written from the yescrypt specification (Solar Designer):
 * PBKDF2-SHA256 around scrypt's SMix with the pwxform block mix and S-boxes, YESCRYPT_DEFAULTS
 * flavour only (the only one crypt(3) produces), p = 1..16, no ROM. Memory is N·r·128 bytes,
 * bounded by MAX_MEMORY. Validated against libxcrypt vectors (crypt-yescrypt.test.ts) and against
 * node:crypto's scrypt for the classic path.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const atoi64 = (c: string): number => ITOA64.indexOf(c);

/** Largest V array a verification may allocate (the crypt default j9T needs 16 MiB). */
export const MAX_MEMORY = 64 * 1024 * 1024;

// Flags (yescrypt.h).
const RW = 0x002;
const DEFAULTS = 0x0b6; // RW | ROUNDS_6 | GATHER_4 | SIMPLE_2 | SBOX_12K
const PREHASH = 0x10000000;

// pwxform parameters of YESCRYPT_DEFAULTS.
const PWX_SIMPLE = 2;
const PWX_GATHER = 4;
const PWX_ROUNDS = 6;
const S_WIDTH = 8;
const PWX_WORDS = 16; // PWXbytes / 4
const S_BYTES = 3 * (1 << S_WIDTH) * PWX_SIMPLE * 8; // 12288
const S_WORDS = S_BYTES / 4;
const S_MASK = ((1 << S_WIDTH) - 1) * PWX_SIMPLE * 8; // byte mask, 4080

/** Variable-length little-endian integer of the parameter string. */
function decodeUint32(s: string, pos: number, min: number): { value: number; pos: number } | undefined {
  let c = atoi64(s[pos] ?? '');
  if (c < 0) return undefined;
  pos++;
  let start = 0;
  let end = 47;
  let chars = 1;
  let bits = 0;
  let value = min;
  while (c > end) {
    value += (end + 1 - start) * 2 ** bits;
    start = end + 1;
    end = start + Math.floor((62 - end) / 2);
    chars++;
    bits += 6;
  }
  value += (c - start) * 2 ** bits;
  while (--chars) {
    c = atoi64(s[pos] ?? '');
    if (c < 0) return undefined;
    pos++;
    bits -= 6;
    value += c * 2 ** bits;
  }
  return { value, pos };
}

/** yescrypt's base64: groups of up to 4 characters, little-endian, into up to 3 bytes. */
function decode64(s: string): Buffer | undefined {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    let value = 0;
    let bits = 0;
    while (i < s.length && bits < 24) {
      const c = atoi64(s[i]!);
      if (c < 0) return undefined;
      value += c * 2 ** bits;
      bits += 6;
      i++;
    }
    if (bits < 12) return undefined;
    while (bits >= 8) {
      out.push(value & 0xff);
      value = Math.floor(value / 256);
      bits -= 8;
    }
    if (value !== 0) return undefined;
  }
  return Buffer.from(out);
}

function encode64(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; ) {
    let value = 0;
    let bits = 0;
    do {
      value += b[i++]! * 2 ** bits;
      bits += 8;
    } while (bits < 24 && i < b.length);
    for (let k = 0; k < bits; k += 6) {
      out += ITOA64[value % 64]!;
      value = Math.floor(value / 64);
    }
  }
  return out;
}

// ---------------------------------------------------------------- core (words kept in yescrypt's SIMD-shuffled order)

const SALSA_X = new Uint32Array(16);

function salsa20(B: Uint32Array, off: number, rounds: number): void {
  const x = SALSA_X;
  for (let i = 0; i < 16; i++) x[(i * 5) % 16] = B[off + i]!;
  const R = (a: number, b: number) => (a << b) | (a >>> (32 - b));
  for (let i = 0; i < rounds; i += 2) {
    x[4]! ^= R((x[0]! + x[12]!) | 0, 7); x[8]! ^= R((x[4]! + x[0]!) | 0, 9);
    x[12]! ^= R((x[8]! + x[4]!) | 0, 13); x[0]! ^= R((x[12]! + x[8]!) | 0, 18);
    x[9]! ^= R((x[5]! + x[1]!) | 0, 7); x[13]! ^= R((x[9]! + x[5]!) | 0, 9);
    x[1]! ^= R((x[13]! + x[9]!) | 0, 13); x[5]! ^= R((x[1]! + x[13]!) | 0, 18);
    x[14]! ^= R((x[10]! + x[6]!) | 0, 7); x[2]! ^= R((x[14]! + x[10]!) | 0, 9);
    x[6]! ^= R((x[2]! + x[14]!) | 0, 13); x[10]! ^= R((x[6]! + x[2]!) | 0, 18);
    x[3]! ^= R((x[15]! + x[11]!) | 0, 7); x[7]! ^= R((x[3]! + x[15]!) | 0, 9);
    x[11]! ^= R((x[7]! + x[3]!) | 0, 13); x[15]! ^= R((x[11]! + x[7]!) | 0, 18);
    x[1]! ^= R((x[0]! + x[3]!) | 0, 7); x[2]! ^= R((x[1]! + x[0]!) | 0, 9);
    x[3]! ^= R((x[2]! + x[1]!) | 0, 13); x[0]! ^= R((x[3]! + x[2]!) | 0, 18);
    x[6]! ^= R((x[5]! + x[4]!) | 0, 7); x[7]! ^= R((x[6]! + x[5]!) | 0, 9);
    x[4]! ^= R((x[7]! + x[6]!) | 0, 13); x[5]! ^= R((x[4]! + x[7]!) | 0, 18);
    x[11]! ^= R((x[10]! + x[9]!) | 0, 7); x[8]! ^= R((x[11]! + x[10]!) | 0, 9);
    x[9]! ^= R((x[8]! + x[11]!) | 0, 13); x[10]! ^= R((x[9]! + x[8]!) | 0, 18);
    x[12]! ^= R((x[15]! + x[14]!) | 0, 7); x[13]! ^= R((x[12]! + x[15]!) | 0, 9);
    x[14]! ^= R((x[13]! + x[12]!) | 0, 13); x[15]! ^= R((x[14]! + x[13]!) | 0, 18);
  }
  for (let i = 0; i < 16; i++) B[off + i] = (B[off + i]! + x[(i * 5) % 16]!) >>> 0;
}

function blockmixSalsa8(B: Uint32Array, Y: Uint32Array, r: number): void {
  const X = B.slice((2 * r - 1) * 16, 2 * r * 16);
  for (let i = 0; i < 2 * r; i++) {
    for (let k = 0; k < 16; k++) X[k]! ^= B[i * 16 + k]!;
    salsa20(X, 0, 8);
    Y.set(X, i * 16);
  }
  for (let i = 0; i < r; i++) B.set(Y.subarray(i * 2 * 16, i * 2 * 16 + 16), i * 16);
  for (let i = 0; i < r; i++) B.set(Y.subarray((i * 2 + 1) * 16, (i * 2 + 1) * 16 + 16), (i + r) * 16);
}

interface Pwx {
  S: Uint32Array;
  s0: number; // word offsets into S
  s1: number;
  s2: number;
  w: number;
}

function pwxform(X: Uint32Array, ctx: Pwx): void {
  const S = ctx.S;
  const { s0, s1, s2 } = ctx;
  let w = ctx.w;
  for (let i = 0; i < PWX_ROUNDS; i++) {
    for (let j = 0; j < PWX_GATHER; j++) {
      const base = j * PWX_SIMPLE * 2;
      const p0 = s0 + ((X[base]! & S_MASK) >>> 2);
      const p1 = s1 + ((X[base + 1]! & S_MASK) >>> 2);
      for (let k = 0; k < PWX_SIMPLE; k++) {
        const o = base + k * 2;
        const xl = X[o]!;
        const xh = X[o + 1]!;
        // 64-bit xh * xl exactly: low word by Math.imul, high word from 16-bit limbs.
        const a0 = xh & 0xffff, a1 = xh >>> 16, b0 = xl & 0xffff, b1 = xl >>> 16;
        const p01 = a0 * b1;
        const p10 = a1 * b0;
        const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
        const hi = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
        const lo = (Math.imul(xh, xl) >>> 0) + S[p0 + k * 2]!;
        const carry = lo > 0xffffffff ? 1 : 0;
        X[o] = (lo >>> 0) ^ S[p1 + k * 2]!;
        X[o + 1] = ((hi + S[p0 + k * 2 + 1]! + carry) >>> 0) ^ S[p1 + k * 2 + 1]!;
      }
      if (i !== 0 && i !== PWX_ROUNDS - 1) {
        for (let k = 0; k < PWX_SIMPLE; k++) {
          S[s2 + w * 2] = X[base + k * 2]!;
          S[s2 + w * 2 + 1] = X[base + k * 2 + 1]!;
          w++;
        }
      }
    }
  }
  ctx.s0 = s2;
  ctx.s1 = s0;
  ctx.s2 = s1;
  ctx.w = w & ((1 << S_WIDTH) * PWX_SIMPLE - 1);
}

const PWX_X = new Uint32Array(PWX_WORDS);

function blockmixPwxform(B: Uint32Array, ctx: Pwx, r: number): void {
  const r1 = (128 * r) / (PWX_WORDS * 4);
  const X = PWX_X;
  X.set(B.subarray((r1 - 1) * PWX_WORDS, r1 * PWX_WORDS));
  for (let i = 0; i < r1; i++) {
    if (r1 > 1) for (let k = 0; k < PWX_WORDS; k++) X[k]! ^= B[i * PWX_WORDS + k]!;
    pwxform(X, ctx);
    B.set(X, i * PWX_WORDS);
  }
  let i = Math.floor(((r1 - 1) * PWX_WORDS * 4) / 64);
  salsa20(B, i * 16, 2);
  for (i++; i < 2 * r; i++) {
    for (let k = 0; k < 16; k++) B[i * 16 + k]! ^= B[(i - 1) * 16 + k]!;
    salsa20(B, i * 16, 2);
  }
}

const p2floor = (x: number): number => 2 ** Math.floor(Math.log2(x));

/** Low 32 bits of Integerify (word 0 of the last 64-byte block; N ≤ 2^32). */
const integerify = (X: Uint32Array, r: number): number => X[(2 * r - 1) * 16]!;

function load(B: Buffer, off: number, r: number): Uint32Array {
  const X = new Uint32Array(32 * r);
  for (let k = 0; k < 2 * r; k++) for (let i = 0; i < 16; i++) X[k * 16 + i] = B.readUInt32LE(off + (k * 16 + ((i * 5) % 16)) * 4);
  return X;
}

function store(X: Uint32Array, B: Buffer, off: number, r: number): void {
  for (let k = 0; k < 2 * r; k++) for (let i = 0; i < 16; i++) B.writeUInt32LE(X[k * 16 + i]!, off + (k * 16 + ((i * 5) % 16)) * 4);
}

function smix1(B: Buffer, off: number, r: number, N: number, flags: number, V: Uint32Array, ctx: Pwx | null): void {
  const s = 32 * r;
  const X = load(B, off, r);
  const Y = new Uint32Array(s);
  for (let i = 0; i < N; i++) {
    V.set(X, i * s);
    if (flags & RW && i > 1) {
      const p = p2floor(i);
      const j = (integerify(X, r) & (p - 1)) + i - p;
      for (let k = 0; k < s; k++) X[k]! ^= V[j * s + k]!;
    }
    if (ctx) blockmixPwxform(X, ctx, r);
    else blockmixSalsa8(X, Y, r);
  }
  store(X, B, off, r);
}

function smix2(B: Buffer, off: number, r: number, N: number, Nloop: number, flags: number, V: Uint32Array, ctx: Pwx | null): void {
  if (Nloop === 0) return;
  const s = 32 * r;
  const X = load(B, off, r);
  const Y = new Uint32Array(s);
  for (let i = 0; i < Nloop; i++) {
    const j = integerify(X, r) & (N - 1);
    for (let k = 0; k < s; k++) X[k]! ^= V[j * s + k]!;
    if (flags & RW) V.set(X, j * s);
    if (ctx) blockmixPwxform(X, ctx, r);
    else blockmixSalsa8(X, Y, r);
  }
  store(X, B, off, r);
}

function smix(B: Buffer, r: number, N: number, p: number, flags: number, V: Uint32Array, sha: Buffer): void {
  let Nchunk = Math.floor(N / p);
  let NloopAll = Nchunk;
  if (flags & RW) NloopAll = Math.floor((NloopAll + 2) / 3);
  let NloopRw = flags & RW ? Math.floor(NloopAll / p) : 0;
  Nchunk -= Nchunk % 2;
  NloopAll += NloopAll % 2;
  NloopRw += NloopRw % 2;
  const ctxs: (Pwx | null)[] = [];
  for (let i = 0; i < p; i++) {
    const vchunk = i * Nchunk;
    const Np = i < p - 1 ? Nchunk : N - vchunk;
    const off = 128 * r * i;
    const Vp = V.subarray(vchunk * 32 * r);
    let ctx: Pwx | null = null;
    if (flags & RW) {
      const S = new Uint32Array(S_WORDS);
      smix1(B, off, 1, S_BYTES / 128, 0, S, null);
      ctx = { S, s2: 0, s1: S_WORDS / 3, s0: (S_WORDS / 3) * 2, w: 0 };
      if (i === 0) createHmac('sha256', B.subarray(off + 128 * r - 64, off + 128 * r)).update(sha).digest().copy(sha);
    }
    ctxs.push(ctx);
    smix1(B, off, r, Np, flags, Vp, ctx);
    smix2(B, off, r, p2floor(Np), NloopRw, flags, Vp, ctx);
  }
  if (NloopAll > NloopRw) {
    for (let i = 0; i < p; i++) smix2(B, 128 * r * i, r, N, NloopAll - NloopRw, flags & ~RW, V, ctxs[i] ?? null);
  }
}

function kdfBody(passwd: Buffer, salt: Buffer, flags: number, N: number, r: number, p: number, dkLen: number): Buffer {
  let pw = passwd;
  const sha = Buffer.alloc(32);
  if (flags) {
    createHmac('sha256', flags & PREHASH ? 'yescrypt-prehash' : 'yescrypt').update(passwd).digest().copy(sha);
    pw = sha;
  }
  const B = pbkdf2Sync(pw, salt, 1, 128 * r * p, 'sha256');
  if (flags) B.copy(sha, 0, 0, 32);
  const V = new Uint32Array(N * 32 * r);
  if (p === 1 || flags & RW) smix(B, r, N, p, flags, V, sha);
  else for (let i = 0; i < p; i++) smix(B.subarray(128 * r * i), r, N, 1, flags, V, sha);
  const out = pbkdf2Sync(pw, B, 1, dkLen, 'sha256');
  if (flags && !(flags & PREHASH)) {
    const clientKey = createHmac('sha256', out.subarray(0, 32)).update('Client Key').digest();
    createHash('sha256').update(clientKey).digest().copy(out, 0, 0, Math.min(32, dkLen));
  }
  return out;
}

/** yescrypt KDF (YESCRYPT_DEFAULTS or classic scrypt with flags 0, t = 0, no ROM). */
export function yescryptKdf(passwd: Buffer, salt: Buffer, flags: number, N: number, r: number, p: number, dkLen: number): Buffer {
  if (flags & RW && p >= 1 && N / p >= 0x100 && (N / p) * r >= 0x20000) {
    passwd = kdfBody(passwd, salt, flags | PREHASH, N / 64, r, p, 32);
  }
  return kdfBody(passwd, salt, flags, N, r, p, dkLen);
}

export interface YescryptParams {
  flags: number;
  N: number;
  r: number;
  p: number;
  prefix: string;
  salt: Buffer;
}

/** Parses `$y$<params>$<salt>[$<hash>]`; undefined for flavours or parameters this module does not implement. */
export function parseYescrypt(hash: string): YescryptParams | undefined {
  if (!hash.startsWith('$y$')) return undefined;
  let pos = 3;
  const flavor = decodeUint32(hash, pos, 0);
  if (!flavor) return undefined;
  const flags = flavor.value < RW ? flavor.value : RW + (flavor.value - RW) * 4;
  if (flags !== DEFAULTS) return undefined;
  const nlog = decodeUint32(hash, flavor.pos, 1);
  if (!nlog || nlog.value > 31) return undefined;
  const r = decodeUint32(hash, nlog.pos, 1);
  if (!r) return undefined;
  pos = r.pos;
  let p = 1;
  if (hash[pos] !== '$') {
    const have = decodeUint32(hash, pos, 1);
    if (!have) return undefined;
    pos = have.pos;
    if (have.value & ~1) return undefined; // t, g or ROM: not implemented
    const pp = decodeUint32(hash, pos, 2);
    if (!pp) return undefined;
    p = pp.value;
    pos = pp.pos;
  }
  if (hash[pos] !== '$') return undefined;
  const saltEnd = hash.indexOf('$', pos + 1);
  const saltStr = hash.slice(pos + 1, saltEnd < 0 ? undefined : saltEnd);
  const salt = decode64(saltStr);
  if (!salt) return undefined;
  return { flags, N: 2 ** nlog.value, r: r.value, p, prefix: hash.slice(0, pos + 1) + saltStr, salt };
}

export function yescryptSupported(hash: string): boolean {
  const q = parseYescrypt(hash);
  return q !== undefined && q.p <= 16 && q.r <= 64 && q.N * q.r * 128 <= MAX_MEMORY;
}

/** The full crypt string for `password` with the setting of `hash`; undefined when unsupported. */
export function yescryptCrypt(password: string, hash: string): string | undefined {
  if (!yescryptSupported(hash)) return undefined;
  const q = parseYescrypt(hash)!;
  const dk = yescryptKdf(Buffer.from(password, 'utf8'), q.salt, q.flags, q.N, q.r, q.p, 32);
  return `${q.prefix}$${encode64(dk)}`;
}

export const __test = { decode64, encode64, decodeUint32 };
