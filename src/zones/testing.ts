/**
 * For tests: CaptureSummary builders, and the example plant's capture scenario (content/zones/example-plant.yaml),
 * both as data (examplePlantCapture) and as real packets (examplePlantPcap, written with src/capture's writer).
 */
import { cotpCr, modbus, pcapFile, s7Job, tlsHello, Trace, type Host } from '../capture/testing.js';
import type {
  CaptureSummary,
  Flow,
  ObservedAsset,
  Operation,
  OperationKind,
  ProtocolName,
  RoleGuess,
} from '../capture/types.js';

const T0 = Date.UTC(2026, 10, 20, 8, 0, 0) * 1000;

export function flow(
  src: string,
  dst: string,
  protocol: ProtocolName,
  dstPort: number,
  extra: Partial<Flow> = {},
): Flow {
  return {
    transport: 'tcp',
    srcIp: src,
    srcPort: 40000 + (dstPort % 1000),
    dstIp: dst,
    dstPort,
    protocol,
    identifiedBy: 'payload',
    initiatorKnown: true,
    packetsToServer: 10,
    packetsToClient: 8,
    bytesToServer: 1200,
    bytesToClient: 900,
    firstSeen: T0,
    lastSeen: T0 + 60_000_000,
    notes: [],
    ...extra,
  };
}

export function op(
  src: string,
  dst: string,
  protocol: ProtocolName,
  kind: OperationKind,
  name: string,
  code: string,
  count = 1,
): Operation {
  return {
    protocol,
    kind,
    name,
    code,
    srcIp: src,
    dstIp: dst,
    firstSeen: T0 + 1_000_000,
    lastSeen: T0 + 2_000_000,
    count,
  };
}

/** Observed assets derived from the flows (every endpoint), with roles where given. */
export function summary(
  flows: Flow[],
  operations: Operation[] = [],
  roles: Record<string, RoleGuess> = {},
  macs: Record<string, string> = {},
): CaptureSummary {
  const assets = new Map<string, ObservedAsset>();
  const get = (ip: string): ObservedAsset => {
    let a = assets.get(ip);
    if (!a) {
      a = {
        key: ip,
        ips: [ip],
        serves: [],
        uses: [],
        role: roles[ip] ?? 'unknown',
        roleReasons: [],
        firstSeen: T0,
        lastSeen: T0,
        packets: 0,
        bytes: 0,
        ...(macs[ip] ? { mac: macs[ip] } : {}),
      };
      assets.set(ip, a);
    }
    return a;
  };
  for (const f of flows) {
    const s = get(f.srcIp);
    const d = get(f.dstIp);
    if (!s.uses.includes(f.protocol)) s.uses.push(f.protocol);
    if (!d.serves.includes(f.protocol)) d.serves.push(f.protocol);
    for (const a of [s, d]) {
      a.packets += f.packetsToServer + f.packetsToClient;
      a.bytes += f.bytesToServer + f.bytesToClient;
      a.lastSeen = Math.max(a.lastSeen, f.lastSeen);
    }
  }
  return {
    files: [{ path: 'synthetic', format: 'pcap', linkTypes: [1], packets: 0, bytes: 0 }],
    flows,
    assets: [...assets.values()],
    operations,
    warnings: [],
    counters: {},
  };
}

/** The example plant's traffic: normal operation plus one instance of each violation the checks look for. */
export const EXAMPLE_PLANT = {
  laptop: '10.10.1.50',
  dmzHistorian: '10.10.2.10',
  jump: '10.10.2.20',
  hmi: '10.10.3.10',
  ews: '10.10.3.20',
  historian: '10.10.3.30',
  plc1: '10.10.4.10',
  plc2: '10.10.4.11',
  stranger: '10.10.4.99',
  sis: '10.10.5.10',
  internet: '203.0.113.7',
};

