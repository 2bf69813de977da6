/**
 * Offline verification of yescrypt crypt(3) hashes (`$y$…`, the default of Debian 11+, Ubuntu 22.04+,
 * Fedora 35+ and other libxcrypt systems) and of the scrypt `$7$…` format that the same library
 * accepts. Written from Alexander Peslyak's yescrypt specification and reference implementation
 * (yescrypt 1.x: pwxform with 12 KiB of S-boxes, 6 rounds, gather 4, simple 2), on top of
 * node:crypto's PBKDF2, HMAC and SHA-256.
 *
 * Supported: the three modes a `$y$` flavour can name (classic scrypt, WORM, and RW with the standard
 * pwxform settings, which is every hash `mkpasswd`/`passwd` write), any N, r, p, t within
 * {@link MAX_YESCRYPT_MEMORY}; no ROM, no hash upgrades (g), no encrypted hashes. Anything else answers
 * `unsupported`. Nothing here logs or stores a password or hash.
 *
 * The working memory is one Uint32Array with the reference layout: every 64-byte sub-block is kept in
 * the "SIMD shuffled" order (word i holds Salsa20 word 5i mod 16), which is the order the S-boxes and
 * pwxform see; the Salsa20 core below reads and writes that order directly.
 *
 * Speed: the RW SMix loops run in a small WebAssembly module assembled below (pwxform needs 32×32→64
 * bit products, which JavaScript lacks); a Debian-default $y$j9T$ hash takes ~25 ms of CPU, about
 * libxcrypt's time. Without WebAssembly the same steps run in JavaScript, 10–15× slower.
 */
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { endianness } from 'node:os';

/** Largest V (128·r·N bytes) we allocate for one verification; Debian's default ($y$j9T$) needs 16 MiB. */
export const MAX_YESCRYPT_MEMORY = 256 * 1024 * 1024;

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function atoi64(ch: string | undefined): number {
  if (ch?.length !== 1) return 64;
  const v = ITOA64.indexOf(ch);
  return v < 0 ? 64 : v;
}

/** Flag bits (yescrypt.h). */
const WORM = 1;
const RW = 2;
const RW_DEFAULT_FLAVOR = 0xb4; // ROUNDS_6 | GATHER_4 | SIMPLE_2 | SBOX_12K
const PREHASH = 0x10000000;

export interface YescryptParams {
  flags: number;
  N: number;
  r: number;
  p: number;
  t: number;
  salt: Buffer;
  /** Everything before the last `$` (prefix, parameters and salt). */
  setting: string;
}

/** Variable-length little-endian integer of yescrypt's `$y$` parameter string: [value, next position]. */
function decodeUint32(s: string, pos: number, min: number): [number, number] | undefined {
  let c = atoi64(s[pos++]);
  if (c > 63) return undefined;
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
    c = atoi64(s[pos++]);
    if (c > 63) return undefined;
    bits -= 6;
    value += c * 2 ** bits;
  }
  if (value > 0xffffffff) return undefined;
  return [value, pos];
}

/** Salt bytes from yescrypt's base-64 (little-endian groups of up to 4 characters); as strict as libxcrypt. */
function decodeSalt(s: string): Buffer | undefined {
  const out: number[] = [];
  let pos = 0;
  while (pos < s.length) {
    let value = 0;
    let bits = 0;
    while (pos < s.length && bits < 24) {
      const c = atoi64(s[pos]);
      if (c > 63) return undefined;
      pos++;
      value |= c << bits;
      bits += 6;
    }
    if (bits < 12) return undefined;
    for (let i = 0; i < Math.floor(bits / 8); i++) {
      out.push(value & 0xff);
      value >>>= 8;
    }
    if (value !== 0 || out.length > 64) return undefined;
  }
  return Buffer.from(out);
}

/** Bytes in yescrypt's base-64 (3 bytes → 4 characters, least significant bits first). */
function encode64(src: Uint8Array): string {
  let s = '';
  for (let i = 0; i < src.length;) {
    let value = 0;
    let bits = 0;
    do {
      value |= src[i++]! << bits;
      bits += 8;
    } while (bits < 24 && i < src.length);
    for (let b = 0; b < bits; b += 6) {
      s += ITOA64[value & 0x3f]!;
      value >>>= 6;
    }
  }
  return s;
}

function fixed30(s: string, pos: number): number | undefined {
  let v = 0;
  for (let b = 0; b < 30; b += 6) {
    const c = atoi64(s[pos++]);
    if (c > 63) return undefined;
    v += c * 2 ** b;
  }
  return v;
}

