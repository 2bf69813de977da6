/**
 * Observed assets from flows and operations: one per IP address (or per MAC for devices seen only at layer 2),
 * with the MAC (from the frames, and ARP), the vendor from its OUI, the protocols it served and used, and a
 * role guess with the reasons for it. Pure: no I/O except the vendor lookup it is given.
 */
import type { Flow, ObservedAsset, Operation, ProtocolName, RoleGuess } from './types.js';

/** Protocols a controller, RTU or field device serves. */
const CONTROLLER: ReadonlySet<ProtocolName> = new Set<ProtocolName>([
  'modbus',
  'umas',
  's7comm',
  's7comm-plus',
  'iec61850-mms',
  'enip',
  'cip',
  'dnp3',
  'iec104',
  'fins',
  'ads',
  'hart-ip',
  'profinet-rt',
  'profinet-dcp',
  'goose',
  'sv',
  'bacnet',
]);
const INDUSTRIAL: ReadonlySet<ProtocolName> = new Set<ProtocolName>([...CONTROLLER, 'opcua', 'mqtt', 'fox']);
/** Operations that mark an engineering workstation: changing the program or the run state of a controller. */
const PROGRAMMING: ReadonlySet<string> = new Set(['program', 'stop', 'start']);
/** Layer-2 protocols whose sender is the controller side (publisher); for the others (DCP) it is the client. */
const L2_PUBLISHED: ReadonlySet<ProtocolName> = new Set<ProtocolName>(['goose', 'sv', 'profinet-rt']);
/** Server ports of databases and historians (not identified by payload; the port is the evidence). */
const HISTORIAN_PORTS = new Set([1433, 1521, 3306, 5432, 5450, 5457, 8086, 27017]);

const isGroupIp = (ip: string): boolean => {
  if (ip.includes(':')) return ip.toLowerCase().startsWith('ff');
  const first = Number(ip.split('.')[0]);
  return (
    (first >= 224 && first <= 239) || ip === '255.255.255.255' || ip.endsWith('.255') || ip === '0.0.0.0'
  );
};
const isGroupMac = (mac: string): boolean => (parseInt(mac.slice(0, 2), 16) & 1) === 1;

interface Acc {
  key: string;
  macs: Map<string, number>;
  ips: Set<string>;
  serves: Set<ProtocolName>;
  uses: Set<ProtocolName>;
  servedPorts: Set<number>;
  /** Peers this asset initiated industrial flows to, by protocol. */
  icsPeers: Map<ProtocolName, Set<string>>;
  first: number;
  last: number;
  packets: number;
  bytes: number;
}

export interface AssetOptions {
  vendorOf?: (mac: string) => string | undefined;
  /** IPv4 text → MAC text learnt from ARP. */
  arp?: Map<string, string>;
}

