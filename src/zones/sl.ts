/**
 * SL gap per zone and foundational requirement: the target (SL-T, from the model) against an achieved level
 * estimated from evidence. An estimate, not a certification: docs/zones.md says how it is computed.
 *
 * Each IEC 62443-3-3 requirement (SR or RE) up to the zone's SL-T gets a status from three sources:
 *  - host rule results of the zone's inventory assets (rules cite `SR x.y`; a pass is evidence for, a fail
 *    against, a waived fail is `compensated` with the waiver's compensating control),
 *  - the network: the zone's conduit controls and the findings of the zone checks on captured traffic,
 *  - attestations written in the model (`attested:`) for what cannot be observed (emergency power, backups).
 * A requirement with evidence against it is `not_met`; else `compensated` if only waivers cover it; else
 * `met` with evidence for it; else `unknown`. The achieved level of an FR is the highest level whose
 * requirements (all those at or below it) are all met or compensated; `ceiling` is that level if every
 * unknown turned out met.
 */
import type { CheckOutcome, ZoneFinding } from './checks.js';
import { FRS, slVector, type FR, type Zone, type ZoneModel } from './model.js';
import { REQUIREMENTS, canonicalSr, type Requirement } from './sr.js';

export type ReqStatus = 'met' | 'not_met' | 'compensated' | 'unknown';

/** One stored result of a host rule on an inventory asset (the latest scan). */
export interface HostResult {
  asset: string;
  rule: string;
  status: string;
  /** The waiver covering a failed result, when one is in force. */
  waiver?: { id: string; compensating_control: string };
}

export interface SlInput {
  model: ZoneModel;
  checks: CheckOutcome;
  /** Whether a capture was given (network evidence from traffic exists). */
  captured: boolean;
  /** Inventory asset id → its latest results. */
  results?: Map<string, HostResult[]>;
  /** Rule id → the IEC 62443-3-3 SRs it cites. */
  ruleRefs?: Map<string, string[]>;
}

export interface RequirementStatus {
  id: string;
  title: string;
  sl: number;
  status: ReqStatus;
  evidence: string[];
  compensating: string[];
}

export interface FrGap {
  fr: FR;
  target: number;
  achieved: number;
  ceiling: number;
  gap: number;
  /** Requirements up to SL-T that are not met or have no evidence. */
  missing: RequirementStatus[];
  compensated: RequirementStatus[];
}

export interface ZoneGap {
  zone: string;
  name: string;
  hosts: number;
  frs: FrGap[];
}

interface Tally {
  for: string[];
  against: string[];
  compensated: string[];
  controls: string[];
}

const UNAUTHENTICATED_ICS = new Set([
  'modbus',
  'umas',
  's7comm',
  'enip',
  'cip',
  'iec104',
  'bacnet',
  'fins',
  'ads',
  'fox',
  'hart-ip',
  'dnp3',
  'iec61850-mms',
]);

