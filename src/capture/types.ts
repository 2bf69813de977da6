/**
 * What passive discovery produces from packet captures, and what the zone checks (src/zones) consume.
 * src/capture fills these; src/zones and src/report read them. Plain data: JSON-serialisable.
 */

/** Application protocol identified for a flow (port guess confirmed by payload where possible). */
export type ProtocolName =
  // industrial
  | 'modbus'
  | 'umas'
  | 's7comm'
  | 's7comm-plus'
  | 'iec61850-mms'
  | 'enip'
  | 'cip'
  | 'dnp3'
  | 'iec104'
  | 'opcua'
  | 'bacnet'
  | 'profinet-dcp'
  | 'profinet-rt'
  | 'mqtt'
  | 'goose'
  | 'sv'
  | 'hart-ip'
  | 'fins'
  | 'ads'
  | 'fox'
  // IT
  | 'ssh'
  | 'telnet'
  | 'ftp'
  | 'http'
  | 'tls'
  | 'smb'
  | 'rdp'
  | 'vnc'
  | 'dns'
  | 'ntp'
  | 'snmp'
  | 'unknown';

export interface FlowKey {
  /** 'tcp' | 'udp' | 'icmp' | 'l2' (Ethernet-only protocols such as GOOSE, PROFINET DCP) | other IP proto number as string. */
  transport: string;
  /** Initiator (client) and responder (server) endpoints. IPs as text; for l2 flows, MACs. */
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
}

export interface Flow extends FlowKey {
  protocol: ProtocolName;
  /** How the protocol was decided: 'payload' (confirmed by bytes), 'port' (guess only). */
  identifiedBy: 'payload' | 'port' | 'none';
  /** True when the initiator was seen (SYN, or first packet); false when the capture started mid-flow and direction was guessed. */
  initiatorKnown: boolean;
  srcMac?: string;
  dstMac?: string;
  vlan?: number;
  packetsToServer: number;
  packetsToClient: number;
  bytesToServer: number;
  bytesToClient: number;
  /** Epoch microseconds. */
  firstSeen: number;
  lastSeen: number;
  /** Protocol details worth reporting: tls version, SMBv1, OPC UA SecurityPolicy None, anonymous session, cleartext credentials seen (never the secret itself), SNMP community (masked), … */
  notes: string[];
}

export type OperationKind =
  | 'write'
  | 'program'
  | 'stop'
  | 'start'
  | 'restart'
  | 'reset'
  | 'command'
  | 'config'
  | 'time-sync'
  | 'diagnostic';

/** A state-changing operation seen on the wire. */
export interface Operation {
  protocol: ProtocolName;
  kind: OperationKind;
  /** Protocol-specific name, e.g. 'Modbus FC16 Write Multiple Registers', 'S7 PLC Stop', 'CIP Set_Attribute_Single (class 0x01)'. */
  name: string;
  /** Protocol code (function code, service, type id…) as text. */
  code: string;
  srcIp: string;
  dstIp: string;
  /** Epoch microseconds of the first occurrence. */
  firstSeen: number;
  lastSeen: number;
  count: number;
}

export type RoleGuess =
  | 'plc-rtu'
  | 'hmi'
  | 'engineering-workstation'
  | 'historian'
  | 'it-host'
  | 'network-device'
  | 'iot-device'
  | 'unknown';

export interface ObservedAsset {
  /** Primary key: the IP (or MAC for L2-only devices). */
  key: string;
  mac?: string;
  ips: string[];
  /** Vendor from the MAC's OUI (IEEE list shipped with Bulwark). */
  vendor?: string;
  /** Protocols this asset served (responder) and used (initiator). */
  serves: ProtocolName[];
  uses: ProtocolName[];
  role: RoleGuess;
  /** Why that role: human-readable reasons ("serves modbus on 502", "initiates S7 writes to 3 PLCs"). */
  roleReasons: string[];
  firstSeen: number;
  lastSeen: number;
  packets: number;
  bytes: number;
}

export interface CaptureWarning {
  file: string;
  /** Packet number (1-based) or byte offset where the problem was found. */
  packet?: number;
  offset?: number;
  code: string;
  message: string;
}

/** The whole result of importing one or more capture files. */
export interface CaptureSummary {
  files: {
    path: string;
    format: 'pcap' | 'pcap-ns' | 'pcapng';
    linkTypes: number[];
    packets: number;
    bytes: number;
  }[];
  flows: Flow[];
  assets: ObservedAsset[];
  operations: Operation[];
  warnings: CaptureWarning[];
  /** Counters: IPv4/IPv6 fragments, non-IP frames, truncated packets… */
  counters: Record<string, number>;
}
