/**
 * The zone checks: the model against what the wire showed (src/capture's CaptureSummary) and what the
 * store knows (inventory). Pure: data in, findings out. Each finding says what is wrong, shows the
 * evidence (flows, operations, assets) and says what to do.
 */
import type { CaptureSummary, Flow, Operation, OperationKind } from '../capture/types.js';
import type { Severity } from '../core/types.js';
import { addEdge, articulationPoints, type Graph } from './graph.js';
import {
  DEFAULT_INTERNAL,
  type Allow,
  type Conduit,
  type Permission,
  type Selector,
  type ZoneModel,
} from './model.js';
import { Addresses, isGroupAddress, isIp, isMac, normMac } from './net.js';
import {
  resolve,
  selectorMatches,
  selectorText,
  zoneChain,
  type Entity,
  type InventoryAsset,
  type Resolution,
} from './resolve.js';

export const CHECKS = {
  'flow-no-conduit': 'Traffic between zones goes through a conduit',
  'flow-not-allowed': "Traffic through a conduit is one of the conduit's allowed flows",
  'insecure-protocol-crossing': 'No cleartext or insecure protocol crosses a zone boundary',
  'diode-wrong-way': 'A data diode carries data one way only',
  'operation-not-permitted': 'Only permitted assets write to, program or stop controllers',
  'unknown-asset': 'Every asset on the wire is in the model or the inventory',
  'unzoned-asset': 'Every asset on the wire belongs to a zone',
  'zone-overlap': 'Every asset belongs to one zone',
  'asset-not-seen': 'Every modelled or inventoried asset is seen on the wire',
  'reaches-outside': 'No host talks to addresses outside the plant',
  'flat-network': 'The plant is divided into more than one zone',
  'single-point-of-failure': 'No single asset is the only link to others',
  'hard-coded-ip': 'Services are reached by name when the plant uses DNS',
} as const;
export type CheckId = keyof typeof CHECKS;

export interface FindingEvidence {
  kind: 'flow' | 'operation' | 'asset' | 'model';
  text: string;
  packets?: number;
  bytes?: number;
  first_seen?: string;
  last_seen?: string;
}

export interface ZoneFinding {
  /** Stable check id (CHECKS). */
  id: CheckId;
  severity: Severity;
  title: string;
  /** What is wrong and why it matters. */
  message: string;
  /** What to do. */
  fix: string;
  zones: string[];
  conduit?: string;
  assets: string[];
  evidence: FindingEvidence[];
}

export interface CheckInput {
  model: ZoneModel;
  capture?: CaptureSummary;
  inventory?: InventoryAsset[];
}

export interface CheckOutcome {
  resolution: Resolution;
  findings: ZoneFinding[];
  /** What could not be checked, and why (no capture, no DNS answers…). */
  notes: string[];
}

/** The permission a state-changing operation needs; undefined for operations the model does not govern. */
export function permissionFor(kind: OperationKind): Permission | undefined {
  switch (kind) {
    case 'write':
    case 'command':
    case 'config':
    case 'time-sync':
      return 'write';
    case 'program':
      return 'program';
    case 'stop':
    case 'start':
    case 'restart':
    case 'reset':
      return 'stop';
    case 'diagnostic':
      return undefined;
  }
}

/** Protocols that ride inside another (an allow for the outer one covers them). */
const INSIDE: Record<string, string> = { umas: 'modbus', cip: 'enip' };

const MAX_EVIDENCE = 10;
const time = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();

function flowText(f: Flow, r: Resolution): string {
  const name = (ep: string) => {
    const e = r.byEndpoint.get(isMac(ep) ? normMac(ep) : ep);
    return e && e.label !== ep ? `${e.label} (${ep})` : ep;
  };
  const port =
    f.transport === 'tcp' || f.transport === 'udp' ? `/${f.transport} ${f.dstPort}` : ` ${f.transport}`;
  return `${name(f.srcIp)} → ${name(f.dstIp)} ${f.protocol}${port}${f.initiatorKnown ? '' : ' (direction guessed: capture began mid-flow)'}${f.notes.length ? ` [${f.notes.join('; ')}]` : ''}`;
}

