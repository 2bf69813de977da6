/**
 * Packet decoding (link layer → IP → TCP/UDP/ICMP) and the flow table. The hot path reads fields straight from
 * the reader's buffer into module-level scratch variables and finds the flow through a numeric hash: no
 * per-packet objects or strings. Memory grows with the number of flows (and their small reassembly buffers),
 * never with the number of packets.
 */
import type { RawPacket } from './reader.js';
import type { CaptureWarning, Flow, Operation, ProtocolName } from './types.js';
import {
  identify,
  inspect,
  inspectL2,
  isFramed,
  l2Protocol,
  portGuess,
  tcpServerPort,
  udpServerPort,
} from './protocols.js';

/** Transport codes of the flow table: IP protocol numbers, and L2 for Ethernet-only protocols. */
export const TCP = 6;
export const UDP = 17;
export const ICMP = 1;
export const ICMP6 = 58;
export const L2 = -1;

/** One flow: the client (initiator) side is `c`, the server (responder) side `s`. */
export class FlowState {
  v6 = false;
  proto = 0;
  c0 = 0;
  c1 = 0;
  c2 = 0;
  c3 = 0;
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  cport = 0;
  sport = 0;
  /** MACs as 48-bit numbers; -1 when not seen (raw IP, cooked captures without the address). */
  cmac = -1;
  smac = -1;
  vlan = -1;
  pktsC2S = 0;
  pktsS2C = 0;
  bytesC2S = 0;
  bytesS2C = 0;
  first = 0;
  last = 0;
  initiatorKnown = false;
  protocol: ProtocolName = 'unknown';
  identifiedBy: 'payload' | 'port' | 'none' = 'none';
  /** Payload packets inspected without identifying the protocol (inspection stops after a few). */
  tries = 0;
  /** Payload packets still worth inspecting once identified (notes-only protocols stop early). */
  budget = 64;
  notes: Set<string> | null = null;
  /** Operations the client (ops) and the server (opsRev) sent on this flow, by a numeric key (protocols.ts). */
  ops: Map<number, Operation> | null = null;
  opsRev: Map<number, Operation> | null = null;
  /** Reassembly: bytes of an incomplete PDU per direction, and the next expected TCP sequence number. */
  pendC: Buffer | null = null;
  pendS: Buffer | null = null;
  seqC = -1;
  seqS = -1;
  /** Protocol-specific scratch (e.g. the TLS versions seen). */
  app: Record<string, unknown> | null = null;
  next: FlowState | null = null;

  note(text: string): void {
    (this.notes ??= new Set()).add(text);
  }
}

/** Reassembly buffer cap per direction: a PDU larger than this is not reassembled. */
export const PENDING_CAP = 65536;

// ---- scratch of the packet being decoded -------------------------------------------------------------
/** Offsets of the source and destination MACs in the packet buffer (-1: none); read only when a flow needs them. */
let smacOff = -1;
let dmacOff = -1;
let vlanId = -1;
let isV6 = false;
let sa0 = 0,
  sa1 = 0,
  sa2 = 0,
  sa3 = 0,
  da0 = 0,
  da1 = 0,
  da2 = 0,
  da3 = 0;

const mac48 = (b: Buffer, o: number): number => b.readUInt16BE(o) * 4294967296 + b.readUInt32BE(o + 2);

export interface Counters {
  [k: string]: number;
}

export class FlowTable {
  readonly table = new Map<number, FlowState>();
  readonly all: FlowState[] = [];
  readonly counters: Counters = {
    packets: 0,
    ipv4: 0,
    ipv6: 0,
    ipv4Fragments: 0,
    ipv6Fragments: 0,
    nonIp: 0,
    arp: 0,
    tcp: 0,
    udp: 0,
    icmp: 0,
    truncatedPackets: 0,
    undecodable: 0,
    unknownLinkType: 0,
    retransmissions: 0,
    reassemblyDropped: 0,
  };
  /** IPv4 → MAC from ARP (sender addresses), for assets seen only through routed traffic. */
  readonly arp = new Map<number, number>();
  private readonly warnedLinkTypes = new Set<string>();
  file = '';
  warn: (w: CaptureWarning) => void = () => undefined;

