/**
 * Protocol identification (a port guess, confirmed by payload signatures, which also find protocols on
 * non-standard ports) and deep inspection: state-changing operations of the industrial protocols and notes
 * worth reporting (TLS version, SMBv1, OPC UA SecurityPolicy None and anonymous sessions, cleartext
 * credentials — that they were seen, never the secret — and SNMP communities, masked).
 *
 * Framed TCP protocols are reassembled per flow and direction: a PDU split across segments is joined (up to
 * PENDING_CAP bytes), several PDUs in one segment are each handled.
 */
import { ipText, type FlowState } from './flows.js';
import type { Operation, OperationKind, ProtocolName } from './types.js';

const TCP = 6;
const UDP = 17;
const PENDING_CAP = 65536;

/** Counters the flow table reports with its own. */
export const protocolCounters = { reassemblyDropped: 0, malformedPdus: 0 };

// ---- ports ---------------------------------------------------------------------------------------------

const TCP_PORTS: Record<number, ProtocolName> = {
  502: 'modbus',
  102: 's7comm',
  44818: 'enip',
  20000: 'dnp3',
  2404: 'iec104',
  4840: 'opcua',
  1883: 'mqtt',
  8883: 'tls',
  5094: 'hart-ip',
  9600: 'fins',
  48898: 'ads',
  1911: 'fox',
  4911: 'tls',
  22: 'ssh',
  23: 'telnet',
  21: 'ftp',
  80: 'http',
  8080: 'http',
  443: 'tls',
  8443: 'tls',
  445: 'smb',
  139: 'smb',
  3389: 'rdp',
  5900: 'vnc',
  5901: 'vnc',
  53: 'dns',
};
const UDP_PORTS: Record<number, ProtocolName> = {
  53: 'dns',
  5353: 'dns',
  123: 'ntp',
  161: 'snmp',
  162: 'snmp',
  47808: 'bacnet',
  2222: 'enip',
  44818: 'enip',
  20000: 'dnp3',
  5094: 'hart-ip',
  9600: 'fins',
  48899: 'ads',
};
const tcpTable: ProtocolName[] = new Array<ProtocolName>(65536).fill('unknown');
const udpTable: ProtocolName[] = new Array<ProtocolName>(65536).fill('unknown');
for (const [p, n] of Object.entries(TCP_PORTS)) tcpTable[Number(p)] = n;
for (const [p, n] of Object.entries(UDP_PORTS)) udpTable[Number(p)] = n;

export const tcpServerPort = (port: number): ProtocolName => tcpTable[port] ?? 'unknown';
export const udpServerPort = (port: number): ProtocolName => udpTable[port] ?? 'unknown';
export function portGuess(proto: number, serverPort: number): ProtocolName {
  return proto === TCP ? tcpServerPort(serverPort) : proto === UDP ? udpServerPort(serverPort) : 'unknown';
}

/** Ethernet-only industrial protocols by EtherType. */
export function l2Protocol(ethertype: number): ProtocolName | undefined {
  if (ethertype === 0x88b8) return 'goose';
  if (ethertype === 0x88ba) return 'sv';
  if (ethertype === 0x8892) return 'profinet-rt';
  return undefined;
}

/** Protocols whose every request is inspected (operations); the others stop after a few packets. */
const OPS: ReadonlySet<ProtocolName> = new Set<ProtocolName>([
  'modbus',
  'umas',
  's7comm',
  's7comm-plus',
  'iec61850-mms',
  'enip',
  'cip',
  'dnp3',
  'iec104',
  'opcua',
  'bacnet',
  'fins',
  'ads',
  'snmp',
]);

function confirm(f: FlowState, p: ProtocolName): true {
  f.protocol = p;
  f.identifiedBy = 'payload';
  f.budget = OPS.has(p) ? Number.POSITIVE_INFINITY : 16;
  return true;
}

const ascii = (b: Buffer, o: number, end: number, text: string): boolean => {
  if (o + text.length > end) return false;
  for (let i = 0; i < text.length; i++) if (b[o + i] !== text.charCodeAt(i)) return false;
  return true;
};

const HTTP_STARTS = [
  'GET ',
  'POST ',
  'HEAD ',
  'PUT ',
  'DELETE ',
  'OPTIONS ',
  'PATCH ',
  'CONNECT ',
  'HTTP/1.',
];
const OPCUA_TYPES = new Set(['HEL', 'ACK', 'OPN', 'MSG', 'CLO', 'ERR', 'RHE']);
const ENIP_COMMANDS = new Set([0x0004, 0x0063, 0x0064, 0x0065, 0x0066, 0x006f, 0x0070]);
const MODBUS_FCS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 17, 20, 21, 22, 23, 24, 43, 90]);

/**
 * Tries to confirm the flow's protocol from one payload. Returns true (and sets the protocol) when the bytes
 * match a signature; the port guess is kept otherwise.
 */
