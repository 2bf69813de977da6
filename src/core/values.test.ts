/** Typed comparators: modes, dpkg and rpm versions, addresses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareDebianVersions,
  compareRpmVersions,
  formatMode,
  ipInCidr,
  ipToBigInt,
  isLoopback,
  modeAtMost,
  parseMode,
} from './values.js';

test('parseMode: octal strings only', () => {
  assert.equal(parseMode('0640'), 0o640);
  assert.equal(parseMode('640'), 0o640);
  assert.equal(parseMode('1777'), 0o1777);
  assert.equal(parseMode('04755'), 0o4755);
  assert.equal(parseMode(' 0600 '), 0o600);
  for (const bad of [
    '',
    '0',
    '64',
    '0648',
    '999',
    '6.4',
    '0o640',
    '0x1a4',
    '-640',
    '0640x',
    '00000640',
    '12345',
    'rw-r-----',
  ])
    assert.equal(parseMode(bad), undefined, bad);
  // A number is not a mode string (YAML's 0640 is the decimal 640).
  assert.equal(parseMode(640 as unknown as string), undefined);
});

test('formatMode', () => {
  assert.equal(formatMode(0o640), '0640');
  assert.equal(formatMode(0o4755), '4755');
  assert.equal(formatMode(0o100644), '0644');
});

test('modeAtMost: no bit beyond the maximum, special bits included', () => {
  assert.equal(modeAtMost(0o640, 0o640), true);
  assert.equal(modeAtMost(0o600, 0o640), true);
  assert.equal(modeAtMost(0o000, 0o640), true);
  assert.equal(modeAtMost(0o644, 0o640), false);
  assert.equal(
    modeAtMost(0o477, 0o640),
    false,
    "Trivy's bug: 477 < 640 as decimals, but 0477 grants group/other bits",
  );
  assert.equal(modeAtMost(0o700, 0o640), false, 'owner execute is beyond 0640');
  assert.equal(modeAtMost(0o4755, 0o755), false, 'setuid is beyond 0755');
  assert.equal(modeAtMost(0o2755, 0o755), false, 'setgid is beyond 0755');
  assert.equal(modeAtMost(0o1777, 0o777), false, 'sticky is beyond 0777');
  assert.equal(modeAtMost(0o1777, 0o1777), true);
  assert.equal(modeAtMost(0o100640, 0o640), true, 'file type bits are ignored');
});

const deb = (a: string, b: string) => Math.sign(compareDebianVersions(a, b));

test('compareDebianVersions: Debian policy examples', () => {
  assert.equal(deb('1.0~rc1', '1.0'), -1);
  assert.equal(deb('1.0~rc1', '1.0~rc2'), -1);
  assert.equal(deb('1.0~~', '1.0~'), -1);
  assert.equal(deb('1.0~', '1.0'), -1);
  assert.equal(deb('1.0', '1.0+b1'), -1);
  assert.equal(deb('1.0-1', '1.0-1ubuntu1'), -1);
  assert.equal(deb('1.0-1ubuntu1', '1.0-2'), -1);
  assert.equal(deb('1:0.1', '2.0'), 1, 'epoch wins');
  assert.equal(deb('2:1.0', '1:9.9'), 1);
  assert.equal(deb('0:1.0', '1.0'), 0, 'epoch 0 is no epoch');
  assert.equal(deb('1.0', '1.0-0'), 0, 'an absent revision equals 0');
  assert.equal(deb('1.10', '1.9'), 1, 'numbers compare numerically');
  assert.equal(deb('1.010', '1.10'), 0, 'leading zeros do not count');
  assert.equal(deb('1.0a', '1.0'), 1, 'a letter after the number makes it later');
  assert.equal(deb('1.0a', '1.0b'), -1);
  assert.equal(deb('1.0Z', '1.0a'), -1, 'upper case sorts before lower case');
  assert.equal(deb('1.0a', '1.0+'), -1, 'letters sort before non-letters');
  assert.equal(deb('1.0+', '1.0.'), -1, "'+' sorts before '.' (by code)");
  assert.equal(deb('1.0.1', '1.0+1'), 1);
  assert.equal(deb('1.2.3', '1.2.3'), 0);
  assert.equal(deb('7.4p1-10+deb9u7', '7.4p1-10+deb9u6'), 1);
  assert.equal(deb('1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u2'), 1);
  assert.equal(deb('2.36-9+deb12u4', '2.36-9+deb12u10'), -1);
  assert.equal(deb('1.2-3-4', '1.2-3-5'), -1, 'the revision is after the last hyphen');
  assert.equal(deb('3.0.11-1~deb12u2', '3.0.11-1'), -1);
});

const rpm = (a: string, b: string) => compareRpmVersions(a, b);

test("compareRpmVersions: rpmvercmp's known cases", () => {
  const cases: [string, string, number][] = [
    ['1.0', '1.0', 0],
    ['1.0', '2.0', -1],
    ['2.0', '1.0', 1],
    ['2.0.1', '2.0.1', 0],
    ['2.0', '2.0.1', -1],
    ['2.0.1', '2.0', 1],
    ['2.0.1a', '2.0.1a', 0],
    ['2.0.1a', '2.0.1', 1],
    ['2.0.1', '2.0.1a', -1],
    ['5.5p1', '5.5p1', 0],
    ['5.5p1', '5.5p2', -1],
    ['5.5p10', '5.5p1', 1],
    ['10xyz', '10.1xyz', -1],
    ['xyz10', 'xyz10.1', -1],
    ['xyz.4', 'xyz.4', 0],
    ['xyz.4', '8', -1],
    ['8', 'xyz.4', 1],
    ['xyz.4', '2', -1],
    ['5.5p2', '5.6p1', -1],
    ['5.6p1', '6.5p1', -1],
    ['6.0.rc1', '6.0', 1],
    ['6.0', '6.0.rc1', -1],
    ['10b2', '10a1', 1],
    ['10a2', '10b2', -1],
    ['1.0aa', '1.0aa', 0],
    ['1.0a', '1.0aa', -1],
    ['1.0aa', '1.0a', 1],
    ['10.0001', '10.0001', 0],
    ['10.0001', '10.1', 0],
    ['10.1', '10.0001', 0],
    ['10.0001', '10.0039', -1],
    ['4.999.9', '5.0', -1],
    ['20101121', '20101121', 0],
    ['20101121', '20101122', -1],
    ['2_0', '2_0', 0],
    ['2.0', '2_0', 0],
    ['a', 'a', 0],
    ['a+', 'a+', 0],
    ['a+', 'a_', 0],
    ['+a', '+a', 0],
    ['+a', '_a', 0],
    ['+_', '+_', 0],
    ['+', '_', 0],
    ['1.0~rc1', '1.0~rc1', 0],
    ['1.0~rc1', '1.0', -1],
    ['1.0', '1.0~rc1', 1],
    ['1.0~rc1', '1.0~rc2', -1],
    ['1.0~rc1~git123', '1.0~rc1~git123', 0],
    ['1.0~rc1~git123', '1.0~rc1', -1],
    ['1.0^', '1.0^', 0],
    ['1.0^', '1.0', 1],
    ['1.0', '1.0^', -1],
    ['1.0^git1', '1.0^git1', 0],
    ['1.0^git1', '1.0', 1],
    ['1.0^git1', '1.0^git2', -1],
    ['1.0^git1', '1.01', -1],
    ['1.0^20160101', '1.0.1', -1],
    ['1.0~rc1^git1', '1.0~rc1', 1],
    ['1.0^git1~pre', '1.0^git1', -1],
  ];
  for (const [a, b, want] of cases) assert.equal(rpm(a, b), want, `${a} vs ${b}`);
});

test('compareRpmVersions: epochs and releases', () => {
  assert.equal(rpm('1:1.0-1', '2.0-1'), 1);
  assert.equal(rpm('0:1.0-1', '1.0-1'), 0);
  assert.equal(rpm('1.0-1.el9', '1.0-2.el9'), -1);
  assert.equal(rpm('8.7p1-38.el9', '8.7p1-38.el9_4.1'), -1);
  assert.equal(rpm('1.0', '1.0-5'), 0, 'a missing release matches any release');
  assert.equal(rpm('1.0.1', '1.0'), 1);
  assert.equal(rpm('1.0a', '1.0'), 1);
});

test('ipToBigInt: v4, v6, v4-mapped, zone ids, junk', () => {
  assert.equal(ipToBigInt('0.0.0.0'), 0xffffn << 32n);
  assert.equal(ipToBigInt('10.1.2.3'), ipToBigInt('::ffff:10.1.2.3'));
  assert.equal(ipToBigInt('10.1.2.3'), ipToBigInt('::ffff:a01:203'));
  assert.equal(ipToBigInt('::1'), 1n);
  assert.equal(ipToBigInt('::'), 0n);
  assert.equal(ipToBigInt('2001:db8::1'), (0x20010db8n << 96n) | 1n);
  assert.equal(ipToBigInt('2001:DB8:0:0:0:0:0:1'), ipToBigInt('2001:db8::1'));
  assert.equal(ipToBigInt('fe80::1%eth0'), ipToBigInt('fe80::1'));
  for (const bad of [
    '',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '1::2::3',
    '12345::',
    'g::1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    'localhost',
    ':::',
  ])
    assert.equal(ipToBigInt(bad), undefined, bad);
});

test('ipInCidr', () => {
  assert.equal(ipInCidr('10.1.2.3', '10.0.0.0/8'), true);
  assert.equal(ipInCidr('11.1.2.3', '10.0.0.0/8'), false);
  assert.equal(ipInCidr('192.168.1.1', '192.168.1.1'), true, 'a bare address is one host');
  assert.equal(ipInCidr('192.168.1.2', '192.168.1.1'), false);
  assert.equal(ipInCidr('8.8.8.8', '0.0.0.0/0'), true);
  assert.equal(ipInCidr('::1', '0.0.0.0/0'), false, 'an IPv6 address is not in an IPv4 range');
  assert.equal(ipInCidr('::ffff:10.0.0.5', '10.0.0.0/24'), true, 'v4-mapped addresses are their v4 address');
  assert.equal(ipInCidr('10.0.0.5', '::ffff:0:0/96'), true);
  assert.equal(ipInCidr('2001:db8:1::5', '2001:db8::/32'), true);
  assert.equal(ipInCidr('2001:db9::5', '2001:db8::/32'), false);
  assert.equal(ipInCidr('fe80::1%eth0', 'fe80::/10'), true);
  assert.equal(ipInCidr('1.2.3.4', '::/0'), true);
  for (const bad of [
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/8x',
    '10.0.0.0/',
    '::/129',
    'nonsense/8',
    '10.0.0.0/8/8',
  ])
    assert.equal(ipInCidr('10.0.0.1', bad), false, bad);
  assert.equal(ipInCidr('junk', '0.0.0.0/0'), false);
});

test('isLoopback', () => {
  for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
    assert.equal(isLoopback(ip), true, ip);
  for (const ip of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::2', 'fe80::1', 'junk'])
    assert.equal(isLoopback(ip), false, ip);
});
