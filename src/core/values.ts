/** Typed comparators: file modes, dpkg / rpm versions, IP addresses. Pure. */

/** Parses a file mode written as an octal string ("0640", "640", "1777"). Numbers are refused on purpose. */
export function parseMode(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^0?([0-7]{3,4})$/.exec(text.trim());
  if (!m) return undefined;
  return parseInt(m[1]!, 8);
}

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** True when `actual` grants no permission bit that `max` does not grant (setuid/setgid/sticky included). */
export function modeAtMost(actual: number, max: number): boolean {
  return (actual & 0o7777 & ~(max & 0o7777)) === 0;
}

// ---------------------------------------------------------------- dpkg versions
// Debian Policy 5.6.12: [epoch:]upstream_version[-debian_revision].

interface Evr {
  epoch: number;
  version: string;
  release: string;
}

/** Splits `[epoch:]version[-release]` (the same shape for dpkg and rpm). */
function splitEvr(v: string): Evr {
  let rest = v.trim();
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    epoch = parseInt(rest.slice(0, colon), 10) || 0;
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash >= 0) return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  return { epoch, version: rest, release: '' };
}

function dpkgOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function dpkgPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !/[0-9]/.test(a[i]!)) || (j < b.length && !/[0-9]/.test(b[j]!))) {
      const ac = dpkgOrder(i < a.length && !/[0-9]/.test(a[i]!) ? a[i] : undefined);
      const bc = dpkgOrder(j < b.length && !/[0-9]/.test(b[j]!) ? b[j] : undefined);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /[0-9]/.test(a[i]!) && j < b.length && /[0-9]/.test(b[j]!)) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /[0-9]/.test(a[i]!)) return 1;
    if (j < b.length && /[0-9]/.test(b[j]!)) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

export function compareDebianVersions(a: string, b: string): number {
  const x = splitEvr(a);
  const y = splitEvr(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return Math.sign(dpkgPart(x.version, y.version) || dpkgPart(x.release, y.release));
}

// ---------------------------------------------------------------- rpm versions
// rpmvercmp: alternating alphabetic / numeric segments, '~' sorts before anything, '^' after the base.

function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const isAlnum = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c);
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]) && b[j] !== '~' && b[j] !== '^') j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;
    const numeric = /[0-9]/.test(a[i]!);
    const re = numeric ? /[0-9]/ : /[A-Za-z]/;
    let ei = i;
    let ej = j;
    while (ei < a.length && re.test(a[ei]!)) ei++;
    while (ej < b.length && re.test(b[ej]!)) ej++;
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (sb.length === 0) return numeric ? 1 : -1;
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa > sb ? 1 : -1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export function compareRpmVersions(a: string, b: string): number {
  const x = splitEvr(a);
  const y = splitEvr(b);
  if (x.epoch !== y.epoch) return x.epoch > y.epoch ? 1 : -1;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0) return v;
  if (x.release === '' || y.release === '') return 0;
  return rpmvercmp(x.release, y.release);
}

// ---------------------------------------------------------------- IP addresses

/** Expands an IPv4 or IPv6 address to a 128-bit BigInt (IPv4 mapped into ::ffff:0:0/96). */
export function ipToBigInt(ip: string): bigint | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return (0xffffn << 32n) | parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
  }
  let text = ip.toLowerCase().replace(/%.*$/, '');
  const tail4 = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(text);
  if (tail4) {
    const n = ipToBigInt(tail4[1]!);
    if (n === undefined) return undefined;
    const low = n & 0xffffffffn;
    text =
      text.slice(0, -tail4[1]!.length) + ((low >> 16n).toString(16) + ':' + (low & 0xffffn).toString(16));
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  let out = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    out = (out << 16n) | BigInt(parseInt(g, 16));
  }
  return out;
}

/** True when `ip` lies inside `cidr` (IPv4 or IPv6; a bare address means a single host). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const parts = cidr.split('/');
  const [net, lenText] = parts;
  if (parts.length > 2 || (lenText !== undefined && !/^\d{1,3}$/.test(lenText))) return false;
  const a = ipToBigInt(ip);
  const n = ipToBigInt(net ?? '');
  if (a === undefined || n === undefined) return false;
  const isV4 = !net!.includes(':');
  if (isV4 && lenText !== undefined && Number(lenText) > 32) return false;
  const bits = lenText === undefined ? 128 : Number(lenText) + (isV4 ? 96 : 0);
  if (!(bits >= 0 && bits <= 128)) return false;
  const shift = BigInt(128 - bits);
  return a >> shift === n >> shift;
}

export function isLoopback(ip: string): boolean {
  return ipInCidr(ip, '127.0.0.0/8') || ipInCidr(ip, '::1/128');
}
