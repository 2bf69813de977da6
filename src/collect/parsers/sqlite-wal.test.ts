import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { applyWal } from './sqlite-wal.js';

async function walPair(rows: number): Promise<{ db: Buffer; wal: Buffer }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-wal-'));
  try {
    const file = path.join(dir, 'x.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (v TEXT)');
    db.pragma('wal_checkpoint(TRUNCATE)');
    for (let i = 0; i < rows; i++) db.prepare('INSERT INTO t VALUES (?)').run(`row ${i} ${'x'.repeat(300)}`);
    const out = { db: await fs.readFile(file), wal: await fs.readFile(`${file}-wal`) };
    db.close();
    return out;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const count = (image: Buffer) => {
  const copy = Buffer.from(image);
  copy[18] = 1;
  copy[19] = 1;
  const db = new Database(copy, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

void test('committed frames are folded into the image', async () => {
  const { db, wal } = await walPair(40);
  const r = applyWal(db, wal);
  assert.ok(r.frames > 0);
  assert.equal(count(r.db), 40);
});

void test('a torn last frame and trailing junk are ignored; a bad header ignores the log', async () => {
  const { db, wal } = await walPair(5);
  const torn = Buffer.concat([wal, Buffer.alloc(100, 0xab)]);
  assert.equal(count(applyWal(db, torn).db), 5);
  // Corrupt the checksum of the last frame: the transaction it commits is dropped, earlier ones stay.
  const bad = Buffer.from(wal);
  bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
  assert.ok(count(applyWal(db, bad).db) < 5);
  const junk = Buffer.from(wal);
  junk.writeUInt32BE(0x12345678, 0);
  const r = applyWal(db, junk);
  assert.equal(r.frames, 0);
  assert.match(r.note ?? '', /magic/);
  assert.equal(applyWal(db, Buffer.alloc(0)).note, undefined);
});