export function identify(f: FlowState, fromClient: boolean, b: Buffer, o: number, end: number): boolean {
  const n = end - o;
  const guess = f.protocol;
  if (f.proto === TCP) {
    const b0 = b[o]!;
    // TLS record: handshake 22 (or alert/CCS/app data) with version 3.x.
    if (n >= 6 && (b0 === 0x16 || b0 === 0x17 || b0 === 0x15) && b[o + 1] === 3 && b[o + 2]! <= 4)
      return confirm(f, 'tls');
    if (ascii(b, o, end, 'SSH-')) return confirm(f, 'ssh');
    if (ascii(b, o, end, 'RFB ')) return confirm(f, 'vnc');
    if (ascii(b, o, end, 'fox a ')) return confirm(f, 'fox');
    if (ascii(b, o, end, 'FINS') && n >= 16) return confirm(f, 'fins');
    for (const h of HTTP_STARTS) if (ascii(b, o, end, h)) return confirm(f, 'http');
    if (n >= 8 && b0 === 0 && (b[o + 4] === 0xff || b[o + 4] === 0xfe) && ascii(b, o + 5, end, 'SMB'))
      return confirm(f, 'smb');
    if (n >= 8 && OPCUA_TYPES.has(b.toString('latin1', o, o + 3))) {
      const chunk = b[o + 3];
      const size = b.readUInt32LE(o + 4);
      if ((chunk === 0x46 || chunk === 0x43 || chunk === 0x41) && size >= 8 && size <= 0x1000000)
        return confirm(f, 'opcua');
    }
    // TPKT + COTP: RDP, S7comm, S7comm-plus or MMS, decided by what follows COTP.
    if (n >= 7 && b0 === 3 && b[o + 1] === 0 && b.readUInt16BE(o + 2) >= 7) {
      const t = tpktKind(f, b, o, end);
      if (t) return confirm(f, t);
      return false;
    }
    if (n >= 8 && b0 === 0x05 && b[o + 1] === 0x64 && b[o + 2]! >= 5) return confirm(f, 'dnp3');
    if (n >= 8 && b.readUInt16BE(o + 2) === 0 && b.readUInt16BE(o + 4) + 6 === n) {
      const fc = b[o + 7]! & 0x7f;
      if (MODBUS_FCS.has(fc)) return confirm(f, fc === 90 ? 'umas' : 'modbus');
    }
    if (n >= 24 && ENIP_COMMANDS.has(b.readUInt16LE(o)) && b.readUInt16LE(o + 2) + 24 === n)
      return confirm(f, 'enip');
    if (n >= 6 && b0 === 0x68 && b[o + 1]! >= 4 && b[o + 1]! + 2 <= n && iec104Control(b, o))
      return confirm(f, 'iec104');
    if (n >= 38 && b0 === 0 && b[o + 1] === 0 && b.readUInt32LE(o + 2) + 6 === n) {
      const cmd = b.readUInt16LE(o + 6 + 16);
      if (cmd >= 1 && cmd <= 9) return confirm(f, 'ads');
    }
    if (n >= 2 && b0 === 0x10) {
      const v = varint(b, o + 1, end);
      if (
        v &&
        (ascii(b, o + 1 + v.size, end, '\u0000\u0004MQTT') ||
          ascii(b, o + 1 + v.size, end, '\u0000\u0006MQIsdp'))
      )
        return confirm(f, 'mqtt');
    }
    if (guess === 'mqtt' && n >= 4 && b0 === 0x20 && b[o + 1] === 2) return confirm(f, 'mqtt');
    if (
      n >= 8 &&
      (b0 === 1 || b0 === 2) &&
      b[o + 1]! <= 3 &&
      b.readUInt16BE(o + 6) === n &&
      guess === 'hart-ip'
    )
      return confirm(f, 'hart-ip');
    if (n >= 3 && b0 === 0xff && b[o + 1]! >= 0xfb && b[o + 1]! <= 0xfe) return confirm(f, 'telnet');
    if (guess === 'ftp' && (ascii(b, o, end, '220') || ascii(b, o, end, 'USER '))) return confirm(f, 'ftp');
    if (guess === 'dns' && n >= 14) return confirm(f, 'dns');
    return false;
  }
  if (f.proto === UDP) {
    const b0 = b[o]!;
    if (n >= 4 && b0 === 0x81 && b[o + 1]! <= 0x0c && b.readUInt16BE(o + 2) === n)
      return confirm(f, 'bacnet');
    if (n >= 10 && b0 === 0x05 && b[o + 1] === 0x64) return confirm(f, 'dnp3');
    if (n >= 8 && b0 === 0x30 && b[o + 2] === 0x02 && snmp(b, o, end)) return confirm(f, 'snmp');
    if (guess === 'ntp' && n >= 48 && ((b0 >> 3) & 7) >= 1 && ((b0 >> 3) & 7) <= 4) return confirm(f, 'ntp');
    if (guess === 'dns' && n >= 12 && b.readUInt16BE(o + 4) <= 16) return confirm(f, 'dns');
    if (
      n >= 12 &&
      (b0 === 0x80 || b0 === 0xc0 || b0 === 0x81 || b0 === 0xc1) &&
      b[o + 1] === 0 &&
      guess === 'fins'
    )
      return confirm(f, 'fins');
    if (n >= 8 && (b0 === 1 || b0 === 2) && b.readUInt16BE(o + 6) === n && guess === 'hart-ip')
      return confirm(f, 'hart-ip');
    if (n >= 4 && b.readUInt32BE(o) === 0x03661471) return confirm(f, 'ads');
    if (n >= 24 && ENIP_COMMANDS.has(b.readUInt16LE(o)) && b.readUInt16LE(o + 2) + 24 === n)
      return confirm(f, 'enip');
    if (guess === 'enip' && f.sport === 2222 && n >= 6 && b.readUInt16LE(o) >= 1 && b.readUInt16LE(o) <= 4)
      return confirm(f, 'enip');
    return false;
  }
  return false;
}

function iec104Control(b: Buffer, o: number): boolean {
  const c1 = b[o + 2]!;
  if ((c1 & 1) === 0) return b[o + 1]! >= 10; // I-format with an ASDU
  if ((c1 & 3) === 1) return b[o + 1] === 4; // S-format
  return b[o + 1] === 4 && [0x07, 0x0b, 0x13, 0x23, 0x43, 0x83].includes(c1); // U-format
}

/** What follows TPKT/COTP: RDP (connection request cookie or negotiation), S7comm, S7comm-plus, MMS. */
function tpktKind(f: FlowState, b: Buffer, o: number, end: number): ProtocolName | undefined {
  const li = b[o + 4]!;
  const type = b[o + 5]! & 0xf0;
  const after = o + 5 + li;
  if (type === 0xe0 || type === 0xd0) {
    // Connection request / confirm: RDP carries a cookie or a negotiation request after the COTP header.
    if (
      f.sport === 3389 ||
      ascii(b, after, end, 'Cookie: ') ||
      (after + 8 <= end && b[after] === 1 && b[after + 2] === 8)
    )
      return f.sport === 102 ? undefined : 'rdp';
    return undefined;
  }
  if (type !== 0xf0 || after >= end) return undefined;
  const p0 = b[after]!;
  if (p0 === 0x32) return 's7comm';
  if (p0 === 0x72) return 's7comm-plus';
  // ISO session SPDUs carrying MMS: CONNECT (13), ACCEPT (14), GIVE-TOKENS+DATA (1 0 1 0).
  if (p0 === 0x0d || p0 === 0x0e || (p0 === 0x01 && b[after + 1] === 0x00)) return 'iec61850-mms';
  if (f.sport === 3389) return 'rdp';
  return undefined;
}

function varint(b: Buffer, o: number, end: number): { value: number; size: number } | undefined {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 4; i++) {
    if (o + i >= end) return undefined;
    const x = b[o + i]!;
    value += (x & 127) * mul;
    if ((x & 128) === 0) return { value, size: i + 1 };
    mul *= 128;
  }
  return undefined;
}

// ---- operations ----------------------------------------------------------------------------------------

/**
 * Records an operation on the flow. `key` identifies the operation cheaply (call site × code, below 2^30) so
 * that repeated operations cost a Map lookup, not string building; `op` returns false for a first occurrence,
 * and `opNew` then builds its name and code once.
 */
function op(f: FlowState, fromClient: boolean, key: number, ts: number): boolean {
  const e = (fromClient ? f.ops : f.opsRev)?.get(key);
  if (!e) return false;
  e.count++;
  if (ts < e.firstSeen) e.firstSeen = ts;
  if (ts > e.lastSeen) e.lastSeen = ts;
  return true;
}
function opNew(
  f: FlowState,
  fromClient: boolean,
  key: number,
  protocol: ProtocolName,
  kind: OperationKind,
  name: string,
  code: string,
  ts: number,
): true {
  const ops = fromClient
    ? (f.ops ??= new Map<number, Operation>())
    : (f.opsRev ??= new Map<number, Operation>());
  // srcIp/dstIp are filled when the flow is presented (the map says which side sent it).
  ops.set(key, { protocol, kind, name, code, srcIp: '', dstIp: '', firstSeen: ts, lastSeen: ts, count: 1 });
  return true;
}
const K = (site: number, local: number): number => site * 0x1000000 + (local & 0xffffff);

