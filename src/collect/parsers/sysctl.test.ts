import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveSysctl, normaliseSysctlKey, orderConfFiles, parseSysctl } from './sysctl.js';

void test('keys with slashes swap / and . like systemd-sysctl', () => {
  assert.equal(normaliseSysctlKey('kernel/yama/ptrace_scope'), 'kernel.yama.ptrace_scope');
  assert.equal(
    normaliseSysctlKey('net/ipv4/conf/enp3s0.200/forwarding'),
    'net.ipv4.conf.enp3s0/200.forwarding',
  );
  assert.equal(
    normaliseSysctlKey('net.ipv4.conf.enp3s0/200.forwarding'),
    'net.ipv4.conf.enp3s0/200.forwarding',
  );
});

void test('comments, CRLF, odd whitespace, ignore-error marker, globs, invalid lines', () => {
  const text = [
    '# comment',
    '; also a comment',
    '',
    'kernel.randomize_va_space=2\r',
    '   -net.ipv4.conf.all.rp_filter   =   1   ',
    'net.ipv4.ip_local_port_range = 32768\t\t60999',
    'net.ipv4.conf.*.accept_redirects = 0',
    'this line is junk',
    'kernel.sysrq =',
  ].join('\n');
  const r = parseSysctl(text);
  assert.deepEqual(
    r.assignments.map((a) => [a.key, a.value, a.line, a.ignoreErrors]),
    [
      ['kernel.randomize_va_space', '2', 4, false],
      ['net.ipv4.conf.all.rp_filter', '1', 5, true],
      ['net.ipv4.ip_local_port_range', '32768 60999', 6, false],
      ['net.ipv4.conf.*.accept_redirects', '0', 7, false],
      ['kernel.sysrq', '', 9, false],
    ],
  );
  assert.deepEqual(r.invalid, [8]);
});

void test('an earlier directory masks the same file name; files apply in name order', () => {
  const order = orderConfFiles([
    ['/etc/sysctl.d/50-default.conf', '/etc/sysctl.d/99-hardening.conf'],
    [],
    ['/usr/lib/sysctl.d/10-base.conf', '/usr/lib/sysctl.d/50-default.conf'],
  ]);
  assert.deepEqual(order, [
    '/usr/lib/sysctl.d/10-base.conf',
    '/etc/sysctl.d/50-default.conf',
    '/etc/sysctl.d/99-hardening.conf',
  ]);
});

void test('later assignments win, duplicates within one file included', () => {
  const eff = effectiveSysctl([
    { path: '/usr/lib/sysctl.d/10-base.conf', text: 'kernel.sysrq = 16\nfs.suid_dumpable = 2\n' },
    {
      path: '/etc/sysctl.d/99-x.conf',
      text: 'kernel/sysrq = 0\nfs.suid_dumpable = 1\nfs.suid_dumpable = 0\n',
    },
    { path: '/etc/sysctl.conf', text: '#kernel.sysrq = 1\n' },
  ]);
  assert.deepEqual(eff, [
    { key: 'fs.suid_dumpable', value: '0', path: '/etc/sysctl.d/99-x.conf', line: 3 },
    { key: 'kernel.sysrq', value: '0', path: '/etc/sysctl.d/99-x.conf', line: 1 },
  ]);
});