function flowEvidence(f: Flow, r: Resolution): FindingEvidence {
  return {
    kind: 'flow',
    text: flowText(f, r),
    packets: f.packetsToServer + f.packetsToClient,
    bytes: f.bytesToServer + f.bytesToClient,
    first_seen: time(f.firstSeen),
    last_seen: time(f.lastSeen),
  };
}

function opEvidence(o: Operation, r: Resolution): FindingEvidence {
  const s = r.byEndpoint.get(o.srcIp)?.label ?? o.srcIp;
  const d = r.byEndpoint.get(o.dstIp)?.label ?? o.dstIp;
  return {
    kind: 'operation',
    text: `${s} → ${d}: ${o.name} (${o.protocol} ${o.code}) ×${o.count}`,
    packets: o.count,
    first_seen: time(o.firstSeen),
    last_seen: time(o.lastSeen),
  };
}

/** Why a flow's protocol is insecure on a boundary, or undefined. Judged from the protocol and capture notes. */
export function insecurity(f: Flow): { why: string; credentials: boolean } | undefined {
  const notes = f.notes.join(' ; ');
  const creds =
    /credentials seen|password|community string|cleartext remote login|authorization header/i.test(notes);
  switch (f.protocol) {
    case 'telnet':
      return { why: 'Telnet sends logins and sessions in cleartext', credentials: true };
    case 'ftp':
      return { why: 'FTP sends logins and files in cleartext', credentials: true };
    case 'http':
      return { why: 'HTTP is unencrypted and unauthenticated', credentials: creds };
    case 'vnc':
      return { why: 'VNC sessions are typically unencrypted', credentials: creds };
    case 'snmp':
      return /v3/i.test(notes)
        ? undefined
        : { why: 'SNMP v1/v2c authenticates with a cleartext community string', credentials: true };
    case 'modbus':
    case 'umas':
    case 's7comm':
    case 'enip':
    case 'cip':
    case 'iec104':
    case 'bacnet':
    case 'fins':
    case 'ads':
    case 'fox':
    case 'hart-ip':
    case 'iec61850-mms':
      return {
        why: `${f.protocol} has no authentication or encryption: anyone who reaches it can read and write the process`,
        credentials: false,
      };
    case 'dnp3':
      return /secure auth|\bSAv?[56]?\b/i.test(notes)
        ? undefined
        : {
            why: 'DNP3 without Secure Authentication accepts commands from anyone who reaches it',
            credentials: false,
          };
    case 'opcua':
      return /securitypolicy\W*none|anonymous/i.test(notes)
        ? {
            why: `OPC UA ${/securitypolicy\W*none/i.test(notes) ? 'with SecurityPolicy None (no signing or encryption)' : 'with anonymous sessions'}`,
            credentials: false,
          }
        : undefined;
    case 'mqtt':
      return f.dstPort === 1883 || /cleartext/i.test(notes)
        ? { why: `MQTT without TLS${creds ? ', with credentials in cleartext' : ''}`, credentials: creds }
        : undefined;
    case 'smb':
      return /smb\s*v?1\b|smb1/i.test(notes)
        ? { why: 'SMBv1 (EternalBlue-class flaws, no encryption)', credentials: creds }
        : undefined;
    case 'tls': {
      const m = /\b(tls\s*1\.[01]|ssl\s*v?[23](?:\.0)?)\b/i.exec(notes);
      return m
        ? {
            why: `${m[1]!.toUpperCase()} is deprecated (RFC 8996); TLS 1.2 or later is required`,
            credentials: false,
          }
        : undefined;
    }
    default:
      return undefined;
  }
}

function portMatches(allow: Allow, port: number): boolean {
  if (!allow.ports) return true;
  return allow.ports.some((p) => {
    if (typeof p === 'number') return p === port;
    const [lo, hi] = p.split('-').map(Number);
    return port >= lo! && port <= hi!;
  });
}

function protocolMatches(allow: Allow, protocol: string): boolean {
  return allow.protocol === 'any' || allow.protocol === protocol || INSIDE[protocol] === allow.protocol;
}

interface Crossing {
  conduit: Conduit;
  /** The conduit's zone on the initiator's side, and on the responder's. */
  srcSide: string;
  dstSide: string;
}