const hex = (n: number, w = 2): string => `0x${n.toString(16).padStart(w, '0')}`;

const MODBUS_OPS: Record<number, [OperationKind, string]> = {
  5: ['write', 'Write Single Coil'],
  6: ['write', 'Write Single Register'],
  15: ['write', 'Write Multiple Coils'],
  16: ['write', 'Write Multiple Registers'],
  21: ['write', 'Write File Record'],
  22: ['write', 'Mask Write Register'],
  23: ['write', 'Read/Write Multiple Registers'],
};
const MODBUS_DIAG: Record<number, [OperationKind, string]> = {
  1: ['restart', 'Diagnostics: Restart Communications Option'],
  4: ['stop', 'Diagnostics: Force Listen Only Mode'],
  10: ['reset', 'Diagnostics: Clear Counters and Diagnostic Register'],
};
const UMAS_OPS: Record<number, [OperationKind, string]> = {
  0x10: ['config', 'Take PLC Reservation'],
  0x30: ['program', 'Initialize Download'],
  0x31: ['program', 'Download Block'],
  0x32: ['program', 'End Download'],
  0x40: ['start', 'Start PLC'],
  0x41: ['stop', 'Stop PLC'],
};

function modbusPdu(f: FlowState, fromClient: boolean, b: Buffer, o: number, len: number, ts: number): void {
  if (!fromClient || len < 8) return;
  const fc = b[o + 7]!;
  if (fc === 90) {
    f.protocol = 'umas';
    if (len < 10) return;
    const code = b[o + 9]!;
    const u = UMAS_OPS[code];
    if (u)
      if (!op(f, fromClient, K(1, code), ts))
        opNew(f, fromClient, K(1, code), 'umas', u[0], `UMAS ${u[1]}`, `FC90/${hex(code)}`, ts);
    return;
  }
  const m = MODBUS_OPS[fc];
  if (m) {
    if (!op(f, fromClient, K(2, fc), ts))
      opNew(f, fromClient, K(2, fc), 'modbus', m[0], `Modbus FC${fc} ${m[1]}`, String(fc), ts);
    return;
  }
  if (fc === 8 && len >= 10) {
    const sub = b.readUInt16BE(o + 8);
    const d = MODBUS_DIAG[sub];
    if (d)
      if (!op(f, fromClient, K(3, sub), ts))
        opNew(f, fromClient, K(3, sub), 'modbus', d[0], `Modbus FC8 ${d[1]}`, `8/${sub}`, ts);
  }
}

const S7_OPS: Record<number, [OperationKind, string]> = {
  0x05: ['write', 'Write Var'],
  0x1a: ['program', 'Request Download'],
  0x1b: ['program', 'Download Block'],
  0x1c: ['program', 'Download Ended'],
  0x28: ['command', 'PI-Service'],
  0x29: ['stop', 'PLC Stop'],
};
const S7_PI: [string, OperationKind, string][] = [
  ['P_PROGRAM', 'start', 'PLC start (P_PROGRAM)'],
  ['_INSE', 'program', 'insert block (_INSE)'],
  ['_DELE', 'program', 'delete block (_DELE)'],
  ['_MODU', 'program', 'copy RAM to ROM (_MODU)'],
  ['_GARB', 'command', 'compress memory (_GARB)'],
  ['_N_', 'command', 'NC program service'],
];
const S7P_OPS: Record<number, [OperationKind, string]> = {
  0x04f2: ['write', 'SetVariable'],
  0x0542: ['write', 'SetMultiVariables'],
  0x04ca: ['config', 'CreateObject'],
  0x04d4: ['config', 'DeleteObject'],
};

function tpktPdu(f: FlowState, fromClient: boolean, b: Buffer, o: number, len: number, ts: number): void {
  const end = o + len;
  if (len < 7) return;
  const li = b[o + 4]!;
  if ((b[o + 5]! & 0xf0) !== 0xf0) return;
  const p = o + 5 + li;
  if (p >= end) return;
  if (f.app?.['cotpData'] !== true) {
    // The first data PDU after COTP decides between S7comm, S7comm-plus and MMS (the port says nothing).
    const k = tpktKind(f, b, o, end);
    if (k) {
      f.protocol = k;
      (f.app ??= {})['cotpData'] = true;
    }
  }
  if (!fromClient) return;
  if (b[p] === 0x32 && p + 11 <= end && b[p + 1] === 1) {
    const fn = b[p + 10]!;
    const s = S7_OPS[fn];
    if (!s) return;
    if (fn === 0x28) {
      const text = b.toString('latin1', p + 10, Math.min(end, p + 10 + b.readUInt16BE(p + 6)));
      const pi = S7_PI.find(([needle]) => text.includes(needle));
      if (pi) {
        if (!op(f, fromClient, K(4, S7_PI.indexOf(pi)), ts))
          opNew(
            f,
            fromClient,
            K(4, S7_PI.indexOf(pi)),
            's7comm',
            pi[1],
            `S7 PI-Service ${pi[2]}`,
            `0x28/${pi[0]}`,
            ts,
          );
        return;
      }
    }
    if (!op(f, fromClient, K(5, fn), ts))
      opNew(f, fromClient, K(5, fn), 's7comm', s[0], `S7 ${s[1]}`, hex(fn), ts);
    return;
  }
  if (b[p] === 0x72 && p + 9 <= end) {
    // Header 0x72, version, length (2); V3 puts a 32-byte integrity digest (length byte first) before the data.
    let q = p + 4;
    if (b[p + 1] === 3 && b[q] === 0x20) q += 33;
    if (q + 5 > end || b[q] !== 0x31) return;
    const fn = b.readUInt16BE(q + 3);
    const s = S7P_OPS[fn];
    if (s)
      if (!op(f, fromClient, K(6, fn), ts))
        opNew(f, fromClient, K(6, fn), 's7comm-plus', s[0], `S7comm-plus ${s[1]}`, hex(fn, 4), ts);
  }
}

