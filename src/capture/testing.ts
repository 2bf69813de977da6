/**
 * For tests and the benchmark: a small pcap/pcapng writer and builders of real frames (Ethernet, VLAN, SLL,
 * IPv4/IPv6, TCP conversations with correct sequence numbers, UDP) and of the industrial and IT protocol
 * payloads the analyser recognises. tshark reads these files as the oracle.
 */

export interface Packet {
  /** Epoch microseconds. */
  ts: number;
  data: Buffer;
  /** Original length when the capture cut the packet (snaplen). */
  origLen?: number;
  /** pcapng interface index (default 0). */
  iface?: number;
}

// ---- files -----------------------------------------------------------------------------------------------

export function pcapFile(
  packets: Packet[],
  opts: { linkType?: number; nano?: boolean; bigEndian?: boolean; snaplen?: number } = {},
): Buffer {
  const be = opts.bigEndian ?? false;
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number) =>
    be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o);
  const w16 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  w32(h, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, opts.snaplen ?? 262144, 16);
  w32(h, opts.linkType ?? 1, 20);
  parts.push(h);
  for (const p of packets) {
    const r = Buffer.alloc(16);
    const sec = Math.floor(p.ts / 1e6);
    const us = p.ts - sec * 1e6;
    w32(r, sec, 0);
    w32(r, opts.nano ? us * 1000 : us, 4);
    w32(r, p.data.length, 8);
    w32(r, p.origLen ?? p.data.length, 12);
    parts.push(r, p.data);
  }
  return Buffer.concat(parts);
}

export interface NgInterface {
  linkType: number;
  /** if_tsresol: 6 = microseconds (default), 9 = nanoseconds. */
  tsresol?: number;
  snaplen?: number;
}

/** A pcapng file: one section, the given interfaces, packets as EPBs (or SPB/OPB), optional unknown blocks. */
export function pcapngFile(
  packets: Packet[],
  opts: {
    interfaces?: NgInterface[];
    bigEndian?: boolean;
    blockKind?: 'epb' | 'spb' | 'opb';
    /** Insert a block of an unknown type before each packet at these indexes. */
    unknownBlocksAt?: number[];
  } = {},
): Buffer {
  const be = opts.bigEndian ?? false;
  const ifaces = opts.interfaces ?? [{ linkType: 1 }];
  const w32 = (b: Buffer, v: number, o: number) =>
    be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o);
  const w16 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  const block = (type: number, body: Buffer): Buffer => {
    const padded = Buffer.alloc((body.length + 3) & ~3);
    body.copy(padded);
    const b = Buffer.alloc(12 + padded.length);
    w32(b, type, 0);
    w32(b, b.length, 4);
    padded.copy(b, 8);
    w32(b, b.length, b.length - 4);
    return b;
  };
  const parts: Buffer[] = [];
  const shb = Buffer.alloc(16);
  w32(shb, 0x1a2b3c4d, 0);
  w16(shb, 1, 4);
  w16(shb, 0, 6);
  shb.writeInt32LE(-1, 8);
  shb.writeInt32LE(-1, 12);
  parts.push(block(0x0a0d0d0a, shb));
  for (const i of ifaces) {
    const opt: Buffer[] = [];
    if (i.tsresol !== undefined) {
      const o = Buffer.alloc(8);
      w16(o, 9, 0);
      w16(o, 1, 2);
      o[4] = i.tsresol;
      opt.push(o);
    }
    if (opt.length) opt.push(Buffer.alloc(4)); // opt_endofopt
    const body = Buffer.alloc(8);
    w16(body, i.linkType, 0);
    w32(body, i.snaplen ?? 0, 4);
    parts.push(block(1, Buffer.concat([body, ...opt])));
  }
  packets.forEach((p, idx) => {
    if (opts.unknownBlocksAt?.includes(idx)) parts.push(block(0x0bad, Buffer.from('unknown block body')));
    const iface = ifaces[p.iface ?? 0]!;
    const res = iface.tsresol ?? 6;
    const units = res === 6 ? BigInt(p.ts) : BigInt(p.ts) * 10n ** BigInt(res - 6);
    const kind = opts.blockKind ?? 'epb';
    if (kind === 'spb') {
      const b = Buffer.alloc(4);
      w32(b, p.origLen ?? p.data.length, 0);
      parts.push(block(3, Buffer.concat([b, p.data])));
      return;
    }
    const b = Buffer.alloc(20);
    if (kind === 'epb') w32(b, p.iface ?? 0, 0);
    else {
      w16(b, p.iface ?? 0, 0);
      w16(b, 0, 2);
    }
    w32(b, Number(units >> 32n), 4);
    w32(b, Number(units & 0xffffffffn), 8);
    w32(b, p.data.length, 12);
    w32(b, p.origLen ?? p.data.length, 16);
    parts.push(block(kind === 'epb' ? 6 : 2, Buffer.concat([b, p.data])));
  });
  return Buffer.concat(parts);
}

// ---- frames ----------------------------------------------------------------------------------------------

export const mac = (s: string): Buffer => Buffer.from(s.replace(/:/g, ''), 'hex');

function ipBytes(ip: string): Buffer {
  if (!ip.includes(':')) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(parseInt(w || '0', 16), i * 2));
  return b;
}

