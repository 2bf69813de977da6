import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseDpkgStatus } from './dpkg-status.js';

const SAMPLE = `Package: openssh-server
Status: install ok installed
Priority: optional
Section: net
Installed-Size: 1837
Maintainer: Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>
Architecture: amd64
Multi-Arch: foreign
Source: openssh
Version: 1:9.2p1-2+deb12u3
Replaces: openssh-client (<< 1:7.9p1-8), ssh (<< 1:6.5p1-5)
Conffiles:
 /etc/default/ssh 500e3a4b8a2d3c2b7a0e1b8e6f0c6e6e
 /etc/ssh/moduli 4d4b1a8ee8b2d7e8d8c5e4e2a5f8b3c1
Description: secure shell (SSH) server, for secure access from remote machines
 This is the portable version of OpenSSH, a free implementation of
 .
 the Secure Shell protocol as specified by the IETF secsh working group.

Package: telnetd
Status: deinstall ok config-files
Priority: optional
Architecture: amd64
Version: 0.17+2.4-2

Package: libc6
Status: install ok half-configured
Architecture: amd64
Version: 2.36-9+deb12u4
`;

void test('parses stanzas, versions with epochs and the three status words', () => {
  const r = parseDpkgStatus(SAMPLE);
  assert.deepEqual(r.problems, []);
  assert.equal(r.packages.length, 3);
  const [ssh, telnetd, libc] = r.packages;
  assert.deepEqual(ssh, {
    name: 'openssh-server',
    version: '1:9.2p1-2+deb12u3',
    arch: 'amd64',
    want: 'install',
    flag: 'ok',
    state: 'installed',
    line: 1,
  });
  assert.equal(telnetd?.state, 'config-files');
  assert.equal(telnetd?.want, 'deinstall');
  assert.equal(telnetd?.line, 20);
  assert.equal(libc?.state, 'half-configured');
});

void test('CRLF, several blank lines, odd field case and whitespace, duplicates and junk', () => {
  const text =
    '\r\n\r\nPackage:   vim \r\nSTATUS:install  ok   installed\r\nversion: 2:9.0.1378-2\r\nVersion: 9.9\r\n\r\n\r\n\r\nnot a field\r\n\r\nPriority: optional\r\nVersion: 1\r\n';
  const r = parseDpkgStatus(text);
  assert.equal(r.packages.length, 1);
  assert.deepEqual(r.packages[0], {
    name: 'vim',
    version: '2:9.0.1378-2',
    arch: '',
    want: 'install',
    flag: 'ok',
    state: 'installed',
    line: 3,
  });
  assert.deepEqual(r.problems, ['stanza at line 12 has no Package field']);
});

void test('empty input and missing Status', () => {
  assert.deepEqual(parseDpkgStatus('').packages, []);
  const r = parseDpkgStatus('Package: foo\nVersion: 1.0\n');
  assert.equal(r.packages[0]?.state, '');
});
