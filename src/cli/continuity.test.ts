/** `bulwark history` and `bulwark evaluate` (re-evaluation of stored snapshots) end to end, as child processes. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { runBulwark, show, type Run } from './testing.js';

let tmp = '';
let db = '';
let root = '';
const bulwark = (...args: string[]): Promise<Run> => runBulwark(tmp, args);

function write(p: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
  fs.writeFileSync(path.join(root, p), text);
}

function counts(): { scans: number; results: number } {
  const raw = new Database(db, { readonly: true });
  try {
    const n = (t: string) => (raw.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n;
    return { scans: n('scans'), results: n('results') };
  } finally {
    raw.close();
  }
}

interface Evaluation {
  assets: {
    asset: { name: string };
    scan: { id: string; mode: string };
    score: number | null;
    compared: number;
    newly_failing: { rule: string; was: string }[];
    newly_passing: { rule: string; was: string }[];
    missing_facts: { rule: string; facts: string[] }[];
    results: { rule: string; status: string }[];
    duration_ms: number;
  }[];
}

/**
 * `bulwark evaluate --format json` over a store, with what may differ between runs zeroed: timings, and how many
 * verdicts each thread's memory supplied. No verdict may differ.
 */
async function evaluateFleet(store: string): Promise<Evaluation> {
  const r = await bulwark('evaluate', '--db', store, '--format', 'json');
  assert.equal(r.code, 0, show(r));
  const e = JSON.parse(r.stdout) as Evaluation;
  for (const a of e.assets) {
    a.duration_ms = 0;
    (a as { load_ms?: number }).load_ms = 0;
    (a as { reused?: number }).reused = 0;
  }
  return e;
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-continuity-'));
  db = path.join(tmp, 'history.db');
  root = path.join(tmp, 'rtu');
  write('/etc/os-release', 'ID=debian\nVERSION_ID="12"\n');
  write('/etc/hostname', 'rtu\n');
  write('/etc/machine-id', 'uninitialized\n');
  write('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  write('/etc/shadow', 'root:*:19000:0:99999:7:::\n');
  // OpenSSH allows 6 attempts: ssh-max-auth-tries fails, then passes once the file says 3.
  for (const tries of [6, 3]) {
    write('/etc/ssh/sshd_config', `MaxAuthTries ${tries}\n`);
    const r = await bulwark('scan', '--root', root, '--asset-name', 'rtu-1', '--db', db, '--no-report', '-q');
    assert.equal(r.code, 0, show(r));
  }
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('history: both scans of the asset with the change of score, and the fleet view', async () => {
  let r = await bulwark('history', 'rtu-1', '--db', db, '--format', 'json');
  assert.equal(r.code, 0, show(r));
  const h = JSON.parse(r.stdout) as {
    total_scans: number;
    scans: { score: number; counts: { pass: number; fail: number }; change: number | null }[];
  };
  assert.equal(h.total_scans, 2);
  assert.equal(h.scans.length, 2);
  const [now, first] = h.scans as [(typeof h.scans)[0], (typeof h.scans)[0]];
  assert.equal(first.change, null, 'the first scan has nothing to compare with');
  assert.ok(now.score > first.score, 'a rule passes now: the score went up');
  assert.equal(now.change, Math.round((now.score - first.score) * 10) / 10);
  assert.equal(now.counts.fail, first.counts.fail - 1);
  assert.equal(now.counts.pass, first.counts.pass + 1);

  r = await bulwark('history', 'rtu-1', '--db', db);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^rtu-1 \(.+\): 2 scan\(s\)$/m);
  assert.match(r.stdout, /^DATE +SCAN +PROFILE +MODE +SCORE +PASS +FAIL +CHANGE$/m);
  assert.match(r.stdout, new RegExp(` default +offline +${now.score} +\\d+ +\\d+ +\\+${now.change}$`, 'm'));
  assert.match(r.stdout, new RegExp(` default +offline +${first.score} +\\d+ +\\d+ +-$`, 'm'));

  r = await bulwark('history', 'rtu-1', '--db', db, '--limit', '1', '--format', 'json');
  assert.deepEqual(
    (JSON.parse(r.stdout) as typeof h).scans.map((s) => s.change),
    [now.change],
    'the change is against the scan before, shown or not',
  );

  r = await bulwark('history', '--db', db);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, new RegExp(`^rtu-1 .* 2 .* default +${now.score} .*up \\+${now.change}$`, 'm'));
  assert.match(r.stdout, /^1 asset\(s\) with scans$/m);

  r = await bulwark('history', 'no-such-asset', '--db', db);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /BW_ASSET_NOT_FOUND/);
  r = await bulwark('history', '--db', db, '--limit', 'zero');
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /BW_USAGE/);
});

