import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { parseAuditRules, splitArgs } from './audit-rules.js';

const SAMPLE = [
  '## First rule - delete all',
  '-D',
  '-b 8192',
  '--backlog_wait_time=60000',
  '-f 1',
  '',
  '-a always,exit -F arch=b64 -S adjtimex,settimeofday -S clock_settime -F key=time-change',
  '-a exit,always -F arch=b32 -S chmod -S fchmod -F auid>=1000 -F auid!=unset -k perm_mod',
  '-w /etc/passwd -p wa -k identity\r',
  '-w /etc/sudoers.d/ -p wa -k scope',
  '-a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=4294967295 -k privileged',
  '-a always,exit -F arch=b64 -S open -F exit=-EACCES -F "key=access"',
  '-e 2',
  'garbage here',
  '-w',
].join('\n');

void test('parses watches, syscall rules and control options', () => {
  const { rules, problems } = parseAuditRules(SAMPLE);
  assert.deepEqual(rules.map((r) => [r.kind, r.option, r.value]).slice(0, 4), [
    ['control', '-D', null],
    ['control', '-b', '8192'],
    ['control', '--backlog_wait_time', '60000'],
    ['control', '-f', '1'],
  ]);
  const time = rules[4]!;
  assert.equal(time.list, 'exit');
  assert.equal(time.action, 'always');
  assert.equal(time.arch, 'b64');
  assert.deepEqual(time.syscalls, ['adjtimex', 'settimeofday', 'clock_settime']);
  assert.equal(time.key, 'time-change');
  const perm = rules[5]!;
  assert.equal(perm.list, 'exit');
  assert.deepEqual(perm.fields, ['arch=b32', 'auid>=1000', 'auid!=unset']);
  assert.equal(perm.key, 'perm_mod');
  const w = rules[6]!;
  assert.deepEqual(
    [w.kind, w.watch_path, w.perms, w.key, w.line],
    ['watch', '/etc/passwd', 'wa', 'identity', 9],
  );
  const sudo = rules[8]!;
  assert.deepEqual([sudo.kind, sudo.watch_path, sudo.perms], ['syscall', '/usr/bin/sudo', 'x']);
  assert.equal(rules[9]!.key, 'access');
  assert.ok(rules[9]!.fields.includes('exit=-EACCES'));
  assert.deepEqual([rules[10]!.option, rules[10]!.value], ['-e', '2']);
  assert.equal(rules.length, 11);
  assert.equal(rules.find((r) => r.key === 'scope')!.watch_path, '/etc/sudoers.d');
  assert.equal(problems.length, 2);
  assert.ok(problems.every((p) => p.line >= 14));
});

void test('quotes and empty input', () => {
  assert.deepEqual(splitArgs(`-w "/etc/my dir" -k 'a b'`), ['-w', '/etc/my dir', '-k', 'a b']);
  assert.deepEqual(parseAuditRules('').rules, []);
  assert.deepEqual(parseAuditRules('\u0000\u0001binary').rules, []);
});
