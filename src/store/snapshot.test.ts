import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync, gzipSync } from 'node:zlib';
import type { Fact } from '../core/types.js';
import { BulwarkError } from '../core/errors.js';
import {
  CHUNK_MIN_ROWS,
  DecodedCache,
  decodeSnapshot,
  encodeSnapshot,
  factHash,
  isIndexedSnapshot,
  openSnapshot,
} from './snapshot.js';

const fact = (
  key: string,
  rows: Fact['rows'],
  at = '2026-01-01T00:00:00Z',
  extra: Partial<Fact> = {},
): Fact => ({
  key,
  name: key.replace(/\(.*$/, ''),
  args: {},
  status: 'complete',
  rows,
  provenance: { collector: key, sources: ['/etc/x'], mode: 'offline', at },
  ...extra,
});

const FACTS: Fact[] = [
  fact('os', [{ id: 'debian', hostname: 'a' }]),
  fact('packages', [
    { name: 'openssh-server', version: '1:9.2p1-2' },
    { name: 'telnetd', version: '0.17-44' },
  ]),
  fact('file(path=/etc/shadow)', [{ path: '/etc/shadow', mode: '0640' }]),
  fact('sysctl_live', [], undefined, { status: 'not_collected', reason: 'offline' }),
  // Many rows: stored in row chunks.
  fact(
    'services',
    Array.from({ length: 300 }, (_, i) => ({ unit: `unit-${i}.service`, enabled: i % 3 === 0, line: i })),
    undefined,
    { status: 'incomplete', reason: 'one unit file unreadable' },
  ),
];

const corrupt = (e: unknown) => e instanceof BulwarkError && e.code === 'BW_DB_CORRUPT';

test('format 2: every fact comes back as it was stored, in order', () => {
  const blob = encodeSnapshot(FACTS);
  assert.ok(isIndexedSnapshot(blob));
  assert.deepEqual(decodeSnapshot(blob), FACTS);
  const snap = openSnapshot(blob);
  assert.equal(snap.format, 2);
  assert.deepEqual(
    [...snap.entries.keys()],
    FACTS.map((f) => f.key),
  );
  assert.deepEqual(snap.fact('packages'), FACTS[1]);
  assert.equal(snap.fact('nothing'), undefined);
  // Decoded once, then the same object.
  assert.equal(snap.fact('packages'), snap.fact('packages'));
});

test('the content hash ignores provenance and follows what the rules read', () => {
  const a = FACTS[1]!;
  const later = fact('packages', a.rows, '2027-05-05T00:00:00Z');
  assert.equal(factHash(later), factHash(a), 'collection time is not content');
  const removed = fact('packages', a.rows.slice(0, 1));
  assert.notEqual(factHash(removed), factHash(a));
  const failed = fact('packages', a.rows, undefined, { status: 'incomplete', reason: 'truncated' });
  assert.notEqual(factHash(failed), factHash(a), 'status and reason are content');
  const hashes = (facts: Fact[]) =>
    [...openSnapshot(encodeSnapshot(facts)).entries.values()].map((e) => e.hash);
  assert.deepEqual(hashes([later]), hashes([a]), 'stored hashes agree across scans of the same content');
  assert.deepEqual(hashes(FACTS), FACTS.map(factHash));
});

test('format 1 (gzip JSON, before migration 0008) is still read, with the same hashes', () => {
  const old = gzipSync(JSON.stringify(FACTS));
  assert.equal(isIndexedSnapshot(old), false);
  const snap = openSnapshot(old);
  assert.equal(snap.format, 1);
  assert.deepEqual(snap.all(), FACTS);
  assert.deepEqual(
    [...snap.entries.values()].map((e) => e.hash),
    [...openSnapshot(encodeSnapshot(FACTS)).entries.values()].map((e) => e.hash),
  );
});

test('a damaged snapshot is refused with BW_DB_CORRUPT, never a crash or wrong facts', () => {
  const blob = encodeSnapshot(FACTS);
  assert.throws(() => openSnapshot(blob.subarray(0, 6)), corrupt, 'truncated inside the header');
  assert.throws(() => openSnapshot(blob.subarray(0, 12)), corrupt, 'truncated inside the index');
  const bigIndex = Buffer.from(blob);
  bigIndex.writeUInt32LE(0xffffffff, 4);
  assert.throws(() => openSnapshot(bigIndex), corrupt, 'an index longer than the blob');
  assert.throws(() => openSnapshot(Buffer.from('not a snapshot at all')), corrupt, 'neither format');
  assert.throws(() => openSnapshot(gzipSync('{"a":1}')), corrupt, 'format 1 that is not a list');
  // An index entry that points past the end of the bodies.
  const head = deflateRawSync(JSON.stringify([['os', 'h', 0, 10_000]]));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  assert.throws(() => openSnapshot(Buffer.concat([Buffer.from('BWS2'), len, head])), corrupt);
  // A damaged body: the index opens, the other facts read, that one fact is refused when asked for.
  const snap = openSnapshot(blob);
  const e = snap.entries.get('packages')!;
  const bodiesStart = 8 + blob.readUInt32LE(4);
  const broken = Buffer.from(blob);
  broken.fill(0xff, bodiesStart + e.offset, bodiesStart + e.offset + e.length);
  const opened = openSnapshot(broken);
  assert.deepEqual(opened.fact('os'), FACTS[0]);
  assert.throws(() => opened.fact('packages'), corrupt);
});

test('a body stored under another key is refused', () => {
  const a = encodeSnapshot([FACTS[0]!]);
  const snap = openSnapshot(a);
  const entry = snap.entries.get('os')!;
  // Rewrite the index so that `packages` points at the body of `os`.
  const head = deflateRawSync(JSON.stringify([['packages', entry.hash, entry.offset, entry.length]]));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  const bodies = a.subarray(a.length - entry.length);
  const forged = openSnapshot(Buffer.concat([Buffer.from('BWS2'), len, head, bodies]));
  assert.throws(() => forged.fact('packages'), corrupt);
});

test('a fact of many rows is stored in content-defined chunks: one removed row changes one or two of them', () => {
  const many = FACTS[4]!;
  assert.ok(many.rows.length >= CHUNK_MIN_ROWS);
  const chunksOf = (f: Fact) =>
    openSnapshot(encodeSnapshot([f]))
      .entries.get(f.key)!
      .chunks!.map((c) => c.hash);
  const before = chunksOf(many);
  assert.ok(before.length >= 5, `${before.length} chunks`);
  const fewer = { ...many, rows: many.rows.filter((_, i) => i !== 150) };
  const after = chunksOf(fewer);
  const shared = after.filter((h) => before.includes(h)).length;
  assert.ok(shared >= after.length - 2, `${shared} of ${after.length} chunks shared`);
  // Small facts are not chunked.
  assert.equal(openSnapshot(encodeSnapshot([FACTS[1]!])).entries.get('packages')!.chunks, undefined);
});

test('decoded row chunks are kept by hash and shared between snapshots', () => {
  const cache = new DecodedCache<readonly Fact['rows'][number][]>(1 << 20);
  const many = FACTS[4]!;
  const a = openSnapshot(encodeSnapshot([many]), cache).fact('services')!;
  const changed = {
    ...many,
    rows: [...many.rows.slice(0, 299), { unit: 'new.service', enabled: true, line: 999 }],
  };
  const b = openSnapshot(encodeSnapshot([changed]), cache).fact('services')!;
  assert.deepEqual(a, many);
  assert.deepEqual(b, changed);
  assert.equal(b.rows[0], a.rows[0], 'a shared chunk is decoded once');
  // A damaged chunk: the index opens, that fact is refused.
  const blob = encodeSnapshot([many]);
  const snap = openSnapshot(blob);
  const c = snap.entries.get('services')!.chunks![2]!;
  const bodies = 8 + blob.readUInt32LE(4);
  const broken = Buffer.from(blob);
  broken.fill(0xff, bodies + c.offset, bodies + c.offset + c.length);
  assert.throws(() => openSnapshot(broken).fact('services'), corrupt);
});
