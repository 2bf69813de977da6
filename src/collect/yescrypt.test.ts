import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { parseYescrypt, verifyYescrypt, yescryptCrypt, yescryptRaw, yescryptSupported } from './yescrypt.js';

// Generated on Debian 12 (libxcrypt 4.4.33): `mkpasswd -m yescrypt -R 1..7` for the default-flavour
// hashes, Python's crypt.crypt (the same libxcrypt) for p=2, t>0, an empty salt, classic scrypt ($y$.),
// WORM ($y$/) and the $7$ scrypt format.
const VECTORS: [string, string][] = [
  ['', '$y$j9T$5SAP4Mv48LKvrQAHz9FxE/$oAyGf0QxF46uaT8IwOj4zip0ZiPCCOFADiNuTbjlHC4'],
  ['raspberry', '$y$j9T$V1BuQmWEyzpwcCXZ0BCRc/$RK/VWsx8wHuP9sD/sEyAo3PJjHuuX2ziBaAjtFSSOR8'],
  ['toor', '$y$j75$vLaILLFuhTV.6QA7M9YrY/$BL15QBffXk6Vz1xIiNhnmw8716SQ.8EDigUNl86EjX2'],
  ['pässwörd', '$y$j7T$dmO4RBUg9qw0Tvs.fqN2w0$zfFAuykEIHQMuNTC0VCOXn0HMclL2i8YZLfy1lGlO4.'],
  ['密码123', '$y$j8T$IRnG0sRC2nXJOu9NRFRN90$asSxxFxvArh/klk8gpWgM9f5Ok1ayhTtjX8Lrv6QboB'],
  [
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    '$y$j85$w6f72fJz9ng5H9AmMPgGx.$JCzTfOoe5Ky6UEW.GlxK4O68nTJbhX2k8g1jeNsNFh6',
  ],
  ['admin', '$y$jAT$QvjFIsmDGDqIbfmXLiXGe0$gsnGUmw6IRuVoO0DrcTcRRBDRtfLfe5/AAVyi0skyWB'],
  ['pass word\twith tab', '$y$j9T$qDnQ/CiQD1nbWv1nnuqxf0$PlVsetiHJ9uy9vnrxm4ZtgfeET8.H1dt5xxGgcVCv16'],
  ['a$b:c\\d', '$y$j75$gj/Uos48gKPknZDAK3olC/$uju5EbuT.M952Cw5Q8MBSd4.ELrned.oLXEK/GnpnlC'],
  ['changeme', '$y$jBT$Li5HME2llfZhfG7yIL5CV/$PLsNNUS4ZOHag5LzCvHiR6TZ7uuKjPhZER3u.F8bzm8'],
  ['raspberry', '$y$j7T..$Hf1TjQfn0dVL8GkEB9c5A.$7mKDAPmX1xcir6MzGuaPIX60OghAhRkfPk9qEoVAZO8'],
  ['raspberry', '$y$j75/.$Hf1TjQfn0dVL8GkEB9c5A.$jNedIDokQeFVnBXTA8AsmRDeCCWdolO5B/ms4trnIGB'],
  ['raspberry', '$y$j75/0$abcdefgh$ERN9GbB.dHEHoEiSQytOcMnu/qrFkIvGgixe9EPxZ02'],
  ['root', '$y$.85$Hf1TjQfn0dVL8GkEB9c5A.$GNblcDzo0NBc3Tb2YKVk1yJfJ1/2DmWCJpKVqBSUdf9'],
  ['root', '$y$/85$Hf1TjQfn0dVL8GkEB9c5A.$kf.CWWn10uW/skUgMw2hHD6Ht/vEoRuGe9SPolH9RgB'],
  ['root', '$y$j75$$0OvYhh2ZPI7sQN/ZccRwWmAABhxV9uin4qyQzNaPsIC'],
  ['pleaseletmein', '$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D'],
  ['root', '$7$75..../....abc$MyGeeTicwguHxAE7TI4JF/.sraP4RK5srZMqBdX4awA'],
];

test('libxcrypt vectors reproduce exactly, wrong passwords do not verify', () => {
  for (const [pw, hash] of VECTORS) {
    assert.equal(yescryptCrypt(pw, hash), hash, hash);
    assert.equal(verifyYescrypt(pw, hash), true);
  }
  for (const [pw, hash] of VECTORS.filter(([, h]) => !/^\$y\$j[AB]/.test(h))) {
    assert.equal(verifyYescrypt(pw + 'x', hash), false, hash);
    if (pw !== '') assert.equal(verifyYescrypt(pw.slice(1), hash), false, hash);
  }
  assert.equal(
    verifyYescrypt('Raspberry', '$y$j9T$V1BuQmWEyzpwcCXZ0BCRc/$RK/VWsx8wHuP9sD/sEyAo3PJjHuuX2ziBaAjtFSSOR8'),
    false,
  );
});