const CIP_GENERIC: Record<number, [OperationKind, string]> = {
  0x02: ['write', 'Set_Attributes_All'],
  0x04: ['write', 'Set_Attribute_List'],
  0x05: ['reset', 'Reset'],
  0x06: ['start', 'Start'],
  0x07: ['stop', 'Stop'],
  0x08: ['config', 'Create'],
  0x09: ['config', 'Delete'],
  0x10: ['write', 'Set_Attribute_Single'],
  0x13: ['config', 'Apply_Attributes'],
  0x15: ['config', 'Restore'],
};
/** Class-specific services that change state, keyed by "service:class" ('sym' = a symbolic tag path). */
/** Class-specific services that change state, keyed by service × 0x10000 + class (0xffff: a symbolic tag path). */
const SYM = 0xffff;
const CIP_SPECIFIC = new Map<number, [OperationKind, string]>([
  [0x4d * 0x10000 + SYM, ['write', 'Logix Write Tag']],
  [0x53 * 0x10000 + SYM, ['write', 'Logix Write Tag Fragmented']],
  [0x4e * 0x10000 + SYM, ['write', 'Logix Read-Modify-Write Tag']],
  [0x4d * 0x10000 + 0x6b, ['write', 'Logix Write Tag (Symbol object)']],
  [0x53 * 0x10000 + 0x6b, ['write', 'Logix Write Tag Fragmented (Symbol object)']],
  [0x4e * 0x10000 + 0x6b, ['write', 'Logix Read-Modify-Write Tag (Symbol object)']],
  [0x4c * 0x10000 + 0x37, ['program', 'File Initiate_Download']],
  [0x4e * 0x10000 + 0x37, ['program', 'File Initiate_Partial_Write']],
  [0x50 * 0x10000 + 0x37, ['program', 'File Download_Transfer']],
  [0x51 * 0x10000 + 0x37, ['program', 'File Clear_File']],
]);

const classText = (cls: number, symbolic: boolean): string =>
  cls >= 0 ? hex(cls) : symbolic ? 'symbolic' : '?';

function cip(
  f: FlowState,
  fromClient: boolean,
  b: Buffer,
  q: number,
  end: number,
  ts: number,
  depth: number,
): void {
  if (q + 2 > end || depth > 4) return;
  const svc = b[q]!;
  if (svc & 0x80) return; // a response
  const pathEnd = q + 2 + b[q + 1]! * 2;
  if (pathEnd > end) return;
  let cls = -1;
  let symbolic = false;
  for (let s = q + 2; s < pathEnd;) {
    const seg = b[s]!;
    if (seg === 0x20) {
      cls = b[s + 1]!;
      s += 2;
    } else if (seg === 0x21) {
      cls = b.readUInt16LE(s + 2);
      s += 4;
    } else if (seg === 0x24 || seg === 0x30 || seg === 0x28) s += 2;
    else if (seg === 0x25 || seg === 0x31 || seg === 0x29) s += 4;
    else if (seg === 0x91) {
      symbolic = true;
      s += 2 + b[s + 1]! + (b[s + 1]! & 1);
    } else break;
  }
  if (svc === 0x52 && cls === 0x06) {
    // Unconnected Send: priority, timeout ticks, embedded message size, the embedded request.
    const size = pathEnd + 4 <= end ? b.readUInt16LE(pathEnd + 2) : 0;
    cip(f, fromClient, b, pathEnd + 4, Math.min(end, pathEnd + 4 + size), ts, depth + 1);
    return;
  }
  if (svc === 0x0a && cls === 0x02 && pathEnd + 2 <= end) {
    // Multiple Service Packet: a count, then offsets from the count to each request.
    const count = b.readUInt16LE(pathEnd);
    for (let i = 0; i < count && i < 64 && pathEnd + 4 + 2 * i <= end; i++) {
      const at = pathEnd + b.readUInt16LE(pathEnd + 2 + 2 * i);
      const next =
        i + 1 < count && pathEnd + 4 + 2 * i + 2 <= end ? pathEnd + b.readUInt16LE(pathEnd + 4 + 2 * i) : end;
      cip(f, fromClient, b, at, Math.min(end, next), ts, depth + 1);
    }
    return;
  }
  const g = CIP_GENERIC[svc];
  const ck = svc * 0x10000 + (cls >= 0 ? cls & 0xffff : symbolic ? 0xffff : 0xfffe);
  if (g) {
    if (!op(f, fromClient, K(7, ck), ts))
      opNew(
        f,
        fromClient,
        K(7, ck),
        'cip',
        g[0],
        `CIP ${g[1]} (class ${classText(cls, symbolic)})`,
        `${hex(svc)}/${classText(cls, symbolic)}`,
        ts,
      );
    return;
  }
  if (svc >= 0x4b) {
    const k = CIP_SPECIFIC.get(svc * 0x10000 + (symbolic && cls < 0 ? SYM : cls & 0xffff));
    if (k)
      if (!op(f, fromClient, K(8, ck), ts))
        opNew(
          f,
          fromClient,
          K(8, ck),
          'cip',
          k[0],
          `CIP ${k[1]}`,
          `${hex(svc)}/${classText(cls, symbolic)}`,
          ts,
        );
  }
}

function enipPdu(f: FlowState, fromClient: boolean, b: Buffer, o: number, len: number, ts: number): void {
  if (!fromClient || len < 32) return;
  const cmd = b.readUInt16LE(o);
  if (cmd !== 0x6f && cmd !== 0x70) return;
  const end = o + len;
  const count = b.readUInt16LE(o + 30);
  let q = o + 32;
  for (let i = 0; i < count && q + 4 <= end; i++) {
    const type = b.readUInt16LE(q);
    const ilen = b.readUInt16LE(q + 2);
    const data = q + 4;
    if (type === 0xb2) cip(f, fromClient, b, data, Math.min(end, data + ilen), ts, 0);
    else if (type === 0xb1 && ilen > 2) cip(f, fromClient, b, data + 2, Math.min(end, data + ilen), ts, 0);
    q = data + ilen;
  }
}

const DNP3_OPS: Record<number, [OperationKind, string]> = {
  2: ['write', 'Write'],
  3: ['command', 'Select'],
  4: ['command', 'Operate'],
  5: ['command', 'Direct Operate'],
  6: ['command', 'Direct Operate No Ack'],
  13: ['restart', 'Cold Restart'],
  14: ['restart', 'Warm Restart'],
  17: ['start', 'Start Application'],
  18: ['stop', 'Stop Application'],
};

function dnp3Frame(b: Buffer, o: number, avail: number): number {
  if (avail < 3) return 0;
  if (b[o] !== 0x05 || b[o + 1] !== 0x64 || b[o + 2]! < 5) return -1;
  const user = b[o + 2]! - 5;
  return 10 + user + 2 * Math.ceil(user / 16);
}
function dnp3Pdu(f: FlowState, fromClient: boolean, b: Buffer, o: number, len: number, ts: number): void {
  // The first user-data block follows the 10-byte header: transport header, application control, function.
  if (len < 15) return;
  const transport = b[o + 10]!;
  if ((transport & 0x40) === 0) return; // not the first fragment: no application header
  const fc = b[o + 12]!;
  const d = DNP3_OPS[fc];
  if (d)
    if (!op(f, fromClient, K(9, fc), ts))
      opNew(f, fromClient, K(9, fc), 'dnp3', d[0], `DNP3 ${d[1]}`, String(fc), ts);
}