/** Parses `$y$…` and `$7$…` hashes; undefined when malformed or using features we do not implement. */
export function parseYescrypt(hash: string): YescryptParams | undefined {
  const last = hash.lastIndexOf('$');
  if (last < 3) return undefined;
  if (hash.startsWith('$7$')) {
    const nlog = atoi64(hash[3]);
    const r = fixed30(hash, 4);
    const p = fixed30(hash, 9);
    if (nlog < 1 || nlog > 63 || r === undefined || p === undefined || last < 14) return undefined;
    return {
      flags: 0,
      N: 2 ** nlog,
      r,
      p,
      t: 0,
      salt: Buffer.from(hash.slice(14, last), 'utf8'),
      setting: hash.slice(0, last),
    };
  }
  if (!hash.startsWith('$y$')) return undefined;
  const fl = decodeUint32(hash, 3, 0);
  if (!fl) return undefined;
  const flavor = fl[0];
  let flags: number;
  if (flavor < RW) flags = flavor;
  else if (flavor <= RW + (0x3fc >> 2)) flags = RW + (flavor - RW) * 4;
  else return undefined;
  const nl = decodeUint32(hash, fl[1], 1);
  if (!nl || nl[0] > 63) return undefined;
  const rr = decodeUint32(hash, nl[1], 1);
  if (!rr) return undefined;
  let pos = rr[1];
  let p = 1;
  let t = 0;
  if (hash[pos] !== '$') {
    const have = decodeUint32(hash, pos, 1);
    if (!have) return undefined;
    pos = have[1];
    if (have[0] & 1) {
      const v = decodeUint32(hash, pos, 2);
      if (!v) return undefined;
      [p, pos] = v;
    }
    if (have[0] & 2) {
      const v = decodeUint32(hash, pos, 1);
      if (!v) return undefined;
      [t, pos] = v;
    }
    // g (hash upgrades) and NROM (a ROM) are refused by libxcrypt's crypt(3) as well.
    if (have[0] & ~3) return undefined;
  }
  if (hash[pos] !== '$') return undefined;
  pos++;
  if (pos > last) return undefined;
  const salt = decodeSalt(hash.slice(pos, last));
  if (!salt) return undefined;
  return { flags, N: 2 ** nl[0], r: rr[0], p, t, salt, setting: hash.slice(0, last) };
}

/** Parameters we can compute, within the memory cap (V is 128·r·N bytes) and sane time bounds. */
function computable(P: YescryptParams): boolean {
  const { flags, N, r, p, t } = P;
  if (flags !== 0 && flags !== WORM && flags !== (RW | RW_DEFAULT_FLAVOR)) return false;
  if (flags === 0 && t !== 0) return false;
  if (N < 2 || r < 1 || p < 1 || p > 64 || t > 8) return false;
  if (flags & RW && N / p <= 1) return false;
  return 128 * r * N <= MAX_YESCRYPT_MEMORY && 128 * r * p <= MAX_YESCRYPT_MEMORY;
}

// ---------------------------------------------------------------------------------------------
// Core. M is the working memory in 32-bit words; offsets are word offsets unless named otherwise.

/** Salsa20 with `rounds` rounds on the 16 words at B[o…o+15], stored in shuffled order (x[5i%16] = B[i]). */
function salsa(B: Uint32Array, o: number, rounds: number): void {
  let x0 = B[o]! | 0,
    x5 = B[o + 1]! | 0,
    x10 = B[o + 2]! | 0,
    x15 = B[o + 3]! | 0;
  let x4 = B[o + 4]! | 0,
    x9 = B[o + 5]! | 0,
    x14 = B[o + 6]! | 0,
    x3 = B[o + 7]! | 0;
  let x8 = B[o + 8]! | 0,
    x13 = B[o + 9]! | 0,
    x2 = B[o + 10]! | 0,
    x7 = B[o + 11]! | 0;
  let x12 = B[o + 12]! | 0,
    x1 = B[o + 13]! | 0,
    x6 = B[o + 14]! | 0,
    x11 = B[o + 15]! | 0;
  const j0 = x0,
    j5 = x5,
    j10 = x10,
    j15 = x15,
    j4 = x4,
    j9 = x9,
    j14 = x14,
    j3 = x3;
  const j8 = x8,
    j13 = x13,
    j2 = x2,
    j7 = x7,
    j12 = x12,
    j1 = x1,
    j6 = x6,
    j11 = x11;
  let u: number;
  for (let i = 0; i < rounds; i += 2) {
    u = (x0 + x12) | 0;
    x4 ^= (u << 7) | (u >>> 25);
    u = (x4 + x0) | 0;
    x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x4) | 0;
    x12 ^= (u << 13) | (u >>> 19);
    u = (x12 + x8) | 0;
    x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x1) | 0;
    x9 ^= (u << 7) | (u >>> 25);
    u = (x9 + x5) | 0;
    x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x9) | 0;
    x1 ^= (u << 13) | (u >>> 19);
    u = (x1 + x13) | 0;
    x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x6) | 0;
    x14 ^= (u << 7) | (u >>> 25);
    u = (x14 + x10) | 0;
    x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x14) | 0;
    x6 ^= (u << 13) | (u >>> 19);
    u = (x6 + x2) | 0;
    x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x11) | 0;
    x3 ^= (u << 7) | (u >>> 25);
    u = (x3 + x15) | 0;
    x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x3) | 0;
    x11 ^= (u << 13) | (u >>> 19);
    u = (x11 + x7) | 0;
    x15 ^= (u << 18) | (u >>> 14);
    u = (x0 + x3) | 0;
    x1 ^= (u << 7) | (u >>> 25);
    u = (x1 + x0) | 0;
    x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x1) | 0;
    x3 ^= (u << 13) | (u >>> 19);
    u = (x3 + x2) | 0;
    x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x4) | 0;
    x6 ^= (u << 7) | (u >>> 25);
    u = (x6 + x5) | 0;
    x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x6) | 0;
    x4 ^= (u << 13) | (u >>> 19);
    u = (x4 + x7) | 0;
    x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x9) | 0;
    x11 ^= (u << 7) | (u >>> 25);
    u = (x11 + x10) | 0;
    x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x11) | 0;
    x9 ^= (u << 13) | (u >>> 19);
    u = (x9 + x8) | 0;
    x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x14) | 0;
    x12 ^= (u << 7) | (u >>> 25);
    u = (x12 + x15) | 0;
    x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x12) | 0;
    x14 ^= (u << 13) | (u >>> 19);
    u = (x14 + x13) | 0;
    x15 ^= (u << 18) | (u >>> 14);
  }
  B[o] = x0 + j0;
  B[o + 1] = x5 + j5;
  B[o + 2] = x10 + j10;
  B[o + 3] = x15 + j15;
  B[o + 4] = x4 + j4;
  B[o + 5] = x9 + j9;
  B[o + 6] = x14 + j14;
  B[o + 7] = x3 + j3;
  B[o + 8] = x8 + j8;
  B[o + 9] = x13 + j13;
  B[o + 10] = x2 + j2;
  B[o + 11] = x7 + j7;
  B[o + 12] = x12 + j12;
  B[o + 13] = x1 + j1;
  B[o + 14] = x6 + j6;
  B[o + 15] = x11 + j11;
}