export function ethernet(
  dst: string,
  src: string,
  ethertype: number,
  payload: Buffer,
  vlans: number[] = [],
): Buffer {
  const tags = vlans.map((v, i) => {
    const t = Buffer.alloc(4);
    // Outer tags of a QinQ stack use 0x88a8, the innermost 0x8100.
    t.writeUInt16BE(i === vlans.length - 1 ? 0x8100 : 0x88a8, 0);
    t.writeUInt16BE(v, 2);
    return t;
  });
  const et = Buffer.alloc(2);
  et.writeUInt16BE(ethertype);
  // The TPID of each tag precedes the TCI: [dst][src][tpid tci]...[ethertype]
  const hdr = [mac(dst), mac(src)];
  const body: Buffer[] = [];
  for (const t of tags) body.push(t);
  const frame = Buffer.concat([...hdr, ...body, et, payload]);
  return frame.length < 60 ? Buffer.concat([frame, Buffer.alloc(60 - frame.length)]) : frame;
}

function checksum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length & 1) s += b[b.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export function ipv4(
  src: string,
  dst: string,
  proto: number,
  payload: Buffer,
  o: { id?: number; mf?: boolean; fragOffset?: number; options?: Buffer; ttl?: number } = {},
): Buffer {
  const opt = o.options ?? Buffer.alloc(0);
  const ihl = 20 + opt.length;
  const h = Buffer.alloc(ihl);
  h[0] = 0x40 | (ihl / 4);
  h.writeUInt16BE(ihl + payload.length, 2);
  h.writeUInt16BE(o.id ?? 1, 4);
  h.writeUInt16BE((o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) >> 3), 6);
  h[8] = o.ttl ?? 64;
  h[9] = proto;
  ipBytes(src).copy(h, 12);
  ipBytes(dst).copy(h, 16);
  opt.copy(h, 20);
  h.writeUInt16BE(checksum(h), 10);
  return Buffer.concat([h, payload]);
}

/** IPv6 with optional extension headers given as [next-header number, body] (hop-by-hop, dest opts, fragment…). */
export function ipv6(
  src: string,
  dst: string,
  nh: number,
  payload: Buffer,
  ext: { type: number; body: Buffer }[] = [],
): Buffer {
  const exts: Buffer[] = [];
  let first = nh;
  for (let i = ext.length - 1; i >= 0; i--) {
    const e = ext[i]!;
    const b = Buffer.concat([Buffer.from([first, 0]), e.body]);
    if (e.type !== 44) b[1] = b.length / 8 - 1;
    exts.unshift(b);
    first = e.type;
  }
  const body = Buffer.concat([...exts, payload]);
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(body.length, 4);
  h[6] = first;
  h[7] = 64;
  ipBytes(src).copy(h, 8);
  ipBytes(dst).copy(h, 24);
  return Buffer.concat([h, body]);
}

export function tcpHeader(
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Buffer,
): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, payload]);
}

