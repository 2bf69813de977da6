import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaptureSummary, RoleGuess } from '../capture/types.js';
import { checkZones, insecurity, type CheckId, type ZoneFinding } from './checks.js';
import type { ZoneModel } from './model.js';
import { parseZoneModel } from './parse.js';
import type { InventoryAsset } from './resolve.js';
import { EXAMPLE_PLANT as P, examplePlantCapture, flow, op, summary } from './testing.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const EXAMPLE = parseZoneModel(
  fs.readFileSync(path.join(repoRoot(), 'content', 'zones', 'example-plant.yaml'), 'utf8'),
  'example-plant.yaml',
).model!;

function model(yaml: string): ZoneModel {
  const r = parseZoneModel(yaml, 'm.yaml');
  assert.deepEqual(r.issues, []);
  return r.model!;
}

/** Two zones, ops (10.0.1.0/24) and ctl (10.0.2.0/24), one conduit allowing modbus/502 from ops; hmi may write. */
const TWO = `version: 1
plant: { name: T, internal: [10.0.0.0/8] }
zones:
  - { id: ops, name: Ops, owner: o, sl_t: 2, members: [{ cidr: 10.0.1.0/24 }] }
  - id: ctl
    name: Ctl
    owner: o
    sl_t: 2
    members: [{ cidr: 10.0.2.0/24 }]
    may: { write: [{ name: hmi }], program: [{ ip: 10.0.1.20 }] }
assets:
  - { name: hmi, ips: [10.0.1.10] }
  - { name: ews, ips: [10.0.1.20] }
  - { name: plc, ips: [10.0.2.10] }
conduits:
  - id: c1
    between: [ops, ctl]
    controls: [{ type: firewall }]
    allow:
      - { protocol: modbus, ports: [502], transport: tcp, from: ops }
`;
const HMI = '10.0.1.10';
const EWS = '10.0.1.20';
const PLC = '10.0.2.10';

const ids = (fs: ZoneFinding[]) => fs.map((f) => f.id);
const only = (fs: ZoneFinding[], id: CheckId) => fs.filter((f) => f.id === id);
function run(m: ZoneModel, capture?: CaptureSummary, inventory?: InventoryAsset[]) {
  return checkZones({ model: m, ...(capture ? { capture } : {}), ...(inventory ? { inventory } : {}) });
}

test('flows: no conduit between zones, and flows outside the conduit (protocol, port, direction)', () => {
  const m = model(TWO);
  // negative: the allowed flow
  assert.deepEqual(only(run(m, summary([flow(HMI, PLC, 'modbus', 502)])).findings, 'flow-not-allowed'), []);
  // wrong port, wrong protocol, wrong direction
  for (const f of [
    flow(HMI, PLC, 'modbus', 503),
    flow(HMI, PLC, 'http', 502),
    flow(PLC, HMI, 'modbus', 502),
    flow(HMI, PLC, 'modbus', 502, { transport: 'udp' }),
  ]) {
    const out = only(run(m, summary([f])).findings, 'flow-not-allowed');
    assert.equal(out.length, 1, JSON.stringify(f));
    assert.equal(out[0]!.conduit, 'c1');
    assert.equal(out[0]!.evidence[0]!.kind, 'flow');
    assert.equal(out[0]!.evidence[0]!.packets, 18);
  }
  const rev = only(run(m, summary([flow(PLC, HMI, 'modbus', 502)])).findings, 'flow-not-allowed');
  assert.match(rev[0]!.message, /wrong way/);
  // no conduit at all
  const noConduit = model(TWO.replace(/conduits:[\s\S]*$/, 'conduits: []\n'));
  const nc = only(
    run(noConduit, summary([flow(HMI, PLC, 'modbus', 502), flow(HMI, PLC, 'modbus', 502, { srcPort: 1 })]))
      .findings,
    'flow-no-conduit',
  );
  assert.equal(nc.length, 1, 'flows of one protocol/port between two zones are one finding');
  assert.equal(nc[0]!.evidence.length, 2);
  assert.deepEqual(nc[0]!.zones, ['ops', 'ctl']);
  // flows inside one zone, and to group addresses, are not boundary crossings
  const inside = run(
    noConduit,
    summary([
      flow(HMI, EWS, 'http', 80),
      flow(HMI, '10.0.2.255', 'unknown', 9, { transport: 'udp' }),
      flow(HMI, '224.0.0.251', 'dns', 5353, { transport: 'udp' }),
    ]),
  );
  assert.deepEqual(only(inside.findings, 'flow-no-conduit'), []);
});