const IEC104_NAMES: Record<number, string> = {
  45: 'C_SC_NA_1 single command',
  46: 'C_DC_NA_1 double command',
  47: 'C_RC_NA_1 regulating step command',
  48: 'C_SE_NA_1 set point, normalised',
  49: 'C_SE_NB_1 set point, scaled',
  50: 'C_SE_NC_1 set point, short float',
  51: 'C_BO_NA_1 bitstring',
  58: 'C_SC_TA_1 single command with time tag',
  59: 'C_DC_TA_1 double command with time tag',
  60: 'C_RC_TA_1 regulating step command with time tag',
  61: 'C_SE_TA_1 set point, normalised, with time tag',
  62: 'C_SE_TB_1 set point, scaled, with time tag',
  63: 'C_SE_TC_1 set point, short float, with time tag',
  64: 'C_BO_TA_1 bitstring with time tag',
  103: 'C_CS_NA_1 clock synchronisation',
  105: 'C_RP_NA_1 reset process',
};
function iec104Pdu(f: FlowState, fromClient: boolean, b: Buffer, o: number, len: number, ts: number): void {
  if (len < 12 || (b[o + 2]! & 1) !== 0) return;
  const type = b[o + 6]!;
  const cot = b[o + 8]! & 0x3f;
  if (cot !== 6 && cot !== 8) return; // activation / deactivation requests
  const name = IEC104_NAMES[type];
  if (!name) return;
  const kind: OperationKind = type === 103 ? 'time-sync' : type === 105 ? 'reset' : 'command';
  if (!op(f, fromClient, K(10, type * 16 + cot), ts))
    opNew(
      f,
      fromClient,
      K(10, type * 16 + cot),
      'iec104',
      kind,
      `IEC-104 ${name}${cot === 8 ? ' (deactivation)' : ''}`,
      String(type),
      ts,
    );
}

const ANONYMOUS_TOKEN = Buffer.from([0x01, 0x00, 0x41, 0x01]);
const USERNAME_TOKEN = Buffer.from([0x01, 0x00, 0x44, 0x01]);

function opcuaPdu(f: FlowState, fromClient: boolean, b: Buffer, o: number, len: number, ts: number): void {
  const end = o + len;
  if (b[o] === 0x4f && b[o + 1] === 0x50 && b[o + 2] === 0x4e && len >= 16) {
    // OPN: OpenSecureChannel, with the SecurityPolicyUri in the asymmetric security header.
    const ulen = b.readInt32LE(o + 12);
    if (ulen > 0 && ulen < 256 && o + 16 + ulen <= end) {
      const uri = b.toString('latin1', o + 16, o + 16 + ulen);
      const policy = uri.slice(uri.lastIndexOf('#') + 1).replace(/[^\w.-]/g, '');
      if (policy === 'None') f.note('OPC UA SecurityPolicy None (no signing, no encryption)');
      else f.note(`OPC UA SecurityPolicy ${policy}`);
      (f.app ??= {})['policyNone'] = policy === 'None';
    }
    return;
  }
  const msg = b[o] === 0x4d && b[o + 1] === 0x53 && b[o + 2] === 0x47;
  if (!msg || !fromClient || len < 28 || b[o + 24] !== 0x01 || b[o + 25] !== 0) return;
  const id = b.readUInt16LE(o + 26);
  if (id === 467) {
    // ActivateSessionRequest: the identity token's encoding id says anonymous (321) or user name (324).
    const body = b.subarray(o + 28, end);
    if (body.includes(ANONYMOUS_TOKEN)) f.note('OPC UA anonymous session');
    else if (body.includes(USERNAME_TOKEN))
      f.note(
        f.app?.['policyNone'] === true
          ? 'OPC UA user name token over SecurityPolicy None (credentials not recorded)'
          : 'OPC UA user name token',
      );
  } else if (id === 673) {
    if (!op(f, fromClient, K(11, 673), ts))
      opNew(f, fromClient, K(11, 673), 'opcua', 'write', 'OPC UA Write', '673', ts);
  } else if (id === 712) {
    if (!op(f, fromClient, K(11, 712), ts))
      opNew(f, fromClient, K(11, 712), 'opcua', 'command', 'OPC UA Call (method)', '712', ts);
  }
}

function mqttFrame(b: Buffer, o: number, avail: number): number {
  if (avail < 2) return 0;
  const v = varint(b, o + 1, o + avail);
  if (!v) return avail >= 5 ? -1 : 0;
  return 1 + v.size + v.value;
}
function mqttPdu(f: FlowState, fromClient: boolean, b: Buffer, o: number, len: number): void {
  if (!fromClient || b[o]! >> 4 !== 1) return;
  const v = varint(b, o + 1, o + len);
  if (!v) return;
  const q = o + 1 + v.size;
  if (q + 2 > o + len) return;
  const nameLen = b.readUInt16BE(q);
  const flagsAt = q + 2 + nameLen + 1;
  if (flagsAt >= o + len) return;
  const flags = b[flagsAt]!;
  const tls = f.sport === 8883;
  if (flags & 0x80 && flags & 0x40)
    f.note(`MQTT ${tls ? '' : 'cleartext '}credentials seen: user name and password (values not recorded)`);
  else if (flags & 0x80) f.note(`MQTT ${tls ? '' : 'cleartext '}user name seen (value not recorded)`);
  else f.note('MQTT CONNECT without credentials');
  f.budget = 0;
}

const FINS_OPS: Record<number, [OperationKind, string]> = {
  0x0102: ['write', 'Memory Area Write'],
  0x0103: ['write', 'Memory Area Fill'],
  0x0105: ['write', 'Memory Area Transfer'],
  0x0202: ['config', 'Parameter Area Write'],
  0x0203: ['config', 'Parameter Area Clear'],
  0x0307: ['program', 'Program Area Write'],
  0x0308: ['program', 'Program Area Clear'],
  0x0401: ['start', 'RUN'],
  0x0402: ['stop', 'STOP'],
  0x0702: ['time-sync', 'Clock Write'],
};
function finsFrame(f: FlowState, fromClient: boolean, b: Buffer, q: number, end: number, ts: number): void {
  if (q + 12 > end || (b[q]! & 0x40) !== 0) return; // responses have ICF bit 6 set
  const code = b.readUInt16BE(q + 10);
  const d = FINS_OPS[code];
  if (d)
    if (!op(f, fromClient, K(12, code), ts))
      opNew(f, fromClient, K(12, code), 'fins', d[0], `FINS ${d[1]}`, hex(code, 4), ts);
}
function finsTcpPdu(f: FlowState, fromClient: boolean, b: Buffer, o: number, len: number, ts: number): void {
  if (len >= 16 && b.readUInt32BE(o + 8) === 2) finsFrame(f, fromClient, b, o + 16, o + len, ts);
}