/** scrypt's BlockMix with Salsa20/8 on M[xo…xo+32r), with scratch M[yo…yo+32r+16). */
function blockmixSalsa8(M: Uint32Array, xo: number, yo: number, r: number): void {
  const t = yo + 32 * r;
  M.copyWithin(t, xo + (2 * r - 1) * 16, xo + 2 * r * 16);
  for (let i = 0; i < 2 * r; i++) {
    const bo = xo + i * 16;
    for (let k = 0; k < 16; k++) M[t + k]! ^= M[bo + k]!;
    salsa(M, t, 8);
    M.copyWithin(yo + i * 16, t, t + 16);
  }
  for (let i = 0; i < r; i++) {
    M.copyWithin(xo + i * 16, yo + i * 32, yo + i * 32 + 16);
    M.copyWithin(xo + (i + r) * 16, yo + i * 32 + 16, yo + i * 32 + 32);
  }
}

/**
 * pwxform (6 rounds, gather 4, simple 2) in place on the 64 bytes B[o…o+15], with the S-box state of
 * the lane whose header starts at word h (S0, S1, S2 byte addresses, write offset w in bytes). The
 * 64-bit products are built from 16-bit halves so that everything stays in int32 arithmetic.
 */
/** Scratch for pwxform's 16 words (4 lanes of two 64-bit words): pwxform is synchronous and never re-entered. */
const PWX = new Int32Array(16);

function pwxform(B: Uint32Array, o: number, h: number): void {
  const S = B;
  const X = PWX;
  const s0 = B[h]! >>> 2;
  const s1 = B[h + 1]! >>> 2;
  const s2 = B[h + 2]! >>> 2;
  let w = s2 + (B[h + 3]! >>> 2);
  for (let k = 0; k < 16; k++) X[k] = B[o + k]!;
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 16; j += 4) {
      // Each lane picks its S-box entries from the low bits of its first word.
      const p0 = s0 + ((X[j]! & 4080) >>> 2);
      const p1 = s1 + ((X[j + 1]! & 4080) >>> 2);
      for (let k = j; k < j + 4; k += 2) {
        // 64-bit x = hi32(x) * lo32(x) + S0[p0], then ^ S1[p1]; the product built from 16-bit halves.
        const xl = X[k]!;
        const xh = X[k + 1]!;
        const a0 = xl & 0xffff;
        const a1 = xl >>> 16;
        const b0 = xh & 0xffff;
        const b1 = xh >>> 16;
        const t1 = Math.imul(a0, b1);
        const t2 = Math.imul(a1, b0);
        const m = (Math.imul(a0, b0) >>> 16) + (t1 & 0xffff) + (t2 & 0xffff);
        const lo = Math.imul(xl, xh);
        const hi = (Math.imul(a1, b1) + (t1 >>> 16) + (t2 >>> 16) + (m >>> 16)) | 0;
        const off = k - j;
        const nl = (lo + (S[p0 + off]! | 0)) | 0;
        const nh = (hi + (S[p0 + off + 1]! | 0) + (nl >>> 0 < lo >>> 0 ? 1 : 0)) | 0;
        X[k] = nl ^ S[p1 + off]!;
        X[k + 1] = nh ^ S[p1 + off + 1]!;
      }
    }
    if (i !== 0 && i !== 5) {
      for (let k = 0; k < 16; k++) S[w + k] = X[k]!;
      w += 16;
    }
  }
  for (let k = 0; k < 16; k++) B[o + k] = X[k]!;
  B[h] = s2 << 2;
  B[h + 1] = s0 << 2;
  B[h + 2] = s1 << 2;
  B[h + 3] = ((w - s2) << 2) & 4095;
}

