import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYamlText } from 'yaml';
import { parseZoneModel } from './parse.js';
import { slVector, zonesJsonSchema } from './model.js';
import { canonicalSr, REQUIREMENTS } from './sr.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const EXAMPLE = path.join(repoRoot(), 'content', 'zones', 'example-plant.yaml');

const BASE = `version: 1
plant:
  name: P
zones:
  - id: a
    name: A
    owner: me
    sl_t: 2
    members:
      - cidr: 10.0.1.0/24
  - id: b
    name: B
    owner: me
    sl_t: { IAC: 1, UC: 1, SI: 2, DC: 0, RDF: 3, TRE: 1, RA: 4 }
    members:
      - cidr: 10.0.2.0/24
conduits:
  - id: ab
    between: [a, b]
    controls: [{ type: firewall }]
    allow:
      - { protocol: modbus, ports: [502], from: a }
`;

function issuesOf(text: string) {
  const r = parseZoneModel(text, 'm.yaml');
  assert.equal(r.model, undefined, 'expected the model to be refused');
  return r.issues;
}

test('the example plant model is valid, and SL-T as a number or a vector expands to all seven FRs', () => {
  const r = parseZoneModel(fs.readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
  assert.deepEqual(r.issues, []);
  assert.ok(r.model);
  assert.equal(r.model.zones.length, 5);
  const ok = parseZoneModel(BASE, 'm.yaml');
  assert.deepEqual(ok.issues, []);
  assert.deepEqual(slVector(ok.model!.zones[0]!), { IAC: 2, UC: 2, SI: 2, DC: 2, RDF: 2, TRE: 2, RA: 2 });
  assert.equal(slVector(ok.model!.zones[1]!).RA, 4);
});

test('schema problems carry file:line:column and the key path', () => {
  const bad = BASE.replace('sl_t: 2', 'sl_t: 5').replace(
    '    owner: me\n    sl_t: { IAC',
    '    ownr: me\n    sl_t: { IAC',
  );
  const is = issuesOf(bad);
  const sl = is.find((i) => i.path === 'zones.0.sl_t');
  assert.ok(sl, JSON.stringify(is));
  assert.equal(sl.file, 'm.yaml');
  assert.equal(sl.line, 8);
  assert.equal(sl.column, 5);
  const unknown = is.find((i) => i.code === 'unrecognized_keys');
  assert.ok(unknown);
  assert.equal(unknown.line, 13);
  assert.match(unknown.message, /ownr/);
  assert.ok(
    is.some((i) => i.path === 'zones.1.owner' && /expected string/i.test(i.message)),
    JSON.stringify(is),
  );
});

test('bad addresses, selectors with two keys and out-of-range ports are refused', () => {
  const is = issuesOf(
    BASE.replace('cidr: 10.0.1.0/24', 'cidr: 10.0.1.0/33')
      .replace('- cidr: 10.0.2.0/24', '- { ip: 10.0.2.1, mac: "zz" }')
      .replace('ports: [502]', 'ports: [70000]'),
  );
  assert.ok(
    is.some((i) => i.path?.startsWith('zones.0.members.0') && i.line === 10),
    JSON.stringify(is),
  );
  assert.ok(
    is.some(
      (i) => i.path?.startsWith('zones.1.members.0') && i.line === 16 && /exactly one of/.test(i.message),
    ),
    JSON.stringify(is),
  );
  assert.ok(
    is.some((i) => i.path?.startsWith('conduits.0.allow.0.ports') && i.line === 22),
    JSON.stringify(is),
  );
});

test('semantic checks: unknown zones, a conduit to itself, diode and allow directions, duplicates, cycles, overlaps', () => {
  const cases: [string, string, string, number][] = [
    [BASE.replace('between: [a, b]', 'between: [a, c]'), 'unknown_zone', 'conduits.0.between.1', 19],
    [BASE.replace('between: [a, b]', 'between: [a, a]'), 'conduit_self', 'conduits.0.between', 19],
    [BASE.replace('from: a }', 'from: z }'), 'unknown_zone', 'conduits.0.allow.0.from', 22],
    [
      BASE.replace('protocol: modbus', 'protocol: modus'),
      'unknown_protocol',
      'conduits.0.allow.0.protocol',
      22,
    ],
    [
      BASE.replace('[{ type: firewall }]', '[{ type: data-diode, from: a, to: c }]'),
      'unknown_zone',
      'conduits.0.controls.0.to',
      20,
    ],
    [
      BASE.replace('[{ type: firewall }]', '[{ type: data-diode, from: a, to: a }]'),
      'diode_direction',
      'conduits.0.controls.0.to',
      20,
    ],
    [BASE.replace('  - id: b\n', '  - id: a\n'), 'duplicate_zone', 'zones.1.id', 11],
    [
      BASE.replace('    sl_t: 2\n', '    sl_t: 2\n    parent: b\n').replace(
        '    sl_t: { IAC',
        '    parent: a\n    sl_t: { IAC',
      ),
      'zone_cycle',
      'zones.0.parent',
      9,
    ],
    [
      BASE.replace('    sl_t: 2\n', '    sl_t: 2\n    parent: nowhere\n'),
      'unknown_zone',
      'zones.0.parent',
      9,
    ],
    [
      BASE.replace('cidr: 10.0.2.0/24', 'cidr: 10.0.0.0/16'),
      'overlapping_membership',
      'zones.1.members.0',
      16,
    ],
    [
      BASE.replace('    sl_t: 2\n', '    sl_t: 2\n    attested:\n      SR 9.9: something\n'),
      'unknown_requirement',
      'zones.0.attested.SR 9.9',
      10,
    ],
    [BASE.replace('ports: [502]', 'ports: ["600-500"]'), 'port_range', 'conduits.0.allow.0.ports.0', 22],
  ];
  for (const [text, code, p, line] of cases) {
    const is = issuesOf(text);
    const hit = is.find((i) => i.code === code);
    assert.ok(hit, `${code}: ${JSON.stringify(is)}`);
    assert.equal(hit.path, p, code);
    assert.equal(hit.line, line, `${code} line`);
    assert.equal(hit.file, 'm.yaml');
  }
});

test('nested zones may overlap their parent; siblings may not', () => {
  const nested = BASE.replace('cidr: 10.0.2.0/24', 'cidr: 10.0.1.128/25').replace(
    '    sl_t: { IAC',
    '    parent: a\n    sl_t: { IAC',
  );
  const ok = parseZoneModel(nested, 'm.yaml');
  assert.deepEqual(ok.issues, []);
  const sib = BASE.replace('cidr: 10.0.2.0/24', 'ip: 10.0.1.7');
  assert.ok(issuesOf(sib).some((i) => i.code === 'overlapping_membership' && /10\.0\.1\.7/.test(i.message)));
});

test('YAML syntax errors and unsafe documents are issues with a line, never exceptions', () => {
  const is = issuesOf('version: 1\nzones: [\n  - id: a\n');
  assert.ok(is.length > 0);
  assert.ok(is.every((i) => typeof i.line === 'number'));
  const tagged = issuesOf('version: 1\nplant: !!js/function "x"\n');
  assert.ok(tagged.length > 0);
});

test('the emitted JSON Schema accepts the example and rejects a bad SL (ajv as the oracle)', () => {
  const ajv = new Ajv2020({ strict: false });
  const validate = ajv.compile(zonesJsonSchema() as object);
  const example: unknown = parseYamlText(fs.readFileSync(EXAMPLE, 'utf8'));
  assert.ok(validate(example), JSON.stringify(validate.errors));
  const bad = parseYamlText(BASE.replace('sl_t: 2', 'sl_t: 7')) as unknown;
  assert.equal(validate(bad), false);
  const committed = path.join(repoRoot(), 'docs', 'zones-schema.json');
  assert.deepEqual(
    JSON.parse(fs.readFileSync(committed, 'utf8')),
    zonesJsonSchema(),
    'docs/zones-schema.json is stale: run npm run docs:rules',
  );
});

test('requirement table: 7 FRs, ids in the form rules cite, SLs 1–4, canonical forms', () => {
  assert.equal(new Set(REQUIREMENTS.map((r) => r.fr)).size, 7);
  assert.equal(REQUIREMENTS.filter((r) => !r.id.includes('RE')).length, 51, 'IEC 62443-3-3 has 51 SRs');
  assert.ok(REQUIREMENTS.every((r) => r.sl >= 1 && r.sl <= 4));
  assert.equal(canonicalSr('SR 1.1'), 'SR 1.1');
  assert.equal(canonicalSr('sr1.13 re 1'), 'SR 1.13 RE1');
  assert.equal(canonicalSr('SR 1.1(2)'), 'SR 1.1 RE2');
  assert.equal(canonicalSr('SR 9.1'), undefined);
  assert.equal(canonicalSr('CR 1.1'), undefined);
});