  packet(p: RawPacket): void {
    const c = this.counters;
    c['packets']!++;
    if (p.caplen < p.origLen) c['truncatedPackets']!++;
    const b = p.buf;
    const end = p.off + p.caplen;
    let o = p.off;
    let et = -1;
    smacOff = -1;
    dmacOff = -1;
    vlanId = -1;
    switch (p.linkType) {
      case 1: // Ethernet
        if (p.caplen < 14) {
          this.short();
          return;
        }
        dmacOff = o;
        smacOff = o + 6;
        et = b.readUInt16BE(o + 12);
        o += 14;
        break;
      case 113: // Linux cooked v1
        if (p.caplen < 16) {
          this.short();
          return;
        }
        if (b.readUInt16BE(o + 2) === 1 && b.readUInt16BE(o + 4) === 6) smacOff = o + 6;
        et = b.readUInt16BE(o + 14);
        o += 16;
        break;
      case 276: // Linux cooked v2
        if (p.caplen < 20) {
          this.short();
          return;
        }
        if (b.readUInt16BE(o + 8) === 1 && b[o + 11] === 6) smacOff = o + 12;
        et = b.readUInt16BE(o);
        o += 20;
        break;
      case 101:
      case 12:
      case 14: {
        // Raw IP: the version nibble decides.
        if (p.caplen < 1) {
          this.short();
          return;
        }
        const v = b[o]! >> 4;
        et = v === 4 ? 0x0800 : v === 6 ? 0x86dd : -2;
        break;
      }
      case 228:
        et = 0x0800;
        break;
      case 229:
        et = 0x86dd;
        break;
      case 0: // BSD loopback: address family in the capturing host's byte order
      case 108: {
        // OpenBSD loop: network byte order
        if (p.caplen < 4) {
          this.short();
          return;
        }
        let fam = p.linkType === 108 ? b.readUInt32BE(o) : b.readUInt32LE(o);
        if (p.linkType === 0 && fam > 0xffff) fam = b.readUInt32BE(o);
        et = fam === 2 ? 0x0800 : fam === 24 || fam === 28 || fam === 30 ? 0x86dd : -2;
        o += 4;
        break;
      }
      default: {
        c['unknownLinkType']!++;
        const k = `${this.file}\u0000${p.linkType}`;
        if (!this.warnedLinkTypes.has(k)) {
          this.warnedLinkTypes.add(k);
          this.warn({
            file: this.file,
            packet: p.number,
            offset: p.fileOffset,
            code: 'unknown-link-type',
            message: `${this.file}: packet ${p.number} at byte ${p.fileOffset}: link type ${p.linkType} is not decoded; packets of that link type are counted and skipped`,
          });
        }
        return;
      }
    }
    // 802.1Q / 802.1ad / QinQ tags (the innermost VLAN id is kept).
    while (et === 0x8100 || et === 0x88a8 || et === 0x9100) {
      if (o + 4 > end) {
        this.short();
        return;
      }
      vlanId = b.readUInt16BE(o) & 0x0fff;
      et = b.readUInt16BE(o + 2);
      o += 4;
    }
    if (et === 0x0800) this.ipv4(p, o, end);
    else if (et === 0x86dd) this.ipv6(p, o, end);
    else {
      c['nonIp']!++;
      if (et === 0x0806 && o + 28 <= end && b.readUInt16BE(o) === 1 && b.readUInt16BE(o + 2) === 0x0800) {
        c['arp']!++;
        const ip = b.readUInt32BE(o + 14);
        if (ip !== 0) this.arp.set(ip, mac48(b, o + 8));
      } else if (smacOff >= 0 && dmacOff >= 0 && l2Protocol(et) !== undefined) {
        this.l2(p, et, o, end);
      }
    }
  }

  private short(): void {
    this.counters['undecodable']!++;
  }

  private ipv4(p: RawPacket, o: number, end: number): void {
    const b = p.buf;
    const c = this.counters;
    if (o + 20 > end || b[o]! >> 4 !== 4) {
      this.short();
      return;
    }
    c['ipv4']!++;
    const ihl = (b[o]! & 15) * 4;
    const total = b.readUInt16BE(o + 2);
    const frag = b.readUInt16BE(o + 6);
    const proto = b[o + 9]!;
    isV6 = false;
    sa0 = sa1 = sa2 = da0 = da1 = da2 = 0;
    sa3 = b.readUInt32BE(o + 12);
    da3 = b.readUInt32BE(o + 16);
    // The IP length bounds the payload (Ethernet pads short frames); the capture may end earlier.
    const ipEnd = total >= ihl && o + total < end ? o + total : end;
    const offset = frag & 0x1fff;
    if (offset !== 0 || frag & 0x2000) c['ipv4Fragments']!++;
    if (offset !== 0) return; // later fragments carry no transport header
    this.transport(p, proto, o + ihl, ipEnd, total > 0 ? o + total > end : false);
  }

