/**
 * kill -9, for real: `bulwark scan --root … --db …` and `bulwark import lynis … --db …` run as child processes
 * and are SIGKILLed at many moments — at random points of the whole run, and inside the write transaction
 * (BULWARK_TEST_SLOW_WRITE_MS, a test-only hook, pauses after each statement of the write and says when the
 * transaction is open). After every kill: the database opens, SQLite's integrity_check is ok, every scan seen
 * committed before is still there with all its results, no scan is visible without all its results, and a
 * later scan succeeds. Then two scans writing the same database at once both succeed. SQLite and PostgreSQL.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Store } from './db.js';
import { TestStores } from './testing.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const MAIN = fileURLToPath(new URL(FROM_SOURCE ? '../cli/main.ts' : '../cli/main.js', import.meta.url));
const NODE_ARGS = FROM_SOURCE ? ['--import', import.meta.resolve('tsx'), MAIN] : [MAIN];
const SLOW_MS = 150;

function repoFile(rel: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = path.dirname(dir))
    if (fs.existsSync(path.join(dir, rel))) return path.join(dir, rel);
  throw new Error(`${rel} not found above ${import.meta.url}`);
}
const LYNIS = repoFile('test/fixtures/import/lynis-report.dat');

const stores = await TestStores.create('src/store/crash.test.ts', 'crash');
let pgDb = '';

let root = '';
before(async () => {
  stores.setUp();
  if (stores.pgUp) pgDb = (await stores.pgSchema()).url;
  root = path.join(stores.dir, 'root');
  const w = (p: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  };
  w('/etc/os-release', 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  w('/etc/hostname', 'crash-rtu\n');
  w('/etc/machine-id', '0123456789abcdef0123456789abcdef\n');
  w('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  w('/etc/shadow', 'root:*:19000:0:99999:7:::\nalice::19000:0:99999:7:::\n');
  w('/etc/group', 'root:x:0:\nalice:x:1000:\n');
  w('/etc/ssh/sshd_config', 'PermitRootLogin yes\nPasswordAuthentication yes\n');
  w('/etc/login.defs', 'PASS_MAX_DAYS 99999\nUMASK 022\n');
});
after(() => stores.tearDown());

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Whether the write transaction had been opened when the process ended. */
  writing: boolean;
}

/**
 * Runs bulwark with the test hook; kills it with SIGKILL `killAfterMs` after it starts, or — with `inWrite` —
 * that long after it says its write transaction is open. Without either it runs to the end.
 */
function run(args: string[], kill?: { afterMs: number; inWrite: boolean }): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
      cwd: stores.dir,
      env: { ...process.env, NO_COLOR: '1', BULWARK_TEST_SLOW_WRITE_MS: String(SLOW_MS) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let writing = false;
    let timer: NodeJS.Timeout | undefined;
    const killLater = () => {
      timer = setTimeout(() => child.kill('SIGKILL'), kill!.afterMs);
    };
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
      if (!writing && stderr.includes('test hook: write transaction open')) {
        writing = true;
        if (kill?.inWrite) killLater();
      }
    });
    if (kill && !kill.inWrite) killLater();
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr, writing });
    });
  });
}

/** Every stored scan with its declared number of results (the sum of its counts) and the rows it has. */
async function inventory(location: string): Promise<Map<string, { declared: number; rows: number }>> {
  const store = await Store.open(location);
  try {
    const scans = await store.db.selectFrom('scans').select(['id', 'counts']).execute();
    const rows = await store.db
      .selectFrom('results')
      .select((eb) => ['scan_id', eb.fn.countAll<number | string>().as('n')])
      .groupBy('scan_id')
      .execute();
    const n = new Map(rows.map((r) => [r.scan_id, Number(r.n)]));
    return new Map(
      scans.map((s) => [
        s.id,
        {
          declared: Object.values(JSON.parse(s.counts) as Record<string, number>).reduce((a, b) => a + b, 0),
          rows: n.get(s.id) ?? 0,
        },
      ]),
    );
  } finally {
    await store.close();
  }
}