const ADS_STATES: Record<number, [OperationKind, string]> = {
  2: ['reset', 'Reset'],
  4: ['start', 'Start'],
  5: ['start', 'Run'],
  6: ['stop', 'Stop'],
  12: ['stop', 'Shutdown'],
  15: ['config', 'Config'],
  16: ['config', 'Reconfig'],
};
function adsPdu(f: FlowState, fromClient: boolean, b: Buffer, o: number, len: number, ts: number): void {
  const ams = o + 6;
  if (len < 38) return;
  const cmd = b.readUInt16LE(ams + 16);
  const flags = b.readUInt16LE(ams + 18);
  if (flags & 1) return; // a response
  if (cmd === 5) {
    const state = len >= 40 ? b.readUInt16LE(ams + 32) : -1;
    const s = ADS_STATES[state] ?? ['command', `state ${state}`];
    if (!op(f, fromClient, K(13, state & 0xffff), ts))
      opNew(
        f,
        fromClient,
        K(13, state & 0xffff),
        'ads',
        s[0],
        `ADS WriteControl (${s[1]})`,
        `5/${state}`,
        ts,
      );
  } else if (cmd === 3)
    if (!op(f, fromClient, K(14, 3), ts))
      opNew(f, fromClient, K(14, 3), 'ads', 'write', 'ADS Write', '3', ts);
}

const BACNET_CONFIRMED: Record<number, [OperationKind, string]> = {
  7: ['write', 'AtomicWriteFile'],
  10: ['config', 'CreateObject'],
  11: ['config', 'DeleteObject'],
  15: ['write', 'WriteProperty'],
  16: ['write', 'WritePropertyMultiple'],
  17: ['config', 'DeviceCommunicationControl'],
  20: ['restart', 'ReinitializeDevice'],
};
const BACNET_UNCONFIRMED: Record<number, [OperationKind, string]> = {
  6: ['time-sync', 'TimeSynchronization'],
  9: ['time-sync', 'UTCTimeSynchronization'],
  10: ['write', 'WriteGroup'],
};
function bacnet(f: FlowState, fromClient: boolean, b: Buffer, o: number, end: number, ts: number): void {
  if (o + 6 > end || b[o] !== 0x81) return;
  const fn = b[o + 1]!;
  let q = o + 4;
  if (fn === 0x04)
    q += 6; // Forwarded-NPDU: the original source address
  else if (fn !== 0x0a && fn !== 0x0b) return;
  if (q + 2 > end || b[q] !== 1) return;
  const ctl = b[q + 1]!;
  q += 2;
  if (ctl & 0x20) {
    if (q + 3 > end) return;
    q += 3 + b[q + 2]!;
  }
  if (ctl & 0x08) {
    if (q + 3 > end) return;
    q += 3 + b[q + 2]!;
  }
  if (ctl & 0x20) q++; // hop count
  if (ctl & 0x80 || q >= end) return; // a network-layer message
  const type = b[q]! >> 4;
  if (type === 0) {
    const segmented = (b[q]! & 0x08) !== 0;
    const at = q + 3 + (segmented ? 2 : 0);
    if (at >= end) return;
    const svc = b[at]!;
    const d = BACNET_CONFIRMED[svc];
    if (d)
      if (!op(f, fromClient, K(15, svc), ts))
        opNew(f, fromClient, K(15, svc), 'bacnet', d[0], `BACnet ${d[1]}`, `confirmed/${svc}`, ts);
  } else if (type === 1 && q + 1 < end) {
    const svc = b[q + 1]!;
    const d = BACNET_UNCONFIRMED[svc];
    if (d)
      if (!op(f, fromClient, K(16, svc), ts))
        opNew(f, fromClient, K(16, svc), 'bacnet', d[0], `BACnet ${d[1]}`, `unconfirmed/${svc}`, ts);
  }
}

const DEFAULT_COMMUNITIES = new Set([
  'public',
  'private',
  'community',
  'admin',
  'manager',
  'cisco',
  'default',
  'snmp',
  'secret',
  'write',
  'read',
  'monitor',
  'all private',
]);
function berLen(b: Buffer, o: number, end: number): { len: number; size: number } | undefined {
  if (o >= end) return undefined;
  const x = b[o]!;
  if (x < 0x80) return { len: x, size: 1 };
  const n = x & 0x7f;
  if (n === 0 || n > 3 || o + 1 + n > end) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[o + 1 + i]!;
  return { len, size: 1 + n };
}
function snmp(b: Buffer, o: number, end: number): boolean {
  const l = berLen(b, o + 1, end);
  if (!l) return false;
  const v = o + 1 + l.size;
  return b[v] === 0x02 && b[v + 1] === 1 && b[v + 2]! <= 3;
}
/** At most this many DNS answers are noted per flow (the zone checks need which addresses were named). */
const DNS_NOTES_CAP = 64;
/** Skips a (possibly compressed) DNS name; returns the offset after it, or -1 when malformed. */
function dnsSkipName(b: Buffer, o: number, end: number): number {
  for (let hops = 0; o < end && hops < 128; hops++) {
    const len = b[o]!;
    if (len === 0) return o + 1;
    if ((len & 0xc0) === 0xc0) return o + 2 <= end ? o + 2 : -1;
    if (len & 0xc0) return -1;
    o += 1 + len;
  }
  return -1;
}
/** Notes the A/AAAA addresses of a DNS response (`DNS answer A 10.0.0.5`), so that the zone checks know which
 *  addresses were reached by name. Names are not recorded. */