test('a conduit between parent zones covers their subzones; nesting is not a crossing', () => {
  const m = model(`version: 1
plant: { name: T }
zones:
  - { id: site, name: S, owner: o, sl_t: 1, members: [{ cidr: 10.0.0.0/16 }] }
  - { id: cell, name: C, owner: o, sl_t: 2, parent: site, members: [{ cidr: 10.0.9.0/24 }] }
  - { id: it, name: I, owner: o, sl_t: 1, members: [{ cidr: 10.1.0.0/16 }] }
conduits:
  - { id: c, between: [site, it], controls: [{ type: firewall }], allow: [{ protocol: http, ports: [80], from: it }] }
`);
  const out = run(
    m,
    summary([flow('10.1.0.5', '10.0.9.5', 'http', 80), flow('10.0.9.5', '10.0.1.1', 'ssh', 22)]),
  );
  assert.deepEqual(only(out.findings, 'flow-no-conduit'), []);
  assert.deepEqual(only(out.findings, 'flow-not-allowed'), []);
  assert.equal(out.resolution.byEndpoint.get('10.0.9.5')!.zone, 'cell');
});

test('insecure protocols crossing a boundary, judged from protocol and capture notes', () => {
  const m = model(
    TWO.replace(
      '{ protocol: modbus, ports: [502], transport: tcp, from: ops }',
      '{ protocol: any, from: any }',
    ),
  );
  const cases: [Parameters<typeof flow>, boolean][] = [
    [[HMI, PLC, 'telnet', 23], true],
    [[HMI, PLC, 'ftp', 21], true],
    [[HMI, PLC, 'http', 80], true],
    [[HMI, PLC, 'modbus', 502], true],
    [[HMI, PLC, 's7comm', 102], true],
    [
      [
        HMI,
        PLC,
        'snmp',
        161,
        { transport: 'udp', notes: ['SNMPv2c community string seen in cleartext: p*****'] },
      ],
      true,
    ],
    [[HMI, PLC, 'snmp', 161, { transport: 'udp', notes: ['SNMPv3'] }], false],
    [[HMI, PLC, 'dnp3', 20000], true],
    [[HMI, PLC, 'dnp3', 20000, { notes: ['DNP3 Secure Authentication v5'] }], false],
    [[HMI, PLC, 'opcua', 4840, { notes: ['OPC UA SecurityPolicy None (no signing, no encryption)'] }], true],
    [[HMI, PLC, 'opcua', 4840, { notes: ['OPC UA SecurityPolicy Basic256Sha256'] }], false],
    [
      [
        HMI,
        PLC,
        'mqtt',
        1883,
        { notes: ['MQTT cleartext credentials seen: user name and password (values not recorded)'] },
      ],
      true,
    ],
    [[HMI, PLC, 'mqtt', 8883, { notes: ['MQTT CONNECT without credentials'] }], false],
    [[HMI, PLC, 'smb', 445, { notes: ['SMBv1 in use (server answered SMBv1)'] }], true],
    [[HMI, PLC, 'smb', 445, { notes: ['SMB2'] }], false],
    [[HMI, PLC, 'tls', 443, { notes: ['TLS 1.0 (deprecated)'] }], true],
    [[HMI, PLC, 'tls', 443, { notes: ['TLS client offers up to TLS 1.3', 'TLS 1.3'] }], false],
    [[HMI, PLC, 'ssh', 22], false],
  ];
  for (const [args, bad] of cases) {
    const out = only(run(m, summary([flow(...args)])).findings, 'insecure-protocol-crossing');
    assert.equal(out.length, bad ? 1 : 0, `${args[2]} ${JSON.stringify(args[4] ?? {})}`);
  }
  // credentials in cleartext raise the severity
  assert.equal(insecurity(flow(HMI, PLC, 'telnet', 23))!.credentials, true);
  assert.equal(insecurity(flow(HMI, PLC, 'modbus', 502))!.credentials, false);
  // inside one zone it is not a boundary crossing
  assert.deepEqual(
    only(run(m, summary([flow(HMI, EWS, 'telnet', 23)])).findings, 'insecure-protocol-crossing'),
    [],
  );
});

