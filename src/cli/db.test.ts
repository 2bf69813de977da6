/** `bulwark db info|check|backup` end to end, as child processes, on SQLite and on PostgreSQL. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { decodeSnapshot, encodeSnapshot, openSnapshot } from '../store/snapshot.js';
import pg from 'pg';
import { PG_URL, TestStores } from '../store/testing.js';
import { runBulwark, show, type Run } from './testing.js';

const stores = await TestStores.create('src/cli/db.test.ts', 'dbcli');
/** The PostgreSQL store: a URL with a password (trust authentication ignores it) that must never be printed. */
let pgDb = { schema: '', url: '' };
const hasPgDump = (() => {
  try {
    execFileSync('pg_dump', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
if (stores.pgUp && !hasPgDump)
  console.error(
    '\n*** SKIPPED: pg_dump not installed (apt-get install postgresql-client) — the PostgreSQL backup test ***\n',
  );

let root = '';
const bulwark = (...args: string[]): Promise<Run> => runBulwark(stores.dir, args);

before(async () => {
  stores.setUp();
  if (stores.pgUp) pgDb = await stores.pgSchema('hunter2-secret');
  root = path.join(stores.dir, 'root');
  const w = (p: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  };
  w('/etc/os-release', 'ID=debian\nVERSION_ID="12"\n');
  w('/etc/machine-id', 'fedcba9876543210fedcba9876543210\n');
  w('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  w('/etc/shadow', 'root:*:19000:0:99999:7:::\n');
});
after(() => stores.tearDown());

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(
    `db commands on ${backend}`,
    {
      skip: backend === 'postgres' && stores.pgSkip,
    },
    () => {
      const db = () => (backend === 'sqlite' ? path.join(stores.dir, 'store.db') : pgDb.url);
      const scan = () => bulwark('scan', '--root', root, '--db', db(), '--no-report', '-q');

      test('info: backend, location without password, schema version, rows; check: ok', async () => {
        for (let i = 0; i < 2; i++) assert.equal((await scan()).code, 0);
        let r = await bulwark('db', 'info', '--db', db(), '--format', 'json');
        assert.equal(r.code, 0, show(r));
        assert.ok(!(r.stdout + r.stderr).includes('hunter2'), 'no password printed');
        const info = JSON.parse(r.stdout) as {
          backend: string;
          location: string;
          schema_version: string;
          migrations: string[];
          counts: Record<string, number>;
        };
        assert.equal(info.backend, backend);
        assert.match(info.schema_version, /^000\d_/);
        assert.equal(info.migrations[info.migrations.length - 1], info.schema_version);
        assert.equal(info.counts['scans'], 2);
        assert.equal(info.counts['assets'], 1);
        assert.ok((info.counts['results'] ?? 0) > 0);
        r = await bulwark('db', 'info', '--db', db());
        assert.equal(r.code, 0, show(r));
        assert.match(r.stdout, new RegExp(`^backend +${backend}$`, 'm'));
        r = await bulwark('db', 'check', '--db', db());
        assert.equal(r.code, 0, show(r));
        assert.match(r.stdout, /: ok \(/);
      });

      test('check: a scan missing results is reported, exit 3', async () => {
        const where = backend === 'sqlite' ? path.join(stores.dir, 'damaged.db') : db();
        if (backend === 'sqlite') {
          assert.equal((await bulwark('scan', '--root', root, '--db', where, '--no-report', '-q')).code, 0);
          const raw = new Database(where);
          raw.prepare('delete from results where rowid in (select rowid from results limit 1)').run();
          raw.close();
        } else {
          const c = new pg.Client({ connectionString: PG_URL });
          await c.connect();
          await c.query(
            `delete from "${pgDb.schema}".results where ctid in (select ctid from "${pgDb.schema}".results limit 1)`,
          );
          await c.end();
        }
        const r = await bulwark('db', 'check', '--db', where);
        assert.equal(r.code, 3, show(r));
        assert.match(r.stdout, /scan \S+: \d+ results stored, \d+ declared/);
        assert.match(r.stderr, /BW_DB_CORRUPT/);
        assert.ok(!(r.stdout + r.stderr).includes('hunter2'));
      });

      // The snapshot checks are the same code on both backends; a SQLite file is the easy one to damage.
      if (backend === 'sqlite')
        test('check: a damaged fact snapshot is named — a byte changed under its hash, or a truncated one', async () => {
          const where = path.join(stores.dir, 'snapshots.db');
          for (let i = 0; i < 3; i++)
            assert.equal((await bulwark('scan', '--root', root, '--db', where, '--no-report', '-q')).code, 0);
          const raw = new Database(where);
          try {
            const [a, b] = raw.prepare('select id, facts from scans order by started_at limit 2').all() as {
              id: string;
              facts: Buffer;
            }[];
            // Scan a: one fact's rows changed, the index keeping the old content hash (what a flipped bit that still
            // decompresses looks like). Scan b: cut short.
            const facts = decodeSnapshot(a!.facts);
            const victim = facts.find((f) => f.rows.length > 0)!;
            victim.rows = victim.rows.slice(1);
            const forged = encodeSnapshot(facts);
            const headLength = forged.readUInt32LE(4);
            const index = JSON.parse(
              inflateRawSync(forged.subarray(8, 8 + headLength)).toString(),
            ) as unknown[][];
            const original = openSnapshot(a!.facts).entries.get(victim.key)!.hash;
            for (const e of index) if (e[0] === victim.key) e[1] = original;
            const head = deflateRawSync(JSON.stringify(index));
            const len = Buffer.alloc(4);
            len.writeUInt32LE(head.length);
            const put = raw.prepare('update scans set facts = ? where id = ?');
            put.run(
              Buffer.concat([forged.subarray(0, 4), len, head, forged.subarray(8 + headLength)]),
              a!.id,
            );
            put.run(b!.facts.subarray(0, b!.facts.length - 40), b!.id);
            raw.prepare("update scans set verdicts = '[' where id = ?").run(b!.id);
            const r = await bulwark('db', 'check', '--db', where);
            assert.equal(r.code, 3, show(r));
            assert.ok(
              r.stdout.includes(
                `scan ${a!.id}: its fact snapshot: fact ${victim.key} does not match the content hash`,
              ),
              show(r),
            );
            assert.match(
              r.stdout,
              new RegExp(`scan ${b!.id}: its fact snapshot: a stored fact snapshot is damaged`),
            );
            assert.match(r.stdout, new RegExp(`scan ${b!.id}: its verdicts are not a JSON object`));
            assert.ok(
              !r.stdout.includes(
                'scan ' +
                  (
                    raw.prepare('select id from scans order by started_at desc limit 1').get() as {
                      id: string;
                    }
                  ).id,
              ),
            );
          } finally {
            raw.close();
          }
        });

      test(
        'backup: online while a scan writes, 0600, verified, never overwrites without --force',
        { skip: backend === 'postgres' && !hasPgDump ? 'pg_dump not installed' : false },
        async () => {
          const out = path.join(stores.dir, `${backend}-backup.${backend === 'sqlite' ? 'db' : 'dump'}`);
          assert.equal((await scan()).code, 0);
          // A writer running at the same time as the backup.
          const [w, r] = await Promise.all([
            scan(),
            bulwark('db', 'backup', '--db', db(), '--out', out, '--format', 'json'),
          ]);
          assert.equal(w.code, 0, show(w));
          assert.equal(r.code, 0, show(r));
          assert.ok(!(r.stdout + r.stderr).includes('hunter2'), 'no password printed');
          assert.equal(fs.statSync(out).mode & 0o777, 0o600);
          const res = JSON.parse(r.stdout) as {
            counts: Record<string, number>;
            verified: string;
            out: string;
          };
          assert.equal(res.out, out);
          assert.ok((res.counts['scans'] ?? 0) >= 1);
          assert.deepEqual(
            fs.readdirSync(stores.dir).filter((f) => f.endsWith('.tmp')),
            [],
            'no temporary file left',
          );
          if (backend === 'sqlite') {
            const copy = new Database(out, { readonly: true });
            assert.deepEqual(copy.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
            const n = (t: string) =>
              (copy.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n;
            assert.deepEqual(
              Object.fromEntries(
                ['assets', 'scans', 'results', 'waivers', 'baselines'].map((t) => [t, n(t)]),
              ),
              res.counts,
              'the counts printed are the copy’s',
            );
            // Every scan in the copy is whole: a consistent snapshot, not a torn one.
            const torn = copy
              .prepare(
                'select s.id from scans s left join (select scan_id, count(*) as n from results group by scan_id) r on r.scan_id = s.id where coalesce(r.n, 0) = 0',
              )
              .all();
            assert.deepEqual(torn, []);
            assert.equal(copy.pragma('journal_mode', { simple: true }), 'delete', 'self-contained, no WAL');
            copy.close();
            // The copy opens as a Bulwark database.
            const again = await bulwark('db', 'check', '--db', out);
            assert.equal(again.code, 0, show(again));
          } else {
            const list = execFileSync('pg_restore', ['--list', out], { encoding: 'utf8' });
            assert.match(list, / TABLE DATA \S+ results /);
            assert.match(list, / TABLE DATA \S+ scans /);
          }
          const before = fs.readFileSync(out);
          let again = await bulwark('db', 'backup', '--db', db(), '--out', out);
          assert.equal(again.code, 2, show(again));
          assert.match(again.stderr, /BW_OUTPUT_EXISTS/);
          assert.deepEqual(fs.readFileSync(out), before, 'the existing file is untouched');
          again = await bulwark('db', 'backup', '--db', db(), '--out', out, '--force');
          assert.equal(again.code, 0, show(again));
          assert.match(again.stdout, /verified/);
        },
      );
    },
  );
}