/** yescrypt's BlockMix_pwxform on M[xo…xo+32r) with the S-boxes of lane header h. */
function blockmixPwx(L: Layout, xo: number, r: number, h: number): void {
  const M = L.M;
  const n = 2 * r; // 64-byte sub-blocks
  const lastOff = xo + (n - 1) * 16;
  for (let k = 0; k < 16; k++) M[xo + k]! ^= M[lastOff + k]!;
  pwxform(M, xo, h);
  for (let i = 1; i < n; i++) {
    const bo = xo + i * 16;
    for (let k = 0; k < 16; k++) M[bo + k]! ^= M[bo - 16 + k]!;
    pwxform(M, bo, h);
  }
  salsa(M, lastOff, 2);
}

// ---------------------------------------------------------------------------------------------
// WebAssembly SMix loops. JavaScript has no 32×32→64-bit multiply, which makes pwxform several times
// slower than it needs to be; WebAssembly's i64.mul has one. The module (about 4 KiB) is assembled
// here from the same steps as smix1/smix2/blockmixPwx/salsa above, each 64-bit lane of pwxform being
// one i64, and the tests check that both paths give the same keys. Addresses are byte offsets into
// the module's memory, which holds the whole Layout. Exports:
//   s1(x, v, s, N, rw, n, h)        SMix1 over N blocks of s = 128r bytes (n = 2r sub-blocks)
//   s2(x, v, s, N, Nloop, rw, n, h) SMix2, Nloop iterations over N blocks

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n = Math.floor(n / 128);
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** One function body: locals (count, type) pairs, then the code. */
function funcBody(locals: [number, number][], code: number[]): number[] {
  const body = [...uleb(locals.length), ...locals.flatMap(([n, t]) => [...uleb(n), t]), ...code, 0x0b];
  return [...uleb(body.length), ...body];
}

/** A small code builder: numbers are opcodes or immediates, arrays are spliced. */
class Code {
  readonly c: number[] = [];
  emit(...parts: (number | number[])[]): this {
    for (const p of parts) {
      if (typeof p === 'number') this.c.push(p);
      else for (const q of p) this.c.push(q);
    }
    return this;
  }
}

const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const tee = (i: number): number[] => [0x22, i];
const i32c = (k: number): number[] => [0x41, ...sleb(k)];
const i64c = (k: number): number[] => [0x42, ...sleb(k)];
const ld32 = (off: number): number[] => [0x28, 2, ...uleb(off)];
const st32 = (off: number): number[] => [0x36, 2, ...uleb(off)];
const ld64 = (off: number): number[] => [0x29, 3, ...uleb(off)];
const st64 = (off: number): number[] => [0x37, 3, ...uleb(off)];
const call = (f: number): number[] => [0x10, f];
const I32 = 0x7f;
const I64 = 0x7e;
const [ADD, SUB, MUL, AND, XOR, SHL, ROTL, CLZ, LTU, GTU, GEU] = [
  0x6a, 0x6b, 0x6c, 0x71, 0x73, 0x74, 0x77, 0x67, 0x49, 0x4b, 0x4f,
];
const [AND64, MUL64, ADD64, XOR64, SHRU64] = [0x83, 0x7e, 0x7c, 0x85, 0x88];
const [BLOCK, LOOP, IF, END, BR, BR_IF, VOID] = [0x02, 0x03, 0x04, 0x0b, 0x0c, 0x0d, 0x40];

