import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  LASTLOG_RECORD,
  lastLoginByUser,
  lastlogRecord,
  parseLastlog,
  parseWtmp,
  utmpRecord,
} from './lastlog.js';

test('lastlog records by uid, sparse tail and empty records', () => {
  const buf = Buffer.concat([
    lastlogRecord(1700000000, 'tty1'),
    Buffer.alloc(LASTLOG_RECORD * 999),
    lastlogRecord(1750000000, 'pts/3', '10.0.0.5'),
  ]);
  const r = parseLastlog(buf, [0, 5, 1000, 65534]);
  assert.deepEqual(r, [
    { uid: 0, time: 1700000000, line: 'tty1' },
    { uid: 5, time: null, line: '' },
    { uid: 1000, time: 1750000000, line: 'pts/3' },
    { uid: 65534, time: null, line: '' },
  ]);
});

test('wtmp USER_PROCESS records, others and a partial tail ignored', () => {
  const buf = Buffer.concat([
    utmpRecord(2, 'reboot', 1600000000),
    utmpRecord(7, 'alice', 1700000000),
    utmpRecord(8, 'alice', 1700000500),
    utmpRecord(7, 'alice', 1710000000, 'pts/1', 'host'),
    utmpRecord(7, 'bob', 1690000000),
    Buffer.alloc(100, 1),
  ]);
  const logins = parseWtmp(buf);
  assert.equal(logins.length, 3);
  assert.deepEqual(logins[1], { user: 'alice', line: 'pts/1', host: 'host', time: 1710000000 });
  assert.deepEqual(
    [...lastLoginByUser(logins)],
    [
      ['alice', 1710000000],
      ['bob', 1690000000],
    ],
  );
});