function dnsAnswers(f: FlowState, b: Buffer, o: number, end: number): void {
  if (o + 12 > end || !(b[o + 2]! & 0x80)) return; // not a response
  if (f.notes && f.notes.size >= DNS_NOTES_CAP) return;
  const qd = b.readUInt16BE(o + 4);
  const an = b.readUInt16BE(o + 6);
  let p = o + 12;
  for (let i = 0; i < qd && p >= 0; i++) {
    p = dnsSkipName(b, p, end);
    if (p >= 0) p += 4;
  }
  for (let i = 0; i < an && p >= 0 && p + 10 <= end && (f.notes?.size ?? 0) < DNS_NOTES_CAP; i++) {
    p = dnsSkipName(b, p, end);
    if (p < 0 || p + 10 > end) return;
    const type = b.readUInt16BE(p);
    const rdlen = b.readUInt16BE(p + 8);
    const rd = p + 10;
    if (rd + rdlen > end) return;
    if (type === 1 && rdlen === 4) f.note(`DNS answer A ${b[rd]!}.${b[rd + 1]!}.${b[rd + 2]!}.${b[rd + 3]!}`);
    else if (type === 28 && rdlen === 16) {
      const w = (k: number): number => b.readUInt32BE(rd + k);
      f.note(`DNS answer AAAA ${ipText(true, w(0), w(4), w(8), w(12))}`);
    }
    p = rd + rdlen;
  }
}
function snmpPdu(f: FlowState, fromClient: boolean, b: Buffer, o: number, end: number, ts: number): void {
  const l = berLen(b, o + 1, end);
  if (!l || b[o] !== 0x30) return;
  const v = o + 1 + l.size;
  if (b[v] !== 0x02 || b[v + 1] !== 1) return;
  const version = b[v + 2]!;
  if (version === 3) {
    f.note('SNMPv3');
    return;
  }
  if (b[v + 3] !== 0x04) return;
  const cl = berLen(b, v + 4, end);
  if (!cl) return;
  const cs = v + 4 + cl.size;
  if (cs + cl.len > end) return;
  const community = b.toString('latin1', cs, cs + cl.len);
  const vname = version === 0 ? 'SNMPv1' : 'SNMPv2c';
  const masked =
    community.length === 0 ? '(empty)' : `${community[0]!}${'*'.repeat(Math.min(community.length - 1, 12))}`;
  const isDefault = DEFAULT_COMMUNITIES.has(community.toLowerCase());
  f.note(
    `${vname} community string seen in cleartext: ${masked}${isDefault ? ' (a well-known default)' : ''}`,
  );
  const pdu = b[cs + cl.len];
  if (pdu === 0xa3 && fromClient)
    if (!op(f, fromClient, K(17, version), ts))
      opNew(f, fromClient, K(17, version), 'snmp', 'config', `${vname} SetRequest`, 'set', ts);
}

function tlsInspect(f: FlowState, fromClient: boolean, b: Buffer, o: number, end: number): void {
  if (o + 9 > end || b[o] !== 0x16 || b[o + 1] !== 3) return;
  const hs = o + 5;
  const t = b[hs]!;
  if (t !== 1 && t !== 2) return;
  let q = hs + 4;
  const legacy = b.readUInt16BE(q);
  q += 2 + 32;
  if (q >= end) return;
  q += 1 + b[q]!; // session id
  let chosen = legacy;
  let offered = legacy;
  if (t === 1) {
    if (q + 2 > end) return;
    q += 2 + b.readUInt16BE(q); // cipher suites
    if (q >= end) return;
    q += 1 + b[q]!; // compression methods
  } else {
    q += 3; // cipher suite, compression method
  }
  if (q + 2 <= end) {
    const extEnd = Math.min(end, q + 2 + b.readUInt16BE(q));
    q += 2;
    while (q + 4 <= extEnd) {
      const type = b.readUInt16BE(q);
      const len = b.readUInt16BE(q + 2);
      if (type === 43) {
        if (t === 2 && len >= 2) chosen = b.readUInt16BE(q + 4);
        if (t === 1) {
          for (let i = q + 5; i + 2 <= q + 4 + len && i + 2 <= extEnd; i += 2) {
            const ver = b.readUInt16BE(i);
            if ((ver & 0x0f0f) === 0x0a0a) continue; // GREASE
            if (ver > offered && ver <= 0x0304) offered = ver;
          }
        }
      }
      q += 4 + len;
    }
  }
  const name = (v: number): string =>
    v === 0x0300 ? 'SSL 3.0' : v >= 0x0301 && v <= 0x0304 ? `TLS 1.${v - 0x0301}` : `version ${hex(v, 4)}`;
  if (t === 1 && fromClient) f.note(`TLS client offers up to ${name(offered)}`);
  if (t === 2 && !fromClient) {
    f.note(`${name(chosen)}${chosen < 0x0303 ? ' (deprecated)' : ''}`);
    f.budget = 0;
  }
}

function printable(b: Buffer, o: number, end: number, max: number): string {
  const s = b.toString('latin1', o, Math.min(end, o + max));
  const line = s.split(/\r?\n/)[0] ?? '';
  return line.replace(/[^\x20-\x7e]/g, '?');
}

function textInspect(f: FlowState, fromClient: boolean, b: Buffer, o: number, end: number): void {
  switch (f.protocol) {
    case 'ssh': {
      if (!ascii(b, o, end, 'SSH-')) return;
      const banner = printable(b, o, end, 80);
      f.note(`SSH ${fromClient ? 'client' : 'server'} ${banner}`);
      if (banner.startsWith('SSH-1.') && !banner.startsWith('SSH-1.99')) f.note('SSH protocol 1 (insecure)');
      return;
    }
    case 'http': {
      if (!fromClient) {
        const text = b.toString('latin1', o, Math.min(end, o + 2048));
        const m = /\r\nServer: ([^\r\n]{1,60})/i.exec(text);
        if (m?.[1]) f.note(`HTTP server ${m[1].replace(/[^\x20-\x7e]/g, '?')}`);
        return;
      }
      const text = b.toString('latin1', o, Math.min(end, o + 4096));
      if (/\r\nAuthorization: Basic /i.test(text))
        f.note('HTTP Basic credentials seen in cleartext (not recorded)');
      else if (/\r\nAuthorization: /i.test(text))
        f.note('HTTP Authorization header in cleartext (not recorded)');
      return;
    }
    case 'ftp':
      if (fromClient && ascii(b, o, end, 'PASS ')) f.note('FTP cleartext credentials seen (not recorded)');
      return;
    case 'telnet':
      f.note('Telnet: cleartext remote login');
      f.budget = 0;
      return;
    case 'smb':
      if (end - o >= 8 && b[o + 4] === 0xff && ascii(b, o + 5, end, 'SMB'))
        f.note(fromClient ? 'SMBv1 offered by the client' : 'SMBv1 in use (server answered SMBv1)');
      return;
    case 'vnc':
      if (ascii(b, o, end, 'RFB ')) f.note(`VNC ${printable(b, o, end, 12)}`);
      else if (!fromClient && end - o >= 2 && end - o <= 10 && b[o]! === end - o - 1) {
        for (let i = 1; i < end - o; i++) if (b[o + i] === 1) f.note('VNC server offers no authentication');
      }
      return;
    case 'tls': {
      tlsInspect(f, fromClient, b, o, end);
      return;
    }
    default:
      return;
  }
}

// ---- reassembly ----------------------------------------------------------------------------------------

type FrameLen = (b: Buffer, o: number, avail: number) => number;
type PduHandler = (f: FlowState, fromClient: boolean, b: Buffer, o: number, len: number, ts: number) => void;