function integrityOk(file: string): void {
  const db = new Database(file);
  try {
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
  } finally {
    db.close();
  }
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(
    `kill -9 on ${backend}`,
    {
      skip: backend === 'postgres' && stores.pgSkip,
    },
    () => {
      const db = () => (backend === 'sqlite' ? path.join(stores.dir, 'crash.db') : pgDb);
      const scanArgs = () => ['scan', '--root', root, '--db', db(), '--no-report', '-q'];
      const importArgs = () => ['import', 'lynis', LYNIS, '--db', db(), '--asset-name', 'crash-lynis'];

      test('killed scans and imports lose nothing committed and leave no half-written scan', async (t) => {
        // A complete run of each first: the database exists, and the runs' lengths set the kill times.
        const t0 = Date.now();
        let r = await run(scanArgs());
        assert.equal(r.code, 0, r.stderr);
        const scanMs = Date.now() - t0;
        const t1 = Date.now();
        r = await run(importArgs());
        assert.equal(r.code, 0, r.stderr);
        const importMs = Date.now() - t1;
        let seen = await inventory(db());
        assert.equal(seen.size, 2);
        const kills = backend === 'sqlite' ? 14 : 6;
        const tally = { killedInWrite: 0, killedBefore: 0, finished: 0 };
        for (let i = 0; i < kills; i++) {
          const isImport = i % 3 === 2;
          const inWrite = i % 2 === 0;
          const full = isImport ? importMs : scanMs;
          // Inside the write: anywhere in its first statements; else anywhere in the run, start to end.
          const afterMs = inWrite ? (i * 37) % (SLOW_MS * 2) : Math.round(((i + 1) / (kills + 1)) * full);
          const o = await run(isImport ? importArgs() : scanArgs(), { afterMs, inWrite });
          if (o.signal === 'SIGKILL') {
            if (o.writing) tally.killedInWrite++;
            else tally.killedBefore++;
          } else {
            assert.equal(o.code, 0, o.stderr);
            tally.finished++;
          }
          if (backend === 'sqlite') integrityOk(db());
          const now = await inventory(db());
          for (const [id, before] of seen)
            assert.deepEqual(now.get(id), before, `scan ${id}, committed before kill ${i}, is intact`);
          for (const [id, s] of now)
            assert.equal(s.rows, s.declared, `scan ${id} is whole: ${s.rows} of ${s.declared} results`);
          assert.ok(now.size - seen.size <= 1, 'at most the one scan of this run appeared');
          // A kill that landed after the commit (a loaded machine can be that slow) is not "inside the write".
          const committed = o.stderr.includes('test hook: write transaction committed');
          if (o.signal === 'SIGKILL' && o.writing && !committed && now.size > seen.size)
            assert.fail('a scan killed inside its write transaction must not be visible');
          seen = now;
        }
        t.diagnostic(`kills: ${JSON.stringify(tally)}`);
        assert.ok(tally.killedInWrite >= Math.floor(kills / 2) - 1, JSON.stringify(tally));
        // A later scan succeeds.
        r = await run(scanArgs());
        assert.equal(r.code, 0, r.stderr);
        const final = await inventory(db());
        assert.equal(final.size, seen.size + 1);
        if (backend === 'sqlite') integrityOk(db());
      });

      test('two scans writing the same database at once both succeed', async () => {
        const before = (await inventory(db())).size;
        const [a, b] = await Promise.all([run(scanArgs()), run(scanArgs())]);
        assert.equal(a.code, 0, a.stderr);
        assert.equal(b.code, 0, b.stderr);
        const after = await inventory(db());
        assert.equal(after.size, before + 2);
        for (const s of after.values()) assert.equal(s.rows, s.declared);
      });
    },
  );
}