export function udp(sport: number, dport: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

export interface Host {
  ip: string;
  mac: string;
}

/** How IP packets are framed on the wire of a capture. */
export type Framing =
  | { kind: 'ethernet'; vlans?: number[] }
  | { kind: 'sll' }
  | { kind: 'sll2' }
  | { kind: 'raw' }
  | { kind: 'null'; bigEndian?: boolean }
  | { kind: 'loop' };

export function frameIp(framing: Framing, from: Host, to: Host, ip: Buffer): Buffer {
  const v6 = ip[0]! >> 4 === 6;
  const et = v6 ? 0x86dd : 0x0800;
  switch (framing.kind) {
    case 'ethernet':
      return ethernet(to.mac, from.mac, et, ip, framing.vlans);
    case 'sll': {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(4, 0); // sent by us
      h.writeUInt16BE(1, 2); // ARPHRD_ETHER
      h.writeUInt16BE(6, 4);
      mac(from.mac).copy(h, 6);
      h.writeUInt16BE(et, 14);
      return Buffer.concat([h, ip]);
    }
    case 'sll2': {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(et, 0);
      h.writeUInt32BE(2, 4);
      h.writeUInt16BE(1, 8);
      h[10] = 4;
      h[11] = 6;
      mac(from.mac).copy(h, 12);
      return Buffer.concat([h, ip]);
    }
    case 'raw':
      return ip;
    case 'null': {
      const h = Buffer.alloc(4);
      const fam = v6 ? 30 : 2;
      if (framing.bigEndian) h.writeUInt32BE(fam);
      else h.writeUInt32LE(fam);
      return Buffer.concat([h, ip]);
    }
    case 'loop': {
      const h = Buffer.alloc(4);
      h.writeUInt32BE(v6 ? 24 : 2);
      return Buffer.concat([h, ip]);
    }
  }
}

export const LINKTYPE: Record<Framing['kind'], number> = {
  ethernet: 1,
  sll: 113,
  sll2: 276,
  raw: 101,
  null: 0,
  loop: 108,
};

/** A packet list being built with a running clock. */
export class Trace {
  readonly packets: Packet[] = [];
  constructor(
    public ts = 1_700_000_000_000_000,
    readonly framing: Framing = { kind: 'ethernet' },
  ) {}
  add(data: Buffer, gap = 1000, extra: Partial<Packet> = {}): void {
    this.ts += gap;
    this.packets.push({ ts: this.ts, data, ...extra });
  }
  udp(from: Host, to: Host, sport: number, dport: number, payload: Buffer): void {
    const ip = from.ip.includes(':')
      ? ipv6(from.ip, to.ip, 17, udp(sport, dport, payload))
      : ipv4(from.ip, to.ip, 17, udp(sport, dport, payload));
    this.add(frameIp(this.framing, from, to, ip));
  }
  tcp(client: Host, server: Host, cport: number, sport: number): TcpConversation {
    return new TcpConversation(this, client, server, cport, sport);
  }
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

/** A TCP connection with correct sequence and acknowledgement numbers. */
export class TcpConversation {
  private cseq = 1000;
  private sseq = 5000;
  constructor(
    private readonly t: Trace,
    readonly client: Host,
    readonly server: Host,
    readonly cport: number,
    readonly sport: number,
  ) {}

  private seg(fromClient: boolean, flags: number, payload: Buffer, extra: Partial<Packet> = {}): void {
    const [from, to, sp, dp] = fromClient
      ? [this.client, this.server, this.cport, this.sport]
      : [this.server, this.client, this.sport, this.cport];
    const seq = fromClient ? this.cseq : this.sseq;
    const ack = fromClient ? this.sseq : this.cseq;
    const tcp = tcpHeader(sp, dp, seq, flags & ACK ? ack : 0, flags, payload);
    const ip = from.ip.includes(':') ? ipv6(from.ip, to.ip, 6, tcp) : ipv4(from.ip, to.ip, 6, tcp);
    this.t.add(frameIp(this.t.framing, from, to, ip), 1000, extra);
    const adv = payload.length + (flags & (SYN | FIN) ? 1 : 0);
    if (fromClient) this.cseq = (this.cseq + adv) >>> 0;
    else this.sseq = (this.sseq + adv) >>> 0;
  }
  handshake(): this {
    this.seg(true, SYN, Buffer.alloc(0));
    this.seg(false, SYN | ACK, Buffer.alloc(0));
    this.seg(true, ACK, Buffer.alloc(0));
    return this;
  }
  /** Sends `payload` from one side, split into segments at the given offsets; the peer acknowledges. */
  send(fromClient: boolean, payload: Buffer, splitAt: number[] = []): this {
    const cuts = [0, ...splitAt.filter((x) => x > 0 && x < payload.length), payload.length];
    for (let i = 0; i + 1 < cuts.length; i++)
      this.seg(fromClient, ACK | PSH, payload.subarray(cuts[i], cuts[i + 1]));
    this.seg(!fromClient, ACK, Buffer.alloc(0));
    return this;
  }
  /** Sends the same bytes again (a retransmission) without advancing the sequence. */
  retransmit(fromClient: boolean, payload: Buffer): this {
    if (fromClient) this.cseq = (this.cseq - payload.length) >>> 0;
    else this.sseq = (this.sseq - payload.length) >>> 0;
    this.seg(fromClient, ACK | PSH, payload);
    return this;
  }
  request(req: Buffer, resp?: Buffer): this {
    this.send(true, req);
    if (resp) this.send(false, resp);
    return this;
  }
  close(): this {
    this.seg(true, FIN | ACK, Buffer.alloc(0));
    this.seg(false, FIN | ACK, Buffer.alloc(0));
    this.seg(true, ACK, Buffer.alloc(0));
    return this;
  }
}

// ---- payloads --------------------------------------------------------------------------------------------

const u16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
};
const u16le = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};
const u32le = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};

export function modbus(fc: number, data: Buffer, tid = 1, unit = 1): Buffer {
  return Buffer.concat([u16(tid), u16(0), u16(data.length + 2), Buffer.from([unit, fc]), data]);
}
export const umas = (code: number, data: Buffer = Buffer.alloc(0)): Buffer =>
  modbus(90, Buffer.concat([Buffer.from([0x00, code]), data]));

export function tpkt(cotpAndData: Buffer): Buffer {
  return Buffer.concat([Buffer.from([3, 0]), u16(cotpAndData.length + 4), cotpAndData]);
}
export const cotpDt = (data: Buffer): Buffer => tpkt(Buffer.concat([Buffer.from([0x02, 0xf0, 0x80]), data]));
/** COTP connection request with S7-style TSAPs (rack 0 slot 2). */
export const cotpCr = (): Buffer =>
  tpkt(Buffer.from([0x11, 0xe0, 0, 0, 0, 1, 0, 0xc0, 1, 0x0a, 0xc1, 2, 1, 0, 0xc2, 2, 1, 2]));
/** An S7comm job: header, then the parameter block starting with the function code. */
export function s7Job(fn: number, params: Buffer = Buffer.alloc(0), data: Buffer = Buffer.alloc(0)): Buffer {
  const param = Buffer.concat([Buffer.from([fn]), params]);
  const h = Buffer.concat([
    Buffer.from([0x32, 0x01, 0, 0]),
    u16(0x0100),
    u16(param.length),
    u16(data.length),
  ]);
  return cotpDt(Buffer.concat([h, param, data]));
}
export const s7PlusRequest = (fn: number): Buffer =>
  cotpDt(
    Buffer.concat([Buffer.from([0x72, 0x02]), u16(12), Buffer.from([0x31, 0, 0]), u16(fn), Buffer.alloc(7)]),
  );
/** MMS initiate over ISO session CONNECT (the start is enough to tell it from S7). */
export const mmsConnect = (): Buffer =>
  cotpDt(
    Buffer.from([
      0x0d, 0x10, 0x05, 0x06, 0x13, 0x01, 0x00, 0x16, 0x01, 0x02, 0x14, 0x02, 0x00, 0x02, 0x33, 0x02, 0x00,
      0x01,
    ]),
  );