/** b(x, n, h): BlockMix_pwxform's pwxform chain over n 64-byte sub-blocks at x, lane header at h. */
function pwxChain(): number[] {
  const [x, n, h, s0, s1, s2, w, blk, prev, end, p0, p1, wa, t, v] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  ];
  const c = new Code();
  c.emit(
    get(h),
    ld32(0),
    set(s0),
    get(h),
    ld32(4),
    set(s1),
    get(h),
    ld32(8),
    set(s2),
    get(h),
    ld32(12),
    set(w),
  );
  c.emit(get(x), set(blk), get(x), get(n), i32c(64), MUL, ADD, set(end), get(end), i32c(64), SUB, set(prev));
  c.emit(LOOP, VOID);
  for (let q = 0; q < 8; q++)
    c.emit(get(blk), get(blk), ld64(8 * q), get(prev), ld64(8 * q), XOR64, st64(8 * q));
  c.emit(get(s2), get(w), ADD, set(wa));
  let written = 0;
  for (let round = 0; round < 6; round++) {
    for (let j = 0; j < 4; j++) {
      c.emit(get(s0), get(blk), ld32(16 * j), i32c(4080), AND, ADD, set(p0));
      c.emit(get(s1), get(blk), ld32(16 * j + 4), i32c(4080), AND, ADD, set(p1));
      for (let k = 0; k < 2; k++) {
        const off = 16 * j + 8 * k;
        // v = (lo(v) * hi(v) + S0[p0][k]) ^ S1[p1][k]
        c.emit(get(blk), ld64(off), tee(v), i64c(0xffffffff), AND64, get(v), i64c(32), SHRU64, MUL64);
        c.emit(get(p0), ld64(8 * k), ADD64, get(p1), ld64(8 * k), XOR64, set(v), get(blk), get(v), st64(off));
        if (round !== 0 && round !== 5) c.emit(get(wa), get(v), st64(8 * written++));
      }
    }
  }
  // (S0, S1, S2) <- (S2, S0, S1); w <- w + 32 pairs, modulo the 4 KiB box
  c.emit(get(s2), set(t), get(s1), set(s2), get(s0), set(s1), get(t), set(s0));
  c.emit(get(w), i32c(256), ADD, i32c(4095), AND, set(w));
  c.emit(get(blk), set(prev), get(blk), i32c(64), ADD, tee(blk), get(end), LTU, BR_IF, 0, END);
  c.emit(
    get(h),
    get(s0),
    st32(0),
    get(h),
    get(s1),
    st32(4),
    get(h),
    get(s2),
    st32(8),
    get(h),
    get(w),
    st32(12),
  );
  return funcBody(
    [
      [11, I32],
      [1, I64],
    ],
    c.c,
  );
}

/** salsa2(a): Salsa20/2 in place on the shuffled 64-byte block at a (locals 1…16 are x0…x15). */
function salsa2Fn(): number[] {
  const c = new Code();
  const X = (k: number) => 1 + k;
  const pos = (k: number) => 4 * ((13 * k) & 15);
  for (let k = 0; k < 16; k++) c.emit(get(0), ld32(pos(k)), set(X(k)));
  // x[d] ^= rotl(x[a] + x[b], 7 / 9 / 13 / 18): one column round, then one row round
  const QUARTERS = [
    [4, 0, 12],
    [8, 4, 0],
    [12, 8, 4],
    [0, 12, 8],
    [9, 5, 1],
    [13, 9, 5],
    [1, 13, 9],
    [5, 1, 13],
    [14, 10, 6],
    [2, 14, 10],
    [6, 2, 14],
    [10, 6, 2],
    [3, 15, 11],
    [7, 3, 15],
    [11, 7, 3],
    [15, 11, 7],
    [1, 0, 3],
    [2, 1, 0],
    [3, 2, 1],
    [0, 3, 2],
    [6, 5, 4],
    [7, 6, 5],
    [4, 7, 6],
    [5, 4, 7],
    [11, 10, 9],
    [8, 11, 10],
    [9, 8, 11],
    [10, 9, 8],
    [12, 15, 14],
    [13, 12, 15],
    [14, 13, 12],
    [15, 14, 13],
  ] as const;
  QUARTERS.forEach(([d, a, b], i) =>
    c.emit(get(X(d)), get(X(a)), get(X(b)), ADD, i32c([7, 9, 13, 18][i % 4]!), ROTL, XOR, set(X(d))),
  );
  for (let k = 0; k < 16; k++) c.emit(get(0), get(X(k)), get(0), ld32(pos(k)), ADD, st32(pos(k)));
  return funcBody([[16, I32]], c.c);
}
/** XOR (and with `back`, also store into src) the s bytes at src into x: locals a, b, e, t (i64). */
function xorBlock(
  c: Code,
  x: number,
  src: number,
  s: number,
  a: number,
  b: number,
  e: number,
  t: number,
  back: boolean,
): void {
  c.emit(get(x), tee(a), get(s), ADD, set(e), get(src), set(b), LOOP, VOID);
  c.emit(get(a), ld64(0), get(b), ld64(0), XOR64, set(t), get(a), get(t), st64(0));
  if (back) c.emit(get(b), get(t), st64(0));
  c.emit(get(b), i32c(8), ADD, set(b), get(a), i32c(8), ADD, tee(a), get(e), LTU, BR_IF, 0, END);
}

/** BlockMix_pwxform of X: the pwxform chain, then Salsa20/2 of the last sub-block. */
function blockmix(c: Code, x: number, s: number, n: number, h: number): void {
  c.emit(get(x), get(n), get(h), call(FN_CHAIN), get(x), get(s), ADD, i32c(64), SUB, call(FN_SALSA2));
}