const modbusFrame: FrameLen = (b, o, a) => {
  if (a < 6) return 0;
  const len = b.readUInt16BE(o + 4);
  return b.readUInt16BE(o + 2) !== 0 || len < 2 || len > 260 ? -1 : 6 + len;
};
const tpktFrame: FrameLen = (b, o, a) => {
  if (a < 4) return 0;
  const len = b.readUInt16BE(o + 2);
  return b[o] !== 3 || b[o + 1] !== 0 || len < 7 ? -1 : len;
};
const enipFrame: FrameLen = (b, o, a) => (a < 4 ? 0 : 24 + b.readUInt16LE(o + 2));
const iec104Frame: FrameLen = (b, o, a) => {
  if (a < 2) return 0;
  return b[o] !== 0x68 || b[o + 1]! < 4 ? -1 : 2 + b[o + 1]!;
};
const opcuaFrame: FrameLen = (b, o, a) => {
  if (a < 8) return 0;
  const size = b.readUInt32LE(o + 4);
  return size < 8 || size > 0x1000000 ? -1 : size;
};
const finsTcpFrame: FrameLen = (b, o, a) => {
  if (a < 8) return 0;
  return b.readUInt32BE(o) !== 0x46494e53 ? -1 : 8 + b.readUInt32BE(o + 4);
};
const adsFrame: FrameLen = (b, o, a) => {
  if (a < 6) return 0;
  const len = b.readUInt32LE(o + 2);
  return b[o] !== 0 || b[o + 1] !== 0 || len < 32 || len > 0x1000000 ? -1 : 6 + len;
};
const mqttFramePdu: PduHandler = (f, c, b, o, len) => {
  mqttPdu(f, c, b, o, len);
};

function framed(
  f: FlowState,
  fromClient: boolean,
  b: Buffer,
  o: number,
  end: number,
  ts: number,
  cut: boolean,
  frameLen: FrameLen,
  handle: PduHandler,
): void {
  const pend = fromClient ? f.pendC : f.pendS;
  let buf = b;
  let start = o;
  let stop = end;
  if (pend) {
    buf = Buffer.concat([pend, b.subarray(o, end)]);
    start = 0;
    stop = buf.length;
  }
  let keep: Buffer | null = null;
  while (start < stop) {
    const n = frameLen(buf, start, stop - start);
    if (n < 0) {
      // Not at a PDU boundary (the capture started mid-stream, or a segment was lost): wait for the next segment.
      protocolCounters.malformedPdus++;
      break;
    }
    if (n === 0 || start + n > stop) {
      if (cut || stop - start > PENDING_CAP) protocolCounters.reassemblyDropped++;
      else keep = Buffer.from(buf.subarray(start, stop));
      break;
    }
    if (f.identifiedBy === 'port') confirm(f, f.protocol);
    handle(f, fromClient, buf, start, n, ts);
    start += n;
  }
  if (fromClient) f.pendC = keep;
  else f.pendS = keep;
}

const FRAMED: ReadonlySet<ProtocolName> = new Set<ProtocolName>([
  'modbus',
  'umas',
  's7comm',
  'enip',
  'dnp3',
  'iec104',
  'opcua',
  'mqtt',
  'fins',
  'ads',
]);
/** Protocols carried in length-prefixed PDUs over TCP, which reassembly can confirm. */
export const isFramed = (p: ProtocolName): boolean => FRAMED.has(p);

/** Deep inspection of one payload of an identified flow. */
export function inspect(
  f: FlowState,
  fromClient: boolean,
  b: Buffer,
  o: number,
  end: number,
  ts: number,
  cut: boolean,
): void {
  const tcp = f.proto === TCP;
  switch (f.protocol) {
    case 'modbus':
    case 'umas':
      if (tcp) framed(f, fromClient, b, o, end, ts, cut, modbusFrame, modbusPdu);
      return;
    case 's7comm':
    case 's7comm-plus':
    case 'iec61850-mms':
      if (tcp) framed(f, fromClient, b, o, end, ts, cut, tpktFrame, tpktPdu);
      return;
    case 'enip':
    case 'cip':
      if (tcp) framed(f, fromClient, b, o, end, ts, cut, enipFrame, enipPdu);
      return;
    case 'dnp3':
      if (tcp) framed(f, fromClient, b, o, end, ts, cut, dnp3Frame, dnp3Pdu);
      else if (dnp3Frame(b, o, end - o) > 0) dnp3Pdu(f, fromClient, b, o, end - o, ts);
      return;
    case 'iec104':
      if (tcp) framed(f, fromClient, b, o, end, ts, cut, iec104Frame, iec104Pdu);
      return;
    case 'opcua':
      if (tcp) framed(f, fromClient, b, o, end, ts, cut, opcuaFrame, opcuaPdu);
      return;
    case 'mqtt':
      if (tcp) framed(f, fromClient, b, o, end, ts, cut, mqttFrame, mqttFramePdu);
      return;
    case 'fins':
      if (tcp) framed(f, fromClient, b, o, end, ts, cut, finsTcpFrame, finsTcpPdu);
      else if (fromClient) finsFrame(f, fromClient, b, o, end, ts);
      return;
    case 'ads':
      if (tcp) framed(f, fromClient, b, o, end, ts, cut, adsFrame, adsPdu);
      return;
    case 'bacnet': {
      bacnet(f, fromClient, b, o, end, ts);
      return;
    }
    case 'snmp': {
      snmpPdu(f, fromClient, b, o, end, ts);
      return;
    }
    case 'dns': {
      // DNS over TCP carries a 2-byte length first; only whole messages in one segment are read.
      if (!fromClient) dnsAnswers(f, b, tcp ? o + 2 : o, end);
      return;
    }
    default:
      f.budget--;
      {
        textInspect(f, fromClient, b, o, end);
        return;
      }
  }
}

const DCP_OPTIONS: Record<string, [OperationKind, string]> = {
  '1/2': ['config', 'IP parameter'],
  '2/2': ['config', 'NameOfStation'],
  '5/3': ['command', 'Signal (flash LED)'],
  '5/5': ['reset', 'Factory Reset'],
  '5/6': ['reset', 'Reset to Factory'],
};

/** Ethernet-only protocols: PROFINET DCP/RT (telling them apart by frame id), GOOSE, SV. */
export function inspectL2(
  f: FlowState,
  et: number,
  fromClient: boolean,
  b: Buffer,
  o: number,
  end: number,
  ts: number,
): void {
  if (et !== 0x8892 || o + 2 > end) {
    f.budget = 0;
    return;
  }
  const frameId = b.readUInt16BE(o);
  if (frameId < 0xfefc) {
    // Cyclic real-time data and alarms: PROFINET RT (the protocol set when the flow was created).
    return;
  }
  f.protocol = 'profinet-dcp';
  if (frameId === 0xfefd && o + 14 <= end && b[o + 2] === 2 && b[o + 3] === 0) {
    const opt = b[o + 12]!;
    const sub = b[o + 13]!;
    const key = `${opt}/${sub}`;
    const d = DCP_OPTIONS[key] ?? ['config', `option ${key}`];
    if (!op(f, fromClient, K(18, opt * 256 + sub), ts))
      opNew(
        f,
        fromClient,
        K(18, opt * 256 + sub),
        'profinet-dcp',
        d[0],
        `PROFINET DCP Set ${d[1]}`,
        `set/${key}`,
        ts,
      );
  }
}
