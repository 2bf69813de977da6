/** The SQLite store on real files: assets, scans, facts, concurrency, damaged and newer databases, locks. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { BulwarkError } from '../core/errors.js';
import { Store } from './db.js';
import { fixtureScan, osFact } from './testing.js';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-db-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
const dbFile = (name: string) => path.join(dir, name);

// The same fixture scans as the contract suite (src/store/testing.ts).
const scan = fixtureScan;

async function rejectsWith(p: Promise<unknown>, code: string): Promise<BulwarkError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BulwarkError, `expected BulwarkError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.hint.length > 0);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test('saves a scan; rescans of the same machine-id attach to the same asset; facts round-trip', async () => {
  const file = dbFile('a/b/c/bulwark.db');
  const store = await Store.open(file);
  try {
    const s1 = scan();
    const a1 = await store.saveScan(s1, '0.1.0');
    const a2 = await store.saveScan(scan({ root: '/mnt/other-mount-of-same-disk' }), '0.1.0');
    assert.equal(a1, a2);
    const a3 = await store.saveScan(scan({ machineId: 'fedcba9876543210fedcba9876543210' }), '0.1.0');
    assert.notEqual(a3, a1);
    assert.equal(await store.count('scans'), 3);
    assert.equal(await store.count('results'), 9);
    assert.equal(await store.count('assets'), 2);
    const facts = await store.loadFacts(s1.id);
    assert.deepEqual(facts, s1.facts);
    assert.equal(await store.loadFacts('no-such-scan'), undefined);
    const listed = await store.listScans(10);
    assert.equal(listed.length, 3);
    assert.ok(listed.every((r) => typeof r.score === 'number'));
    const blob = await store.db
      .selectFrom('scans')
      .select(['facts', 'verdicts'])
      .where('id', '=', s1.id)
      .executeTakeFirstOrThrow();
    assert.equal(
      blob.facts.subarray(0, 4).toString('latin1'),
      'BWS2',
      'facts are stored in snapshot format 2',
    );
    assert.deepEqual(
      JSON.parse(blob.verdicts ?? 'null'),
      Object.fromEntries(s1.results.map((r) => [r.rule, r.status])),
      'the verdicts are stored with the scan',
    );
  } finally {
    await store.close();
  }
  // Reopening an existing database is fine (migrations already applied).
  const again = await Store.open(file);
  assert.equal(await again.count('scans'), 3);
  await again.close();
});

test('images without a usable machine-id are told apart by their root, not merged', async () => {
  const store = await Store.open(dbFile('mid.db'));
  try {
    const x = await store.saveScan(scan({ machineId: 'uninitialized', root: '/mnt/a' }), '0.1.0');
    const y = await store.saveScan(scan({ machineId: 'uninitialized', root: '/mnt/b' }), '0.1.0');
    const z = await store.saveScan(scan({ machineId: null, root: '/mnt/a' }), '0.1.0');
    assert.notEqual(x, y, 'systemd\'s "uninitialized" placeholder is not an identity');
    assert.equal(x, z);
  } finally {
    await store.close();
  }
});

test('a scan is written atomically: a failure leaves nothing behind', async () => {
  const store = await Store.open(dbFile('atomic.db'));
  try {
    const s = scan();
    await store.saveScan(s, '0.1.0');
    // Same scan id again: the scans insert fails; no extra asset/results rows remain.
    await rejectsWith(
      store.saveScan({ ...s, facts: [osFact('11111111111111111111111111111111')] }, '0.1.0'),
      'BW_DB_OPEN',
    );
    assert.equal(await store.count('scans'), 1);
    assert.equal(await store.count('assets'), 1);
    assert.equal(await store.count('results'), 3);
  } finally {
    await store.close();
  }
});

test('two Store instances writing at once both succeed', async () => {
  const file = dbFile('two.db');
  const [a, b] = await Promise.all([Store.open(file), Store.open(file)]);
  try {
    const started = Date.now();
    await Promise.all([
      a.saveScan(scan({ results: 500 }), '0.1.0'),
      b.saveScan(scan({ results: 500 }), '0.1.0'),
      a.saveScan(scan(), '0.1.0'),
      b.saveScan(scan(), '0.1.0'),
    ]);
    assert.ok(Date.now() - started < 8000, 'no busy-wait deadlock between the two connections');
    assert.equal(await a.count('scans'), 4);
    assert.equal(await b.count('assets'), 1);
  } finally {
    await a.close();
    await b.close();
  }
});

// Child processes import the store and score modules next to this test (source via tsx, or compiled).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const EXT = FROM_SOURCE ? 'ts' : 'js';
const mod = (rel: string) => new URL(`${rel}.${EXT}`, import.meta.url).href;
function child(code: string, args: string[] = []): ChildProcess {
  const cwd = path.dirname(fileURLToPath(import.meta.url));
  return spawn(
    process.execPath,
    [
      ...(FROM_SOURCE ? ['--import', import.meta.resolve('tsx')] : []),
      '--input-type=module',
      '-e',
      code,
      ...args,
    ],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}
function done(cp: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  cp.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  cp.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) =>
    cp.on('close', (code) => {
      resolve({ code, out, err });
    }),
  );
}

test('two processes storing scans into a fresh database at once both succeed', async () => {
  const file = dbFile('procs.db');
  const code = `
    import { Store } from '${mod('./db')}';
    import { summarise } from '${mod('../engine/score')}';
    const file = process.argv[1];
    const store = await Store.open(file);
    for (let i = 0; i < 5; i++) {
      const results = [{ rule: 'r', area: 'a', title: 't', severity: 'low', status: 'pass', message: 'm', evidence: [] }];
      await store.saveScan({ id: crypto.randomUUID(), startedAt: '', finishedAt: '', durationMs: 1, target: { kind: 'root', root: '/mnt/' + process.pid, mode: 'offline' }, profile: 'p', tailoringFile: null, policyFiles: [], results, facts: [], summary: summarise(results), rules: new Map() }, 'test');
    }
    await store.close();
    console.log('ok');
  `;
  const runs = await Promise.all([
    done(child(code, [file])),
    done(child(code, [file])),
    done(child(code, [file])),
  ]);
  for (const r of runs) assert.equal(r.code, 0, r.err);
  const store = await Store.open(file);
  assert.equal(await store.count('scans'), 15);
  assert.equal(await store.count('assets'), 3);
  await store.close();
});

test('a file of junk is BW_DB_CORRUPT and is left untouched', async () => {
  const file = dbFile('junk.db');
  const junk = Buffer.from('this is not a database at all, just some text '.repeat(200));
  fs.writeFileSync(file, junk);
  const e = await rejectsWith(Store.open(file), 'BW_DB_CORRUPT');
  assert.match(e.message, /junk\.db/);
  assert.deepEqual(fs.readFileSync(file), junk);
});

test('a database from a newer Bulwark (unknown migration) is BW_DB_TOO_NEW and is not modified', async () => {
  const file = dbFile('newer.db');
  (await Store.open(file)).close();
  const raw = new Database(file);
  const ours = (raw.prepare('select count(*) as n from kysely_migration').get() as { n: number }).n;
  raw
    .prepare('insert into kysely_migration (name, timestamp) values (?, ?)')
    .run('9999_from_the_future', new Date().toISOString());
  raw.close();
  await rejectsWith(Store.open(file), 'BW_DB_TOO_NEW');
  const check = new Database(file);
  // Our migrations and the one from the future: nothing added, nothing removed.
  assert.equal(
    (check.prepare('select count(*) as n from kysely_migration').get() as { n: number }).n,
    ours + 1,
  );
  check.close();
});

/** Another process holds the database with BEGIN EXCLUSIVE for `ms`, then commits. */
async function holdExclusive(file: string, ms: number): Promise<{ released: Promise<unknown> }> {
  const cp = child(
    `
    import Database from '${import.meta.resolve('better-sqlite3')}';
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    db.exec("insert into assets (id, name, machine_id, hostname, kind, created_at, updated_at) values ('held', 'held', null, null, 'image', 'x', 'x')");
    console.log('locked');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));
  `,
    [file, String(ms)],
  );
  const released = done(cp);
  await new Promise<void>((resolve, reject) => {
    cp.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) resolve();
    });
    cp.on('close', () => {
      reject(new Error('the lock holder exited early'));
    });
  });
  return { released };
}

