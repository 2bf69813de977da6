/**
 * `bulwark fix`, `change` and `audit` end to end through the real binary, on fixture roots and an SQLite file:
 * plan → apply → history → rollback; change control with four eyes and a maintenance window; compensating
 * controls for a legacy asset shown by `results`; and `audit verify` failing on an edited database.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { runBulwark, show, type Run } from './testing.js';
import { BASE_ROOT, fingerprint, makeRoot } from '../remediate/testing.js';

let tmp = '';
const bulwark = (...args: string[]): Promise<Run> => runBulwark(tmp, args);
const roots: string[] = [];

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-fix-'));
});
after(() => {
  for (const d of [tmp, ...roots]) fs.rmSync(d, { recursive: true, force: true });
});

function root(): string {
  const r = makeRoot({
    ...BASE_ROOT,
    '/etc/login.defs': '# defaults\nPASS_MAX_DAYS\t99999\nUMASK\t022\n',
    '/etc/ssh/sshd_config': 'PermitRootLogin yes\nX11Forwarding yes\n',
  });
  roots.push(r);
  return r;
}

test('fix plan → apply → history → rollback; the audit log records each step and verifies', async () => {
  const r = root();
  const db = path.join(tmp, 'a.db');
  const planFile = path.join(tmp, 'plan.json');
  const fp = fingerprint(r);
  let res = await bulwark(
    'fix',
    'plan',
    '--root',
    r,
    '--rule',
    'accounts-login-defs-pass-max-days',
    '--rule',
    'ssh-x11-forwarding-disabled',
    '--out',
    planFile,
    '--db',
    db,
    '--by',
    'alice',
  );
  assert.equal(res.code, 0, show(res));
  assert.match(res.stdout, /-PASS_MAX_DAYS\t99999\n\s+\+PASS_MAX_DAYS\t365/);
  assert.match(res.stdout, /then: \$ systemctl reload sshd\.service/);
  assert.deepEqual(fingerprint(r), fp, 'planning changes nothing');
  res = await bulwark(
    'fix',
    'plan',
    '--root',
    r,
    '--rule',
    'ssh-x11-forwarding-disabled',
    '--format',
    'sh',
    '--db',
    db,
  );
  assert.match(res.stdout, /^#!\/bin\/sh\n/);
  assert.match(res.stdout, /set -eu/);
  res = await bulwark('fix', 'apply', planFile, '--root', r, '--db', db, '--by', 'alice');
  assert.equal(res.code, 0, show(res));
  assert.match(res.stdout, /c01 .* verified/);
  assert.match(fs.readFileSync(path.join(r, 'etc/login.defs'), 'utf8'), /PASS_MAX_DAYS\t365/);
  res = await bulwark('fix', 'history', '--format', 'json', '--db', db);
  const applied = JSON.parse(res.stdout) as { id: string; status: string }[];
  assert.equal(applied.length, 2);
  for (const a of applied) {
    res = await bulwark('fix', 'rollback', a.id, '--db', db, '--by', 'bob');
    assert.equal(res.code, 0, show(res));
  }
  assert.deepEqual(fingerprint(r), fp, 'both rollbacks restore the exact bytes');
  res = await bulwark('audit', 'list', '--format', 'json', '--db', db);
  const actions = (JSON.parse(res.stdout) as { action: string }[]).map((e) => e.action);
  assert.deepEqual(actions, [
    'fix.plan',
    'fix.plan',
    'fix.apply',
    'fix.apply',
    'fix.rollback',
    'fix.rollback',
  ]);
  res = await bulwark('audit', 'verify', '--db', db);
  assert.equal(res.code, 0, show(res));
  assert.match(res.stdout, /audit log intact: 6 entries/);
  // Someone edits the database behind Bulwark's back.
  const raw = new Database(db);
  raw.prepare("update audit_log set actor = 'mallory' where seq = 5").run();
  raw.close();
  res = await bulwark('audit', 'verify', '--db', db);
  assert.equal(res.code, 1, show(res));
  assert.match(res.stdout, /#5 edited: entry #5 \(fix\.rollback .*\) does not match its hash/);
  // A plan applies only to the root it was made for.
  const other = root();
  res = await bulwark('fix', 'apply', planFile, '--root', other, '--db', db);
  assert.equal(res.code, 2, show(res));
  assert.match(res.stderr, /the plan was made for .*, not /);
});

test('change control: four eyes, maintenance window, before/after evidence, close', async () => {
  const r = root();
  const db = path.join(tmp, 'c.db');
  const planFile = path.join(tmp, 'plan-c.json');
  let res = await bulwark(
    'fix',
    'plan',
    '--root',
    r,
    '--rule',
    'accounts-login-defs-pass-max-days',
    '--out',
    planFile,
    '--db',
    db,
    '--by',
    'alice',
  );
  assert.equal(res.code, 0, show(res));
  const past = ['--window-start', '2020-01-01T00:00:00Z', '--window-end', '2020-01-01T02:00:00Z'];
  res = await bulwark(
    'change',
    'request',
    '--plan',
    planFile,
    '--title',
    'login.defs ageing',
    ...past,
    '--db',
    db,
    '--by',
    'alice',
  );
  assert.equal(res.code, 0, show(res));
  const id = /change (\S+) requested/.exec(res.stdout)![1]!;
  res = await bulwark('change', 'approve', id, '--db', db, '--by', 'alice');
  assert.equal(res.code, 2, show(res));
  assert.match(res.stderr, /BW_FOUR_EYES: alice requested change .* and cannot approve it/);
  res = await runBulwark(tmp, [
    'change',
    'approve',
    id,
    '--db',
    db,
    '--by',
    'bob',
    '--note',
    'ok for Sunday',
  ]);
  assert.equal(res.code, 0, show(res));
  res = await bulwark('change', 'apply', id, '--db', db, '--by', 'carol');
  assert.equal(res.code, 2, show(res));
  assert.match(res.stderr, /BW_OUTSIDE_WINDOW/);
  res = await bulwark('change', 'apply', id, '--db', db, '--by', 'carol', '--force');
  assert.equal(res.code, 0, show(res));
  assert.match(res.stdout, /change \S+ applied/);
  res = await bulwark('change', 'verify', id, '--db', db, '--by', 'bob');
  assert.equal(res.code, 0, show(res));
  res = await bulwark('change', 'close', id, '--db', db, '--by', 'bob');
  assert.equal(res.code, 0, show(res));
  res = await bulwark('change', 'show', id, '--db', db);
  const cr = JSON.parse(res.stdout) as Record<string, unknown>;
  assert.equal(cr['status'], 'closed');
  assert.equal(cr['requester'], 'alice');
  assert.equal(cr['approver'], 'bob');
  assert.deepEqual(cr['findings'], ['accounts-login-defs-pass-max-days']);
  assert.deepEqual(
    (cr['evidence_before'] as { status: string }[]).map((e) => e.status),
    ['fail'],
  );
  assert.deepEqual(
    (cr['evidence_after'] as { status: string }[]).map((e) => e.status),
    ['pass'],
  );
  assert.equal((cr['impact'] as { changes: unknown[] }).changes.length, 1);
  res = await bulwark('audit', 'list', '--format', 'json', '--subject', id, '--db', db);
  assert.deepEqual(
    (JSON.parse(res.stdout) as { action: string; actor: string }[]).map((e) => `${e.action}:${e.actor}`),
    [
      'change.request:alice',
      'change.approve:bob',
      'change.apply:carol',
      'change.verify:bob',
      'change.close:bob',
    ],
  );
});

test('legacy asset: the plan proposes compensating controls; a recorded one shows the finding as waived', async () => {
  const r = root();
  const db = path.join(tmp, 'l.db');
  let res = await bulwark(
    'scan',
    '--root',
    r,
    '--asset-name',
    'hmi-1',
    '--db',
    db,
    '--no-report',
    '-q',
    '--rule',
    'accounts-login-defs-pass-max-days',
  );
  assert.equal(res.code, 0, show(res));
  res = await bulwark('assets', 'set', 'hmi-1', '--modifiability', 'limited', '--db', db);
  assert.equal(res.code, 0, show(res));
  const fp = fingerprint(r);
  res = await bulwark('fix', 'plan', '--asset', 'hmi-1', '--db', db);
  assert.equal(res.code, 0, show(res));
  assert.match(res.stdout, /modifiability is limited: no edits/);
  assert.match(res.stdout, /accounts-login-defs-pass-max-days .*\n\s+- zone isolation/);
  res = await bulwark(
    'fix',
    'compensate',
    '--rule',
    'accounts-login-defs-pass-max-days',
    '--asset',
    'hmi-1',
    '--control',
    'HMI in zone Z2; vendor procedure VP-7 for password changes',
    '--by',
    'alice',
    '--approver',
    'alice',
    '--db',
    db,
  );
  assert.match(res.stderr, /BW_FOUR_EYES/);
  res = await bulwark(
    'fix',
    'compensate',
    '--rule',
    'accounts-login-defs-pass-max-days',
    '--asset',
    'hmi-1',
    '--control',
    'HMI in zone Z2; vendor procedure VP-7 for password changes',
    '--by',
    'alice',
    '--approver',
    'bob',
    '--db',
    db,
  );
  assert.equal(res.code, 0, show(res));
  res = await bulwark('results', 'hmi-1', '--db', db);
  assert.match(res.stdout, /accounts-login-defs-pass-max-days.*waived \(fail\)/);
  assert.deepEqual(fingerprint(r), fp);
  res = await bulwark('audit', 'list', '--format', 'json', '--db', db);
  assert.deepEqual(
    (JSON.parse(res.stdout) as { action: string }[]).map((e) => e.action),
    ['scan.save', 'asset.set', 'fix.plan', 'fix.compensate'],
  );
});