/** s1(x, v, s, N, rw, n, h): SMix1 with pwxform (s = 128r bytes, n = 2r sub-blocks). */
function smix1Fn(): number[] {
  const [x, v, s, N, rw, n, h, i, nn, a, b, e] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const t = 12;
  const c = new Code();
  c.emit(i32c(0), set(i), BLOCK, VOID, LOOP, VOID, get(i), get(N), GEU, BR_IF, 1);
  c.emit(get(v), get(i), get(s), MUL, ADD, get(x), get(s), [0xfc, 10, 0, 0]); // V_i <- X (memory.copy)
  c.emit(get(rw), get(i), i32c(1), GTU, AND, IF, VOID);
  // j <- Wrap(Integerify(X), i) = (X & (nn - 1)) + (i - nn), nn = p2floor(i)
  c.emit(i32c(1), i32c(31), get(i), CLZ, SUB, SHL, set(nn));
  c.emit(
    get(v),
    get(x),
    get(s),
    ADD,
    i32c(64),
    SUB,
    ld32(0),
    get(nn),
    i32c(1),
    SUB,
    AND,
    get(i),
    get(nn),
    SUB,
    ADD,
    get(s),
    MUL,
    ADD,
    set(nn),
  );
  xorBlock(c, x, nn, s, a, b, e, t, false);
  c.emit(END);
  blockmix(c, x, s, n, h);
  c.emit(get(i), i32c(1), ADD, set(i), BR, 0, END, END);
  return funcBody(
    [
      [5, I32],
      [1, I64],
    ],
    c.c,
  );
}

/** s2(x, v, s, N, Nloop, rw, n, h): SMix2 with pwxform; rw writes X back into V_j. */
function smix2Fn(): number[] {
  const [x, v, s, N, Nloop, rw, n, h, i, src, a, b, e] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const t = 13;
  const c = new Code();
  c.emit(i32c(0), set(i), BLOCK, VOID, LOOP, VOID, get(i), get(Nloop), GEU, BR_IF, 1);
  c.emit(
    get(v),
    get(x),
    get(s),
    ADD,
    i32c(64),
    SUB,
    ld32(0),
    get(N),
    i32c(1),
    SUB,
    AND,
    get(s),
    MUL,
    ADD,
    set(src),
  );
  c.emit(get(rw), IF, VOID);
  xorBlock(c, x, src, s, a, b, e, t, true);
  c.emit(0x05); // else
  xorBlock(c, x, src, s, a, b, e, t, false);
  c.emit(END);
  blockmix(c, x, s, n, h);
  c.emit(get(i), i32c(1), ADD, set(i), BR, 0, END, END);
  return funcBody(
    [
      [5, I32],
      [1, I64],
    ],
    c.c,
  );
}

const FN_CHAIN = 0;
const FN_SALSA2 = 1;

function pwxModuleBytes(): Uint8Array {
  const str = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const fnType = (params: number) => [0x60, params, ...Array<number>(params).fill(I32), 0];
  const bodies = [pwxChain(), salsa2Fn(), smix1Fn(), smix2Fn()];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [4, ...fnType(3), ...fnType(1), ...fnType(7), ...fnType(8)]),
    ...section(2, [1, ...str('e'), ...str('m'), 0x02, 0x00, 1]),
    ...section(3, [4, 0, 1, 2, 3]),
    ...section(7, [2, ...str('s1'), 0x00, 2, ...str('s2'), 0x00, 3]),
    ...section(10, [4, ...bodies.flat()]),
  ]);
}

interface SmixFns {
  s1: (x: number, v: number, s: number, N: number, rw: number, n: number, h: number) => void;
  s2: (x: number, v: number, s: number, N: number, Nloop: number, rw: number, n: number, h: number) => void;
}

/** The part of the WebAssembly API used here (this project's TypeScript libs do not declare it). */
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (desc: { initial: number }) => WasmMemory;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
}
const WASM = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let pwxModule: object | null | undefined;

/** The compiled module, or null when this runtime cannot run it (then the JavaScript path is used). */
function wasmModule(): object | null {
  if (pwxModule === undefined) {
    try {
      pwxModule = WASM ? new WASM.Module(pwxModuleBytes()) : null;
    } catch {
      pwxModule = null;
    }
  }
  return pwxModule;
}

/**
 * A memory up to this size (enough for $y$jAT$, 32 MiB of V) is kept and reused across verifications:
 * no allocation, page faults or GC churn per candidate password. Larger costs allocate per call.
 */
const KEEP_BYTES = 33 * 1024 * 1024;
let kept: { memory: WasmMemory; fns: SmixFns } | undefined;

function wasmInstance(mod: object, api: WasmApi, bytes: number): { memory: WasmMemory; fns: SmixFns } {
  const pages = Math.ceil(bytes / 65536);
  if (kept && bytes <= KEEP_BYTES) {
    const have = kept.memory.buffer.byteLength / 65536;
    if (have < pages) kept.memory.grow(pages - have);
    return kept;
  }
  const memory = new api.Memory({ initial: pages });
  const ex = new api.Instance(mod, { e: { m: memory } }).exports;
  const inst = { memory, fns: { s1: ex.s1 as SmixFns['s1'], s2: ex.s2 as SmixFns['s2'] } };
  if (bytes <= KEEP_BYTES) kept = inst;
  return inst;
}

