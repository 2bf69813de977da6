import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAddress, formatIPv6, parseProcNet, socketInode } from './proc-net.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 4604 1 00000000a5b2c76a 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 237 1 0000000000000000 100 0 0 10 0
   2: 0F02000A:0016 0202000A:C35A 01 00000000:00000000 02:000A7B8B 00000000     0        0 88123 4 0000000000000000 20 4 29 10 -1
   3: garbage line
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1111 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 6109 1 0000000011d495bd 100 0 0 10 0
   1: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5002 1 0 100 0 0 10 0
   3: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5003 1 0 100 0 0 10 0
`;

const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 7001 2 0000000000000000 0
  124: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7002 2 0000000000000000 0
  125: 0F02000A:A1B2 08080808:0035 01 00000000:00000000 00:00000000 00000000  1000        0 7003 2 0000000000000000 0
`;

test('IPv4 words are little-endian', () => {
  assert.equal(decodeAddress('0100007F'), '127.0.0.1');
  assert.equal(decodeAddress('0F02000A'), '10.0.2.15');
  assert.equal(decodeAddress('0100007F', false), '1.0.0.127');
  assert.equal(decodeAddress('xyz'), undefined);
});

test('IPv6 text is RFC 5952', () => {
  assert.equal(decodeAddress('00000000000000000000000001000000'), '::1');
  assert.equal(decodeAddress('00000000000000000000000000000000'), '::');
  assert.equal(decodeAddress('0000000000000000FFFF00000100007F'), '::ffff:127.0.0.1');
  assert.equal(decodeAddress('B80D0120000000000000000001000000'), '2001:db8::1');
  assert.equal(formatIPv6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]), 'fe80::1:0:0:1');
  assert.equal(formatIPv6([0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0]), '1:0:2:0:3:0:4:0');
});

test('tcp table: states, ports, uid, inode; junk skipped', () => {
  const rows = parseProcNet(TCP, 'tcp');
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[0], {
    proto: 'tcp',
    local: '127.0.0.1',
    port: 5432,
    remote: '0.0.0.0',
    remotePort: 0,
    state: 'listen',
    listening: true,
    uid: 101,
    inode: 4604,
  });
  assert.equal(rows[1]!.local, '0.0.0.0');
  assert.equal(rows[1]!.port, 22);
  assert.equal(rows[2]!.state, 'established');
  assert.equal(rows[2]!.listening, false);
  assert.equal(rows[2]!.remotePort, 50010);
});

test('tcp6 table', () => {
  const rows = parseProcNet(TCP6, 'tcp6');
  assert.deepEqual(
    rows.map((r) => [r.local, r.port]),
    [
      ['::1', 4369],
      ['::', 22],
      ['::ffff:127.0.0.1', 8080],
      ['2001:db8::1', 80],
    ],
  );
});

test('udp: 07 is unconn and listening when the remote is unset', () => {
  const rows = parseProcNet(UDP, 'udp');
  assert.deepEqual(
    rows.map((r) => [r.local, r.port, r.state, r.listening]),
    [
      ['127.0.0.53', 53, 'unconn', true],
      ['0.0.0.0', 68, 'unconn', true],
      ['10.0.2.15', 41394, 'established', false],
    ],
  );
});

test('CRLF and empty input', () => {
  assert.equal(parseProcNet(TCP.replace(/\n/g, '\r\n'), 'tcp').length, 3);
  assert.deepEqual(parseProcNet('', 'udp6'), []);
});

test('socket inode from fd link text', () => {
  assert.equal(socketInode('socket:[12345]'), 12345);
  assert.equal(socketInode('pipe:[12345]'), undefined);
  assert.equal(socketInode('/dev/null'), undefined);
});
