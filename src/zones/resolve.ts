/**
 * Who is who: the model's assets, the store's inventory and the assets seen on the wire merged into one
 * list of entities (matched by name, MAC and IP), each placed in a zone by the model's membership selectors.
 */
import type { CaptureSummary, ObservedAsset, RoleGuess } from '../capture/types.js';
import type { ModelAsset, Selector, Zone, ZoneModel } from './model.js';
import { Addresses, isMac, normMac, prefixBits } from './net.js';

/** An asset from the store (src/store AssetTable), with its latest results when the SL gap needs them. */
export interface InventoryAsset {
  id: string;
  name: string;
  hostname: string | null;
  macs: string[];
  tags: string[];
  zone: string | null;
  device_class: string | null;
}

export interface Entity {
  /** Stable key: the model asset's name, else the inventory name, else the observed key (IP or MAC). */
  key: string;
  label: string;
  ips: string[];
  macs: string[];
  names: string[];
  tags: string[];
  model?: ModelAsset;
  inventory: InventoryAsset[];
  observed?: ObservedAsset;
  role: string;
  zone?: string;
  /** How the zone was decided, e.g. `cidr 10.0.1.0/24`. */
  zoneBy?: string;
  /** Other zones that also claim this entity (overlapping memberships). */
  conflicts: { zone: string; by: string }[];
  /** Listed individually (model asset, or a model ip/mac/name selector) or in the inventory. */
  known: boolean;
}

export interface Resolution {
  entities: Entity[];
  /** An endpoint (IP or MAC) as it appears in flows → its entity. */
  byEndpoint: Map<string, Entity>;
  zones: Map<string, Zone>;
  /** Zone id → its ancestors (parent first). */
  ancestors: Map<string, string[]>;
}

export function resolve(
  model: ZoneModel,
  capture?: CaptureSummary,
  inventory: readonly InventoryAsset[] = [],
  addr: Addresses = new Addresses(),
): Resolution {
  const entities: Entity[] = [];
  const byIp = new Map<string, Entity>();
  const byMac = new Map<string, Entity>();
  const byName = new Map<string, Entity>();
  const index = (e: Entity) => {
    for (const ip of e.ips) if (!byIp.has(ip)) byIp.set(ip, e);
    for (const m of e.macs) if (!byMac.has(m)) byMac.set(m, e);
    for (const n of e.names) if (!byName.has(n.toLowerCase())) byName.set(n.toLowerCase(), e);
  };
  for (const a of model.assets) {
    const e: Entity = {
      key: a.name,
      label: a.name,
      ips: [...a.ips],
      macs: a.macs.map(normMac),
      names: [a.name],
      tags: [...a.tags],
      model: a,
      inventory: [],
      role: a.role ?? 'unknown',
      conflicts: [],
      known: true,
    };
    entities.push(e);
    index(e);
  }
  for (const inv of inventory) {
    const macs = inv.macs.map(normMac);
    const hit =
      byName.get(inv.name.toLowerCase()) ??
      (inv.hostname ? byName.get(inv.hostname.toLowerCase()) : undefined) ??
      macs.map((m) => byMac.get(m)).find((x) => x !== undefined);
    if (hit) {
      hit.inventory.push(inv);
      for (const m of macs) if (!hit.macs.includes(m)) hit.macs.push(m);
      for (const t of inv.tags) if (!hit.tags.includes(t)) hit.tags.push(t);
      for (const n of [inv.name, inv.hostname]) if (n && !hit.names.includes(n)) hit.names.push(n);
      if (hit.role === 'unknown' && inv.device_class) hit.role = inv.device_class;
      index(hit);
      continue;
    }
    const e: Entity = {
      key: inv.name,
      label: inv.name,
      ips: [],
      macs,
      names: [inv.name, ...(inv.hostname && inv.hostname !== inv.name ? [inv.hostname] : [])],
      tags: [...inv.tags],
      inventory: [inv],
      role: inv.device_class ?? 'unknown',
      conflicts: [],
      known: true,
    };
    entities.push(e);
    index(e);
  }
  const observedEntity = (o: ObservedAsset): Entity => {
    const mac = o.mac ? normMac(o.mac) : undefined;
    const hit =
      o.ips.map((ip) => byIp.get(ip)).find((x) => x !== undefined) ??
      (mac ? byMac.get(mac) : undefined) ??
      (isMac(o.key) ? byMac.get(normMac(o.key)) : byIp.get(o.key));
    if (hit && !hit.observed) {
      hit.observed = o;
      for (const ip of o.ips) if (!hit.ips.includes(ip)) hit.ips.push(ip);
      if (mac && !hit.macs.includes(mac)) hit.macs.push(mac);
      if (hit.role === 'unknown') hit.role = o.role;
      index(hit);
      return hit;
    }
    const e: Entity = {
      key: o.key,
      label: o.key,
      ips: [...o.ips],
      macs: mac ? [mac] : isMac(o.key) ? [normMac(o.key)] : [],
      names: [],
      tags: [],
      observed: o,
      inventory: [],
      role: o.role,
      conflicts: [],
      known: false,
    };
    entities.push(e);
    index(e);
    return e;
  };
  const byEndpoint = new Map<string, Entity>();
  for (const o of capture?.assets ?? []) {
    const e = observedEntity(o);
    byEndpoint.set(o.key, e);
    for (const ip of o.ips) byEndpoint.set(ip, e);
    if (o.mac) byEndpoint.set(normMac(o.mac), e);
  }
  // Endpoints in flows that the capture's asset list left out (robustness): one entity each.
  for (const f of capture?.flows ?? []) {
    for (const ep of [f.srcIp, f.dstIp]) {
      const k = isMac(ep) ? normMac(ep) : ep;
      if (byEndpoint.has(k)) continue;
      const e = byIp.get(k) ?? byMac.get(k) ?? observedEntity(syntheticAsset(k, f.firstSeen, f.lastSeen));
      byEndpoint.set(k, e);
    }
  }
  for (const e of entities) for (const ip of e.ips) if (!byEndpoint.has(ip)) byEndpoint.set(ip, e);

  const zones = new Map(model.zones.map((z) => [z.id, z]));
  const ancestors = new Map<string, string[]>();
  for (const z of model.zones) {
    const chain: string[] = [];
    let p = z.parent;
    while (p !== undefined && !chain.includes(p) && p !== z.id) {
      chain.push(p);
      p = zones.get(p)?.parent;
    }
    ancestors.set(z.id, chain);
  }
  for (const e of entities) placeInZone(e, model, ancestors, addr);
  return { entities, byEndpoint, zones, ancestors };
}