export function enip(cmd: number, data: Buffer, session = 0x11223344): Buffer {
  return Buffer.concat([
    u16le(cmd),
    u16le(data.length),
    u32le(session),
    u32le(0),
    Buffer.alloc(8),
    u32le(0),
    data,
  ]);
}
/** SendRRData carrying an unconnected CIP request `cip`. */
export const enipCip = (cip: Buffer): Buffer =>
  enip(
    0x6f,
    Buffer.concat([u32le(0), u16le(0), u16le(2), u16le(0), u16le(0), u16le(0xb2), u16le(cip.length), cip]),
  );
/** A CIP request: service, logical path to class/instance(/attribute), data. */
export function cipRequest(
  service: number,
  cls: number,
  instance: number,
  data: Buffer = Buffer.alloc(0),
  attr?: number,
): Buffer {
  const path = [0x20, cls, 0x24, instance, ...(attr !== undefined ? [0x30, attr] : [])];
  return Buffer.concat([Buffer.from([service, path.length / 2, ...path]), data]);
}
export function cipSymbolic(service: number, tag: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const t = Buffer.from(tag, 'latin1');
  const seg = Buffer.concat([Buffer.from([0x91, t.length]), t, Buffer.alloc(t.length & 1)]);
  return Buffer.concat([Buffer.from([service, seg.length / 2]), seg, data]);
}
/** Unconnected Send (0x52 to the Connection Manager) wrapping `inner`. */
export const cipUnconnectedSend = (inner: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from([0x52, 2, 0x20, 0x06, 0x24, 0x01, 0x0a, 0xf0]),
    u16le(inner.length),
    inner,
    Buffer.from([1, 0, 1, 0]),
  ]);

function dnp3Crc(b: Buffer): Buffer {
  let crc = 0;
  for (const x of b) {
    crc ^= x;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa6bc : crc >>> 1;
  }
  return u16le(~crc & 0xffff);
}
/** A DNP3 frame from master (dst outstation) with application function `fc` and `objects`, with its CRCs. */
export function dnp3(fc: number, objects: Buffer = Buffer.alloc(0), dst = 10, src = 1): Buffer {
  const user = Buffer.concat([Buffer.from([0xc0, 0xc0, fc]), objects]);
  const blocks: Buffer[] = [];
  for (let i = 0; i < user.length; i += 16) {
    const chunk = user.subarray(i, i + 16);
    blocks.push(chunk, dnp3Crc(chunk));
  }
  const head = Buffer.concat([Buffer.from([0x05, 0x64, 5 + user.length, 0xc4]), u16le(dst), u16le(src)]);
  return Buffer.concat([head, dnp3Crc(head), ...blocks]);
}

export function iec104I(type: number, cot = 6, ioa = 1, value: Buffer = Buffer.from([1])): Buffer {
  const asdu = Buffer.concat([
    Buffer.from([type, 1, cot, 0]),
    u16le(1),
    Buffer.from([ioa & 255, (ioa >> 8) & 255, 0]),
    value,
  ]);
  return Buffer.concat([Buffer.from([0x68, asdu.length + 4, 0, 0, 0, 0]), asdu]);
}
export const iec104StartDt = (): Buffer => Buffer.from([0x68, 4, 0x07, 0, 0, 0]);

function uaString(s: string): Buffer {
  const b = Buffer.from(s, 'latin1');
  return Buffer.concat([u32le(b.length), b]);
}
export const opcuaHello = (url: string): Buffer => {
  const body = Buffer.concat([u32le(0), u32le(65536), u32le(65536), u32le(0), u32le(0), uaString(url)]);
  return Buffer.concat([Buffer.from('HELF'), u32le(8 + body.length), body]);
};
export const opcuaOpen = (policy: string): Buffer => {
  const body = Buffer.concat([
    u32le(0),
    uaString(`http://opcfoundation.org/UA/SecurityPolicy#${policy}`),
    u32le(0xffffffff),
    u32le(0xffffffff),
    u32le(1),
    u32le(1),
    Buffer.from([1, 0, 0xbe, 0x01]),
    Buffer.alloc(16),
  ]);
  return Buffer.concat([Buffer.from('OPNF'), u32le(8 + body.length), body]);
};
/** A MSG chunk with a four-byte NodeId request type (467 ActivateSession, 673 Write…) and a body. */
export const opcuaMsg = (typeId: number, body: Buffer = Buffer.alloc(8)): Buffer => {
  const b = Buffer.concat([u32le(1), u32le(1), u32le(2), u32le(2), Buffer.from([1, 0]), u16le(typeId), body]);
  return Buffer.concat([Buffer.from('MSGF'), u32le(8 + b.length), b]);
};
export const OPCUA_ANONYMOUS_TOKEN = Buffer.from([
  0x01, 0x00, 0x41, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x61, 0x6e, 0x6f, 0x6e,
]);

export function mqttConnect(user?: string, password?: string): Buffer {
  const flags = (user ? 0x80 : 0) | (password ? 0x40 : 0) | 0x02;
  const str = (s: string) => Buffer.concat([u16(Buffer.byteLength(s)), Buffer.from(s)]);
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, flags]),
    u16(60),
    str('sensor-1'),
    ...(user ? [str(user)] : []),
    ...(password ? [str(password)] : []),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

