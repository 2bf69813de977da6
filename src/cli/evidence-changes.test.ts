/**
 * Change records, compensating controls and the audit log in evidence packs and reports, end to end through
 * the real binary on a fixture root and an SQLite file: scan → fix plan → change request → approve (four
 * eyes) → apply → evidence export / report; the pack verifies, a tampered change record does not.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { runBulwark, show, type Run } from './testing.js';
import { BASE_ROOT, makeRoot } from '../remediate/testing.js';

let tmp = '';
let root = '';
let db = '';
let change = '';
const bulwark = (...args: string[]): Promise<Run> => runBulwark(tmp, args);

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-evchanges-'));
  root = makeRoot({
    ...BASE_ROOT,
    '/etc/login.defs': '# defaults\nPASS_MAX_DAYS\t99999\nUMASK\t022\n',
    '/etc/ssh/sshd_config': 'PermitRootLogin yes\nX11Forwarding yes\n',
  });
  db = path.join(tmp, 'e.db');
  const ok = (r: Run) => {
    assert.equal(r.code, 0, show(r));
  };
  const rules = ['--rule', 'accounts-login-defs-pass-max-days', '--rule', 'ssh-x11-forwarding-disabled'];
  ok(
    await bulwark(
      'scan',
      '--root',
      root,
      '--asset-name',
      'plc-gw',
      '--db',
      db,
      '--no-report',
      '-q',
      ...rules,
    ),
  );
  const planFile = path.join(tmp, 'plan.json');
  ok(
    await bulwark(
      'fix',
      'plan',
      '--asset',
      'plc-gw',
      '--root',
      root,
      '--rule',
      'accounts-login-defs-pass-max-days',
      '--out',
      planFile,
      '--db',
      db,
      '--by',
      'alice',
    ),
  );
  const req = await bulwark(
    'change',
    'request',
    '--plan',
    planFile,
    '--title',
    'password ageing on plc-gw',
    '--window-start',
    '2020-01-01T00:00:00Z',
    '--window-end',
    '2020-01-01T02:00:00Z',
    '--db',
    db,
    '--by',
    'alice',
  );
  ok(req);
  change = /change (\S+) requested/.exec(req.stdout)![1]!;
  ok(await bulwark('change', 'approve', change, '--db', db, '--by', 'bob', '--note', 'ok for Sunday'));
  ok(await bulwark('change', 'apply', change, '--db', db, '--by', 'carol', '--force'));
  // A compensating control for the other finding, and an ordinary waiver elsewhere would look alike
  // without the remediation tables.
  ok(
    await bulwark(
      'fix',
      'compensate',
      '--rule',
      'ssh-x11-forwarding-disabled',
      '--asset',
      'plc-gw',
      '--control',
      'gateway in zone Z2; X11 blocked on the conduit',
      '--by',
      'alice',
      '--approver',
      'bob',
      '--db',
      db,
    ),
  );
});
after(() => {
  for (const d of [tmp, root]) fs.rmSync(d, { recursive: true, force: true });
});

test('evidence export holds the change record and the audit log with its head hash; a tampered record fails verify', async () => {
  const dir = path.join(tmp, 'pack');
  const r = await bulwark('evidence', 'export', '--db', db, '--asset', 'plc-gw', '--out', dir);
  assert.equal(r.code, 0, show(r));
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'changes', 'index.json'), 'utf8')) as {
    changes: { id: string; status: string; requester: string; approver: string }[];
  };
  assert.deepEqual(
    index.changes.map((c) => [c.id, c.status, c.requester, c.approver]),
    [[change, 'applied', 'alice', 'bob']],
  );
  const rec = JSON.parse(fs.readFileSync(path.join(dir, 'changes', `${change}.json`), 'utf8')) as {
    decision_note: string;
    findings: string[];
    plan: { id: string; changes: unknown[] };
    impact: { changes: unknown[] };
    evidence_before: { status: string }[];
    evidence_after: { status: string }[] | null;
    applied: { status: string; backups: { path: string; sha256: string | null }[] }[];
    audit: { action: string; actor: string }[];
  };
  assert.equal(rec.decision_note, 'ok for Sunday');
  assert.deepEqual(rec.findings, ['accounts-login-defs-pass-max-days']);
  assert.equal(rec.plan.changes.length, 1);
  assert.equal(rec.impact.changes.length, 1);
  assert.deepEqual(
    rec.evidence_before.map((e) => e.status),
    ['fail'],
  );
  assert.deepEqual(
    rec.evidence_after?.map((e) => e.status),
    ['pass'],
  );
  assert.ok(rec.applied.length >= 1 && rec.applied[0]!.backups.some((b) => b.path.endsWith('login.defs')));
  assert.ok(
    rec.applied.every((a) =>
      a.backups.every((b) => !('content' in b) && /^[0-9a-f]{64}$/.test(b.sha256 ?? '')),
    ),
    'backups are named by path and SHA-256; their contents stay out of the pack',
  );
  assert.deepEqual(
    rec.audit.map((e) => `${e.action}:${e.actor}`),
    ['change.request:alice', 'change.approve:bob', 'change.apply:carol'],
  );
  const log = fs
    .readFileSync(path.join(dir, 'audit', 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { hash: string; action: string });
  const ver = JSON.parse(fs.readFileSync(path.join(dir, 'audit', 'verification.json'), 'utf8')) as {
    ok: boolean;
    entries: number;
    head: string;
  };
  const live = await bulwark('audit', 'verify', '--format', 'json', '--db', db);
  const head = (JSON.parse(live.stdout) as { head: string }).head;
  assert.deepEqual([ver.ok, ver.entries, ver.head], [true, log.length, head]);
  assert.equal(log.at(-1)!.hash, head);
  assert.ok(log.some((e) => e.action === 'fix.compensate'));
  const manifest = fs.readFileSync(path.join(dir, 'MANIFEST.sha256'), 'utf8');
  for (const f of [
    `changes/${change}.json`,
    'changes/index.json',
    'audit/log.jsonl',
    'audit/verification.json',
  ])
    assert.match(manifest, new RegExp(`  ${f.replace(/[.]/g, '\\.')}$`, 'm'), f);
  let v = await bulwark('evidence', 'verify', dir);
  assert.equal(v.code, 0, show(v));
  assert.match(v.stdout, new RegExp(`^audit log: ${log.length} entries, head ${head}, chain intact$`, 'm'));
  // A forger who edits an audit entry and rewrites its line in MANIFEST.sha256 is caught by the chain.
  const forged = path.join(tmp, 'pack-forged');
  fs.cpSync(dir, forged, { recursive: true });
  const logFile = path.join(forged, 'audit', 'log.jsonl');
  fs.writeFileSync(logFile, fs.readFileSync(logFile, 'utf8').replace('"actor":"bob"', '"actor":"mallory"'));
  const sum = createHash('sha256').update(fs.readFileSync(logFile)).digest('hex');
  const mf = path.join(forged, 'MANIFEST.sha256');
  fs.writeFileSync(
    mf,
    fs.readFileSync(mf, 'utf8').replace(/^[0-9a-f]{64}( {2}audit\/log\.jsonl)$/m, `${sum}$1`),
  );
  v = await bulwark('evidence', 'verify', forged);
  assert.equal(v.code, 1, show(v));
  assert.doesNotMatch(v.stdout, /ALTERED/);
  assert.match(v.stdout, /PROBLEM {2}audit\/log\.jsonl: #\d+ edited: entry #\d+ \(change\.approve /);
  assert.match(v.stdout, /chain BROKEN/);
  const file = path.join(dir, 'changes', `${change}.json`);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"approver": "bob"', '"approver": "mallory"'));
  v = await bulwark('evidence', 'verify', dir);
  assert.equal(v.code, 1, show(v));
  assert.match(v.stdout, new RegExp(`ALTERED {2}changes/${change}\\.json`));
});

test('an audit log edited in the database is exported with the failed chain check', async () => {
  const copy = path.join(tmp, 'edited.db');
  fs.copyFileSync(db, copy);
  const raw = new Database(copy);
  raw.prepare("update audit_log set actor = 'mallory' where action = 'change.approve'").run();
  raw.close();
  const dir = path.join(tmp, 'pack-edited');
  const r = await bulwark('evidence', 'export', '--db', copy, '--fleet', '--out', dir);
  assert.equal(r.code, 0, show(r));
  const ver = JSON.parse(fs.readFileSync(path.join(dir, 'audit', 'verification.json'), 'utf8')) as {
    ok: boolean;
    problems: { kind: string }[];
  };
  assert.equal(ver.ok, false);
  assert.deepEqual(
    ver.problems.map((p) => p.kind),
    ['edited'],
  );
});

test('reports show the change requests in scope and a compensating control apart from an ordinary waiver', async () => {
  let r = await bulwark(
    'waivers',
    'add',
    '--rule',
    'accounts-login-defs-pass-max-days',
    '--scope',
    'asset:plc-gw',
    '--owner',
    'dave',
    '--justification',
    'vendor qualification pending',
    '--compensating-control',
    'jump host only',
    '--expires',
    '2099-12-31',
    '--approver',
    'erin',
    '--db',
    db,
  );
  assert.equal(r.code, 0, show(r));
  const html = path.join(tmp, 'plc-gw.html');
  r = await bulwark('report', '--asset', 'plc-gw', '--format', 'html', '--out', html, '--db', db);
  assert.equal(r.code, 0, show(r));
  const page = fs.readFileSync(html, 'utf8');
  const changes = /<section id="changes">(.*?)<\/section>/s.exec(page)?.[1] ?? '';
  assert.match(changes, new RegExp(`<code>${change.slice(0, 8)}</code> password ageing on plc-gw`));
  assert.match(
    changes,
    /<td>plc-gw<\/td><td>applied<\/td><td>alice<\/td><td>bob<\/td><td>2020-01-01T00:00:00\.000Z – 2020-01-01T02:00:00\.000Z<\/td><td><code>accounts-login-defs-pass-max-days<\/code><\/td>/,
  );
  const row = (rule: string) =>
    new RegExp(`<code>${rule}</code> — .*?(?=<details class="row"|</div></section>)`, 's').exec(page)?.[0] ??
    '';
  const x11 = row('ssh-x11-forwarding-disabled');
  assert.match(x11, /Mitigated by compensating control:<\/b> gateway in zone Z2; X11 blocked on the conduit/);
  const ageing = row('accounts-login-defs-pass-max-days');
  assert.match(ageing, /<b>Waived<\/b> by waiver/);
  assert.doesNotMatch(ageing, /Mitigated by compensating control/);
  r = await bulwark('report', '--asset', 'plc-gw', '--format', 'csv', '--db', db);
  assert.equal(r.code, 0, show(r));
  const rows = r.stdout.split('\r\n');
  assert.match(rows[0]!, /,waiver_kind$/);
  assert.match(
    rows.find((l) => l.includes(',ssh-x11-forwarding-disabled,'))!,
    /,compensating-control$/,
  );
  assert.match(
    rows.find((l) => l.includes(',accounts-login-defs-pass-max-days,'))!,
    /,waiver$/,
  );
  // Another asset's report does not list this asset's changes.
  r = await bulwark(
    'scan',
    '--root',
    root,
    '--asset-name',
    'other',
    '--db',
    db,
    '--no-report',
    '-q',
    '--rule',
    'ssh-x11-forwarding-disabled',
  );
  assert.equal(r.code, 0, show(r));
  r = await bulwark('report', '--asset', 'other', '--format', 'html', '--db', db);
  assert.match(r.stdout, /<section id="changes"><h2>Changes<\/h2><p class="muted">No change request/);
});
