/** Baselines, drift, waivers and `bulwark results` end to end, as child processes; the fact diff directly. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { diffFacts } from '../report/drift.js';
import type { Fact, Row } from '../core/types.js';
import { runBulwark, show, type Run } from './testing.js';

let tmp = '';
let db = '';
let root = '';
const bulwark = (...args: string[]): Promise<Run> => runBulwark(tmp, args);

function write(p: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
  fs.writeFileSync(path.join(root, p), text);
}
const scan = async () => {
  const r = await bulwark('scan', '--root', root, '--asset-name', 'rtu-1', '--db', db, '--no-report', '-q');
  assert.equal(r.code, 0, show(r));
};
const latestScan = async (): Promise<string> => {
  const r = await bulwark('history', 'rtu-1', '--db', db, '--format', 'json');
  return (JSON.parse(r.stdout) as { scans: { id: string }[] }).scans[0]!.id;
};

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-sustain-'));
  db = path.join(tmp, 'sustain.db');
  root = path.join(tmp, 'rtu');
  write('/etc/os-release', 'ID=debian\nVERSION_ID="12"\n');
  write('/etc/hostname', 'rtu\n');
  write('/etc/machine-id', 'uninitialized\n');
  write('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  write('/etc/shadow', 'root:*:19000:0:99999:7:::\n');
  write('/etc/ssh/sshd_config', '# managed\nMaxAuthTries 3\n');
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('baseline, a change, drift: the new failure and the line behind it, exit 1; waivers in results', async () => {
  await scan();
  const first = await latestScan();
  let r = await bulwark('drift', 'rtu-1', '--db', db);
  assert.equal(r.code, 2, 'no baseline yet: a usage error');
  assert.match(r.stderr, /BW_BASELINE_NOT_FOUND/);
  r = await bulwark('baseline', 'approve', first, '--by', 'alice', '--note', 'commissioning', '--db', db);
  assert.equal(r.code, 0, show(r));
  r = await bulwark('baseline', 'show', 'rtu-1', '--db', db);
  assert.match(r.stdout, new RegExp(`scan +${first}`));
  assert.match(r.stdout, /approved +by alice/);
  r = await bulwark('drift', 'rtu-1', '--db', db);
  assert.equal(r.code, 0, 'the baseline scan itself: no drift\n' + show(r));

  write('/etc/ssh/sshd_config', '# managed\nMaxAuthTries 6\n');
  write('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/sh\n');
  await scan();
  r = await bulwark('drift', 'rtu-1', '--db', db);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stdout, /DRIFT/);
  assert.match(r.stdout, /new failure +ssh-max-auth-tries \(was pass\)/);
  assert.match(r.stdout, /sshd: maxauthtries changed from 3 to 6 \(\/etc\/ssh\/sshd_config:2\)/);
  assert.match(r.stdout, /users: bob added \(\/etc\/passwd:2\)/);
  r = await bulwark('drift', '--db', db, '--format', 'json');
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout) as { drift: boolean; assets: { new_failures: { rule: string }[] }[] };
  assert.equal(j.drift, true);
  assert.ok(j.assets[0]!.new_failures.some((f) => f.rule === 'ssh-max-auth-tries'));

  // Waivers.
  const w = (...extra: string[]) =>
    bulwark(
      'waivers',
      'add',
      '--owner',
      'ot-team',
      '--justification',
      'vendor tool retries',
      '--compensating-control',
      'fail2ban on the jump host',
      '--approver',
      'plant manager',
      '--db',
      db,
      ...extra,
    );
  r = await w('--rule', 'ssh-max-auth-tries', '--scope', 'asset:rtu-1', '--expires', '2001-01-01');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /BW_WAIVER_INVALID: the expiry 2001-01-01 is in the past/);
  r = await w('--rule', 'no-such-rule', '--scope', 'all', '--expires', '2099-01-01');
  assert.match(r.stderr, /BW_RULE_NOT_FOUND/);
  r = await w('--rule', 'ssh-max-auth-tries', '--scope', 'zone:', '--expires', '2099-01-01');
  assert.match(r.stderr, /BW_WAIVER_INVALID/);
  r = await w('--rule', 'ssh-max-auth-tries', '--scope', 'asset:rtu-1', '--expires', '2099-01-01');
  assert.equal(r.code, 0, show(r));
  const id = /waiver (w-[0-9a-f]+)/.exec(r.stdout)![1]!;

  r = await bulwark('results', 'rtu-1', '--db', db);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^RULE +SEVERITY +STATUS +WAIVED +MESSAGE$/m);
  assert.match(
    r.stdout,
    new RegExp(`^ssh-max-auth-tries +medium +waived \\(fail\\) +${id} until 2099-01-01 `, 'm'),
  );
  r = await bulwark('results', 'rtu-1', '--db', db, '--date', '2099-01-02');
  assert.match(r.stdout, /^ssh-max-auth-tries +medium +fail +- /m, "expired: the verdict is the rule's own");
  assert.match(
    r.stdout,
    /expired — no longer applied:\n +w-[0-9a-f]+ +ssh-max-auth-tries .* expired 2099-01-01/,
  );

  r = await bulwark('waivers', 'list', '--db', db);
  assert.match(
    r.stdout,
    new RegExp(`^${id} +ssh-max-auth-tries +asset:\\S+ +ot-team +plant manager +2099-01-01 +active$`, 'm'),
  );
  r = await bulwark('waivers', 'revoke', id, '--by', 'auditor', '--db', db);
  assert.equal(r.code, 0, show(r));
  r = await bulwark('results', await latestScan(), '--db', db, '--format', 'json');
  const res = JSON.parse(r.stdout) as {
    scans: { results: { rule: string; status: string; waiver: unknown }[] }[];
  };
  const mine = res.scans[0]!.results.find((x) => x.rule === 'ssh-max-auth-tries')!;
  assert.deepEqual([mine.status, mine.waiver], ['fail', null], 'revoked: no longer applied');
  r = await bulwark('waivers', 'list', '--all', '--db', db);
  assert.match(r.stdout, /revoked by auditor/);
});

test('fact diff: rows keyed by identity, not position', () => {
  const prov = { collector: 't', sources: [], mode: 'offline' as const, at: 'x' };
  const fact = (key: string, rows: Row[], status: Fact['status'] = 'complete'): Fact => ({
    key,
    name: key,
    args: {},
    status,
    rows,
    provenance: prov,
  });
  const before = [
    fact('packages', [
      { name: 'openssh-server', version: '9.2', path: '/var/lib/dpkg/status', line: 10 },
      { name: 'rsh-client', version: '0.17', path: '/var/lib/dpkg/status', line: 20 },
    ]),
    fact('sockets', [{ proto: 'tcp', local: '0.0.0.0', port: 22, pid: 10 }]),
    fact('shadow', [], 'not_collected'),
  ];
  const after = [
    fact('packages', [
      { name: 'telnetd', version: '0.17', path: '/var/lib/dpkg/status', line: 5 },
      { name: 'openssh-server', version: '9.2', path: '/var/lib/dpkg/status', line: 15 },
    ]),
    fact('sockets', [
      { proto: 'tcp', local: '0.0.0.0', port: 22, pid: 11 },
      { proto: 'tcp', local: '0.0.0.0', port: 23, pid: 12 },
    ]),
    fact('shadow', [{ name: 'root' }]),
  ];
  const d = diffFacts(before, after);
  assert.deepEqual(d.rows.map((r) => r.text).sort(), [
    'packages: rsh-client disappeared (/var/lib/dpkg/status:20)',
    'packages: telnetd appeared (/var/lib/dpkg/status:5)',
    'sockets: 0.0.0.0:23 tcp appeared',
  ]);
  assert.deepEqual(d.facts, [{ fact: 'shadow', from: 'not_collected', to: 'complete' }]);
  assert.deepEqual(diffFacts(after, after), { facts: [], rows: [] });
});

test('the JSON scan report carries the waiver of a waived failing result', async () => {
  write('/etc/ssh/sshd_config', '# managed\nMaxAuthTries 6\n');
  const scanJson = async () => {
    const r = await bulwark(
      'scan',
      '--root',
      root,
      '--asset-name',
      'rtu-w',
      '--rule',
      'ssh-max-auth-tries',
      'shadow-file-permissions',
      '--db',
      db,
      '--no-report',
      '--format',
      'json',
    );
    assert.equal(r.code, 0, show(r));
    return JSON.parse(r.stdout) as {
      results: { rule: string; status: string; waiver?: Record<string, string> }[];
    };
  };
  let report = await scanJson();
  let res = report.results.find((x) => x.rule === 'ssh-max-auth-tries')!;
  assert.equal(res.status, 'fail');
  assert.equal(res.waiver, undefined, 'no waiver yet');
  const add = await bulwark(
    'waivers',
    'add',
    '--rule',
    'ssh-max-auth-tries',
    '--scope',
    'asset:rtu-w',
    '--owner',
    'ot-team',
    '--justification',
    'vendor tool retries',
    '--compensating-control',
    'fail2ban on the jump host',
    '--expires',
    '2999-12-31',
    '--approver',
    'ciso',
    '--db',
    db,
  );
  assert.equal(add.code, 0, show(add));
  const id = /waiver (w-[0-9a-f]+)/.exec(add.stdout)![1]!;
  report = await scanJson();
  res = report.results.find((x) => x.rule === 'ssh-max-auth-tries')!;
  assert.equal(res.status, 'fail', 'the status stays the rule’s own verdict');
  assert.deepEqual(res.waiver, {
    id,
    owner: 'ot-team',
    justification: 'vendor tool retries',
    compensating_control: 'fail2ban on the jump host',
    expires: '2999-12-31',
    approver: 'ciso',
  });
  for (const other of report.results.filter((x) => x.rule !== 'ssh-max-auth-tries'))
    assert.equal(other.waiver, undefined);
  // A waived failure does not fail the run.
  const r = await bulwark(
    'scan',
    '--root',
    root,
    '--asset-name',
    'rtu-w',
    '--rule',
    'ssh-max-auth-tries',
    '--db',
    db,
    '--no-report',
    '-q',
    '--fail-on',
    'low',
  );
  assert.equal(r.code, 0, show(r));
  // The report still validates against its JSON Schema (docs/report-schema.json is generated from the same).
  type Validate = ((data: unknown) => boolean) & { errors?: unknown };
  const Ajv2020 = createRequire(import.meta.url)('ajv/dist/2020.js') as {
    default: new (o: Record<string, unknown>) => { compile(schema: unknown): Validate };
  };
  const { reportJsonSchema } = await import('../report/json.js');
  const validate = new Ajv2020.default({ strict: false }).compile(reportJsonSchema());
  assert.ok(validate(report), JSON.stringify(validate.errors));
});