  private ipv6(p: RawPacket, o: number, end: number): void {
    const b = p.buf;
    const c = this.counters;
    if (o + 40 > end || b[o]! >> 4 !== 6) {
      this.short();
      return;
    }
    c['ipv6']!++;
    const plen = b.readUInt16BE(o + 4);
    let nh = b[o + 6]!;
    isV6 = true;
    sa0 = b.readUInt32BE(o + 8);
    sa1 = b.readUInt32BE(o + 12);
    sa2 = b.readUInt32BE(o + 16);
    sa3 = b.readUInt32BE(o + 20);
    da0 = b.readUInt32BE(o + 24);
    da1 = b.readUInt32BE(o + 28);
    da2 = b.readUInt32BE(o + 32);
    da3 = b.readUInt32BE(o + 36);
    const ipEnd = plen > 0 && o + 40 + plen < end ? o + 40 + plen : end;
    const cut = plen > 0 && o + 40 + plen > end;
    let q = o + 40;
    // Extension headers: hop-by-hop 0, routing 43, fragment 44, destination options 60, AH 51, mobility 135.
    for (let i = 0; i < 8; i++) {
      if (nh === 0 || nh === 43 || nh === 60 || nh === 135) {
        if (q + 8 > ipEnd) {
          this.short();
          return;
        }
        const next = b[q]!;
        q += (b[q + 1]! + 1) * 8;
        nh = next;
      } else if (nh === 44) {
        if (q + 8 > ipEnd) {
          this.short();
          return;
        }
        c['ipv6Fragments']!++;
        const next = b[q]!;
        const off = b.readUInt16BE(q + 2) >> 3;
        q += 8;
        nh = next;
        if (off !== 0) return;
      } else if (nh === 51) {
        if (q + 8 > ipEnd) {
          this.short();
          return;
        }
        const next = b[q]!;
        q += (b[q + 1]! + 2) * 4;
        nh = next;
      } else break;
    }
    if (q > ipEnd) {
      this.short();
      return;
    }
    this.transport(p, nh, q, ipEnd, cut);
  }

  private transport(p: RawPacket, proto: number, o: number, end: number, cut: boolean): void {
    const b = p.buf;
    const c = this.counters;
    let sport = 0;
    let dport = 0;
    let payload = o;
    let flags = 0;
    let seq = 0;
    if (proto === TCP) {
      if (o + 20 > end) {
        this.short();
        return;
      }
      c['tcp']!++;
      sport = b.readUInt16BE(o);
      dport = b.readUInt16BE(o + 2);
      seq = b.readUInt32BE(o + 4);
      const doff = (b[o + 12]! >> 4) * 4;
      flags = b[o + 13]!;
      payload = o + (doff < 20 ? 20 : doff);
      if (payload > end) payload = end;
    } else if (proto === UDP) {
      if (o + 8 > end) {
        this.short();
        return;
      }
      c['udp']!++;
      sport = b.readUInt16BE(o);
      dport = b.readUInt16BE(o + 2);
      payload = o + 8;
    } else if (proto === ICMP || proto === ICMP6) {
      c['icmp']!++;
    }
    const f = this.lookup(proto, sport, dport, flags, p.ts);
    const fromClient = f.cport === sport && f.c3 === sa3 && f.c0 === sa0 && f.c1 === sa1 && f.c2 === sa2;
    const len = p.origLen;
    if (fromClient) {
      f.pktsC2S++;
      f.bytesC2S += len;
      if (f.cmac < 0 && smacOff >= 0) f.cmac = mac48(b, smacOff);
      if (f.smac < 0 && dmacOff >= 0) f.smac = mac48(b, dmacOff);
    } else {
      f.pktsS2C++;
      f.bytesS2C += len;
      if (f.smac < 0 && smacOff >= 0) f.smac = mac48(b, smacOff);
      if (f.cmac < 0 && dmacOff >= 0) f.cmac = mac48(b, dmacOff);
    }
    if (vlanId >= 0) f.vlan = vlanId;
    if (p.ts > f.last) f.last = p.ts;
    if (p.ts < f.first) f.first = p.ts;
    const plen = end - payload;
    if (proto === TCP) {
      // Sequence tracking: retransmitted bytes are not inspected twice; a gap drops a partial PDU.
      const want = fromClient ? f.seqC : f.seqS;
      const nextSeq = (seq + plen + (flags & 0x02 ? 1 : 0) + (flags & 0x01 ? 1 : 0)) >>> 0;
      if (plen > 0 && want >= 0) {
        const d = (seq - want) | 0;
        if (d < 0) {
          if (((nextSeq - want) | 0) <= 0) {
            c['retransmissions']!++;
            return;
          }
          // Partly new: skip the bytes already seen.
          payload -= d;
          if (payload > end) return;
        } else if (d > 0) {
          if (fromClient) f.pendC = null;
          else f.pendS = null;
        }
      }
      if (cut) {
        // The snaplen cut this segment: the next bytes of the stream are unknown.
        if (fromClient) f.pendC = null;
        else f.pendS = null;
      }
      if (fromClient) f.seqC = cut ? -1 : nextSeq;
      else f.seqS = cut ? -1 : nextSeq;
    }
    if (end - payload <= 0 || (proto !== TCP && proto !== UDP)) return;
    if (f.identifiedBy !== 'payload') {
      if (f.tries >= 12) return;
      f.tries++;
      if (!identify(f, fromClient, b, payload, end)) {
        // A framed protocol guessed by port: reassembly may still find whole PDUs (the first segment may
        // have been a fragment of one); a valid PDU confirms the protocol.
        if (f.identifiedBy === 'port' && isFramed(f.protocol) && proto === TCP)
          inspect(f, fromClient, b, payload, end, p.ts, cut);
        return;
      }
    }
    if (f.budget > 0) inspect(f, fromClient, b, payload, end, p.ts, cut);
  }