/** Builds the observed assets of a capture. */
export function buildAssets(
  flows: Flow[],
  operations: Operation[],
  opts: AssetOptions = {},
): ObservedAsset[] {
  const accs = new Map<string, Acc>();
  const get = (key: string): Acc => {
    let a = accs.get(key);
    if (!a) {
      a = {
        key,
        macs: new Map(),
        ips: new Set(),
        serves: new Set(),
        uses: new Set(),
        servedPorts: new Set(),
        icsPeers: new Map(),
        first: Number.POSITIVE_INFINITY,
        last: 0,
        packets: 0,
        bytes: 0,
      };
      accs.set(key, a);
    }
    return a;
  };
  const touch = (a: Acc, f: Flow): void => {
    if (f.firstSeen < a.first) a.first = f.firstSeen;
    if (f.lastSeen > a.last) a.last = f.lastSeen;
    a.packets += f.packetsToServer + f.packetsToClient;
    a.bytes += f.bytesToServer + f.bytesToClient;
  };
  // MACs seen behind many IPs are routers: they must not be glued to the remote IPs they forward for.
  const ipsPerMac = new Map<string, Set<string>>();
  for (const f of flows) {
    if (f.transport === 'l2') continue;
    if (f.srcMac) (ipsPerMac.get(f.srcMac) ?? ipsPerMac.set(f.srcMac, new Set()).get(f.srcMac)!).add(f.srcIp);
    if (f.dstMac && !isGroupMac(f.dstMac))
      (ipsPerMac.get(f.dstMac) ?? ipsPerMac.set(f.dstMac, new Set()).get(f.dstMac)!).add(f.dstIp);
  }
  const routers = new Set([...ipsPerMac].filter(([, ips]) => ips.size > 3).map(([m]) => m));

  for (const f of flows) {
    if (f.transport === 'l2') {
      const src = get(f.srcIp);
      src.macs.set(f.srcIp, (src.macs.get(f.srcIp) ?? 0) + 1);
      touch(src, f);
      const published = L2_PUBLISHED.has(f.protocol);
      if (f.protocol !== 'unknown') (published ? src.serves : src.uses).add(f.protocol);
      if (!isGroupMac(f.dstIp)) {
        const dst = get(f.dstIp);
        dst.macs.set(f.dstIp, 1);
        touch(dst, f);
        if (f.protocol !== 'unknown') (published ? dst.uses : dst.serves).add(f.protocol);
      }
      continue;
    }
    if (!isGroupIp(f.srcIp)) {
      const c = get(f.srcIp);
      c.ips.add(f.srcIp);
      if (f.srcMac && !routers.has(f.srcMac)) c.macs.set(f.srcMac, (c.macs.get(f.srcMac) ?? 0) + 1);
      touch(c, f);
      if (f.protocol !== 'unknown') {
        c.uses.add(f.protocol);
        if (INDUSTRIAL.has(f.protocol)) {
          const peers = c.icsPeers.get(f.protocol) ?? c.icsPeers.set(f.protocol, new Set()).get(f.protocol)!;
          peers.add(f.dstIp);
        }
      }
    }
    if (!isGroupIp(f.dstIp)) {
      const s = get(f.dstIp);
      s.ips.add(f.dstIp);
      if (f.dstMac && !routers.has(f.dstMac) && !isGroupMac(f.dstMac))
        s.macs.set(f.dstMac, (s.macs.get(f.dstMac) ?? 0) + 1);
      touch(s, f);
      const answered = f.transport !== 'tcp' || f.packetsToClient > 0;
      if (answered && f.protocol !== 'unknown') s.serves.add(f.protocol);
      if (answered && (f.transport === 'tcp' || f.transport === 'udp')) s.servedPorts.add(f.dstPort);
    }
  }
  for (const [ip, mac] of opts.arp ?? []) {
    const a = accs.get(ip);
    if (a && !routers.has(mac)) a.macs.set(mac, (a.macs.get(mac) ?? 0) + 1_000_000);
  }
  // Routers become network devices of their own, keyed by MAC.
  for (const m of routers) {
    const a = get(m);
    a.macs.set(m, 1);
  }

  // A device seen both at layer 2 (GOOSE, PROFINET) and with an IP address is one asset: the IP one.
  const ipByMac = new Map<string, Acc[]>();
  for (const a of accs.values()) {
    if (a.ips.size === 0) continue;
    const mac = [...a.macs].sort((x, y) => y[1] - x[1])[0]?.[0];
    if (mac) (ipByMac.get(mac) ?? ipByMac.set(mac, []).get(mac)!).push(a);
  }
  for (const [mac, owners] of ipByMac) {
    const l2 = accs.get(mac);
    if (!l2 || owners.length !== 1 || routers.has(mac)) continue;
    const a = owners[0]!;
    for (const p of l2.serves) a.serves.add(p);
    for (const p of l2.uses) a.uses.add(p);
    a.first = Math.min(a.first, l2.first);
    a.last = Math.max(a.last, l2.last);
    a.packets += l2.packets;
    a.bytes += l2.bytes;
    accs.delete(mac);
  }

  const opsBySrc = new Map<string, Operation[]>();
  for (const o of operations) (opsBySrc.get(o.srcIp) ?? opsBySrc.set(o.srcIp, []).get(o.srcIp)!).push(o);

  const out: ObservedAsset[] = [];
  for (const a of accs.values()) {
    const mac = [...a.macs].sort((x, y) => y[1] - x[1])[0]?.[0];
    const ops = [...(opsBySrc.get(a.key) ?? []), ...(mac && mac !== a.key ? (opsBySrc.get(mac) ?? []) : [])];
    const { role, reasons } = guessRole(a, ops, routers.has(a.key), ipsPerMac.get(a.key)?.size ?? 0);
    const asset: ObservedAsset = {
      key: a.key,
      ips: [...a.ips].sort(),
      serves: [...a.serves].sort(),
      uses: [...a.uses].sort(),
      role,
      roleReasons: reasons,
      firstSeen: Number.isFinite(a.first) ? a.first : 0,
      lastSeen: a.last,
      packets: a.packets,
      bytes: a.bytes,
    };
    if (mac) {
      asset.mac = mac;
      const v = opts.vendorOf?.(mac);
      if (v) asset.vendor = v;
    }
    out.push(asset);
  }
  return out.sort((x, y) => compareKeys(x.key, y.key));
}