test('evaluate --profile minimal re-evaluates the stored snapshot and stores nothing', async () => {
  const before = counts();
  let r = await bulwark('evaluate', '--profile', 'minimal', '--db', db, '--format', 'json');
  assert.equal(r.code, 0, show(r));
  const e = JSON.parse(r.stdout) as Evaluation;
  assert.equal(e.assets.length, 1);
  const a = e.assets[0]!;
  assert.equal(a.asset.name, 'rtu-1');
  assert.equal(a.scan.mode, 'offline', 'the mode of the stored scan');
  assert.ok(a.results.length > 20, `${a.results.length} results`);
  assert.ok(a.compared > 0);
  assert.deepEqual([a.newly_failing, a.newly_passing], [[], []], 'same facts, same rules: same verdicts');
  assert.equal(typeof a.duration_ms, 'number');
  assert.equal(
    a.results.find((x) => x.rule === 'ssh-root-login-disabled')?.status,
    'fail',
    'PermitRootLogin is not set in the snapshot',
  );
  r = await bulwark('evaluate', '--profile', 'minimal', '--db', db);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^What-if: \d+ rule\(s\) of minimal .*nothing is stored\.$/m);
  assert.match(r.stdout, /^ {2}score +\d+(\.\d)? \([-+±]\d+(\.\d)? against the stored scan\)$/m);
  assert.match(r.stdout, /^ {2}evaluated in [\d.]+ ms$/m);
  assert.deepEqual(counts(), before, 'a what-if writes nothing');
});

test('evaluate with a tailoring that sets a parameter flips a verdict', async () => {
  const tailoring = path.join(tmp, 'strict.yaml');
  fs.writeFileSync(tailoring, 'extends: default\nparameters:\n  ssh_max_auth_tries: 2\n');
  const before = counts();
  let r = await bulwark(
    'evaluate',
    '--tailoring',
    tailoring,
    '--assets',
    'rtu-1',
    '--db',
    db,
    '--format',
    'json',
  );
  assert.equal(r.code, 0, show(r));
  const a = (JSON.parse(r.stdout) as Evaluation).assets[0]!;
  assert.deepEqual(a.newly_failing, [{ rule: 'ssh-max-auth-tries', was: 'pass', now: 'fail' }]);
  assert.deepEqual(a.newly_passing, []);
  r = await bulwark('evaluate', '--tailoring', tailoring, '--db', db);
  assert.match(r.stdout, /^ {4}newly failing +ssh-max-auth-tries \(was pass\)$/m);
  assert.deepEqual(counts(), before);
});

test('rules needing facts the snapshot lacks are not_checked, and said so; asset selectors', async () => {
  const r0 = await bulwark(
    'scan',
    '--root',
    root,
    '--asset-name',
    'rtu-2',
    '--rule',
    'ssh-max-auth-tries',
    '--db',
    db,
    '--no-report',
    '-q',
  );
  assert.equal(r0.code, 0, show(r0));
  let r = await bulwark('assets', 'set', 'rtu-2', '--tag', 'line-b', '--class', 'plc-rtu', '--db', db);
  assert.equal(r.code, 0, show(r));
  r = await bulwark(
    'evaluate',
    '--profile',
    'minimal',
    '--assets',
    'tag:line-b',
    '--db',
    db,
    '--format',
    'json',
  );
  assert.equal(r.code, 0, show(r));
  const e = JSON.parse(r.stdout) as Evaluation;
  assert.deepEqual(
    e.assets.map((x) => x.asset.name),
    ['rtu-2'],
  );
  const a = e.assets[0]!;
  const shadow = a.missing_facts.find((m) => m.rule === 'accounts-no-empty-passwords');
  assert.deepEqual(shadow?.facts, ['shadow']);
  assert.equal(a.results.find((x) => x.rule === 'accounts-no-empty-passwords')?.status, 'not_checked');
  r = await bulwark('evaluate', '--profile', 'minimal', '--assets', 'class:plc-rtu', '--db', db);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^ {2}not checked \d+ rule\(s\): the snapshot lacks facts they need/m);
  assert.match(r.stdout, /^ {4}accounts-no-empty-passwords: shadow$/m);
  r = await bulwark('evaluate', '--profile', 'minimal', '--db', db, '--format', 'json');
  assert.deepEqual(
    (JSON.parse(r.stdout) as Evaluation).assets.map((x) => x.asset.name),
    ['rtu-1', 'rtu-2'],
    'all assets by default',
  );
  r = await bulwark('evaluate', '--assets', 'class:toaster', '--db', db);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /"toaster" is not a device class/);
  r = await bulwark('evaluate', '--assets', 'zone:nowhere', '--db', db);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /no asset selected/);
});

