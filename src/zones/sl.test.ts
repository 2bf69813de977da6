import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkZones } from './checks.js';
import type { FR } from './model.js';
import { parseZoneModel } from './parse.js';
import type { InventoryAsset } from './resolve.js';
import { slGaps, type HostResult, type ZoneGap } from './sl.js';
import { REQUIREMENTS } from './sr.js';
import { flow, summary } from './testing.js';

const YAML = `version: 1
plant: { name: T, internal: [10.0.0.0/8] }
zones:
  - id: ops
    name: Ops
    owner: o
    sl_t: 1
    members: [{ cidr: 10.0.1.0/24 }]
  - id: ctl
    name: Ctl
    owner: o
    sl_t: { IAC: 1, UC: 1, SI: 1, DC: 1, RDF: 2, TRE: 2, RA: 1 }
    members: [{ cidr: 10.0.2.0/24 }, { name: gw }]
conduits:
  - id: c1
    between: [ops, ctl]
    controls: [{ type: firewall }, { type: ids }]
    allow:
      - { protocol: ssh, ports: [22], transport: tcp, from: ops }
`;
const model = parseZoneModel(YAML, 'm.yaml').model!;
const inv: InventoryAsset[] = [
  { id: 'gw-id', name: 'gw', hostname: 'gw', macs: [], tags: [], zone: null, device_class: 'server' },
];

function gaps(opts: {
  results?: HostResult[];
  refs?: Record<string, string[]>;
  captureFlows?: Parameters<typeof flow>[];
  yaml?: string;
}): ZoneGap[] {
  const m = opts.yaml ? parseZoneModel(opts.yaml, 'm.yaml').model! : model;
  const capture = opts.captureFlows ? summary(opts.captureFlows.map((a) => flow(...a))) : undefined;
  const checks = checkZones({ model: m, inventory: inv, ...(capture ? { capture } : {}) });
  return slGaps({
    model: m,
    checks,
    captured: capture !== undefined,
    results: new Map([['gw-id', opts.results ?? []]]),
    ruleRefs: new Map(Object.entries(opts.refs ?? {})),
  });
}
const fr = (g: ZoneGap[], zone: string, f: FR) =>
  g.find((z) => z.zone === zone)!.frs.find((x) => x.fr === f)!;

test('an FR reaches a level only when every requirement up to it has evidence for it', () => {
  // RA at SL1 needs SR 7.1–7.7 (base); give evidence for all of them through one passing rule each.
  const ra1 = REQUIREMENTS.filter((r) => r.fr === 'RA' && r.sl === 1).map((r) => r.id);
  assert.deepEqual(ra1, ['SR 7.1', 'SR 7.2', 'SR 7.3', 'SR 7.4', 'SR 7.5', 'SR 7.6', 'SR 7.7']);
  const refs = Object.fromEntries(ra1.map((id, i) => [`rule-${i}`, [id]]));
  const results: HostResult[] = ra1.map((_, i) => ({ asset: 'gw-id', rule: `rule-${i}`, status: 'pass' }));
  let g = fr(gaps({ results, refs }), 'ctl', 'RA');
  assert.equal(g.target, 1);
  assert.equal(g.achieved, 1);
  assert.equal(g.gap, 0);
  assert.deepEqual(g.missing, []);
  // One SL1 requirement failing drops the FR to 0 and is listed with its evidence.
  results[2] = { asset: 'gw-id', rule: 'rule-2', status: 'fail' };
  g = fr(gaps({ results, refs }), 'ctl', 'RA');
  assert.equal(g.achieved, 0);
  assert.equal(g.gap, 1);
  assert.deepEqual(
    g.missing.map((m) => [m.id, m.status]),
    [['SR 7.3', 'not_met']],
  );
  assert.match(g.missing[0]!.evidence[0]!, /gw: 1 rule\(s\) fail \(rule-2\)/);
  // Without any result the same requirements are unknown: achieved 0, but the ceiling is 4 (nothing is against).
  const none = fr(gaps({}), 'ctl', 'RA');
  assert.equal(none.achieved, 0);
  assert.equal(none.ceiling, 4);
  assert.ok(none.missing.every((m) => m.status === 'unknown'));
  // Results of an asset outside the zone do not count for it.
  assert.equal(
    fr(gaps({ results, refs }), 'ops', 'RA').missing.filter((m) => m.status === 'not_met').length,
    0,
  );
});