export function slGaps(input: SlInput): ZoneGap[] {
  const { model, checks } = input;
  const r = checks.resolution;
  // Findings by the zones they concern, once (a large capture has thousands).
  const byZone = new Map<string, ZoneFinding[]>();
  for (const f of checks.findings)
    for (const z of new Set(f.zones)) {
      const list = byZone.get(z) ?? [];
      list.push(f);
      byZone.set(z, list);
    }
  return model.zones.map((zone) => {
    const members = r.entities.filter((e) => e.zone === zone.id);
    const tallies = new Map<string, Tally>();
    const t = (id: string): Tally => {
      let x = tallies.get(id);
      if (!x) tallies.set(id, (x = { for: [], against: [], compensated: [], controls: [] }));
      return x;
    };
    // Host evidence.
    let hosts = 0;
    for (const e of members) {
      for (const inv of e.inventory) {
        const results = input.results?.get(inv.id) ?? [];
        if (results.length) hosts++;
        const agg = new Map<string, { pass: number; fail: string[]; comp: string[]; ctl: string[] }>();
        for (const res of results) {
          for (const ref of input.ruleRefs?.get(res.rule) ?? []) {
            const sr = canonicalSr(ref);
            if (!sr) continue;
            const a = agg.get(sr) ?? { pass: 0, fail: [], comp: [], ctl: [] };
            if (res.status === 'pass') a.pass++;
            else if (res.status === 'fail' && !res.waiver) a.fail.push(res.rule);
            else if (res.status === 'waived' || (res.status === 'fail' && res.waiver)) {
              a.comp.push(res.rule);
              if (res.waiver)
                a.ctl.push(
                  `${res.waiver.compensating_control} (waiver ${res.waiver.id}, ${res.rule} on ${inv.name})`,
                );
            }
            agg.set(sr, a);
          }
        }
        for (const [sr, a] of agg) {
          if (a.fail.length)
            t(sr).against.push(
              `${inv.name}: ${a.fail.length} rule(s) fail (${a.fail.slice(0, 4).join(', ')}${a.fail.length > 4 ? ', …' : ''})`,
            );
          if (a.comp.length) {
            t(sr).compensated.push(
              `${inv.name}: ${a.comp.length} failing rule(s) waived (${a.comp.slice(0, 4).join(', ')})`,
            );
            t(sr).controls.push(...a.ctl);
          }
          if (a.pass && !a.fail.length) t(sr).for.push(`${inv.name}: ${a.pass} rule(s) pass`);
        }
      }
    }
    networkEvidence(zone, model, input, byZone.get(zone.id) ?? [], t);
    for (const [k, v] of Object.entries(zone.attested ?? {})) {
      const id = canonicalSr(k);
      if (id) t(id).for.push(`attested in the model: ${v}`);
    }
    const target = slVector(zone);
    const frs = FRS.map((fr) => frGap(fr, target[fr], tallies));
    return { zone: zone.id, name: zone.name, hosts, frs };
  });
}

function statusOf(req: Requirement, tallies: Map<string, Tally>): RequirementStatus {
  const x = tallies.get(req.id);
  const base = { id: req.id, title: req.title, sl: req.sl };
  if (!x) return { ...base, status: 'unknown', evidence: [], compensating: [] };
  if (x.against.length)
    return {
      ...base,
      status: 'not_met',
      evidence: [...x.against, ...x.for.map((f) => `(for: ${f})`)],
      compensating: x.controls,
    };
  if (x.compensated.length)
    return {
      ...base,
      status: 'compensated',
      evidence: [...x.compensated, ...x.for],
      compensating: x.controls,
    };
  if (x.for.length) return { ...base, status: 'met', evidence: x.for, compensating: [] };
  return { ...base, status: 'unknown', evidence: [], compensating: [] };
}

function frGap(fr: FR, target: number, tallies: Map<string, Tally>): FrGap {
  const reqs = REQUIREMENTS.filter((q) => q.fr === fr).map((q) => statusOf(q, tallies));
  const levelOk = (ok: (s: ReqStatus) => boolean) => {
    let level = 0;
    for (let l = 1; l <= 4; l++) {
      if (reqs.filter((q) => q.sl === l).every((q) => ok(q.status))) level = l;
      else break;
    }
    return level;
  };
  const achieved = levelOk((s) => s === 'met' || s === 'compensated');
  const ceiling = levelOk((s) => s !== 'not_met');
  const upTo = reqs.filter((q) => q.sl <= target);
  return {
    fr,
    target,
    achieved,
    ceiling,
    gap: Math.max(0, target - achieved),
    missing: upTo.filter((q) => q.status === 'not_met' || q.status === 'unknown'),
    compensated: upTo.filter((q) => q.status === 'compensated'),
  };
}

