import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readBdbHashValues } from './bdb-hash.js';
import { buildBdbHash } from './rpmdb-testutil.js';

const key = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

void test('reads inline and overflow values, little and big endian', () => {
  const big = Buffer.alloc(9000, 0x41);
  for (const le of [true, false]) {
    const file = buildBdbHash(
      [
        [key(0), Buffer.from([5, 0, 0, 0])],
        [key(1), big],
        [key(2), Buffer.from('small value')],
      ],
      4096,
      le,
    );
    const r = readBdbHashValues(file);
    assert.ok(r.ok);
    assert.deepEqual(r.problems, []);
    assert.equal(r.values.length, 3);
    assert.deepEqual(r.values[1], big);
    assert.equal(r.values[2]?.toString(), 'small value');
  }
});

void test('junk, wrong magic, broken chains', () => {
  assert.equal(readBdbHashValues(Buffer.alloc(10)).ok, false);
  assert.equal(readBdbHashValues(Buffer.alloc(8192)).ok, false);
  const file = buildBdbHash([[key(1), Buffer.alloc(5000, 1)]]);
  const cut = file.subarray(0, 4096 * 2 + 100);
  const r = readBdbHashValues(cut);
  assert.ok(r.ok);
  assert.equal(r.values.length, 0);
  assert.ok(r.problems.length > 0);
});