function syntheticAsset(key: string, first: number, last: number): ObservedAsset {
  const role: RoleGuess = 'unknown';
  return {
    key,
    ips: isMac(key) ? [] : [key],
    ...(isMac(key) ? { mac: key } : {}),
    serves: [],
    uses: [],
    role,
    roleReasons: [],
    firstSeen: first,
    lastSeen: last,
    packets: 0,
    bytes: 0,
  };
}

/** How specifically a selector matches the entity (higher wins), or undefined when it does not. */
function matchScore(
  sel: Selector,
  e: Entity,
  addr: Addresses = new Addresses(),
): { score: number; by: string } | undefined {
  if ('ip' in sel) return e.ips.includes(sel.ip) ? { score: 300, by: `ip ${sel.ip}` } : undefined;
  if ('mac' in sel)
    return e.macs.includes(normMac(sel.mac)) ? { score: 300, by: `mac ${sel.mac}` } : undefined;
  if ('name' in sel)
    return e.names.some((n) => n.toLowerCase() === sel.name.toLowerCase())
      ? { score: 300, by: `name ${sel.name}` }
      : undefined;
  if ('cidr' in sel)
    return e.ips.some((ip) => addr.inCidr(ip, sel.cidr))
      ? { score: 100 + prefixBits(sel.cidr), by: `cidr ${sel.cidr}` }
      : undefined;
  return e.tags.includes(sel.tag) ? { score: 50, by: `tag ${sel.tag}` } : undefined;
}

/** True when the selector names this entity individually (not through a range or a tag). */
export function selectsIndividually(sel: Selector): boolean {
  return 'ip' in sel || 'mac' in sel || 'name' in sel;
}

export function selectorMatches(sel: Selector, e: Entity): boolean {
  return matchScore(sel, e) !== undefined;
}

export function selectorText(sel: Selector): string {
  const [k, v] = Object.entries(sel)[0]!;
  return `${k} ${v}`;
}

function placeInZone(e: Entity, model: ZoneModel, ancestors: Map<string, string[]>, addr: Addresses): void {
  const cands: { zone: string; score: number; by: string }[] = [];
  for (const z of model.zones) {
    let best: { score: number; by: string } | undefined;
    for (const sel of z.members) {
      const m = matchScore(sel, e, addr);
      if (m && (!best || m.score > best.score)) best = m;
      if (m && selectsIndividually(sel)) e.known = true;
    }
    const invZone = e.inventory.find((i) => i.zone === z.id);
    if (!best && invZone) best = { score: 40, by: `inventory zone of ${invZone.name}` };
    if (best) cands.push({ zone: z.id, ...best });
  }
  // A zone and its parent both matching is nesting, not overlap: the innermost zone wins.
  const inner = cands.filter(
    (c) => !cands.some((d) => d !== c && (ancestors.get(d.zone) ?? []).includes(c.zone)),
  );
  inner.sort((a, b) => b.score - a.score || a.zone.localeCompare(b.zone));
  const [first, ...rest] = inner;
  if (!first) return;
  e.zone = first.zone;
  e.zoneBy = first.by;
  e.conflicts = rest.map((r) => ({ zone: r.zone, by: r.by }));
}

/** Zone ids from `zone` up to the root. */
export function zoneChain(r: Resolution, zone: string): string[] {
  return [zone, ...(r.ancestors.get(zone) ?? [])];
}
