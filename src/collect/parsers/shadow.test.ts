import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { classifyPassword, parseShadow } from './shadow.js';

test('password field classification', () => {
  assert.equal(classifyPassword('').status, 'empty');
  assert.equal(classifyPassword('*').status, 'no_password');
  assert.equal(classifyPassword('!!').status, 'no_password');
  assert.equal(classifyPassword('!').status, 'no_password');
  assert.equal(classifyPassword('!*').status, 'no_password');
  assert.deepEqual(classifyPassword('!$6$salt$abc'), {
    status: 'locked',
    alg: 'sha512',
    hash: '$6$salt$abc',
  });
  assert.equal(classifyPassword('$y$j9T$abc$def').alg, 'yescrypt');
  assert.equal(classifyPassword('$5$rounds=9000$s$h').alg, 'sha256');
  assert.equal(classifyPassword('$1$abc$def').alg, 'md5');
  assert.equal(classifyPassword('$2b$10$abc').alg, 'bcrypt');
  assert.equal(classifyPassword('abhKo2urtNdfg').alg, 'des');
  assert.equal(classifyPassword('$gy$x$y').alg, 'gost-yescrypt');
  assert.equal(classifyPassword('$6$salt$abc').status, 'hash');
});

test('ageing fields, empty and -1 values, NIS lines, CRLF', () => {
  const e = parseShadow(
    'root:$6$s$h:19500:0:99999:7:::\r\ndaemon:*:19500:0:99999:7:::\nbob:!:19600:1:90:14:30:20000:\n+::::::::\nodd:x:-1:\n',
  );
  assert.equal(e.length, 5);
  assert.deepEqual(
    [e[0]!.lastChange, e[0]!.min, e[0]!.max, e[0]!.warn, e[0]!.inactive, e[0]!.expire],
    [19500, 0, 99999, 7, null, null],
  );
  assert.deepEqual([e[2]!.inactive, e[2]!.expire], [30, 20000]);
  assert.equal(e[3]!.legacy, true);
  assert.equal(e[4]!.lastChange, null);
  assert.equal(e[4]!.malformed, true);
});