/** Evidence from the model's conduits and the zone checks' findings. */
function networkEvidence(
  zone: Zone,
  model: ZoneModel,
  input: SlInput,
  zoneFindings: ZoneFinding[],
  t: (id: string) => Tally,
): void {
  const { checks, captured } = input;
  const of = (id: ZoneFinding['id']) => zoneFindings.filter((f) => f.id === id);
  const say = (f: ZoneFinding) => `finding ${f.id}: ${f.title}`;
  const conduits = model.conduits.filter((c) => c.between.includes(zone.id));

  // SR 5.1 network segmentation.
  const flat = of('flat-network');
  const noConduit = of('flow-no-conduit');
  if (flat.length || noConduit.length) t('SR 5.1').against.push(...[...flat, ...noConduit].map(say));
  else if (captured)
    t('SR 5.1').for.push('captured traffic to and from the zone goes through modelled conduits');
  const outbound = of('reaches-outside');
  if (outbound.length) t('SR 5.1 RE2').against.push(...outbound.map(say));

  // SR 5.2 zone boundary protection.
  const unprotected = conduits.filter(
    (c) => !c.controls.some((k) => k.type === 'firewall' || k.type === 'data-diode'),
  );
  const diode = of('diode-wrong-way');
  if (unprotected.length)
    t('SR 5.2').against.push(...unprotected.map((c) => `conduit ${c.id} has no firewall or data diode`));
  if (diode.length) t('SR 5.2').against.push(...diode.map(say));
  if (!unprotected.length && conduits.length)
    t('SR 5.2').for.push(
      `every conduit of the zone (${conduits.map((c) => c.id).join(', ')}) has a firewall or data diode`,
    );
  const notAllowed = of('flow-not-allowed');
  if (notAllowed.length || noConduit.length)
    t('SR 5.2 RE1').against.push(...[...notAllowed, ...noConduit].map(say));
  else if (
    captured &&
    conduits.length &&
    !unprotected.length &&
    conduits.every((c) => c.allow.length > 0 || c.controls.some((k) => k.type === 'data-diode'))
  )
    t('SR 5.2 RE1').for.push('every captured crossing matches an allow entry of a protected conduit');

  // SR 3.1 / 4.1 / 4.3: protocols on the boundary.
  const insecure = of('insecure-protocol-crossing');
  if (insecure.length) {
    t('SR 3.1').against.push(...insecure.map(say));
    t('SR 3.1 RE1').against.push(...insecure.map(say));
    const creds = insecure.filter((f) => f.severity === 'high');
    if (creds.length) t('SR 4.1').against.push(...creds.map(say));
    t('SR 4.1 RE2').against.push(...insecure.map(say));
    const weakTls = insecure.filter((f) => f.title.startsWith('Insecure tls '));
    if (weakTls.length) t('SR 4.3').against.push(...weakTls.map(say));
  } else if (captured) {
    t('SR 3.1').for.push('no insecure protocol seen crossing the zone boundary');
    if (
      conduits.length &&
      conduits.every((c) => c.controls.some((k) => k.type === 'vpn' || k.type === 'data-diode'))
    ) {
      t('SR 3.1 RE1').for.push('every conduit is a VPN or data diode and no cleartext crossing was seen');
      t('SR 4.1 RE2').for.push('every conduit is a VPN or data diode and no cleartext crossing was seen');
    }
  }

  // SR 1.2: devices in the zone serving unauthenticated industrial protocols.
  if (captured) {
    const r = checks.resolution;
    const served = new Set<string>();
    for (const e of r.entities)
      if (e.zone === zone.id)
        for (const p of e.observed?.serves ?? [])
          if (UNAUTHENTICATED_ICS.has(p)) served.add(`${e.label} serves ${p}`);
    if (served.size)
      t('SR 1.2').against.push(
        `devices accept unauthenticated industrial protocols: ${[...served].slice(0, 6).join('; ')}${served.size > 6 ? '; …' : ''}`,
      );
  }

  // SR 1.13 access via untrusted networks.
  const inbound = outbound.filter((f) => f.severity === 'critical');
  if (inbound.length) t('SR 1.13').against.push(...inbound.map(say));
  else if (captured) t('SR 1.13').for.push('no connection from outside the plant into the zone was seen');

  // SR 2.1 authorization enforcement: operations on the zone's controllers by unlisted assets.
  const ops = of('operation-not-permitted');
  if (ops.length) t('SR 2.1').against.push(...ops.map(say));

  // SR 6.2 continuous monitoring: an IDS on the zone's conduits.
  const ids = conduits.filter((c) => c.controls.some((k) => k.type === 'ids'));
  if (ids.length) t('SR 6.2').for.push(`IDS on conduit(s) ${ids.map((c) => c.id).join(', ')}`);

  // SR 7.8 component inventory.
  const unknown = [...of('unknown-asset'), ...of('unzoned-asset')];
  if (unknown.length)
    t('SR 7.8').against.push(`${unknown.length} asset(s) on the wire missing from the model or inventory`);
  else if (captured) t('SR 7.8').for.push('every asset seen in the zone is in the model or the inventory');
}