/** Largest power of two not above x (x ≥ 1, below 2^31). */
function p2floor(x: number): number {
  return 1 << (31 - Math.clz32(x));
}

/** Little-endian words of B (lane at bo) into shuffled X at M[xo…], and back. */
function toShuffled(B: Uint32Array, bo: number, M: Uint32Array, xo: number, r: number): void {
  for (let k = 0; k < 32 * r; k += 16)
    for (let i = 0; i < 16; i++) M[xo + k + i] = B[bo + k + ((i * 5) & 15)]!;
}
function fromShuffled(M: Uint32Array, xo: number, B: Uint32Array, bo: number, r: number): void {
  for (let k = 0; k < 32 * r; k += 16)
    for (let i = 0; i < 16; i++) B[bo + k + ((i * 5) & 15)] = M[xo + k + i]!;
}

/** Working memory of one kdf call: word offsets of lane headers, S-boxes, X, Y (scratch) and V. */
interface Layout {
  M: Uint32Array;
  h: number;
  s: number;
  x: number;
  y: number;
  v: number;
  /** The WebAssembly SMix loops over M, when M is their memory. */
  wasm: SmixFns | undefined;
}

export type YescryptEngine = 'auto' | 'js';

function layout(N: number, r: number, p: number, engine: YescryptEngine): Layout {
  const h = 16;
  const s = h + ((4 * p + 15) & ~15);
  const x = s + 3072 * p;
  const y = x + 32 * r;
  const v = y + 32 * r + 16;
  const words = v + 32 * r * N;
  const mod = engine === 'js' ? null : wasmModule();
  if (mod && WASM) {
    const inst = wasmInstance(mod, WASM, words * 4);
    return { M: new Uint32Array(inst.memory.buffer, 0, words), h, s, x, y, v, wasm: inst.fns };
  }
  return { M: new Uint32Array(words), h, s, x, y, v, wasm: undefined };
}

/** SMix1: fills V (at vo, Np blocks) from the lane of B at bo; lane header h, or -1 for Salsa20/8. */
function smix1(
  L: Layout,
  B: Uint32Array,
  bo: number,
  r: number,
  N: number,
  rw: boolean,
  vo: number,
  h: number,
): void {
  const { M, x: xo } = L;
  const s = 32 * r;
  toShuffled(B, bo, M, xo, r);
  if (L.wasm && h >= 0) {
    L.wasm.s1(xo * 4, vo * 4, s * 4, N, rw ? 1 : 0, 2 * r, h * 4);
    fromShuffled(M, xo, B, bo, r);
    return;
  }
  const last = xo + s - 16;
  for (let i = 0; i < N; i++) {
    M.copyWithin(vo + i * s, xo, xo + s);
    if (rw && i > 1) {
      const n = p2floor(i);
      const jo = vo + ((M[last]! & (n - 1)) + (i - n)) * s;
      for (let k = 0; k < s; k++) M[xo + k]! ^= M[jo + k]!;
    }
    if (h >= 0) blockmixPwx(L, xo, r, h);
    else blockmixSalsa8(M, xo, L.y, r);
  }
  fromShuffled(M, xo, B, bo, r);
}

/** SMix2: Nloop random reads (and, with rw, writes back) over the N blocks of V at vo. */
function smix2(
  L: Layout,
  B: Uint32Array,
  bo: number,
  r: number,
  N: number,
  Nloop: number,
  rw: boolean,
  vo: number,
  h: number,
): void {
  const { M, x: xo } = L;
  const s = 32 * r;
  toShuffled(B, bo, M, xo, r);
  if (L.wasm && h >= 0) {
    L.wasm.s2(xo * 4, vo * 4, s * 4, N, Nloop, rw ? 1 : 0, 2 * r, h * 4);
    fromShuffled(M, xo, B, bo, r);
    return;
  }
  const last = xo + s - 16;
  const mask = N - 1;
  for (let i = 0; i < Nloop; i++) {
    const jo = vo + (M[last]! & mask) * s;
    if (rw) for (let k = 0; k < s; k++) M[jo + k] = M[xo + k]! ^= M[jo + k]!;
    else for (let k = 0; k < s; k++) M[xo + k]! ^= M[jo + k]!;
    if (h >= 0) blockmixPwx(L, xo, r, h);
    else blockmixSalsa8(M, xo, L.y, r);
  }
  fromShuffled(M, xo, B, bo, r);
}

/**
 * The reference smix() over p lanes of B starting at word b0. In RW mode returns the new `passwd`
 * (HMAC-SHA256 keyed with the last 64 bytes of lane 0 once its S-boxes are filled), else `passwd`.
 */