test('evaluate over a fleet in worker threads gives what one thread gives, in the same order', async () => {
  const fleet = path.join(tmp, 'fleet.db');
  for (const [i, tries] of [3, 6, 4, 10, 2].entries()) {
    write('/etc/ssh/sshd_config', `MaxAuthTries ${tries}\n`);
    const r = await bulwark(
      'scan',
      '--root',
      root,
      '--asset-name',
      `rtu-${10 + i}`,
      '--db',
      fleet,
      '--no-report',
      '-q',
    );
    assert.equal(r.code, 0, show(r));
  }
  const run = async (threads: string) => {
    process.env['BULWARK_EVALUATE_THREADS'] = threads;
    try {
      return await evaluateFleet(fleet);
    } finally {
      delete process.env['BULWARK_EVALUATE_THREADS'];
    }
  };
  const one = await run('0');
  const two = await run('2');
  assert.equal(one.assets.length, 5);
  assert.deepEqual(
    one.assets.map((a) => a.asset.name),
    ['rtu-10', 'rtu-11', 'rtu-12', 'rtu-13', 'rtu-14'],
  );
  assert.deepEqual(two, one);
  assert.deepEqual(
    one.assets.map((a) => a.results.find((x) => x.rule === 'ssh-max-auth-tries')?.status),
    ['pass', 'fail', 'pass', 'fail', 'pass'],
  );
});

test('scans stored before migration 0008 (gzip snapshot, no verdicts column) evaluate as they did', async () => {
  const fleet = path.join(tmp, 'fleet.db');
  const evaluate = () => evaluateFleet(fleet);
  const now = await evaluate();
  assert.ok(now.assets.length >= 5);
  assert.ok(now.assets.every((a) => a.compared > 0));
  // Rewrite every scan as an older Bulwark stored it: the whole fact list gzip-compressed, no verdicts.
  const { decodeSnapshot } = await import('../store/snapshot.js');
  const { gzipSync } = await import('node:zlib');
  const raw = new Database(fleet);
  try {
    const rows = raw.prepare('select id, facts from scans').all() as { id: string; facts: Buffer }[];
    const put = raw.prepare('update scans set facts = ?, verdicts = null where id = ?');
    for (const r of rows) put.run(gzipSync(JSON.stringify(decodeSnapshot(r.facts))), r.id);
  } finally {
    raw.close();
  }
  assert.deepEqual(await evaluate(), now);
  // A damaged snapshot is that asset's error, not the fleet's.
  const broken = new Database(fleet);
  try {
    broken.prepare("update scans set facts = x'1f8b0800deadbeef' where id = ?").run(now.assets[0]!.scan.id);
  } finally {
    broken.close();
  }
  const after = await evaluate();
  const first = after.assets[0] as unknown as {
    snapshot_error: string | null;
    results: { status: string }[];
  };
  assert.match(first.snapshot_error ?? '', /BW_DB_CORRUPT/);
  assert.ok(first.results.every((x) => x.status === 'error'));
  assert.deepEqual(after.assets.slice(1), now.assets.slice(1));
  const text = await bulwark('evaluate', '--db', fleet);
  assert.equal(text.code, 0, show(text));
  assert.match(text.stdout, /error {6}a stored fact snapshot is damaged/);
});