  private l2(p: RawPacket, et: number, o: number, end: number): void {
    isV6 = false;
    sa0 = sa1 = da0 = da1 = 0;
    // MACs as 48-bit numbers in the low words (2^48 fits a double exactly).
    const b = p.buf;
    sa2 = b.readUInt16BE(smacOff);
    sa3 = b.readUInt32BE(smacOff + 2);
    da2 = b.readUInt16BE(dmacOff);
    da3 = b.readUInt32BE(dmacOff + 2);
    const f = this.lookup(L2, 0, et, 0, p.ts);
    const fromClient = f.c3 === sa3 && f.c2 === sa2;
    if (fromClient) {
      f.pktsC2S++;
      f.bytesC2S += p.origLen;
    } else {
      f.pktsS2C++;
      f.bytesS2C += p.origLen;
    }
    if (vlanId >= 0) f.vlan = vlanId;
    if (p.ts > f.last) f.last = p.ts;
    if (f.budget > 0) inspectL2(f, et, fromClient, p.buf, o, end, p.ts);
  }

  /** Finds or creates the flow of the current packet (the scratch addresses) in either direction. */
  private lookup(proto: number, sport: number, dport: number, flags: number, ts: number): FlowState {
    const hs =
      (Math.imul(sa0 ^ Math.imul(sa1, 31) ^ Math.imul(sa2, 961) ^ Math.imul(sa3, 0x9e3779b1), 1) + sport) ^ 0;
    const hd =
      (Math.imul(da0 ^ Math.imul(da1, 31) ^ Math.imul(da2, 961) ^ Math.imul(da3, 0x9e3779b1), 1) + dport) ^ 0;
    // Kept within the small-integer range so that the Map key is never a boxed number.
    const h = (Math.imul((hs + hd) | 0, 0x85ebca6b) ^ Math.imul(proto, 0x27d4eb2d)) & 0x3fffffff;
    const head = this.table.get(h);
    for (let f: FlowState | null | undefined = head; f; f = f.next) {
      if (f.proto !== proto || f.v6 !== isV6) continue;
      if (
        f.cport === sport &&
        f.sport === dport &&
        f.c3 === sa3 &&
        f.s3 === da3 &&
        f.c0 === sa0 &&
        f.c1 === sa1 &&
        f.c2 === sa2 &&
        f.s0 === da0 &&
        f.s1 === da1 &&
        f.s2 === da2
      )
        return f;
      if (
        f.cport === dport &&
        f.sport === sport &&
        f.c3 === da3 &&
        f.s3 === sa3 &&
        f.c0 === da0 &&
        f.c1 === da1 &&
        f.c2 === da2 &&
        f.s0 === sa0 &&
        f.s1 === sa1 &&
        f.s2 === sa2
      )
        return f;
    }
    const f = new FlowState();
    f.proto = proto;
    f.v6 = isV6;
    f.first = ts;
    f.last = ts;
    // Who is the client: the SYN says; otherwise the well-known port is the server's; otherwise the lower port.
    let senderIsClient = true;
    let known = true;
    if (proto === TCP) {
      const syn = (flags & 0x12) === 0x02;
      const synAck = (flags & 0x12) === 0x12;
      if (synAck) senderIsClient = false;
      else if (!syn) {
        known = false;
        senderIsClient = serverSide(tcpServerPort, sport, dport);
      }
    } else if (proto === UDP) {
      const guess = serverSide(udpServerPort, sport, dport);
      if (!guess && udpServerPort(sport) !== 'unknown') {
        senderIsClient = false;
        known = false;
      }
    }
    if (senderIsClient) {
      f.c0 = sa0;
      f.c1 = sa1;
      f.c2 = sa2;
      f.c3 = sa3;
      f.s0 = da0;
      f.s1 = da1;
      f.s2 = da2;
      f.s3 = da3;
      f.cport = sport;
      f.sport = dport;
    } else {
      f.c0 = da0;
      f.c1 = da1;
      f.c2 = da2;
      f.c3 = da3;
      f.s0 = sa0;
      f.s1 = sa1;
      f.s2 = sa2;
      f.s3 = sa3;
      f.cport = dport;
      f.sport = sport;
    }
    f.initiatorKnown = known;
    if (proto === TCP || proto === UDP) {
      const g = portGuess(proto, f.sport);
      if (g !== 'unknown') {
        f.protocol = g;
        f.identifiedBy = 'port';
      }
    } else if (proto === L2) {
      f.protocol = l2Protocol(dport) ?? 'unknown';
      f.identifiedBy = 'payload';
    }
    f.next = head ?? null;
    this.table.set(h, f);
    this.all.push(f);
    return f;
  }
}

