import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseGroup, parseGshadow } from './group.js';

test('group members, empty member lists, odd spacing and NIS lines', () => {
  const e = parseGroup('root:x:0:\nsudo:x:27:alice, bob ,\nshadow:x:42:\n+:::\nbad:x:\n');
  assert.deepEqual(
    e.map((x) => x.name),
    ['root', 'sudo', 'shadow', '+', 'bad'],
  );
  assert.deepEqual(e[1]!.members, ['alice', 'bob']);
  assert.deepEqual(e[0]!.members, []);
  assert.equal(e[3]!.legacy, true);
  assert.equal(e[4]!.malformed, true);
});

test('gshadow drops the password field', () => {
  const e = parseGshadow('sudo:!:alice:alice,bob\nshadow:*::\n');
  assert.deepEqual(e[0], { name: 'sudo', admins: ['alice'], members: ['alice', 'bob'], line: 1 });
  assert.equal(JSON.stringify(e).includes('!'), false);
});
