import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { md5Crypt, shaCrypt, supported, verifyPassword } from './crypt.js';

// Vectors generated with `openssl passwd -1/-5/-6` and glibc/libxcrypt crypt(3); the $5$ rounds=10000
// vector is the one published in Drepper's specification.
const VECTORS: [string, string][] = [
  ['secret', '$1$saltsalt$9xy1btjgzLYfb7hivXtC//'],
  ['secret', '$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA'],
  [
    'secret',
    '$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1',
  ],
  [
    'a-much-longer-password-exceeding-the-32-or-64-byte-digest-length-for-sure-yes',
    '$5$x$DqfdDxKeTMK7dE.nJJnm0p2F6b9Qqb6k3c2A//x4rp1',
  ],
  [
    'raspberry',
    '$6$rounds=10000$usesomesillystri$LV/qnul/UDGRWucmJZguVHNKXY/7xdw3TwiTIDxil1F5hB6Jb8/W6xVQyeO1EngpNvxK4G6E/vg.HX1qoD/oO/',
  ],
  ['Hello world!', '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'],
  ['toor', '$1$abcdefgh$pK0Bp1VYQIo78LEcSA7zK0'],
  ['', '$6$abc$mJP3a6FyA8uCnzRtlnNypPwjnvpi5TP9qOrInzrfDmwxUQG38PkpCPdqfTb8JQfAngapMxeim4AZ..hSdRRzD.'],
  ['', '$1$abc$Or2rbeUYTvt12aiVzMuS/.'],
  [
    'pässwörd',
    '$6$rounds=1000$x$.zeaToU/B50nxlzklljjBgMM014UOhX9eVsa19o.uZZ2KYqSNXsiLOV5KqHQleguPC67RAAGwYlvc/VtE6DRf/',
  ],
  [
    'a'.repeat(200),
    '$6$sixteencharsalt$TFVdm9xhXrMEapBCFyoQeXUa9r0zzykNLsWiHyAEQFEAFnz4BkRgvrxqCxGkgvIdiUz7BugHz2kP7QhOo0n9p/',
  ],
  [
    'raspberry',
    '$6$rounds=5000$abc$eiAQmOGzeVoNppOvlgxUooG8ge1ZQ/mVl62P3F2xtLkyLUBKCqMdEod5IMbRy6qQpCkv8ECzLyaHGnj8/8tgS/',
  ],
];

test('known vectors reproduce exactly', () => {
  for (const [pw, hash] of VECTORS) {
    const got = hash.startsWith('$1$') ? md5Crypt(pw, hash) : shaCrypt(pw, hash);
    assert.equal(got, hash);
    assert.equal(verifyPassword(pw, hash), 'match');
    assert.equal(verifyPassword(pw + 'x', hash), 'no_match');
  }
});

test('unsupported schemes and absurd costs are refused, not guessed', () => {
  assert.equal(
    verifyPassword('raspberry', '$y$jFT$jb5j3.tBNBZJWm0QzeHA30$G/kq6klfg05GTABDDGl9ROTOaYGSxaZW0jit7p3mzv1'),
    'unsupported',
  );
  assert.equal(verifyPassword('raspberry', '$gy$j9T$abc$def'), 'unsupported');
  assert.equal(
    verifyPassword('root', '$2x$05$abcdefghijklmnopqrstuuJ/uqQnGWb.PIEKF.YYD7e.M1.rwki5y'),
    'unsupported',
  );
  assert.equal(
    verifyPassword('root', '$2b$05$abcdefghijklmnopqrstuuJ/uqQnGWb.PIEKF.YYD7e.M1.rwki5y'),
    'match',
  );
  assert.equal(
    verifyPassword('toor', '$2b$05$abcdefghijklmnopqrstuuJ/uqQnGWb.PIEKF.YYD7e.M1.rwki5y'),
    'no_match',
  );
  assert.equal(
    verifyPassword('root', '$2y$04$abcdefghijklmnopqrstuufAkr.oEPMKRzIoj4GvblEuuKtPZm.pq'),
    'match',
  );
  assert.equal(verifyPassword('toor', 'abhKo2urtNdfg'), 'unsupported');
  assert.equal(supported('$6$rounds=999999999$salt$x'), false);
  assert.equal(verifyPassword('x', 'garbage'), 'unsupported');
});

test('yescrypt (the Debian and Ubuntu default) verifies', () => {
  assert.equal(
    verifyPassword('raspberry', '$y$j7T$zK1YFKe6/WznHIZI9kiyF0$sKgBIi/g5Ai/XM435rhtXd2qUQKfIFeTEkvtskOwHo9'),
    'match',
  );
  assert.equal(
    verifyPassword('raspberri', '$y$j7T$zK1YFKe6/WznHIZI9kiyF0$sKgBIi/g5Ai/XM435rhtXd2qUQKfIFeTEkvtskOwHo9'),
    'no_match',
  );
});

test('a truncated hash never matches', () => {
  assert.equal(verifyPassword('secret', '$6$saltsalt$TVLlQcbp'), 'no_match');
});
