import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { encodePackageHeader, encodeRpmHeader, parseRpmHeader, rpmEvr, RPMTAG } from './rpm-header.js';

void test('round-trips name, version, release, epoch and arch', () => {
  const blob = encodePackageHeader({
    name: 'openssh-server',
    version: '8.7p1',
    release: '38.el9',
    arch: 'x86_64',
    epoch: 1,
  });
  const r = parseRpmHeader(blob);
  assert.ok(r.ok);
  assert.deepEqual(r.pkg, {
    name: 'openssh-server',
    version: '8.7p1',
    release: '38.el9',
    epoch: 1,
    arch: 'x86_64',
  });
  assert.equal(rpmEvr(r.pkg), '1:8.7p1-38.el9');
});

void test('no epoch gives version-release; package-file magic prefix is accepted', () => {
  const blob = encodePackageHeader({ name: 'bash', version: '5.1.8', release: '9.el9', arch: 'x86_64' });
  const withMagic = Buffer.concat([Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]), blob]);
  const r = parseRpmHeader(withMagic);
  assert.ok(r.ok);
  assert.equal(r.pkg.epoch, null);
  assert.equal(rpmEvr(r.pkg), '5.1.8-9.el9');
});

void test('other tags (summary, region markers) and tag order do not matter', () => {
  const blob = encodeRpmHeader([
    [63, 'region-ish'],
    [1004, 'The GNU Bourne Again shell'],
    [RPMTAG.ARCH, 'noarch'],
    [RPMTAG.RELEASE, '1.fc40'],
    [RPMTAG.EPOCH, 0],
    [RPMTAG.VERSION, '2.0'],
    [RPMTAG.NAME, 'gpg-pubkey'],
  ]);
  const r = parseRpmHeader(blob);
  assert.ok(r.ok);
  assert.deepEqual(r.pkg, {
    name: 'gpg-pubkey',
    version: '2.0',
    release: '1.fc40',
    epoch: 0,
    arch: 'noarch',
  });
  assert.equal(rpmEvr(r.pkg), '0:2.0-1.fc40');
});

void test('junk, truncation and nonsense sizes are reasons, not exceptions', () => {
  assert.equal(parseRpmHeader(Buffer.alloc(0)).ok, false);
  assert.equal(parseRpmHeader(Buffer.from('hello world, not a header')).ok, false);
  const blob = encodePackageHeader({ name: 'x', version: '1', release: '1', arch: 'x86_64' });
  assert.equal(parseRpmHeader(blob.subarray(0, blob.length - 3)).ok, false);
  const huge = Buffer.from(blob);
  huge.writeUInt32BE(0x7fffffff, 0);
  assert.equal(parseRpmHeader(huge).ok, false);
  // An entry pointing outside the data store is skipped; NAME missing is a reason.
  const noName = encodeRpmHeader([[RPMTAG.VERSION, '1']]);
  const r = parseRpmHeader(noName);
  assert.equal(r.ok, false);
  const bad = Buffer.from(blob);
  bad.writeUInt32BE(0xffff, 8 + 8); // offset of the NAME entry
  assert.equal(parseRpmHeader(bad).ok, false);
});