test('parameters decode as libxcrypt encodes them', () => {
  const d = parseYescrypt('$y$j9T$V1BuQmWEyzpwcCXZ0BCRc/$RK/VWsx8wHuP9sD/sEyAo3PJjHuuX2ziBaAjtFSSOR8');
  assert.ok(d);
  assert.deepEqual([d.flags, d.N, d.r, d.p, d.t, d.salt.length], [0xb6, 4096, 32, 1, 0, 16]);
  const e = parseYescrypt('$y$j75/0$abcdefgh$ERN9GbB.dHEHoEiSQytOcMnu/qrFkIvGgixe9EPxZ02');
  assert.ok(e);
  assert.deepEqual([e.N, e.r, e.p, e.t, e.salt.length], [1024, 8, 1, 3, 6]);
  const f = parseYescrypt('$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D');
  assert.ok(f);
  assert.deepEqual([f.flags, f.N, f.r, f.p, f.salt.toString()], [0, 16384, 8, 1, 'SodiumChloride']);
});

test('classic mode equals node:crypto scrypt', () => {
  const salt = Buffer.from('NaCl');
  const want = scryptSync('password', salt, 32, { N: 1024, r: 8, p: 16, maxmem: 64 * 1024 * 1024 });
  assert.deepEqual(
    yescryptRaw(Buffer.from('password'), { flags: 0, N: 1024, r: 8, p: 16, t: 0, salt }),
    want,
  );
});

test('the WebAssembly and the JavaScript pwxform agree', () => {
  for (const hash of [
    '$y$j75$vLaILLFuhTV.6QA7M9YrY/$',
    '$y$j9T$5SAP4Mv48LKvrQAHz9FxE/$',
    '$y$j7T..$Hf1TjQfn0dVL8GkEB9c5A.$',
    '$y$j75/0$abcdefgh$',
  ]) {
    const P = parseYescrypt(hash);
    assert.ok(P);
    assert.deepEqual(
      yescryptRaw(Buffer.from('raspberry'), P, 'js'),
      yescryptRaw(Buffer.from('raspberry'), P),
    );
  }
});

test('unsupported settings are refused, not guessed', () => {
  const tail = '$5SAP4Mv48LKvrQAHz9FxE/$0123456789012345678901234567890123456789012'; // a valid salt
  assert.equal(verifyYescrypt('x', '$y$j9T4.' + tail), 'unsupported'); // g (hash upgrade)
  assert.equal(verifyYescrypt('x', '$y$j9T8.' + tail), 'unsupported'); // ROM
  assert.equal(verifyYescrypt('x', '$y$k9T' + tail), 'unsupported'); // non-standard pwxform flavour
  assert.equal(verifyYescrypt('x', '$y$jFT' + tail), 'unsupported'); // 1 GiB, above the memory cap
  assert.equal(verifyYescrypt('x', '$y$j9T/A' + tail), 'unsupported'); // t = 39: too slow to be real
  assert.equal(verifyYescrypt('x', '$y$j9T$sal$0123456789012345678901234567890123456789012'), 'unsupported'); // bad salt
  assert.equal(
    verifyYescrypt('x', '$y$j9T$' + 'A'.repeat(88) + '$0123456789012345678901234567890123456789012'),
    'unsupported',
  );
  assert.equal(verifyYescrypt('x', '$y$j9T'), 'unsupported');
  assert.equal(verifyYescrypt('x', '$y$'), 'unsupported');
  assert.equal(verifyYescrypt('x', '$6$salt$abc'), 'unsupported');
  assert.equal(verifyYescrypt('x', ''), 'unsupported');
  assert.equal(yescryptSupported('$y$jFT' + tail), false);
  assert.equal(yescryptSupported('$y$jDT' + tail), true);
  assert.equal(yescryptSupported(VECTORS[0]![1]), true);
});

test('a damaged hash never matches', () => {
  const [pw, hash] = VECTORS[2]!;
  assert.equal(verifyYescrypt(pw, hash.slice(0, -1)), false);
  assert.equal(verifyYescrypt(pw, hash + 'A'), false);
  assert.equal(verifyYescrypt(pw, hash.slice(0, -1) + (hash.endsWith('A') ? 'B' : 'A')), false);
});