/** The conduit joining two zones (or their enclosing zones, innermost first). */
function conduitBetween(model: ZoneModel, r: Resolution, src: string, dst: string): Crossing | undefined {
  const sc = zoneChain(r, src);
  const dc = zoneChain(r, dst);
  for (const a of sc) {
    for (const b of dc) {
      if (a === b || sc.includes(b) || dc.includes(a)) continue;
      const c = model.conduits.find(
        (k) => (k.between[0] === a && k.between[1] === b) || (k.between[0] === b && k.between[1] === a),
      );
      if (c) return { conduit: c, srcSide: a, dstSide: b };
    }
  }
  return undefined;
}

function allowedBy(x: Crossing, f: Flow): Allow[] {
  return x.conduit.allow.filter(
    (a) =>
      protocolMatches(a, f.protocol) &&
      (a.transport === 'any' || a.transport === f.transport) &&
      (f.transport === 'tcp' || f.transport === 'udp' ? portMatches(a, f.dstPort) : a.ports === undefined) &&
      (a.from === 'any' || a.from === x.srcSide),
  );
}

export function checkZones(input: CheckInput): CheckOutcome {
  const { model, capture } = input;
  const addr = new Addresses();
  const r = resolve(model, capture, input.inventory ?? [], addr);
  const isHostEndpoint = (ep: string): boolean =>
    (isMac(ep) || addr.num(ep) !== undefined) && !addr.isGroup(ep);
  const inAny = (ip: string, cidrs: readonly string[]) => addr.inAny(ip, cidrs);
  const findings: ZoneFinding[] = [];
  const notes: string[] = [];
  const internal = model.plant.internal ?? DEFAULT_INTERNAL;
  const ent = (ep: string): Entity | undefined => r.byEndpoint.get(isMac(ep) ? normMac(ep) : ep);

  // ---- flows across zones
  const groups = new Map<
    string,
    { finding: Omit<ZoneFinding, 'evidence' | 'assets'>; flows: Flow[]; assets: Set<string> }
  >();
  const group = (
    key: string,
    finding: Omit<ZoneFinding, 'evidence' | 'assets'>,
    f: Flow,
    assets: string[],
  ) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { finding, flows: [], assets: new Set() }));
    g.flows.push(f);
    for (const a of assets) g.assets.add(a);
  };
  const outside = new Map<string, { inbound: boolean; flows: Flow[]; entity: Entity }>();
  for (const f of capture?.flows ?? []) {
    if (!isHostEndpoint(f.srcIp) || !isHostEndpoint(f.dstIp)) continue;
    const s = ent(f.srcIp);
    const d = ent(f.dstIp);
    if (!s || !d) continue;
    const sIn = isMac(f.srcIp) || inAny(f.srcIp, internal);
    const dIn = isMac(f.dstIp) || inAny(f.dstIp, internal);
    if (sIn !== dIn) {
      const inner = sIn ? s : d;
      const k = `${inner.key}\0${sIn ? 'out' : 'in'}`;
      const o = outside.get(k) ?? { inbound: !sIn, flows: [], entity: inner };
      o.flows.push(f);
      outside.set(k, o);
      continue;
    }
    if (!s.zone || !d.zone || s.zone === d.zone) continue;
    const sc = zoneChain(r, s.zone);
    const dc = zoneChain(r, d.zone);
    // A subzone and its enclosing zone: nesting, not a boundary the model governs with a conduit.
    if (sc.includes(d.zone) || dc.includes(s.zone)) continue;
    const port = f.transport === 'tcp' || f.transport === 'udp' ? `${f.transport}/${f.dstPort}` : f.transport;
    const x = conduitBetween(model, r, s.zone, d.zone);
    if (!x) {
      group(
        `nc\0${s.zone}\0${d.zone}\0${f.protocol}\0${port}`,
        {
          id: 'flow-no-conduit',
          severity: 'high',
          title: `${f.protocol} (${port}) from zone ${s.zone} to zone ${d.zone} without a conduit`,
          message: `Assets in zone "${s.zone}" talk to zone "${d.zone}" over ${f.protocol} (${port}), but the model has no conduit between these zones: an undocumented path that no boundary control governs.`,
          fix: `Block the path at the zone boundary, or, if it is needed, add a conduit between "${s.zone}" and "${d.zone}" with a firewall and an allow entry for ${f.protocol} ${port} from "${s.zone}".`,
          zones: [s.zone, d.zone],
        },
        f,
        [s.key, d.key],
      );
    } else {
      const allows = allowedBy(x, f);
      if (allows.length === 0) {
        const reverse = x.conduit.allow.some((a) => protocolMatches(a, f.protocol) && a.from === x.dstSide);
        group(
          `na\0${x.conduit.id}\0${s.zone}\0${d.zone}\0${f.protocol}\0${port}`,
          {
            id: 'flow-not-allowed',
            severity: 'high',
            title: `${f.protocol} (${port}) from ${s.zone} to ${d.zone} is not allowed by conduit ${x.conduit.id}`,
            message: `Conduit "${x.conduit.id}" joins "${x.conduit.between[0]}" and "${x.conduit.between[1]}" but allows no ${f.protocol} on ${port} opened from "${x.srcSide}"${reverse ? ` (it allows ${f.protocol} only from "${x.dstSide}": the connection goes the wrong way)` : ''}; traffic outside the conduit's allowed flows means the boundary does not enforce the model.`,
            fix: `Deny it at the conduit's firewall, or add an allow entry (protocol ${f.protocol}, ports [${f.dstPort}], from ${x.srcSide}) to conduit "${x.conduit.id}" if the flow is intended.`,
            zones: [s.zone, d.zone],
            conduit: x.conduit.id,
          },
          f,
          [s.key, d.key],
        );
      }
      for (const ctl of x.conduit.controls) {
        if (ctl.type !== 'data-diode') continue;
        // Data may only go from ctl.from to ctl.to: any byte the other way is a violation.
        const initiatorSide = x.srcSide;
        const back = initiatorSide === ctl.from ? f.packetsToClient : f.packetsToServer;
        if (back > 0)
          group(
            `dd\0${x.conduit.id}\0${s.key}\0${d.key}\0${f.protocol}`,
            {
              id: 'diode-wrong-way',
              severity: 'critical',
              title: `Data diode in conduit ${x.conduit.id} carries traffic from ${ctl.to} to ${ctl.from}`,
              message: `Conduit "${x.conduit.id}" is modelled with a data diode from "${ctl.from}" to "${ctl.to}", yet ${back} packet(s) of ${f.protocol} went from "${ctl.to}" to "${ctl.from}"${f.transport === 'tcp' ? ' (a TCP session needs packets both ways, which a real diode cannot carry)' : ''}: either the diode is bypassed or it is not a diode.`,
              fix: `Find the path that bypasses the diode and remove it; replace bidirectional protocols across it with one-way transfer (UDP push, diode replication of the historian).`,
              zones: [ctl.from, ctl.to],
              conduit: x.conduit.id,
            },
            f,
            [s.key, d.key],
          );
      }
    }
    const bad = insecurity(f);
    if (bad) {
      const vpn = x?.conduit.controls.some((c) => c.type === 'vpn') ?? false;
      group(
        `in\0${s.zone}\0${d.zone}\0${f.protocol}\0${port}\0${bad.why}`,
        {
          id: 'insecure-protocol-crossing',
          severity: bad.credentials ? 'high' : 'medium',
          title: `Insecure ${f.protocol} crosses from zone ${s.zone} to ${d.zone}`,
          message: `${bad.why}; it crosses the trust boundary between "${s.zone}" and "${d.zone}"${x ? ` through conduit "${x.conduit.id}"` : ''}${vpn ? ' (the conduit is modelled with a VPN, yet the capture saw it in cleartext at this point)' : ''}.`,
          fix: `Use the secure variant (SSH, SFTP, HTTPS, SNMPv3, TLS ≥ 1.2, OPC UA Sign&Encrypt, DNP3 Secure Authentication, MQTT over TLS on 8883, SMBv3), or carry the flow inside an authenticated tunnel (VPN/IPsec) across the boundary; for a legacy device that cannot, restrict the conduit to the named peers and monitor it (IDS) as a recorded compensating control.`,
          zones: [s.zone, d.zone],
          ...(x ? { conduit: x.conduit.id } : {}),
        },
        f,
        [s.key, d.key],
      );
    }
  }
  for (const g of groups.values()) {
    const flows = g.flows.sort(
      (a, b) => b.packetsToServer + b.packetsToClient - (a.packetsToServer + a.packetsToClient),
    );
    const ev = flows.slice(0, MAX_EVIDENCE).map((f) => flowEvidence(f, r));
    if (flows.length > MAX_EVIDENCE)
      ev.push({ kind: 'flow', text: `… and ${flows.length - MAX_EVIDENCE} more flow(s)` });
    findings.push({ ...g.finding, assets: [...g.assets].sort(), evidence: ev });
  }
  for (const o of outside.values()) {
    const ext = [...new Set(o.flows.map((f) => (o.inbound ? f.srcIp : f.dstIp)))];
    findings.push({
      id: 'reaches-outside',
      severity: o.inbound ? 'critical' : 'high',
      title: o.inbound
        ? `${o.entity.label} is reached from outside the plant`
        : `${o.entity.label} reaches outside the plant`,
      message: o.inbound
        ? `${ext.length} address(es) outside the plant address space (${ext.slice(0, 5).join(', ')}${ext.length > 5 ? ', …' : ''}) opened connections to ${o.entity.label}: a direct path from outside into the plant.`
        : `${o.entity.label} opened connections to ${ext.length} address(es) outside the plant address space (${ext.slice(0, 5).join(', ')}${ext.length > 5 ? ', …' : ''}): an uncontrolled path out of the plant (update checks, telemetry, a misconfigured gateway, or exfiltration).`,
      fix: o.inbound
        ? 'Block inbound connections from outside at the plant boundary; remote access goes through a DMZ jump host with MFA. If the address is really internal, add its range to plant.internal in the model.'
        : 'Block it at the plant boundary, or route it through a DMZ proxy if it is needed. If the address is really internal, add its range to plant.internal in the model.',
      zones: o.entity.zone ? [o.entity.zone] : [],
      assets: [o.entity.key],
      evidence: o.flows.slice(0, MAX_EVIDENCE).map((f) => flowEvidence(f, r)),
    });
  }

  // ---- state-changing operations
  const opGroups = new Map<
    string,
    {
      ops: Operation[];
      perm: Permission;
      s: Entity | undefined;
      d: Entity | undefined;
      sSide: string;
      dSide: string;
    }
  >();
  for (const o of capture?.operations ?? []) {
    const perm = permissionFor(o.kind);
    if (!perm) continue;
    const s = ent(o.srcIp);
    const d = ent(o.dstIp);
    if (s && permitted(model, r, s, d, o, perm)) continue;
    const k = `${s?.key ?? o.srcIp}\0${d?.key ?? o.dstIp}\0${perm}`;
    const g = opGroups.get(k) ?? {
      ops: [],
      perm,
      s,
      d,
      sSide: s?.label ?? o.srcIp,
      dSide: d?.label ?? o.dstIp,
    };
    g.ops.push(o);
    opGroups.set(k, g);
  }
  for (const g of opGroups.values()) {
    const safety = g.d?.zone ? r.zones.get(g.d.zone)?.safety : undefined;
    findings.push({
      id: 'operation-not-permitted',
      severity: g.perm === 'write' && safety !== 'sis' && safety !== 'safety' ? 'high' : 'critical',
      title: `${g.sSide} made ${g.perm} operations on ${g.dSide} without permission`,
      message: `The model does not list ${g.sSide}${g.s?.zone ? ` (zone ${g.s.zone})` : ''} among the assets that may ${g.perm === 'write' ? 'write to' : g.perm} ${g.dSide}${g.d?.zone ? ` (zone ${g.d.zone}${safety && safety !== 'none' ? `, a ${safety} zone` : ''})` : ''}, yet the capture shows ${g.ops.reduce((n, o) => n + o.count, 0)} such operation(s): unauthorised changes to a controller can stop or damage the process.`,
      fix: `If ${g.sSide} is meant to do this, add it to \`may.${g.perm}\` of zone "${g.d?.zone ?? '?'}" (or of the conduit's allow entry); otherwise find out who used it, block the function codes at an ICS-aware firewall, and enable the controller's write protection (key switch, protection level, password).`,
      zones: [...new Set([g.s?.zone, g.d?.zone].filter((z): z is string => z !== undefined))],
      assets: [g.s?.key, g.d?.key].filter((a): a is string => a !== undefined),
      evidence: g.ops.slice(0, MAX_EVIDENCE).map((o) => opEvidence(o, r)),
    });
  }

  // ---- assets
  const observed = r.entities.filter((e) => e.observed);
  for (const e of observed) {
    const o = e.observed!;
    const ev: FindingEvidence = {
      kind: 'asset',
      text: `${o.key}${o.mac ? ` mac ${o.mac}` : ''}${o.vendor ? ` (${o.vendor})` : ''}; role ${o.role}${o.roleReasons.length ? ` (${o.roleReasons.join('; ')})` : ''}; serves ${o.serves.join(', ') || '-'}; uses ${o.uses.join(', ') || '-'}`,
      packets: o.packets,
      bytes: o.bytes,
      first_seen: time(o.firstSeen),
      last_seen: time(o.lastSeen),
    };
    const isInternal = o.ips.length === 0 || o.ips.some((ip) => inAny(ip, internal));
    if (!isInternal) continue;
    if (!e.known)
      findings.push({
        id: 'unknown-asset',
        severity: 'medium',
        title: `Unknown asset ${e.label} on the wire`,
        message: `${e.label} (guessed role ${o.role}) talks on the plant network but is neither listed in the zone model nor in the inventory: an asset nobody owns is an asset nobody patches or hardens.`,
        fix: `Identify it (vendor ${o.vendor ?? 'unknown'}, switch port by MAC); add it to the model's assets (or the inventory with \`bulwark assets\`) with its zone, or remove it.`,
        zones: e.zone ? [e.zone] : [],
        assets: [e.key],
        evidence: [ev],
      });
    if (!e.zone)
      findings.push({
        id: 'unzoned-asset',
        severity: 'medium',
        title: `${e.label} belongs to no zone`,
        message: `${e.label} is on the plant network but no zone's members select it, so no zone's security level or conduit rules cover it.`,
        fix: 'Add it (by ip, mac, name or a cidr) to the members of the zone it belongs to.',
        zones: [],
        assets: [e.key],
        evidence: [ev],
      });
  }
  for (const e of r.entities) {
    if (e.conflicts.length === 0 || !e.zone) continue;
    findings.push({
      id: 'zone-overlap',
      severity: 'medium',
      title: `${e.label} is claimed by ${e.conflicts.length + 1} zones`,
      message: `${e.label} matches zone "${e.zone}" (${e.zoneBy ?? ''}) and ${e.conflicts.map((c) => `"${c.zone}" (${c.by})`).join(', ')}; Bulwark placed it in "${e.zone}" (the most specific match), but an asset belongs to exactly one zone.`,
      fix: 'Make the memberships disjoint: remove it from all but one zone, or tag/inventory it consistently.',
      zones: [e.zone, ...e.conflicts.map((c) => c.zone)],
      assets: [e.key],
      evidence: [
        {
          kind: 'model',
          text: `zone ${e.zone} via ${e.zoneBy ?? '?'}; ${e.conflicts.map((c) => `zone ${c.zone} via ${c.by}`).join('; ')}`,
        },
      ],
    });
  }
  if (capture) {
    let incomparable = 0;
    for (const e of r.entities) {
      if (e.observed) continue;
      if (e.ips.length === 0 && e.macs.length === 0) {
        incomparable++;
        continue;
      }
      findings.push({
        id: 'asset-not-seen',
        severity: 'low',
        title: `${e.label} was not seen on the wire`,
        message: `${e.label} is ${e.model ? 'in the zone model' : 'in the inventory'}${e.zone ? ` (zone ${e.zone})` : ''} but none of its addresses (${[...e.ips, ...e.macs].join(', ')}) appear in the capture: it is retired, switched off, outside the capture point, or the model is out of date.`,
        fix: 'Confirm with the capture point covering its segment; remove retired assets from the model and inventory.',
        zones: e.zone ? [e.zone] : [],
        assets: [e.key],
        evidence: [
          {
            kind: 'model',
            text: `${e.model ? 'model asset' : 'inventory asset'} ${e.label}: ${[...e.ips, ...e.macs].join(', ')}`,
          },
        ],
      });
    }
    if (incomparable)
      notes.push(
        `${incomparable} inventory asset(s) have no MAC and match no model asset, so whether they were seen cannot be told`,
      );
  } else
    notes.push(
      'no capture given: flow, operation, unknown-asset, outside-reach and dependency checks need --capture',
    );

  // ---- flat network
  const placed = (capture ? observed : r.entities).filter((e) => e.zone);
  const zonesUsed = new Set(placed.map((e) => e.zone!));
  const leafZones = model.zones.filter((z) => !model.zones.some((c) => c.parent === z.id));
  if ((placed.length >= 3 && zonesUsed.size === 1) || leafZones.length === 1) {
    const only = [...zonesUsed][0] ?? leafZones[0]!.id;
    findings.push({
      id: 'flat-network',
      severity: 'high',
      title: `One zone (${only}) holds every asset`,
      message: `${leafZones.length === 1 ? 'The model defines a single zone' : `All ${placed.length} placed assets are in zone "${only}"`}: a flat network lets any compromised host reach every controller; IEC 62443-3-2 asks for zones by function, criticality and risk.`,
      fix: 'Split the plant into zones (e.g. enterprise, DMZ, operations, control, safety) with conduits and firewalls between them; start with separating the safety system and the controllers from IT hosts.',
      zones: [only],
      assets: placed.map((e) => e.key).slice(0, 50),
      evidence: [
        {
          kind: 'model',
          text: `zones with assets: ${[...zonesUsed].join(', ') || only}; assets: ${placed.length}`,
        },
      ],
    });
  }

  // ---- dependencies: articulation points of the communication graph
  if (capture) {
    const g: Graph = new Map();
    for (const f of capture.flows) {
      // The plant's own communication graph: hosts outside the plant are not dependencies it can fix.
      if (!isHostEndpoint(f.srcIp) || !isHostEndpoint(f.dstIp)) continue;
      if (!(isMac(f.srcIp) || inAny(f.srcIp, internal)) || !(isMac(f.dstIp) || inAny(f.dstIp, internal)))
        continue;
      const s = ent(f.srcIp);
      const d = ent(f.dstIp);
      if (s && d) addEdge(g, s.key, d.key);
    }
    const byKey = new Map(r.entities.map((e) => [e.key, e]));
    const isPlc = (k: string) => (byKey.get(k)?.role === 'plc-rtu' ? 1 : 0);
    const plcs = r.entities.filter((e) => e.observed && e.role === 'plc-rtu').map((e) => e.key);
    for (const ap of articulationPoints(g, { weigh: isPlc })) {
      const e = byKey.get(ap.node);
      const cutGroups = ap.separated.slice(1);
      const cut = cutGroups.reduce((n, x) => n + x.size, 0);
      const cutPlcs = cutGroups.reduce((n, x) => n + x.weight, 0);
      const reachesAllPlcs = plcs.length >= 2 && plcs.every((p) => p === ap.node || g.get(ap.node)?.has(p));
      // A leaf hanging off its only peer makes that peer a cut vertex; report a dependency only when it
      // cuts off a controller or more than one asset.
      if (cut < 2 && cutPlcs === 0) continue;
      const label = e?.label ?? ap.node;
      const name = (k: string) => byKey.get(k)?.label ?? k;
      findings.push({
        id: 'single-point-of-failure',
        severity:
          cutPlcs >= 2 || (reachesAllPlcs && e?.role === 'engineering-workstation') ? 'high' : 'medium',
        title: `${label} is the only link to ${cut} asset(s)`,
        message: `In the communication graph seen on the wire, removing ${label} (${e?.role ?? 'unknown'}) cuts ${cut} asset(s)${cutPlcs ? `, ${cutPlcs} of them PLC/RTUs,` : ''} off from the rest${reachesAllPlcs ? `; it talks to every one of the ${plcs.length} PLC/RTUs seen` : ''}: if it fails, they lose their only path to the rest of the plant, and if it is compromised, so are they.`,
        fix: `Provide a second, independent path or host for the function ${label} carries (redundant HMI or engineering station, historian replica), harden and monitor it as a critical asset, and make sure it is not the only way to operate the separated assets.`,
        zones: e?.zone ? [e.zone] : [],
        assets: [ap.node, ...cutGroups.flatMap((x) => x.members).slice(0, 49)],
        evidence: ap.separated.map((grp, i) => ({
          kind: 'asset' as const,
          text: `${i === 0 ? 'largest remaining group' : 'cut off'} (${grp.size}): ${grp.members.map(name).join(', ')}${grp.size > grp.members.length ? ', …' : ''}`,
        })),
      });
    }

    // ---- hard-coded IPs: responders never named in a DNS answer, when DNS answers are seen
    const dnsFlows = capture.flows.filter((f) => f.protocol === 'dns');
    if (dnsFlows.length) {
      const resolved = new Set<string>();
      for (const f of dnsFlows)
        for (const n of f.notes)
          for (const m of n.matchAll(
            /(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])|([0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})/gi,
          )) {
            const ip = m[1] ?? m[2]!;
            if (isIp(ip)) resolved.add(ip);
          }
      if (resolved.size === 0)
        notes.push(
          'DNS traffic was seen but the capture recorded no DNS answers, so the hard-coded IP check was skipped',
        );
      else {
        const clients = new Map<string, { e: Entity; flows: Flow[] }>();
        for (const f of capture.flows) {
          if (
            f.protocol === 'dns' ||
            !isIp(f.dstIp) ||
            isGroupAddress(f.dstIp) ||
            resolved.has(f.dstIp) ||
            !(f.transport === 'tcp' || f.transport === 'udp')
          )
            continue;
          const d = ent(f.dstIp);
          if (!d || d.ips.some((ip) => resolved.has(ip))) continue;
          const c = clients.get(d.key) ?? { e: d, flows: [] };
          c.flows.push(f);
          clients.set(d.key, c);
        }
        for (const { e, flows } of clients.values()) {
          const who = [...new Set(flows.map((f) => ent(f.srcIp)?.label ?? f.srcIp))];
          findings.push({
            id: 'hard-coded-ip',
            severity: 'low',
            title: `${e.label} is reached by IP address only`,
            message: `The plant uses DNS (${resolved.size} address(es) seen in answers), but no DNS answer named ${e.label}; ${who.length} client(s) (${who.slice(0, 5).join(', ')}) reach it by a hard-coded address: a hidden dependency that breaks silently when it moves and that no inventory shows.`,
            fix: `Record the dependency (clients → ${e.label}) in the model's conduit allow entries; where the clients support names, give ${e.label} a DNS name and configure them with it.`,
            zones: e.zone ? [e.zone] : [],
            assets: [e.key],
            evidence: flows.slice(0, MAX_EVIDENCE).map((f) => flowEvidence(f, r)),
          });
        }
      }
    }
  }

  findings.sort(
    (a, b) =>
      sevRank(b.severity) - sevRank(a.severity) || a.id.localeCompare(b.id) || a.title.localeCompare(b.title),
  );
  return { resolution: r, findings, notes };
}

const SEV: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
const sevRank = (s: Severity) => SEV.indexOf(s);

function listed(sels: Selector[] | undefined, e: Entity): boolean {
  return (sels ?? []).some((s) => selectorMatches(s, e));
}

/** Whether `s` may make an operation needing `perm` on `d`: the target zone's (and its parents') `may`, or a matching conduit allow entry's. */
function permitted(
  model: ZoneModel,
  r: Resolution,
  s: Entity,
  d: Entity | undefined,
  o: Operation,
  perm: Permission,
): boolean {
  if (!d?.zone) return false;
  for (const z of zoneChain(r, d.zone)) if (listed(r.zones.get(z)?.may?.[perm], s)) return true;
  if (!s.zone || s.zone === d.zone) return false;
  const x = conduitBetween(model, r, s.zone, d.zone);
  if (!x) return false;
  const f = { protocol: o.protocol, transport: 'any' } as const;
  return x.conduit.allow.some(
    (a) =>
      protocolMatches(a, f.protocol) &&
      (a.from === 'any' || a.from === x.srcSide) &&
      listed(a.may?.[perm], s),
  );
}

export { selectorText };