test('a data diode carrying traffic the wrong way', () => {
  const m = model(
    TWO.replace(
      'controls: [{ type: firewall }]',
      'controls: [{ type: data-diode, from: ctl, to: ops }]',
    ).replace(
      '{ protocol: modbus, ports: [502], transport: tcp, from: ops }',
      '{ protocol: any, from: any }',
    ),
  );
  const oneWay = flow(PLC, HMI, 'unknown', 5000, { transport: 'udp', packetsToClient: 0, bytesToClient: 0 });
  assert.deepEqual(only(run(m, summary([oneWay])).findings, 'diode-wrong-way'), []);
  const tcp = only(run(m, summary([flow(PLC, HMI, 'unknown', 5000)])).findings, 'diode-wrong-way');
  assert.equal(tcp.length, 1, 'a TCP session answers back through the diode');
  assert.equal(tcp[0]!.severity, 'critical');
  assert.equal(
    only(
      run(m, summary([flow(HMI, PLC, 'unknown', 5000, { transport: 'udp', packetsToClient: 0 })])).findings,
      'diode-wrong-way',
    ).length,
    1,
  );
});

test('write/program/stop operations from assets not allowed to make them', () => {
  const m = model(TWO);
  const ok = run(
    m,
    summary(
      [flow(HMI, PLC, 'modbus', 502)],
      [
        op(HMI, PLC, 'modbus', 'write', 'Modbus FC6', '6'),
        op(EWS, PLC, 's7comm', 'program', 'S7 download', '0x1b'),
        op(EWS, PLC, 'modbus', 'diagnostic', 'FC8', '8'),
      ],
    ),
  );
  assert.deepEqual(only(ok.findings, 'operation-not-permitted'), []);
  const bad = run(
    m,
    summary(
      [flow(HMI, PLC, 'modbus', 502)],
      [
        op(EWS, PLC, 'modbus', 'write', 'Modbus FC16', '16', 4),
        op(HMI, PLC, 's7comm', 'stop', 'S7 PLC Stop', '0x29'),
        op(HMI, PLC, 'modbus', 'restart', 'Restart', '8/1'),
      ],
    ),
  );
  const f = only(bad.findings, 'operation-not-permitted');
  assert.deepEqual(f.map((x) => x.title).sort(), [
    'ews made write operations on plc without permission',
    'hmi made stop operations on plc without permission',
  ]);
  const stop = f.find((x) => x.title.startsWith('hmi'))!;
  assert.equal(stop.severity, 'critical');
  assert.equal(stop.evidence.length, 2, 'stop and restart both need the stop permission');
  assert.equal(stop.evidence[0]!.kind, 'operation');
  // A conduit allow entry can grant it too.
  const viaConduit = model(
    TWO.replace(
      '{ protocol: modbus, ports: [502], transport: tcp, from: ops }',
      '{ protocol: modbus, ports: [502], transport: tcp, from: ops, may: { write: [{ ip: 10.0.1.20 }] } }',
    ),
  );
  assert.deepEqual(
    only(
      run(viaConduit, summary([], [op(EWS, PLC, 'modbus', 'write', 'Modbus FC16', '16')])).findings,
      'operation-not-permitted',
    ),
    [],
  );
});