export function examplePlantCapture(): CaptureSummary {
  const P = EXAMPLE_PLANT;
  const flows: Flow[] = [
    // allowed, but cleartext Modbus/S7 across the ops→control boundary
    flow(P.hmi, P.plc1, 'modbus', 502),
    flow(P.hmi, P.plc2, 'modbus', 502),
    flow(P.ews, P.plc1, 's7comm', 102),
    flow(P.ews, P.plc2, 's7comm', 102),
    flow(P.ews, P.sis, 's7comm', 102),
    flow(P.historian, P.plc2, 's7comm', 102),
    // allowed: enterprise → DMZ over TLS 1.2
    flow(P.laptop, P.jump, 'tls', 443, { notes: ['TLS 1.2'] }),
    // historian replication through the diode: UDP one way (allowed)
    flow(P.historian, P.dmzHistorian, 'unknown', 5000, {
      transport: 'udp',
      packetsToClient: 0,
      bytesToClient: 0,
      identifiedBy: 'none',
    }),
    // violations
    flow(P.laptop, P.plc1, 'modbus', 502), // no conduit enterprise → control
    flow(P.laptop, P.jump, 'telnet', 23, { notes: ['Telnet: cleartext remote login'] }), // not allowed + insecure
    flow(P.dmzHistorian, P.historian, 'unknown', 1433, { identifiedBy: 'port' }), // TCP back through the diode
    flow(P.ews, P.internet, 'tls', 443, { notes: ['TLS 1.2'] }), // reaches outside
    flow(P.stranger, P.plc2, 'modbus', 502), // unknown asset in control
  ];
  const operations: Operation[] = [
    op(P.hmi, P.plc1, 'modbus', 'write', 'Modbus FC16 Write Multiple Registers', '16', 12), // permitted
    op(P.ews, P.plc1, 's7comm', 'program', 'S7 Download block', '0x1b', 3), // permitted
    op(P.historian, P.plc2, 's7comm', 'stop', 'S7 PLC Stop', '0x29'), // not permitted
    op(P.laptop, P.plc1, 'modbus', 'write', 'Modbus FC6 Write Single Register', '6', 2), // not permitted
    op(P.hmi, P.plc1, 'modbus', 'diagnostic', 'Modbus FC8 Diagnostics', '8'), // not governed
  ];
  return summary(flows, operations, {
    [P.hmi]: 'hmi',
    [P.ews]: 'engineering-workstation',
    [P.historian]: 'historian',
    [P.plc1]: 'plc-rtu',
    [P.plc2]: 'plc-rtu',
    [P.sis]: 'plc-rtu',
    [P.stranger]: 'unknown',
  });
}

const host = (ip: string, n: number): Host => ({
  ip,
  mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`,
});

/** The example plant's traffic as Ethernet frames: the same flows and operations as examplePlantCapture(). */
export function examplePlantPcap(): Buffer {
  const P = EXAMPLE_PLANT;
  const H = Object.fromEntries(Object.entries(P).map(([k, ip], i) => [k, host(ip, i + 1)])) as Record<
    keyof typeof P,
    Host
  >;
  const t = new Trace();
  let port = 40000;
  const modbusTalk = (c: Host, s: Host, fc: number) =>
    t
      .tcp(c, s, port++, 502)
      .handshake()
      .request(modbus(fc, Buffer.from([0, 1, 0, 1])), modbus(fc, Buffer.from([0, 1, 0, 1])))
      .close();
  const s7Talk = (c: Host, s: Host, fn: number) =>
    t.tcp(c, s, port++, 102).handshake().request(cotpCr(), cotpCr()).request(s7Job(fn)).close();
  // allowed (cleartext ICS across ops → control / sis)
  modbusTalk(H.hmi, H.plc1, 3);
  modbusTalk(H.hmi, H.plc1, 16); // write, permitted
  modbusTalk(H.hmi, H.plc2, 3);
  s7Talk(H.ews, H.plc1, 0x1b); // download, permitted
  s7Talk(H.ews, H.plc2, 0x04); // read
  s7Talk(H.ews, H.sis, 0x04);
  s7Talk(H.historian, H.plc2, 0x29); // PLC stop by the historian: not permitted
  // enterprise → DMZ over TLS 1.2 (allowed)
  t.tcp(H.laptop, H.jump, port++, 443)
    .handshake()
    .request(tlsHello(false, 0x0303), tlsHello(true, 0x0303))
    .close();
  // historian replication through the diode: UDP one way
  for (let i = 0; i < 3; i++) t.udp(H.historian, H.dmzHistorian, 41000, 5000, Buffer.from('replica'));
  // violations
  modbusTalk(H.laptop, H.plc1, 6); // no conduit enterprise → control, and a write
  t.tcp(H.laptop, H.jump, port++, 23)
    .handshake()
    .request(Buffer.from([0xff, 0xfd, 0x18]), Buffer.from([0xff, 0xfb, 0x01]))
    .close(); // telnet
  t.tcp(H.dmzHistorian, H.historian, port++, 1433).handshake().request(Buffer.from('select 1')).close(); // back through the diode
  t.tcp(H.ews, H.internet, port++, 443)
    .handshake()
    .request(tlsHello(false, 0x0303), tlsHello(true, 0x0303))
    .close(); // outside
  modbusTalk(H.stranger, H.plc2, 3); // unknown asset
  return pcapFile(t.packets);
}
