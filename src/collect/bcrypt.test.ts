import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MAX_BCRYPT_COST, bcryptSupported, verifyBcrypt } from './bcrypt.js';

// Generated on Debian 12 (libxcrypt 4.4.33): `mkpasswd -m bcrypt -R n` for $2b$, Python's crypt.crypt
// (the same libxcrypt) for $2a$ and $2y$; "U*U" with the C… salt is crypt_blowfish's own test vector.
const VECTORS: [string, string][] = [
  ['', '$2b$05$MBURJQFZjGHQQbTwdBqpDenuqEW3dTXRWIiuJ525mYJSYyMuvQ0ly'],
  ['raspberry', '$2b$05$UgHdSX.Glz9wmMVeQMF8EuMnmBBC5FGUSYkotpWsYBgTkhycefO.i'],
  ['toor', '$2b$05$vY62iRlyWVzk.PJUfVRVheRrmx8c/XmFJF.SW2AB0cvAH7nJXVlD2'],
  ['pässwörd', '$2b$06$ATrajH6aS.nliEdXVR.bvuywR3DU6/1hKSw7Yg5QBZ9jo7kclDFAm'],
  ['密码123', '$2b$05$4napg9Y8SlZQNHLxzQyX6u8Pwf7Qz13xhjL3F3vi88ja3Xxkn2B1K'],
  ['changeme', '$2b$10$Qi6HtwS2Lnj6QPwL48tf9uLxgojPs.Ymd23iUOCAJn1kMpLyS7e16'],
  ['admin', '$2b$12$D0x2ySPwCy1SHHIMAdlb9.ZvghyhAMw70qdguQet.OVwwUrYI9A.m'],
  [
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    '$2b$05$2vcVWqMHMbi0mKixfpE9Q.gd/IGw2K0HccbfRKKOmW5Lj.yBaF5TW',
  ],
  [
    'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy',
    '$2b$05$.Het6DBn.N9sWGJjSaeYheteTk7yUJZGXsDED/prLjM6kOniE5YZu',
  ],
  ['raspberry', '$2a$05$abcdefghijklmnopqrstuufNcwg.LhweBejHk0Q4B2Xw5SAczk6Qm'],
  ['root', '$2y$04$abcdefghijklmnopqrstuufAkr.oEPMKRzIoj4GvblEuuKtPZm.pq'],
  ['root', '$2y$08$Hf1TjQfn0dVL8GkEB9c5A.uVff9sGdBnE/RCTvfpLwOa6CR1fGLES'],
  ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['', '$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.'],
  ['pässwörd', '$2a$05$abcdefghijklmnopqrstuuZVEMa1pjhlynBQ1qXmSvGBJpN9h1w8G'],
];

test('libxcrypt vectors verify, wrong passwords do not', () => {
  for (const [pw, hash] of VECTORS) {
    assert.equal(verifyBcrypt(pw, hash), true, hash);
    if (!hash.startsWith('$2b$12$')) assert.equal(verifyBcrypt(pw + '!', hash), pw.length >= 72, hash);
  }
  assert.equal(
    verifyBcrypt('Raspberry', '$2a$05$abcdefghijklmnopqrstuufNcwg.LhweBejHk0Q4B2Xw5SAczk6Qm'),
    false,
  );
  assert.equal(verifyBcrypt('', '$2b$05$UgHdSX.Glz9wmMVeQMF8EuMnmBBC5FGUSYkotpWsYBgTkhycefO.i'), false);
});

test('passwords are UTF-8 and cut at 72 bytes, like crypt(3)', () => {
  // The 100-character vector verifies with any suffix after byte 72, and not with 71 bytes.
  const h = '$2b$05$.Het6DBn.N9sWGJjSaeYheteTk7yUJZGXsDED/prLjM6kOniE5YZu';
  assert.equal(verifyBcrypt('y'.repeat(72), h), true);
  assert.equal(verifyBcrypt('y'.repeat(71), h), false);
  assert.equal(
    verifyBcrypt('passwörd', '$2b$06$ATrajH6aS.nliEdXVR.bvuywR3DU6/1hKSw7Yg5QBZ9jo7kclDFAm'),
    false,
  );
});

test('unsupported variants and costs are refused, damaged hashes never match', () => {
  assert.equal(
    verifyBcrypt('pässwörd', '$2x$05$abcdefghijklmnopqrstuu7fBvhrteno3q3HcIu7ORNzGrSPOJXt6'),
    'unsupported',
  );
  assert.equal(
    verifyBcrypt('x', '$2$05$abcdefghijklmnopqrstuu7fBvhrteno3q3HcIu7ORNzGrSPOJXt6'),
    'unsupported',
  );
  assert.equal(
    verifyBcrypt('x', '$2b$03$abcdefghijklmnopqrstuu7fBvhrteno3q3HcIu7ORNzGrSPOJXt6'),
    'unsupported',
  );
  assert.equal(
    verifyBcrypt('x', `$2b$${MAX_BCRYPT_COST + 1}$abcdefghijklmnopqrstuu7fBvhrteno3q3HcIu7ORNzGrSPOJXt6`),
    'unsupported',
  );
  assert.equal(verifyBcrypt('x', '$2b$05$abc'), 'unsupported');
  assert.equal(verifyBcrypt('x', '$6$salt$abc'), 'unsupported');
  assert.equal(bcryptSupported('$2y$04$abcdefghijklmnopqrstuufAkr.oEPMKRzIoj4GvblEuuKtPZm.pq'), true);
  assert.equal(bcryptSupported('$2x$05$abcdefghijklmnopqrstuu7fBvhrteno3q3HcIu7ORNzGrSPOJXt6'), false);
  const [pw, hash] = VECTORS[2]!;
  assert.equal(verifyBcrypt(pw, hash.slice(0, -1)), false);
  assert.equal(verifyBcrypt(pw, hash + '.'), false);
});
