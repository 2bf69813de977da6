/** `bulwark import openscap|lynis` end to end, as child processes, into a temporary SQLite database. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBulwark, show, type Run } from './testing.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const FIX = path.join(repoRoot(), 'test', 'fixtures', 'import');

let tmp = '';
const bulwark = (...args: string[]): Promise<Run> => runBulwark(tmp, args);

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-import-'));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface AssetRow {
  id: string;
  name: string;
  hostname: string | null;
  scans: number;
}

test('OpenSCAP XCCDF, ARF and Lynis imports of one host land on one asset, in scans and history', async () => {
  const db = path.join(tmp, 'one.db');
  for (const [tool, file] of [
    ['openscap', 'openscap-xccdf-results.xml'],
    ['openscap', 'openscap-arf.xml'],
    ['lynis', 'lynis-report.dat'],
  ] as const) {
    const r = await bulwark('import', tool, path.join(FIX, file), '--db', db);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /asset +web01 /, show(r));
  }
  const list = await bulwark('assets', 'list', '--db', db, '--format', 'json');
  const assets = JSON.parse(list.stdout) as AssetRow[];
  assert.deepEqual(
    assets.map((a) => [a.name, a.scans]),
    [['web01', 3]],
  );
  const scans = await bulwark('scans', '--db', db);
  assert.equal(
    scans.stdout.match(/import:openscap:xccdf_org\.ssgproject\.content_profile_anssi_np_nt28_minimal/g)
      ?.length,
    2,
    show(scans),
  );
  assert.match(scans.stdout, /web01 +2026-11-22T00:49:20\.000Z +live +import:lynis +99/);
  const hist = await bulwark('history', 'web01', '--db', db, '--format', 'json');
  assert.equal(hist.code, 0, show(hist));
  const h = JSON.parse(hist.stdout) as {
    scans: { profile: string; score: number | null; counts: Record<string, number> }[];
  };
  assert.deepEqual(
    h.scans.map((s) => [s.profile.split(':').slice(0, 2).join(':'), s.score, s.counts['fail']]),
    [
      ['import:openscap', 50, 3],
      ['import:openscap', 50, 3],
      ['import:lynis', 99, 2],
    ],
  );
  // Each tool's own score is stored with its scan and shown beside Bulwark's, labelled as the tool's.
  const tools = JSON.parse(hist.stdout) as {
    scans: { tool_score: { value: number; system: string; maximum: number } | null }[];
  };
  assert.deepEqual(
    tools.scans.map((s) => s.tool_score),
    [
      { value: 70.8, system: 'urn:xccdf:scoring:default', maximum: 100 },
      { value: 70.8, system: 'urn:xccdf:scoring:default', maximum: 100 },
      { value: 55, system: 'lynis:hardening_index', maximum: 100 },
    ],
  );
  const text = await bulwark('history', 'web01', '--db', db);
  assert.match(text.stdout, /TOOL'S OWN SCORE/);
  assert.match(text.stdout, /import:lynis +live +99 +55\/100 \(Lynis hardening index\)/);
  assert.match(text.stdout, / 50 +70\.8\/100 \(OpenSCAP default\)/);
  const res = await bulwark('results', 'web01', '--db', db);
  assert.match(
    res.stdout,
    /^score 50 \(Bulwark's formula\); the tool's own score 70\.8\/100 \(OpenSCAP default\)$/m,
  );
  // The addresses the reports name are shown on the asset (loopback left out).
  const shown = await bulwark('assets', 'show', 'web01', '--db', db);
  assert.match(shown.stdout, /^IP addresses +192\.0\.2\.2/m);
  assert.doesNotMatch(shown.stdout, /127\.0\.0\.1/);
});

test("an import attaches to the asset of Bulwark's own live scan of the same host (by host name)", async () => {
  const db = path.join(tmp, 'live.db');
  const scan = await bulwark('scan', '--rule', 'ssh-root-login-disabled', '--db', db, '--quiet');
  assert.ok(scan.code === 0 || scan.code === 1, show(scan));
  const [live] = JSON.parse(
    (await bulwark('assets', 'list', '--db', db, '--format', 'json')).stdout,
  ) as AssetRow[];
  assert.ok(live?.hostname, 'the live scan recorded a host name');
  const copy = path.join(tmp, 'arf.xml');
  fs.writeFileSync(
    copy,
    fs.readFileSync(path.join(FIX, 'openscap-arf.xml'), 'utf8').replaceAll('web01', live.hostname),
  );
  const r = await bulwark('import', 'openscap', copy, '--db', db);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /an existing asset/);
  const assets = JSON.parse(
    (await bulwark('assets', 'list', '--db', db, '--format', 'json')).stdout,
  ) as AssetRow[];
  assert.deepEqual(
    assets.map((a) => [a.id, a.scans]),
    [[live.id, 2]],
  );
  // --asset-name puts a report of an unnamed host on a named asset.
  const named = await bulwark(
    'import',
    'lynis',
    path.join(FIX, 'lynis-report.dat'),
    '--asset-name',
    live.name,
    '--db',
    db,
  );
  assert.equal(named.code, 0, show(named));
  assert.equal(
    (JSON.parse((await bulwark('assets', 'list', '--db', db, '--format', 'json')).stdout) as AssetRow[])[0]
      ?.scans,
    3,
  );
});

test('a truncated or foreign file is BW_IMPORT_INVALID (exit 2) and stores nothing', async () => {
  const db = path.join(tmp, 'bad.db');
  const xml = fs.readFileSync(path.join(FIX, 'openscap-arf.xml'), 'utf8');
  const cut = path.join(tmp, 'cut.xml');
  fs.writeFileSync(cut, xml.slice(0, xml.length / 2));
  const r = await bulwark('import', 'openscap', cut, '--db', db);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /BW_IMPORT_INVALID: .*cut\.xml: is not well-formed XML/);
  assert.match(r.stderr, /hint: give the XCCDF results/);
  const l = await bulwark('import', 'lynis', path.join(FIX, 'openscap-arf.xml'), '--db', db);
  assert.equal(l.code, 2, show(l));
  assert.match(l.stderr, /BW_IMPORT_INVALID/);
  const missing = await bulwark('import', 'lynis', path.join(tmp, 'nope.dat'), '--db', db);
  assert.equal(missing.code, 2, show(missing));
  assert.match(missing.stderr, /BW_FILE_UNREADABLE/);
  const scans = await bulwark('scans', '--db', db);
  assert.doesNotMatch(scans.stdout, /import:/);
});