/** True when the sender (sport) looks like the client of a flow whose first packet was not a SYN. */
function serverSide(known: (port: number) => ProtocolName, sport: number, dport: number): boolean {
  const s = known(sport) !== 'unknown';
  const d = known(dport) !== 'unknown';
  if (d && !s) return true;
  if (s && !d) return false;
  return dport <= sport;
}

// ---- presentation (outside the hot path) ---------------------------------------------------------------

export function ipText(v6: boolean, a0: number, a1: number, a2: number, a3: number): string {
  if (!v6) return `${a3 >>> 24}.${(a3 >>> 16) & 255}.${(a3 >>> 8) & 255}.${a3 & 255}`;
  const words = [
    a0 >>> 16,
    a0 & 0xffff,
    a1 >>> 16,
    a1 & 0xffff,
    a2 >>> 16,
    a2 & 0xffff,
    a3 >>> 16,
    a3 & 0xffff,
  ];
  // RFC 5952: the longest run (≥2) of zero words becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function macText(m: number): string {
  const hex = m.toString(16).padStart(12, '0');
  return hex.replace(/(..)(?=.)/g, '$1:');
}

export function transportName(proto: number): string {
  return proto === TCP
    ? 'tcp'
    : proto === UDP
      ? 'udp'
      : proto === ICMP || proto === ICMP6
        ? 'icmp'
        : proto === L2
          ? 'l2'
          : String(proto);
}

export function clientText(f: FlowState): string {
  return f.proto === L2 ? macText(f.c2 * 4294967296 + f.c3) : ipText(f.v6, f.c0, f.c1, f.c2, f.c3);
}
export function serverText(f: FlowState): string {
  return f.proto === L2 ? macText(f.s2 * 4294967296 + f.s3) : ipText(f.v6, f.s0, f.s1, f.s2, f.s3);
}

export function toFlow(f: FlowState): Flow {
  const flow: Flow = {
    transport: transportName(f.proto),
    srcIp: clientText(f),
    srcPort: f.cport,
    dstIp: serverText(f),
    dstPort: f.sport,
    protocol: f.protocol,
    identifiedBy: f.identifiedBy,
    initiatorKnown: f.initiatorKnown,
    packetsToServer: f.pktsC2S,
    packetsToClient: f.pktsS2C,
    bytesToServer: f.bytesC2S,
    bytesToClient: f.bytesS2C,
    firstSeen: f.first,
    lastSeen: f.last,
    notes: f.notes ? [...f.notes].sort() : [],
  };
  if (f.proto === L2) {
    flow.srcMac = flow.srcIp;
    flow.dstMac = flow.dstIp;
  } else {
    if (f.cmac >= 0) flow.srcMac = macText(f.cmac);
    if (f.smac >= 0) flow.dstMac = macText(f.smac);
  }
  if (f.vlan >= 0) flow.vlan = f.vlan;
  return flow;
}