test('a locked database: waits for the lock, succeeds after release', async () => {
  const file = dbFile('locked.db');
  const s = await Store.open(file);
  const { released } = await holdExclusive(file, 800);
  const t0 = Date.now();
  await s.saveScan(scan(), '0.1.0');
  assert.ok(Date.now() - t0 >= 500, 'it waited for the other process');
  await released;
  assert.equal(await s.count('assets'), 2);
  await s.close();
});

test('a locked database: gives up with BW_DB_LOCKED after the busy timeout', async () => {
  const file = dbFile('locked2.db');
  (await Store.open(file)).close();
  const { released } = await holdExclusive(file, 3000);
  const s = await Store.open(file, { busyTimeoutMs: 300 }).catch((e: unknown) => e);
  if (s instanceof Store) {
    await rejectsWith(s.saveScan(scan(), '0.1.0'), 'BW_DB_LOCKED');
    await s.close();
  } else {
    assert.ok(s instanceof BulwarkError && s.code === 'BW_DB_LOCKED', String(s));
  }
  await released;
  const after = await Store.open(file);
  assert.equal(await after.count('scans'), 0, 'nothing half-written');
  await after.close();
});

test('an unusable path is BW_DB_OPEN', async () => {
  fs.writeFileSync(dbFile('plainfile'), 'x');
  await rejectsWith(Store.open(path.join(dbFile('plainfile'), 'sub', 'bulwark.db')), 'BW_DB_OPEN');
});
