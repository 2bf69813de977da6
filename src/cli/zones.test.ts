/** `bulwark zones validate|check` end to end, as child processes. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../store/db.js';
import { fixtureScan } from '../store/testing.js';
import { summarise } from '../engine/score.js';
import { parseXml } from '../scap/xml.js';
import { examplePlantCapture, examplePlantPcap, flow, op, summary } from '../zones/testing.js';
import type { ZonesReport } from '../zones/report.js';
import { runBulwark, show, type Run } from './testing.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const REPO = repoRoot();
const EXAMPLE = path.join(REPO, 'content', 'zones', 'example-plant.yaml');
const FIX = path.join(REPO, 'test', 'fixtures', 'zones');

let tmp = '';
const bulwark = (...args: string[]): Promise<Run> => runBulwark(tmp, args);
const writeJson = (name: string, v: unknown): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, JSON.stringify(v));
  return p;
};

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-zones-'));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('validate: the example is valid; a broken model exits 2 with file:line:column for each problem', async () => {
  let r = await bulwark('zones', 'validate', '--model', EXAMPLE);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /valid — 5 zone\(s\), 5 conduit\(s\), 9 asset\(s\)/);
  const bad = path.join(FIX, 'invalid.yaml');
  r = await bulwark('zones', 'validate', '--model', bad);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /BW_ZONES_INVALID/);
  assert.match(
    r.stderr,
    new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8:5: .*\\[zones\\.0\\.sl_t\\]`),
  );
  // Schema errors come first; once fixed, the semantic ones (overlap, self conduit) are reported with lines too.
  const fixed = path.join(tmp, 'semantic.yaml');
  fs.writeFileSync(fixed, fs.readFileSync(bad, 'utf8').replace('sl_t: 5', 'sl_t: 3'));
  r = await bulwark('zones', 'validate', '--model', fixed);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /semantic\.yaml:16:9: .*overlaps.*\(overlapping_membership\)/);
  assert.match(r.stderr, /semantic\.yaml:19:5: conduit "loop" joins zone "ops" to itself.*\(conduit_self\)/);
  r = await bulwark('zones', 'validate', '--model', path.join(tmp, 'missing.yaml'));
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /BW_FILE_UNREADABLE/);
});

test('check: the example plant with its capture scenario → findings (exit 1), JSON report, and the diagram', async () => {
  const cap = writeJson('plant-capture.json', examplePlantCapture());
  const svg = path.join(tmp, 'plant.svg');
  let r = await bulwark(
    'zones',
    'check',
    '--model',
    EXAMPLE,
    '--capture',
    cap,
    '--format',
    'json',
    '--svg',
    svg,
  );
  assert.equal(r.code, 1, show(r));
  const rep = JSON.parse(r.stdout) as ZonesReport;
  assert.equal(rep.schema, 'bulwark/zones-check@1');
  assert.deepEqual(rep.captures, [cap]);
  const ids = new Set<string>(rep.findings.map((f) => f.id));
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
  ])
    assert.ok(ids.has(id), id);
  for (const f of rep.findings) {
    assert.ok(f.evidence.length > 0, `${f.id} has evidence`);
    assert.ok(f.fix.length > 0);
  }
  assert.equal(rep.sl_gap.length, 5);
  assert.equal(rep.counts.critical, 2);
  const tree = parseXml(fs.readFileSync(svg, 'utf8'), { fileName: svg });
  assert.equal(tree.name, 'svg');
  // The text form: findings numbered, the SL gap table, and the exit code is the same.
  r = await bulwark('zones', 'check', '--model', EXAMPLE, '--capture', cap);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stdout, /#1 CRITICAL /);
  assert.match(r.stdout, /SL gap \(target → achieved/);
  assert.match(r.stdout, /control {10}2→0/);
  // --fail-on critical still fails (two critical findings); the model alone (no capture) reports only model-level findings.
  r = await bulwark('zones', 'check', '--model', EXAMPLE, '--capture', cap, '--fail-on', 'critical');
  assert.equal(r.code, 1, show(r));
  r = await bulwark('zones', 'check', '--model', EXAMPLE);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /no findings/);
  assert.match(r.stdout, /note: no capture given/);
});

test('check: a real pcap goes through capture ingest; a JSON summary and the pcap of one scenario agree', async () => {
  const pcap = path.join(tmp, 'plant.pcap');
  fs.writeFileSync(pcap, examplePlantPcap());
  const r = await bulwark('zones', 'check', '--model', EXAMPLE, '--capture', pcap, '--format', 'json');
  assert.equal(r.code, 1, show(r));
  const fromPcap = JSON.parse(r.stdout) as ZonesReport;
  const cap = writeJson('same.json', examplePlantCapture());
  const fromJson = JSON.parse(
    (await bulwark('zones', 'check', '--model', EXAMPLE, '--capture', cap, '--format', 'json')).stdout,
  ) as ZonesReport;
  const key = (rep: ZonesReport) =>
    [
      ...new Set(
        rep.findings.filter((f) => f.id !== 'single-point-of-failure').map((f) => `${f.id} ${f.title}`),
      ),
    ].sort();
  assert.deepEqual(key(fromPcap), key(fromJson));
  // The same capture stored by `bulwark capture import`, checked from the database.
  const db = path.join(tmp, 'captures.db');
  const imp = await bulwark('capture', 'import', pcap, '--name', 'line-1', '--db', db);
  assert.equal(imp.code, 0, show(imp));
  const st = await bulwark(
    'zones',
    'check',
    '--model',
    EXAMPLE,
    '--stored-capture',
    'line-1',
    '--db',
    db,
    '--format',
    'json',
  );
  assert.equal(st.code, 1, show(st));
  const fromStore = JSON.parse(st.stdout) as ZonesReport;
  assert.deepEqual(key(fromStore), key(fromPcap));
  assert.match(fromStore.captures[0]!, /^stored capture cap-.* \(line-1\)$/);
  const latest = await bulwark(
    'zones',
    'check',
    '--model',
    EXAMPLE,
    '--stored-capture',
    'latest',
    '--db',
    db,
    '--format',
    'json',
  );
  assert.deepEqual(key(JSON.parse(latest.stdout) as ZonesReport), key(fromPcap));
  const missing = await bulwark('zones', 'check', '--model', EXAMPLE, '--stored-capture', 'nope', '--db', db);
  assert.equal(missing.code, 2, show(missing));
  assert.match(missing.stderr, /BW_CAPTURE_NOT_FOUND/);
  // A damaged capture: processed up to the damage with a warning, never a crash.
  const cut = path.join(tmp, 'cut.pcap');
  const whole = examplePlantPcap();
  fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2) + 7));
  const d = await bulwark('zones', 'check', '--model', EXAMPLE, '--capture', cut);
  assert.equal(d.code, 1, show(d));
  assert.match(d.stderr, /bulwark: warning /);
  const notPcap = path.join(tmp, 'notes.txt');
  fs.writeFileSync(notPcap, 'hello, this is not a capture\n');
  const n = await bulwark('zones', 'check', '--model', EXAMPLE, '--capture', notPcap);
  assert.equal(n.code, 2, show(n));
});

test('check: clean traffic exits 0; a finding below --fail-on exits 0; bad capture input exits 2', async () => {
  const model = path.join(FIX, 'small.yaml');
  const clean = writeJson(
    'clean.json',
    summary(
      [flow('10.0.1.10', '10.0.2.10', 'ssh', 22), flow('10.0.1.10', '10.0.2.10', 'opcua', 4840)],
      [op('10.0.1.10', '10.0.2.10', 'opcua', 'write', 'OPC UA Write', 'Write')],
    ),
  );
  let r = await bulwark('zones', 'check', '--model', model, '--capture', clean);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /no findings/);
  const medium = writeJson(
    'medium.json',
    summary([
      flow('10.0.1.10', '10.0.2.10', 'ssh', 22),
      flow('10.0.1.10', '10.0.2.10', 'opcua', 4840, {
        notes: ['OPC UA SecurityPolicy None (no signing, no encryption)'],
      }),
    ]),
  );
  r = await bulwark('zones', 'check', '--model', model, '--capture', medium, '--fail-on', 'high');
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /MEDIUM insecure-protocol-crossing/);
  r = await bulwark('zones', 'check', '--model', model, '--capture', medium);
  assert.equal(r.code, 1, show(r));
  const notSummary = writeJson('other.json', { hello: 1 });
  r = await bulwark('zones', 'check', '--model', model, '--capture', notSummary);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /BW_IMPORT_INVALID: .*not a capture summary/);
  // Well-formed JSON of the right shape but with bad values: each problem named by its path, exit 2, no crash.
  const badFlow = writeJson('bad-flow.json', {
    ...summary([flow('10.0.1.10', '10.0.2.10', 'ssh', 22)]),
    flows: [{ srcIp: 1 }],
  });
  r = await bulwark('zones', 'check', '--model', model, '--capture', badFlow);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /bad-flow\.json: .*\[flows\.0\.srcIp\]/);
  assert.doesNotMatch(r.stderr, /BW_INTERNAL/);
  // `bulwark capture import --json` output (a summary with its id) is accepted as is.
  const withId = writeJson('with-id.json', {
    id: null,
    ...summary([flow('10.0.1.10', '10.0.2.10', 'ssh', 22)]),
  });
  r = await bulwark('zones', 'check', '--model', model, '--capture', withId);
  assert.equal(r.code, 0, show(r));
  r = await bulwark('zones', 'check', '--model', model, '--format', 'yaml');
  assert.equal(r.code, 2, show(r));
});

test('check --db: inventory zones, stored results and waivers feed the SL gap', async () => {
  const db = path.join(tmp, 'store.db');
  const store = await Store.open(db);
  try {
    const scan = fixtureScan({ hostname: 'gw', machineId: '0123456789abcdef0123456789abcdef' });
    const results = [
      {
        rule: 'ssh-max-auth-tries',
        area: 'ssh',
        title: 'SSH MaxAuthTries',
        severity: 'medium' as const,
        status: 'fail' as const,
        message: 'MaxAuthTries 6',
        evidence: [],
      },
      {
        rule: 'package-prelink-absent',
        area: 'packages',
        title: 'prelink absent',
        severity: 'low' as const,
        status: 'fail' as const,
        message: 'installed',
        evidence: [],
      },
    ];
    scan.results = results;
    scan.summary = summarise(results);
    const id = await store.saveScan(scan, 'test', { assetName: 'gw' });
    await store.updateAsset(id, { zone: 'ctl' });
    await store.addWaiver({
      rule_id: 'ssh-max-auth-tries',
      scope_kind: 'asset',
      scope_value: id,
      owner: 'ot',
      justification: 'vendor image',
      compensating_control: 'jump host with MFA in front of gw',
      expires: '2099-12-31',
      approver: 'ciso',
    });
  } finally {
    await store.close();
  }
  const cap = writeJson('db-clean.json', summary([flow('10.0.1.10', '10.0.2.10', 'ssh', 22)]));
  const r = await bulwark(
    'zones',
    'check',
    '--model',
    path.join(FIX, 'small.yaml'),
    '--capture',
    cap,
    '--db',
    db,
    '--format',
    'json',
  );
  const rep = JSON.parse(r.stdout) as ZonesReport;
  const gw = rep.assets.find((a) => a.key === 'gw')!;
  assert.equal(gw.zone, 'ctl');
  assert.equal(gw.seen, false);
  const ctl = rep.sl_gap.find((g) => g.zone === 'ctl')!;
  assert.equal(ctl.hosts, 1);
  const iac = ctl.frs.find((f) => f.fr === 'IAC')!;
  const comp = iac.compensated.find((c) => c.id === 'SR 1.11');
  assert.ok(comp, JSON.stringify(iac));
  assert.match(comp.compensating.join(' '), /jump host with MFA in front of gw/);
  const ra = ctl.frs.find((f) => f.fr === 'RA')!;
  const sr77 = ra.missing.find((m) => m.id === 'SR 7.7');
  assert.equal(sr77?.status, 'not_met');
  assert.match(sr77.evidence[0]!, /gw: 1 rule\(s\) fail \(package-prelink-absent\)/);
  // gw has no MAC or IP: whether it was seen cannot be told, and that is said, not reported as unseen.
  assert.ok(!rep.findings.some((f) => f.id === 'asset-not-seen' && f.assets.includes('gw')));
  assert.ok(
    rep.notes.some((n) => /cannot be told/.test(n)),
    rep.notes.join('\n'),
  );
  assert.equal(r.code, 0, show(r));
});