test('a waived failure counts as compensated, with its compensating control listed', () => {
  const refs = { 'ssh-max-auth-tries': ['SR 1.11'], other: ['SR 1.11'] };
  const results: HostResult[] = [
    {
      asset: 'gw-id',
      rule: 'ssh-max-auth-tries',
      status: 'fail',
      waiver: { id: 'w-1', compensating_control: 'fail2ban on the jump host' },
    },
  ];
  const g = fr(gaps({ results, refs }), 'ctl', 'IAC');
  assert.deepEqual(
    g.compensated.map((c) => c.id),
    ['SR 1.11'],
  );
  assert.match(
    g.compensated[0]!.compensating[0]!,
    /fail2ban on the jump host \(waiver w-1, ssh-max-auth-tries on gw\)/,
  );
  // A waived rule next to an unwaived failure of the same SR: not met.
  const both = fr(
    gaps({ results: [...results, { asset: 'gw-id', rule: 'other', status: 'fail' }], refs }),
    'ctl',
    'IAC',
  );
  assert.equal(both.missing.find((m) => m.id === 'SR 1.11')!.status, 'not_met');
});

test('network evidence: boundary controls, conduit-only traffic, insecure crossings, IDS, inventory', () => {
  const clean = gaps({ captureFlows: [['10.0.1.5', '10.0.2.5', 'ssh', 22]] });
  const rdf = fr(clean, 'ctl', 'RDF');
  // SR 5.1 (traffic only through conduits), 5.2 (firewall), 5.2 RE1 (every crossing allowed): met, but SR 5.3, 5.4 and 5.1 RE1 have no evidence.
  assert.ok(
    !rdf.missing.some((m) => ['SR 5.1', 'SR 5.2', 'SR 5.2 RE1'].includes(m.id)),
    JSON.stringify(rdf.missing),
  );
  assert.ok(rdf.missing.some((m) => m.id === 'SR 5.3' && m.status === 'unknown'));
  const tre = fr(clean, 'ctl', 'TRE');
  assert.ok(
    !tre.missing.some((m) => m.id === 'SR 6.2'),
    'an IDS on the conduit is continuous monitoring evidence',
  );
  // A cleartext protocol crossing, an unknown asset, an unallowed flow.
  const dirty = gaps({
    captureFlows: [
      ['10.0.1.5', '10.0.2.5', 'telnet', 23],
      ['10.0.2.77', '10.0.2.5', 'modbus', 502],
    ],
  });
  const notMet = (f: FR) =>
    fr(dirty, 'ctl', f)
      .missing.filter((m) => m.status === 'not_met')
      .map((m) => m.id);
  assert.ok(notMet('SI').includes('SR 3.1'));
  assert.ok(notMet('DC').includes('SR 4.1'), 'telnet carries credentials: confidentiality');
  assert.ok(notMet('RDF').includes('SR 5.2 RE1'));
  assert.ok(notMet('RA').length === 0, 'SR 7.8 is SL2, above the RA target of 1');
  assert.ok(notMet('IAC').length === 0, 'SR 1.2 is SL2, above the IAC target of 1');
  // An unprotected conduit fails SR 5.2 from the model alone.
  const bare = gaps({ yaml: YAML.replace('controls: [{ type: firewall }, { type: ids }]', 'controls: []') });
  assert.ok(
    fr(bare, 'ctl', 'RDF').missing.some(
      (m) => m.id === 'SR 5.2' && m.status === 'not_met' && /no firewall or data diode/.test(m.evidence[0]!),
    ),
  );
});

test('attested requirements count as met, and show their statement', () => {
  const yaml = YAML.replace(
    '    members: [{ cidr: 10.0.1.0/24 }]',
    '    members: [{ cidr: 10.0.1.0/24 }]\n    attested:\n      SR 7.5: UPS tested 2026-03',
  );
  const g = fr(gaps({ yaml }), 'ops', 'RA');
  assert.ok(!g.missing.some((m) => m.id === 'SR 7.5'));
  const withoutAttest = fr(gaps({}), 'ops', 'RA');
  assert.ok(withoutAttest.missing.some((m) => m.id === 'SR 7.5'));
});
