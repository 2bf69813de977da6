import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { reportFixture, type ReportFixture } from './report-testing.js';
import { show } from './testing.js';

let fx: ReportFixture;
before(async () => {
  fx = await reportFixture();
});

test('evidence export writes reports, results, facts, waivers, baselines and a manifest; verify passes', async () => {
  const dir = path.join(fx.dir, 'pack');
  const r = await fx.run(['evidence', 'export', '--db', fx.db, '--fleet', '--out', dir]);
  assert.equal(r.code, 0, show(r));
  for (const f of [
    'MANIFEST.sha256',
    'manifest.json',
    'README.txt',
    'reports/report.html',
    'reports/report.sarif',
    'reports/report.junit.xml',
    'reports/report.csv',
    'reports/report.oscal-ar.json',
    'reports/report.oscal-poam.json',
    'reports/report.xccdf.xml',
    'reports/report.jsonl',
    'reports/compliance/iec62443-3-3.json',
    'reports/compliance/nist-800-53.json',
    'waivers/waivers.json',
    'baselines/baselines.json',
    'changes/README.txt',
  ])
    assert.ok(fs.existsSync(path.join(dir, f)), f);
  const facts = fs.readdirSync(path.join(dir, 'facts'));
  assert.equal(facts.length, 2);
  const snapshot = JSON.parse(fs.readFileSync(path.join(dir, 'facts', facts[0]!), 'utf8')) as {
    key: string;
  }[];
  assert.ok(snapshot.some((f) => f.key === 'sshd'));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    files: { path: string; size: number }[];
    tool: { version: string };
  };
  assert.ok(manifest.files.length > 10);
  assert.equal(
    manifest.files.find((f) => f.path === 'reports/report.csv')!.size,
    fs.statSync(path.join(dir, 'reports/report.csv')).size,
  );
  const v = await fx.run(['evidence', 'verify', dir]);
  assert.equal(v.code, 0, show(v));
  assert.match(v.stdout, /^OK: \d+ files match/m);
});

test('verify names an altered, a missing and an extra file, and exits 1', async () => {
  const dir = path.join(fx.dir, 'pack2');
  assert.equal(
    (await fx.run(['evidence', 'export', '--db', fx.db, '--asset', 'web-1', '--out', dir])).code,
    0,
  );
  fs.appendFileSync(path.join(dir, 'reports', 'report.csv'), 'web-1,forged row\r\n');
  fs.rmSync(path.join(dir, 'waivers', 'waivers.json'));
  fs.writeFileSync(path.join(dir, 'results', 'planted.json'), '{}');
  const v = await fx.run(['evidence', 'verify', dir]);
  assert.equal(v.code, 1, show(v));
  assert.match(v.stdout, /ALTERED {2}reports\/report\.csv/);
  assert.match(v.stdout, /MISSING {2}waivers\/waivers\.json/);
  assert.match(v.stdout, /EXTRA {4}results\/planted\.json/);
  assert.match(v.stdout, /FAILED/);
});

test('a .tar.gz pack verifies, and a tampered archive does not', async () => {
  const file = path.join(fx.dir, 'pack.tar.gz');
  const r = await fx.run(['evidence', 'export', '--db', fx.db, '--scan', await firstScan(), '--out', file]);
  assert.equal(r.code, 0, show(r));
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
  const v = await fx.run(['evidence', 'verify', file]);
  assert.equal(v.code, 0, show(v));
  // Rewrite the archive with one report changed.
  const tar = await import('tar');
  const x = path.join(fx.dir, 'x');
  fs.mkdirSync(x);
  await tar.extract({ file, cwd: x });
  fs.appendFileSync(path.join(x, 'reports', 'report.sarif'), ' ');
  const bad = path.join(fx.dir, 'bad.tar.gz');
  await tar.create({ gzip: true, file: bad, cwd: x }, fs.readdirSync(x));
  const w = await fx.run(['evidence', 'verify', bad]);
  assert.equal(w.code, 1, show(w));
  assert.match(w.stdout, /ALTERED {2}reports\/report\.sarif/);
  const refused = await fx.run(['evidence', 'export', '--db', fx.db, '--out', file]);
  assert.equal(refused.code, 2, 'an existing pack is never written over');
});

async function firstScan(): Promise<string> {
  const r = await fx.run(['scans', '--db', fx.db]);
  const id = /^([0-9a-f-]{36})\s/m.exec(r.stdout)?.[1];
  assert.ok(id, show(r));
  return id;
}
