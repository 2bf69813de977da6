/** Address helpers for the zone checks: CIDR ranges as 128-bit intervals, MAC normalisation, group addresses. */
import { ipInCidr, ipToBigInt } from '../core/values.js';

/** A CIDR (or a bare address) as the inclusive interval [lo, hi] in the 128-bit space (IPv4 mapped). */
export function cidrRange(cidr: string): [bigint, bigint] | undefined {
  const [net, lenText] = cidr.split('/');
  const n = ipToBigInt(net ?? '');
  if (n === undefined) return undefined;
  const v4 = !net!.includes(':');
  const bits = lenText === undefined ? 128 : Number(lenText) + (v4 ? 96 : 0);
  if (!(bits >= 0 && bits <= 128)) return undefined;
  const host = (1n << BigInt(128 - bits)) - 1n;
  const lo = n & ~host;
  return [lo, lo | host];
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = cidrRange(a);
  const y = cidrRange(b);
  return x !== undefined && y !== undefined && x[0] <= y[1] && y[0] <= x[1];
}

/** Prefix length in the 128-bit space (a bare address is 128): more specific ranges win. */
export function prefixBits(cidr: string): number {
  const r = cidrRange(cidr);
  if (!r) return 0;
  let size = r[1] - r[0] + 1n;
  let host = 0;
  while (size > 1n) {
    size >>= 1n;
    host++;
  }
  return 128 - host;
}

export const normMac = (m: string): string => m.toLowerCase().replace(/-/g, ':');

export const isMac = (s: string): boolean => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(s);

export const isIp = (s: string): boolean => ipToBigInt(s) !== undefined;

/** Multicast, broadcast and unspecified addresses: not hosts, never graph nodes or "outside" destinations. */
export function isGroupAddress(ip: string): boolean {
  if (isMac(ip)) {
    const first = parseInt(ip.slice(0, 2), 16);
    return (first & 1) === 1;
  }
  return (
    ip === '255.255.255.255' ||
    ip === '0.0.0.0' ||
    ip === '::' ||
    ipInCidr(ip, '224.0.0.0/4') ||
    ipInCidr(ip, 'ff00::/8') ||
    /\.255$/.test(ip)
  );
}

export function inAny(ip: string, cidrs: readonly string[]): boolean {
  return cidrs.some((c) => ipInCidr(ip, c));
}

/**
 * The same tests with every address and range converted once: a capture repeats the same few thousand
 * addresses over hundreds of thousands of flows. One instance per evaluation (the caches die with it).
 */
export class Addresses {
  private readonly nums = new Map<string, bigint | undefined>();
  private readonly ranges = new Map<string, [bigint, bigint] | undefined>();
  private readonly groups = new Map<string, boolean>();

  num(ip: string): bigint | undefined {
    if (this.nums.has(ip)) return this.nums.get(ip);
    const n = ipToBigInt(ip);
    this.nums.set(ip, n);
    return n;
  }
  range(cidr: string): [bigint, bigint] | undefined {
    if (this.ranges.has(cidr)) return this.ranges.get(cidr);
    const r = cidrRange(cidr);
    this.ranges.set(cidr, r);
    return r;
  }
  inCidr(ip: string, cidr: string): boolean {
    const n = this.num(ip);
    const r = this.range(cidr);
    return n !== undefined && r !== undefined && n >= r[0] && n <= r[1];
  }
  inAny(ip: string, cidrs: readonly string[]): boolean {
    return cidrs.some((c) => this.inCidr(ip, c));
  }
  isGroup(ep: string): boolean {
    let g = this.groups.get(ep);
    if (g === undefined) {
      g = isGroupAddress(ep);
      this.groups.set(ep, g);
    }
    return g;
  }
}

export { ipInCidr };
