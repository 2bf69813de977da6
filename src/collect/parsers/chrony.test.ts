import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chronydUserOption, parseChronyConf, parseNtpConf, parseTimesyncdConf } from './chrony.js';

void test('chrony.conf: comment characters, case, kept directives', () => {
  const text =
    '# Welcome\n! old comment\n% and another\npool 2.debian.pool.ntp.org iburst\r\nServer  ntp1.plant.local   iburst prefer\nuser _chrony\nconfdir /etc/chrony/conf.d\nsourcedir /run/chrony-dhcp\ndriftfile /var/lib/chrony/chrony.drift\n';
  assert.deepEqual(
    parseChronyConf(text).map((d) => [d.directive, d.value, d.line]),
    [
      ['pool', '2.debian.pool.ntp.org iburst', 4],
      ['server', 'ntp1.plant.local iburst prefer', 5],
      ['user', '_chrony', 6],
      ['confdir', '/etc/chrony/conf.d', 7],
      ['sourcedir', '/run/chrony-dhcp', 8],
    ],
  );
});

void test('ntp.conf', () => {
  const text =
    'driftfile /var/lib/ntp/drift # trailing\nrestrict -4 default kod notrap nomodify nopeer noquery limited\npool 0.debian.pool.ntp.org iburst\n#server 127.127.1.0\n';
  assert.deepEqual(
    parseNtpConf(text).map((d) => [d.directive, d.value, d.line]),
    [
      ['driftfile', '/var/lib/ntp/drift', 1],
      ['restrict', '-4 default kod notrap nomodify nopeer noquery limited', 2],
      ['pool', '0.debian.pool.ntp.org iburst', 3],
    ],
  );
});

void test('timesyncd.conf: only [Time], commented defaults ignored', () => {
  const text =
    '[Time]\n#NTP=\n#FallbackNTP=0.debian.pool.ntp.org\nNTP=ntp1.plant.local  ntp2.plant.local\n[Other]\nNTP=ignored\n';
  assert.deepEqual(parseTimesyncdConf(text), [
    { directive: 'NTP', value: 'ntp1.plant.local ntp2.plant.local', line: 4 },
  ]);
});

void test('chronyd -u option', () => {
  assert.deepEqual(chronydUserOption('# Command-line options for chronyd\nOPTIONS="-F 2 -u chrony"\n'), {
    user: 'chrony',
    line: 2,
  });
  assert.deepEqual(chronydUserOption('DAEMON_OPTS="-F 1"\n'), undefined);
  assert.deepEqual(chronydUserOption('OPTIONS="-uroot"\n'), { user: 'root', line: 1 });
});