export const bacnet = (apdu: Buffer, broadcast = false): Buffer =>
  Buffer.concat([
    Buffer.from([0x81, broadcast ? 0x0b : 0x0a]),
    u16(apdu.length + 6),
    Buffer.from([0x01, 0x04]),
    apdu,
  ]);
export const bacnetConfirmed = (
  service: number,
  body: Buffer = Buffer.from([0x0c, 0x00, 0x80, 0x00, 0x01]),
): Buffer => bacnet(Buffer.concat([Buffer.from([0x00, 0x05, 0x01, service]), body]));
export const bacnetUnconfirmed = (service: number, body: Buffer = Buffer.alloc(0)): Buffer =>
  bacnet(Buffer.concat([Buffer.from([0x10, service]), body]), true);

export function finsTcp(mrc: number, src: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const frame = Buffer.concat([Buffer.from([0x80, 0, 2, 0, 1, 0, 0, 2, 0, 1, mrc, src]), data]);
  const b = Buffer.alloc(16);
  b.write('FINS', 0, 'latin1');
  b.writeUInt32BE(8 + frame.length, 4);
  b.writeUInt32BE(2, 8);
  return Buffer.concat([b, frame]);
}
export const finsUdp = (mrc: number, src: number): Buffer =>
  Buffer.from([0x80, 0, 2, 0, 1, 0, 0, 2, 0, 1, mrc, src]);

export function ads(cmd: number, data: Buffer, response = false): Buffer {
  const ams = Buffer.alloc(32);
  Buffer.from([192, 168, 1, 10, 1, 1]).copy(ams, 0);
  ams.writeUInt16LE(851, 6);
  Buffer.from([192, 168, 1, 20, 1, 1]).copy(ams, 8);
  ams.writeUInt16LE(32905, 14);
  ams.writeUInt16LE(cmd, 16);
  ams.writeUInt16LE(response ? 5 : 4, 18);
  ams.writeUInt32LE(data.length, 20);
  const h = Buffer.alloc(6);
  h.writeUInt32LE(32 + data.length, 2);
  return Buffer.concat([h, ams, data]);
}
export const adsWriteControl = (state: number): Buffer =>
  ads(5, Buffer.concat([u16le(state), u16le(0), u32le(0)]));

export const hartIp = (msgId = 0): Buffer => Buffer.from([1, 0, msgId, 0, 0, 1, 0, 13, 1, 0, 0, 0x75, 0x30]);
export const foxHello = (): Buffer => Buffer.from('fox a 0 -1 fox hello\n{\nfox.version=s:1.0\n};;\n');

