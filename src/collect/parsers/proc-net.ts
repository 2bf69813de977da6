/** Parsers for the kernel's socket tables /proc/net/{tcp,tcp6,udp,udp6}. Pure. */

export type SocketProto = 'tcp' | 'tcp6' | 'udp' | 'udp6';

export interface ProcNetSocket {
  proto: SocketProto;
  local: string;
  port: number;
  remote: string;
  remotePort: number;
  state: string;
  listening: boolean;
  uid: number;
  inode: number;
}

/** include/net/tcp_states.h */
const TCP_STATES: Record<number, string> = {
  1: 'established',
  2: 'syn_sent',
  3: 'syn_recv',
  4: 'fin_wait1',
  5: 'fin_wait2',
  6: 'time_wait',
  7: 'close',
  8: 'close_wait',
  9: 'last_ack',
  10: 'listen',
  11: 'closing',
  12: 'new_syn_recv',
};

/**
 * The kernel prints each 32-bit word of the address in host byte order (little-endian on x86,
 * arm, riscv): "0100007F" is 127.0.0.1. IPv6 is four such words.
 */
function wordBytes(hex8: string, littleEndian: boolean): number[] {
  const b = [0, 2, 4, 6].map((i) => parseInt(hex8.slice(i, i + 2), 16));
  return littleEndian ? b.reverse() : b;
}

/** Formats 16 bytes as RFC 5952 text (longest zero run compressed; IPv4-mapped as ::ffff:a.b.c.d). */
export function formatIPv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `::ffff:${bytes.slice(12).join('.')}`;
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Decodes "0100007F" / 32 hex digits into address text; undefined when malformed. */
export function decodeAddress(hex: string, littleEndian = true): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(hex)) return wordBytes(hex, littleEndian).join('.');
  if (/^[0-9A-Fa-f]{32}$/.test(hex)) {
    const bytes: number[] = [];
    for (let w = 0; w < 4; w++) bytes.push(...wordBytes(hex.slice(w * 8, w * 8 + 8), littleEndian));
    return formatIPv6(bytes);
  }
  return undefined;
}

const isZeroAddress = (a: string) => a === '0.0.0.0' || a === '::';

/** Parses one /proc/net/{tcp,udp}[6] table. Header and malformed lines are skipped. */
export function parseProcNet(text: string, proto: SocketProto, littleEndian = true): ProcNetSocket[] {
  const out: ProcNetSocket[] = [];
  const udp = proto.startsWith('udp');
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode …
    if (f.length < 10 || !/^\d+:$/.test(f[0]!)) continue;
    const [la, lp] = f[1]!.split(':');
    const [ra, rp] = f[2]!.split(':');
    const local = decodeAddress(la ?? '', littleEndian);
    const remote = decodeAddress(ra ?? '', littleEndian);
    const port = parseInt(lp ?? '', 16);
    const remotePort = parseInt(rp ?? '', 16);
    const st = parseInt(f[3]!, 16);
    const uid = Number(f[7]);
    const inode = Number(f[9]);
    if (
      local === undefined ||
      remote === undefined ||
      !Number.isInteger(port) ||
      !Number.isInteger(remotePort) ||
      !Number.isInteger(st)
    )
      continue;
    let state = TCP_STATES[st] ?? `state_${st}`;
    let listening = state === 'listen';
    if (udp) {
      // UDP sockets reuse the TCP codes: 07 (close) is an unconnected socket, 01 a connected one.
      if (st === 7) state = 'unconn';
      listening = st === 7 && isZeroAddress(remote) && remotePort === 0;
    }
    out.push({
      proto,
      local,
      port,
      remote,
      remotePort,
      state,
      listening,
      uid: Number.isInteger(uid) ? uid : -1,
      inode: Number.isInteger(inode) ? inode : 0,
    });
  }
  return out;
}

/** Socket inode from an fd link text ("socket:[12345]"); undefined for anything else. */
export function socketInode(linkText: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(linkText);
  return m ? Number(m[1]) : undefined;
}
