/**
 * For tests: CaptureSummary builders, and the example plant's capture scenario (content/zones/example-plant.yaml)
 * as data — the same traffic test/fixtures/zones writes as a pcap once src/capture can read one.
 */
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