export function snmpGet(community: string, pdu = 0xa0): Buffer {
  const c = Buffer.from(community, 'latin1');
  const varbind = Buffer.from([0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0, 0x05, 0x00]);
  const pduBody = Buffer.concat([Buffer.from([0x02, 1, 1, 0x02, 1, 0, 0x02, 1, 0]), varbind]);
  const p = Buffer.concat([Buffer.from([pdu, pduBody.length]), pduBody]);
  const body = Buffer.concat([Buffer.from([0x02, 1, 1, 0x04, c.length]), c, p]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

export function dnsQuery(name: string): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([
    Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
}
/** A DNS response to `dnsQuery(name)` with one answer per address (A, or AAAA for IPv6 text), names compressed. */
export function dnsResponse(name: string, addresses: string[]): Buffer {
  const q = dnsQuery(name);
  q[2] = 0x81; // QR, RD
  q[3] = 0x80; // RA
  q.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((a) => {
    const v6 = a.includes(':');
    const rdata = v6 ? ipv6Bytes(a) : Buffer.from(a.split('.').map(Number));
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(v6 ? 28 : 1, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(300, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([q, ...answers]);
}
function ipv6Bytes(text: string): Buffer {
  const [head = '', tail = ''] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = text.includes('::') ? (tail ? tail.split(':') : []) : [];
  const words = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(parseInt(w, 16), i * 2));
  return b;
}
export const ntpRequest = (): Buffer => {
  const b = Buffer.alloc(48);
  b[0] = 0x23; // version 4, client
  return b;
};

/** TLS ClientHello (legacy 1.2, supported_versions up to `max`) or ServerHello choosing `max`. */
export function tlsHello(server: boolean, max: number): Buffer {
  const exts: Buffer[] = [];
  if (max >= 0x0304) {
    const sv = server ? u16(max) : Buffer.concat([Buffer.from([4]), u16(0x0a0a), u16(max)]);
    exts.push(Buffer.concat([u16(43), u16(sv.length), sv]));
  }
  const ext = Buffer.concat(exts);
  const legacy = max >= 0x0303 ? 0x0303 : max;
  const body = server
    ? Buffer.concat([
        u16(legacy),
        Buffer.alloc(32),
        Buffer.from([0]),
        u16(0x1301),
        Buffer.from([0]),
        u16(ext.length),
        ext,
      ])
    : Buffer.concat([
        u16(legacy),
        Buffer.alloc(32),
        Buffer.from([0]),
        u16(2),
        u16(0x1301),
        Buffer.from([1, 0]),
        u16(ext.length),
        ext,
      ]);
  const hs = Buffer.concat([Buffer.from([server ? 2 : 1, 0]), u16(body.length), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1]), u16(hs.length), hs]);
}

export const smb1Negotiate = (): Buffer => {
  const smb = Buffer.concat([
    Buffer.from([0xff, 0x53, 0x4d, 0x42, 0x72]),
    Buffer.alloc(27),
    Buffer.from([0, 0x0c, 0]),
    Buffer.from('\u0002NT LM 0.12\u0000', 'latin1'),
  ]);
  return Buffer.concat([Buffer.from([0, 0]), u16(smb.length), smb]);
};
export const smb2Negotiate = (): Buffer => {
  const smb = Buffer.concat([
    Buffer.from([0xfe, 0x53, 0x4d, 0x42, 64, 0]),
    Buffer.alloc(58),
    Buffer.from([36, 0, 1, 0]),
    Buffer.alloc(32),
    u16le(0x0311),
  ]);
  return Buffer.concat([Buffer.from([0, 0]), u16(smb.length), smb]);
};
export const rdpConnect = (): Buffer =>
  tpkt(
    Buffer.concat([
      Buffer.from([0x26, 0xe0, 0, 0, 0, 0, 0]),
      Buffer.from('Cookie: mstshash=eng\r\n'),
      Buffer.from([1, 0, 8, 0, 3, 0, 0, 0]),
    ]),
  );

export const pnDcpSet = (option: number, sub: number): Buffer =>
  Buffer.concat([
    u16(0xfefd),
    Buffer.from([2, 0]),
    Buffer.from([0, 0, 0, 1]),
    u16(0),
    u16(8),
    Buffer.from([option, sub]),
    u16(4),
    u16(0),
    u16(1),
  ]);
export const pnDcpIdentify = (): Buffer =>
  Buffer.concat([
    u16(0xfefe),
    Buffer.from([5, 0, 0, 0, 0, 2]),
    u16(1),
    u16(4),
    Buffer.from([0xff, 0xff, 0, 0]),
  ]);
export const pnRtCyclic = (): Buffer =>
  Buffer.concat([u16(0x8001), Buffer.alloc(40), Buffer.from([0, 0, 0x35, 0])]);
export const goosePdu = (): Buffer =>
  Buffer.concat([
    u16(0x0001),
    u16(30),
    u16(0),
    u16(0),
    Buffer.from([0x61, 0x16, 0x80, 0x04]),
    Buffer.from('GCB1'),
    Buffer.alloc(16),
  ]);
export const svPdu = (): Buffer =>
  Buffer.concat([
    u16(0x4000),
    u16(20),
    u16(0),
    u16(0),
    Buffer.from([0x60, 0x0c, 0x80, 0x01, 1, 0xa2, 0x07]),
    Buffer.alloc(7),
  ]);

// ---- a plant ----------------------------------------------------------------------------------------------

export const HOSTS = {
  ews: { ip: '10.0.1.10', mac: '00:14:22:01:02:03' }, // Dell
  hmi: { ip: '10.0.1.20', mac: '00:14:22:0a:0b:0c' },
  historian: { ip: '10.0.1.30', mac: '00:14:22:aa:bb:cc' },
  s7plc: { ip: '10.0.2.5', mac: '00:0e:8c:11:22:33' }, // Siemens
  m340: { ip: '10.0.2.6', mac: '00:80:f4:11:22:33' }, // Schneider (Telemecanique)
  logix: { ip: '10.0.2.7', mac: '00:00:bc:11:22:33' }, // Rockwell
  rtu: { ip: '10.0.2.8', mac: '00:50:c2:00:00:08' },
  rtu104: { ip: '10.0.2.9', mac: '00:50:c2:00:00:09' },
  omron: { ip: '10.0.2.10', mac: '00:00:0a:11:22:33' }, // Omron
  beckhoff: { ip: '10.0.2.11', mac: '00:01:05:11:22:33' }, // Beckhoff
  bacnet: { ip: '10.0.2.12', mac: '00:50:c2:00:00:0c' },
  ied: { ip: '10.0.2.13', mac: '00:50:c2:00:00:0d' },
  broker: { ip: '10.0.3.5', mac: '02:00:00:00:03:05' },
  sensor: { ip: '10.0.3.6', mac: '02:00:00:00:03:06' },
  switch: { ip: '10.0.0.2', mac: '00:1b:54:00:00:02' },
  it: { ip: '10.0.4.10', mac: '00:14:22:44:44:44' },
  web: { ip: '10.0.4.20', mac: '00:14:22:44:44:55' },
  dns: { ip: '10.0.4.53', mac: '00:14:22:44:44:53' },
} satisfies Record<string, Host>;

/**
 * A plant's traffic over IP: every TCP/UDP protocol the analyser knows, with state-changing operations whose
 * counts the tests assert. `n` repeats the polling traffic (the benchmark scales it).
 */
export function plantTrace(
  framing: Framing = { kind: 'ethernet' },
  n = 1,
  start?: number,
  portBase = 40000,
): Trace {
  const H = HOSTS;
  const t = new Trace(start, framing);
  let port = portBase;
  const next = () => (port = port >= 65000 ? 20000 : port + 1);
  // S7: the engineering workstation downloads, stops and starts the PLC; the HMI writes a variable.
  t.tcp(H.ews, H.s7plc, next(), 102)
    .handshake()
    .request(
      cotpCr(),
      tpkt(Buffer.from([0x11, 0xd0, 0, 1, 0, 1, 0, 0xc0, 1, 0x0a, 0xc1, 2, 1, 0, 0xc2, 2, 1, 2])),
    )
    .request(s7Job(0xf0, Buffer.from([0, 0, 1, 0, 1, 1, 0xe0])))
    .request(s7Job(0x1a, Buffer.alloc(8)))
    .request(s7Job(0x1b, Buffer.alloc(8)))
    .request(s7Job(0x1c, Buffer.alloc(8)))
    .request(s7Job(0x29, Buffer.from('\u0000\u0000\u0000\u0000\u0000\u0009P_PROGRAM', 'latin1')))
    .request(
      s7Job(
        0x28,
        Buffer.from('\u0000\u0000\u0000\u0000\u0000\u0000\u00fd\u0000\u0000\u0009P_PROGRAM', 'latin1'),
      ),
    )
    .close();
  const hmiS7 = t.tcp(H.hmi, H.s7plc, next(), 102).handshake().request(cotpCr());
  for (let i = 0; i < n; i++)
    hmiS7.request(s7Job(0x04, Buffer.from([1, 0x12, 0x0a, 0x10, 2, 0, 1, 0, 1, 0x84, 0, 0, 0])));
  hmiS7.request(
    s7Job(
      0x05,
      Buffer.from([1, 0x12, 0x0a, 0x10, 2, 0, 1, 0, 1, 0x84, 0, 0, 0]),
      Buffer.from([0, 4, 0, 8, 1]),
    ),
  );
  hmiS7.close();
  // S7comm-plus and MMS share port 102.
  t.tcp(H.ews, H.s7plc, next(), 102).handshake().request(cotpCr()).request(s7PlusRequest(0x04f2)).close();
  t.tcp(H.hmi, H.ied, next(), 102).handshake().request(cotpCr()).request(mmsConnect()).close();
  // Modbus: the HMI polls and writes; one FC16 split across two segments, two PDUs in one segment.
  const mb = t.tcp(H.hmi, H.m340, next(), 502).handshake();
  for (let i = 0; i < n; i++)
    mb.request(
      modbus(3, Buffer.from([0, 0, 0, 10]), i),
      modbus(3, Buffer.concat([Buffer.from([20]), Buffer.alloc(20)]), i),
    );
  mb.send(true, modbus(16, Buffer.from([0, 1, 0, 2, 4, 0, 1, 0, 2])), [5]);
  mb.send(
    true,
    Buffer.concat([modbus(6, Buffer.from([0, 1, 0, 7])), modbus(5, Buffer.from([0, 3, 0xff, 0]))]),
  );
  mb.request(modbus(8, Buffer.from([0, 1, 0, 0])));
  mb.close();
  // UMAS: the engineering workstation stops, downloads and starts the M340.
  t.tcp(H.ews, H.m340, next(), 502)
    .handshake()
    .request(umas(0x10))
    .request(umas(0x41))
    .request(umas(0x30))
    .request(umas(0x31, Buffer.alloc(32)))
    .request(umas(0x32))
    .request(umas(0x40))
    .close();
  // EtherNet/IP: register session, a symbolic tag write through Unconnected Send, Set_Attribute_Single, Reset.
  t.tcp(H.hmi, H.logix, next(), 44818)
    .handshake()
    .request(enip(0x65, Buffer.from([1, 0, 0, 0])), enip(0x65, Buffer.from([1, 0, 0, 0])))
    .request(
      enipCip(cipUnconnectedSend(cipSymbolic(0x4d, 'Speed', Buffer.from([0xc4, 0, 1, 0, 100, 0, 0, 0])))),
    )
    .request(enipCip(cipRequest(0x4c, 0x6b, 1)))
    .close();
  t.tcp(H.ews, H.logix, next(), 44818)
    .handshake()
    .request(enipCip(cipRequest(0x10, 0x01, 1, Buffer.from([1]), 7)))
    .request(enipCip(cipRequest(0x05, 0x01, 1)))
    .request(enipCip(cipRequest(0x4c, 0x37, 1, Buffer.alloc(6))))
    .close();
  // DNP3: master reads, operates, restarts the outstation.
  const d = t.tcp(H.hmi, H.rtu, next(), 20000).handshake();
  for (let i = 0; i < n; i++) d.request(dnp3(1, Buffer.from([60, 1, 6])));
  d.request(dnp3(3, Buffer.from([12, 1, 0x28, 1, 0, 0, 0, 0x41, 1])))
    .request(dnp3(4, Buffer.from([12, 1, 0x28, 1, 0, 0, 0, 0x41, 1])))
    .request(dnp3(5, Buffer.from([12, 1, 0x28, 1, 0, 0, 0, 0x41, 1])))
    .request(dnp3(13))
    .close();
  // IEC 60870-5-104: STARTDT, a single command, a set point, clock sync, reset process.
  const i104 = t
    .tcp(H.hmi, H.rtu104, next(), 2404)
    .handshake()
    .request(iec104StartDt(), Buffer.from([0x68, 4, 0x0b, 0, 0, 0]));
  i104
    .request(iec104I(45))
    .request(iec104I(50, 6, 2, Buffer.from([0, 0, 0x20, 0x41, 0])))
    .request(iec104I(103, 6, 0, Buffer.alloc(7)))
    .request(iec104I(105))
    .close();
  // OPC UA on a non-standard port, SecurityPolicy None, anonymous session, a write.
  t.tcp(H.hmi, H.historian, next(), 4841)
    .handshake()
    .request(opcuaHello('opc.tcp://historian:4841'))
    .request(opcuaOpen('None'))
    .request(opcuaMsg(467, Buffer.concat([Buffer.alloc(8), OPCUA_ANONYMOUS_TOKEN])))
    .request(opcuaMsg(673))
    .close();
  // The historian polls the M340 over Modbus (reads only).
  const hm = t.tcp(H.historian, H.m340, next(), 502).handshake();
  for (let i = 0; i < n; i++)
    hm.request(modbus(4, Buffer.from([0, 0, 0, 2]), i), modbus(4, Buffer.from([4, 0, 1, 0, 2]), i));
  hm.close();
  // FINS over TCP and UDP, ADS.
  t.tcp(H.ews, H.omron, next(), 9600)
    .handshake()
    .request(finsTcp(4, 2))
    .request(finsTcp(4, 1))
    .request(finsTcp(1, 2, Buffer.alloc(8)))
    .close();
  t.udp(H.ews, H.omron, 9600, 9600, finsUdp(4, 2));
  t.tcp(H.ews, H.beckhoff, next(), 48898)
    .handshake()
    .request(adsWriteControl(6))
    .request(adsWriteControl(5))
    .request(ads(3, Buffer.alloc(16)))
    .close();
  // BACnet/IP: WriteProperty, ReinitializeDevice, DeviceCommunicationControl, a broadcast time sync.
  t.udp(H.hmi, H.bacnet, 47808, 47808, bacnetConfirmed(15));
  t.udp(H.ews, H.bacnet, 47808, 47808, bacnetConfirmed(20));
  t.udp(H.ews, H.bacnet, 47808, 47808, bacnetConfirmed(17));
  // HART-IP, Niagara Fox.
  t.tcp(H.hmi, H.rtu, next(), 5094).handshake().request(hartIp(0), hartIp(0)).close();
  t.tcp(H.hmi, H.bacnet, next(), 1911).handshake().request(foxHello()).close();
  // MQTT with cleartext credentials.
  t.tcp(H.sensor, H.broker, next(), 1883)
    .handshake()
    .request(mqttConnect('plant', 's3cr3t-pw'), Buffer.from([0x20, 2, 0, 0]))
    .close();
  // IT: SSH, Telnet, FTP, HTTP with Basic auth, TLS 1.3 and 1.0, SMBv1 and SMBv2, RDP, VNC.
  t.tcp(H.it, H.switch, next(), 22)
    .handshake()
    .request(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), Buffer.from('SSH-2.0-dropbear_2019.78\r\n'))
    .close();
  t.tcp(H.it, H.switch, next(), 23)
    .handshake()
    .request(Buffer.from([0xff, 0xfd, 0x18]), Buffer.from([0xff, 0xfb, 0x01]))
    .close();
  t.tcp(H.it, H.web, next(), 21)
    .handshake()
    .send(false, Buffer.from('220 ready\r\n'))
    .request(Buffer.from('USER op\r\n'))
    .request(Buffer.from('PASS secret\r\n'))
    .close();
  t.tcp(H.it, H.web, next(), 80)
    .handshake()
    .request(
      Buffer.from('GET / HTTP/1.1\r\nHost: web\r\nAuthorization: Basic b3A6c2VjcmV0\r\n\r\n'),
      Buffer.from('HTTP/1.1 200 OK\r\nServer: lighttpd/1.4\r\nContent-Length: 0\r\n\r\n'),
    )
    .close();
  t.tcp(H.it, H.web, next(), 443)
    .handshake()
    .request(tlsHello(false, 0x0304), tlsHello(true, 0x0304))
    .close();
  t.tcp(H.hmi, H.historian, next(), 443)
    .handshake()
    .request(tlsHello(false, 0x0301), tlsHello(true, 0x0301))
    .close();
  t.tcp(H.it, H.historian, next(), 445).handshake().request(smb1Negotiate(), smb1Negotiate()).close();
  t.tcp(H.it, H.web, next(), 445).handshake().request(smb2Negotiate(), smb2Negotiate()).close();
  t.tcp(H.ews, H.hmi, next(), 3389).handshake().request(rdpConnect()).close();
  t.tcp(H.ews, H.hmi, next(), 5900)
    .handshake()
    .send(false, Buffer.from('RFB 003.008\n'))
    .send(true, Buffer.from('RFB 003.008\n'))
    .send(false, Buffer.from([1, 1]))
    .close();
  // UDP IT: DNS, NTP, SNMP with a default community and a SetRequest.
  t.udp(H.it, H.dns, portBase + 900, 53, dnsQuery('historian.plant'));
  t.udp(H.hmi, H.dns, 123, 123, ntpRequest());
  t.udp(H.it, H.switch, portBase + 901, 161, snmpGet('public'));
  t.udp(H.it, H.switch, portBase + 902, 161, snmpGet('Pl4nt-RW', 0xa3));
  return t;
}

/** Ethernet-only traffic (PROFINET DCP/RT, GOOSE, SV) for an Ethernet capture. */
export function layer2Trace(t: Trace): Trace {
  const H = HOSTS;
  t.add(ethernet('01:0e:cf:00:00:00', H.ews.mac, 0x8892, pnDcpIdentify()));
  t.add(ethernet(H.s7plc.mac, H.ews.mac, 0x8892, pnDcpSet(2, 2)));
  t.add(ethernet('00:0e:8c:99:99:99', H.s7plc.mac, 0x8892, pnRtCyclic())); // to its IO device
  t.add(ethernet('01:0c:cd:01:00:01', H.ied.mac, 0x88b8, goosePdu()));
  t.add(ethernet('01:0c:cd:04:00:01', H.ied.mac, 0x88ba, svPdu()));
  return t;
}