function smix(
  L: Layout,
  B: Uint32Array,
  b0: number,
  r: number,
  N: number,
  p: number,
  t: number,
  flags: number,
  passwd: Buffer,
): Buffer {
  const s = 32 * r;
  const rw = (flags & RW) !== 0;
  let Nchunk = Math.floor(N / p);
  let NloopAll = Nchunk;
  if (rw) {
    if (t <= 1) {
      if (t) NloopAll *= 2;
      NloopAll = Math.floor((NloopAll + 2) / 3);
    } else {
      NloopAll *= t - 1;
    }
  } else if (t) {
    if (t === 1) NloopAll += Math.floor((NloopAll + 1) / 2);
    NloopAll *= t;
  }
  let NloopRw = rw ? Math.floor(NloopAll / p) : 0;
  Nchunk -= Nchunk % 2;
  NloopAll += NloopAll % 2;
  NloopRw += NloopRw % 2;
  const { M } = L;
  let pw = passwd;
  for (let i = 0, vchunk = 0; i < p; i++, vchunk += Nchunk) {
    const Np = i < p - 1 ? Nchunk : N - vchunk;
    const bo = b0 + i * s;
    const h = rw ? L.h + 4 * i : -1;
    if (rw) {
      const S = L.s + 3072 * i;
      smix1(L, B, bo, 1, 96, false, S, -1);
      M[h] = (S + 2048) * 4; // S0
      M[h + 1] = (S + 1024) * 4; // S1
      M[h + 2] = S * 4; // S2
      M[h + 3] = 0; // w
      if (i === 0)
        pw = createHmac('sha256', Buffer.from(B.buffer, B.byteOffset + (bo + s - 16) * 4, 64))
          .update(pw)
          .digest();
    }
    smix1(L, B, bo, r, Np, rw, L.v + vchunk * s, h);
    smix2(L, B, bo, r, p2floor(Np), NloopRw, rw, L.v + vchunk * s, h);
  }
  for (let i = 0; i < p; i++)
    smix2(L, B, b0 + i * s, r, N, NloopAll - NloopRw, false, L.v, rw ? L.h + 4 * i : -1);
  return pw;
}

function kdfBody(
  passwd: Buffer,
  salt: Buffer,
  flags: number,
  N: number,
  r: number,
  p: number,
  t: number,
  engine: YescryptEngine,
): Buffer {
  let pw = passwd;
  if (flags)
    pw = createHmac('sha256', flags & PREHASH ? 'yescrypt-prehash' : 'yescrypt')
      .update(pw)
      .digest();
  const raw = pbkdf2Sync(pw, salt, 1, 128 * r * p, 'sha256');
  const B = new Uint32Array(32 * r * p); // word-aligned copy (pooled Buffers may start anywhere)
  const Bbytes = Buffer.from(B.buffer);
  raw.copy(Bbytes);
  if (flags) pw = Buffer.from(raw.subarray(0, 32));
  if (flags & RW) {
    pw = smix(layout(N, r, p, engine), B, 0, r, N, p, t, flags, pw);
  } else {
    const L = layout(N, r, 1, engine);
    for (let i = 0; i < p; i++) smix(L, B, i * 32 * r, r, N, 1, t, flags, pw);
  }
  const dk = pbkdf2Sync(pw, Bbytes, 1, 32, 'sha256');
  if (flags && !(flags & PREHASH)) {
    const clientKey = createHmac('sha256', dk).update('Client Key').digest();
    return createHash('sha256').update(clientKey).digest();
  }
  return dk;
}

/**
 * The 32-byte yescrypt key for `password` under the given parameters (callers check the cost).
 * `engine: 'js'` skips the WebAssembly pwxform (tests compare both).
 */
export function yescryptRaw(
  password: Buffer,
  P: Pick<YescryptParams, 'flags' | 'N' | 'r' | 'p' | 't' | 'salt'>,
  engine: YescryptEngine = 'auto',
): Buffer {
  let pw = password;
  const { flags, N, r, p, t } = P;
  if (flags & RW && N / p >= 0x100 && (N / p) * r >= 0x20000) {
    pw = kdfBody(pw, P.salt, flags | PREHASH, Math.floor(N / 64), r, p, 0, engine);
  }
  return kdfBody(pw, P.salt, flags, N, r, p, t, engine);
}

/** Can this build verify `hash` (a `$y$`/`$7$` setting it implements, within the cost caps)? Cheap. */
export function yescryptSupported(hash: string): boolean {
  const P = parseYescrypt(hash);
  return P !== undefined && computable(P) && endianness() === 'LE';
}

/** The full crypt string for `password` with the setting of `hash`, or undefined when not computable. */
export function yescryptCrypt(password: string, hash: string): string | undefined {
  if (endianness() !== 'LE') return undefined;
  const P = parseYescrypt(hash);
  if (!P || !computable(P)) return undefined;
  return `${P.setting}$${encode64(yescryptRaw(Buffer.from(password, 'utf8'), P))}`;
}

/** Does `password` verify against the yescrypt (`$y$`) or scrypt (`$7$`) crypt string `hash`? */
export function verifyYescrypt(password: string, hash: string): boolean | 'unsupported' {
  const got = yescryptCrypt(password, hash);
  if (got === undefined) return 'unsupported';
  const a = Buffer.from(got);
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}