test('unknown and unzoned assets on the wire; modelled and inventoried assets never seen', () => {
  const m = model(TWO);
  const stranger = '10.0.2.99';
  const outsider = '10.9.9.9';
  const out = run(
    m,
    summary([
      flow(HMI, PLC, 'modbus', 502),
      flow(stranger, PLC, 'modbus', 502),
      flow(outsider, HMI, 'ssh', 22),
    ]),
  );
  assert.deepEqual(
    only(out.findings, 'unknown-asset')
      .map((f) => f.assets[0])
      .sort(),
    [stranger, outsider],
  );
  assert.deepEqual(
    only(out.findings, 'unzoned-asset').map((f) => f.assets[0]),
    [outsider],
  );
  assert.deepEqual(
    only(out.findings, 'asset-not-seen').map((f) => f.assets[0]),
    ['ews'],
  );
  // The inventory knows the stranger by its MAC: not unknown any more; an inventory asset never seen is reported.
  const inv: InventoryAsset[] = [
    {
      id: 'a1',
      name: 'rtu-9',
      hostname: null,
      macs: ['00:11:22:33:44:55'],
      tags: [],
      zone: null,
      device_class: 'plc-rtu',
    },
    {
      id: 'a2',
      name: 'spare-plc',
      hostname: null,
      macs: ['00:11:22:33:44:66'],
      tags: [],
      zone: 'ctl',
      device_class: 'plc-rtu',
    },
    { id: 'a3', name: 'no-mac', hostname: null, macs: [], tags: [], zone: null, device_class: null },
  ];
  const withInv = run(
    m,
    summary([flow(stranger, PLC, 'modbus', 502)], [], {}, { [stranger]: '00:11:22:33:44:55' }),
    inv,
  );
  assert.deepEqual(only(withInv.findings, 'unknown-asset'), []);
  assert.equal(withInv.resolution.byEndpoint.get(stranger)!.key, 'rtu-9');
  assert.ok(only(withInv.findings, 'asset-not-seen').some((f) => f.assets[0] === 'spare-plc'));
  assert.ok(withInv.notes.some((n) => /1 inventory asset/.test(n)));
  // Without a capture, nothing is "not seen".
  assert.deepEqual(only(run(m).findings, 'asset-not-seen'), []);
});

test('overlapping memberships found through different selectors', () => {
  const m = model(
    TWO.replace('members: [{ cidr: 10.0.1.0/24 }]', 'members: [{ cidr: 10.0.1.0/24 }, { tag: plc }]'),
  );
  const inv: InventoryAsset[] = [
    { id: 'x', name: 'plc', hostname: null, macs: [], tags: ['plc'], zone: null, device_class: 'plc-rtu' },
  ];
  const out = run(m, summary([flow(HMI, PLC, 'modbus', 502)]), inv);
  const f = only(out.findings, 'zone-overlap');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.assets[0], 'plc');
  assert.equal(out.resolution.byEndpoint.get(PLC)!.zone, 'ctl', 'the CIDR is more specific than the tag');
  assert.deepEqual(
    only(run(model(TWO), summary([flow(HMI, PLC, 'modbus', 502)]), inv).findings, 'zone-overlap'),
    [],
  );
});

test('hosts reaching outside the plant, and being reached from outside', () => {
  const m = model(TWO);
  const out = run(
    m,
    summary([
      flow(HMI, '198.51.100.1', 'tls', 443),
      flow('198.51.100.2', PLC, 'modbus', 502),
      flow(HMI, PLC, 'modbus', 502),
      flow(HMI, '255.255.255.255', 'unknown', 67, { transport: 'udp' }),
    ]),
  );
  const f = only(out.findings, 'reaches-outside');
  assert.deepEqual(f.map((x) => [x.assets[0], x.severity]).sort(), [
    ['hmi', 'high'],
    ['plc', 'critical'],
  ]);
  // Default plant space: RFC 1918 — a 192.168 peer is inside.
  const d = model(TWO.replace(', internal: [10.0.0.0/8]', ''));
  assert.deepEqual(
    only(
      run(d, summary([flow(HMI, '192.168.1.1', 'dns', 53, { transport: 'udp' })])).findings,
      'reaches-outside',
    ),
    [],
  );
});