/** IPv4 addresses in numeric order, then IPv6, then MACs. */
export function compareKeys(a: string, b: string): number {
  const rank = (k: string): [number, string] => {
    const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(k);
    if (v4)
      return [
        0,
        v4
          .slice(1)
          .map((x) => x.padStart(3, '0'))
          .join('.'),
      ];
    if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(k)) return [2, k];
    return [1, k];
  };
  const [ra, ka] = rank(a);
  const [rb, kb] = rank(b);
  return ra - rb || (ka < kb ? -1 : ka > kb ? 1 : 0);
}

function guessRole(
  a: Acc,
  ops: Operation[],
  isRouter: boolean,
  ipsBehindMac: number,
): { role: RoleGuess; reasons: string[] } {
  const reasons: string[] = [];
  if (isRouter)
    return {
      role: 'network-device',
      reasons: [`its MAC carries traffic of ${ipsBehindMac} IP addresses: a router or gateway`],
    };
  const served = [...a.serves].filter((p) => CONTROLLER.has(p));
  if (served.length > 0) {
    reasons.push(`serves ${served.join(', ')}`);
    const programmers = ops.filter((o) => PROGRAMMING.has(o.kind));
    if (programmers.length > 0)
      reasons.push(`also initiates ${programmers.length} programming/stop operation kind(s)`);
    return { role: 'plc-rtu', reasons };
  }
  const programming = ops.filter((o) => PROGRAMMING.has(o.kind));
  if (programming.length > 0) {
    const targets = new Set(programming.map((o) => o.dstIp));
    const names = [...new Set(programming.map((o) => o.name))].slice(0, 3);
    reasons.push(`initiates ${names.join(', ')} to ${targets.size} device(s)`);
    return { role: 'engineering-workstation', reasons };
  }
  const icsTargets = new Set<string>();
  const icsProtocols: string[] = [];
  for (const [p, peers] of a.icsPeers) {
    if (!CONTROLLER.has(p)) continue;
    icsProtocols.push(p);
    for (const x of peers) icsTargets.add(x);
  }
  const writes = ops.filter((o) => o.kind !== 'diagnostic' && o.kind !== 'time-sync');
  const itServed = [...a.serves].filter((p) => p === 'http' || p === 'opcua' || p === 'mqtt' || p === 'smb');
  const dbPorts = [...a.servedPorts].filter((p) => HISTORIAN_PORTS.has(p));
  if (icsTargets.size > 0) {
    if (writes.length > 0) {
      reasons.push(`polls ${icsTargets.size} controller(s) over ${icsProtocols.join(', ')}`);
      reasons.push(`sends ${writes.length} kind(s) of write/command operations`);
      return { role: 'hmi', reasons };
    }
    if (itServed.length > 0 || dbPorts.length > 0 || icsTargets.size >= 3) {
      reasons.push(`reads ${icsTargets.size} controller(s) over ${icsProtocols.join(', ')} without writing`);
      if (itServed.length > 0) reasons.push(`serves ${itServed.join(', ')}`);
      if (dbPorts.length > 0) reasons.push(`serves database port(s) ${dbPorts.join(', ')}`);
      return { role: 'historian', reasons };
    }
    reasons.push(
      `polls ${icsTargets.size} controller(s) over ${icsProtocols.join(', ')} without writing (HMI or historian)`,
    );
    return { role: 'hmi', reasons };
  }
  if (a.serves.has('opcua') || dbPorts.length > 0) {
    reasons.push(a.serves.has('opcua') ? 'serves OPC UA' : `serves database port(s) ${dbPorts.join(', ')}`);
    return { role: 'historian', reasons };
  }
  const onlyMgmt = [...a.serves].every(
    (p) => p === 'snmp' || p === 'ssh' || p === 'telnet' || p === 'http' || p === 'tls',
  );
  if (a.serves.has('snmp') && onlyMgmt) {
    reasons.push(`serves ${[...a.serves].join(', ')}: management interfaces only`);
    return { role: 'network-device', reasons };
  }
  if (a.uses.has('mqtt') && a.uses.size <= 2 && a.serves.size === 0) {
    reasons.push('publishes over MQTT and nothing else');
    return { role: 'iot-device', reasons };
  }
  if (a.serves.size > 0 || a.uses.size > 0) {
    const all = [...new Set([...a.serves, ...a.uses])];
    reasons.push(`only IT protocols: ${all.join(', ')}`);
    return { role: 'it-host', reasons };
  }
  return { role: 'unknown', reasons: ['no identified protocol'] };
}
