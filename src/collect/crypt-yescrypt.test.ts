import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { __test, yescryptCrypt, yescryptKdf, yescryptSupported } from './crypt-yescrypt.js';

test('classic scrypt path matches node:crypto scrypt', () => {
  for (const [pw, salt, N, r, p] of [['password', 'NaCl', 1024, 8, 1], ['', '', 16, 1, 1], ['pleaseletmein', 'SodiumChloride', 256, 8, 2]] as const) {
    const want = scryptSync(pw, salt, 64, { N, r, p, maxmem: 64 * 1024 * 1024 });
    assert.equal(yescryptKdf(Buffer.from(pw), Buffer.from(salt), 0, N, r, p, 64).toString('hex'), want.toString('hex'));
  }
});

test('base64 round trip', () => {
  const b = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  assert.deepEqual(__test.decode64(__test.encode64(b)), b);
});

// Generated with `mkpasswd -m yescrypt` (libxcrypt) on Debian; j7T has no pre-hash, j9T (the default) has.
const VECTORS: [string, string][] = [
  ['raspberry', '$y$j7T$zK1YFKe6/WznHIZI9kiyF0$sKgBIi/g5Ai/XM435rhtXd2qUQKfIFeTEkvtskOwHo9'],
  ['raspberry', '$y$j9T$JvKytagT.QomBwRTKtEbb.$hlBp619Vay6Ia8MVgliwsJORuYOYFpInO.J9RSbPEi.'],
  ['password', '$y$j9T$WaNNX0C4Xv0OZ5nGduv/d/$hl4GOGopcyNACDjHYFme3pSVqTPIVR8XJoeAh/COlD7'],
  ['', '$y$j9T$NU7dlaaI/sPip/SZXjkmh/$1fOUq05t96db/pTcsjR9hsZ07VBiwOe8xhXS0CmR1f5'],
  ['pässwörd', '$y$j9T$oOToicw.ktBFrGIxDZint/$LqwdOIXNiZRWYJgbPo15NBHRIKCTTK.7VLdExbqFsN2'],
  ['a-much-longer-password-exceeding-sixty-four-bytes-for-the-hmac-key-path-xxxxxxxxxxxxxxxx', '$y$j9T$rsqnUOsY0rLAUkB7MYa1n/$3OVuhcwDxUXb/Dg6IuqMRoVW9rJ0NQp/B6rtk.qrOO1'],
];

test('libxcrypt yescrypt vectors reproduce exactly', () => {
  for (const [pw, hash] of VECTORS) assert.equal(yescryptCrypt(pw, hash), hash);
  assert.notEqual(yescryptCrypt('raspberrz', VECTORS[0]![1]), VECTORS[0]![1]);
});

test('costly or unusual parameters are refused', () => {
  assert.equal(yescryptSupported('$y$jFT$jb5j3.tBNBZJWm0QzeHA30$G/kq6klfg05GTABDDGl9ROTOaYGSxaZW0jit7p3mzv1'), false);
  assert.equal(yescryptSupported('$y$j9T$JvKytagT.QomBwRTKtEbb.$hlBp619Vay6Ia8MVgliwsJORuYOYFpInO.J9RSbPEi.'), true);
  assert.equal(yescryptSupported('$y$$'), false);
});