test('flat network: one zone holding everything', () => {
  const flat = model(`version: 1
plant: { name: T }
zones:
  - { id: all, name: All, owner: o, sl_t: 1, members: [{ cidr: 10.0.0.0/8 }] }
`);
  assert.equal(only(run(flat).findings, 'flat-network').length, 1);
  const m = model(TWO);
  const oneZoneUsed = run(m, summary([flow(HMI, EWS, 'ssh', 22), flow('10.0.1.30', HMI, 'ssh', 22)]));
  assert.equal(only(oneZoneUsed.findings, 'flat-network').length, 1);
  assert.deepEqual(
    only(
      run(m, summary([flow(HMI, PLC, 'modbus', 502), flow(EWS, PLC, 'modbus', 502)])).findings,
      'flat-network',
    ),
    [],
  );
});

test('single points of failure: one engineering workstation reaching every PLC', () => {
  const m = model(TWO);
  const plcs = ['10.0.2.11', '10.0.2.12', '10.0.2.13'];
  const star = summary(
    plcs.map((p) => flow(EWS, p, 's7comm', 102)),
    [],
    Object.fromEntries<RoleGuess>([
      [EWS, 'engineering-workstation'],
      ...plcs.map((p): [string, RoleGuess] => [p, 'plc-rtu']),
    ]),
  );
  const f = only(run(m, star).findings, 'single-point-of-failure');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.assets[0], 'ews');
  assert.equal(f[0]!.severity, 'high');
  assert.match(f[0]!.message, /every one of the 3 PLC/);
  // A second station reaching the same PLCs removes the single point.
  const two = summary([
    ...plcs.map((p) => flow(EWS, p, 's7comm', 102)),
    ...plcs.map((p) => flow(HMI, p, 's7comm', 102)),
  ]);
  assert.deepEqual(only(run(m, two).findings, 'single-point-of-failure'), []);
  // A leaf off its only peer is not reported.
  assert.deepEqual(
    only(
      run(m, summary([flow(HMI, PLC, 'modbus', 502), flow(EWS, HMI, 'ssh', 22)])).findings,
      'single-point-of-failure',
    ),
    [],
  );
});

test('hard-coded IPs: only judged when DNS answers are in the capture', () => {
  const m = model(TWO);
  const withAnswers = summary([
    flow(HMI, '10.0.1.53', 'dns', 53, { transport: 'udp', notes: ['answer historian.plant A 10.0.1.40'] }),
    flow(HMI, '10.0.1.40', 'http', 80),
    flow(HMI, '10.0.1.41', 'http', 80),
  ]);
  const f = only(run(m, withAnswers).findings, 'hard-coded-ip');
  assert.deepEqual(
    f.map((x) => x.assets[0]),
    ['10.0.1.41'],
  );
  const noAnswers = summary([
    flow(HMI, '10.0.1.53', 'dns', 53, { transport: 'udp' }),
    flow(HMI, '10.0.1.41', 'http', 80),
  ]);
  const out = run(m, noAnswers);
  assert.deepEqual(only(out.findings, 'hard-coded-ip'), []);
  assert.ok(out.notes.some((n) => /no DNS answers/.test(n)));
});

test('the example plant scenario: each violation once, the normal traffic clean', () => {
  const out = run(EXAMPLE, examplePlantCapture());
  const got = ids(out.findings);
  for (const id of [
    'diode-wrong-way',
    'operation-not-permitted',
    'flow-no-conduit',
    'flow-not-allowed',
    'insecure-protocol-crossing',
    'reaches-outside',
    'unknown-asset',
    'asset-not-seen',
    'single-point-of-failure',
  ] as const)
    assert.ok(got.includes(id), `${id} missing: ${got.join(', ')}`);
  assert.ok(!got.includes('flat-network'));
  const ops = only(out.findings, 'operation-not-permitted').map((f) => f.title);
  assert.deepEqual(ops.sort(), [
    '10.10.1.50 made write operations on plc-1 without permission',
    'historian made stop operations on plc-2 without permission',
  ]);
  const na = only(out.findings, 'flow-not-allowed').map((f) => f.title);
  assert.ok(
    na.every((t) => !/tls \(tcp\/443\)/.test(t)),
    'the allowed TLS flow is not reported',
  );
  assert.deepEqual(
    only(out.findings, 'unknown-asset')
      .map((f) => f.assets[0])
      .sort(),
    [P.laptop, P.stranger],
  );
  // Sorted by severity, critical first.
  assert.equal(out.findings[0]!.severity, 'critical');
});
