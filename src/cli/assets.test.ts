/** `bulwark scan --asset-name` and `bulwark assets list|show|set` end to end, on SQLite and on PostgreSQL. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestStores } from '../store/testing.js';
import { runBulwark, show, type Run } from './testing.js';

const stores = await TestStores.create('src/cli/assets.test.ts', 'assets');
/** The PostgreSQL store: a URL with a password (trust authentication ignores it) that must never be printed. */
let pgDb = '';

const bulwark = (...args: string[]): Promise<Run> => runBulwark(stores.dir, args);

function makeRoot(name: string): string {
  const root = path.join(stores.dir, name);
  const w = (p: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  };
  w('/etc/os-release', 'ID=debian\nVERSION_ID="12"\n');
  w('/etc/hostname', 'rtu\n');
  w('/etc/machine-id', 'uninitialized\n');
  w('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  w('/etc/shadow', 'root:*:19000:0:99999:7:::\n');
  return root;
}

before(async () => {
  stores.setUp();
  if (stores.pgUp) pgDb = (await stores.pgSchema('hunter2-secret')).url;
});
after(() => stores.tearDown());

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(
    `assets on ${backend}`,
    {
      skip: backend === 'postgres' && stores.pgSkip,
    },
    () => {
      const db = () => (backend === 'sqlite' ? path.join(stores.dir, 'assets.db') : pgDb);
      const all = (r: Run) => r.stdout + r.stderr;

      test('named image scans attach to one asset; set, list by tag/zone/class, show', async () => {
        for (const mount of ['mnt-a', 'mnt-b']) {
          const report = path.join(stores.dir, `${backend}-${mount}.json`);
          const r = await bulwark(
            'scan',
            '--root',
            makeRoot(`${backend}-${mount}`),
            '--rule',
            'shadow-file-permissions',
            '--asset-name',
            'rtu-7',
            '--db',
            db(),
            '--report',
            report,
            '-q',
          );
          assert.equal(r.code, 0, show(r));
          assert.ok(!all(r).includes('hunter2'), 'no password in the output');
          const stored = (JSON.parse(fs.readFileSync(report, 'utf8')) as { scan: { stored_in: string } }).scan
            .stored_in;
          assert.ok(stored && !stored.includes('hunter2'), stored);
        }
        let r = await bulwark('assets', 'list', '--db', db(), '--format', 'json');
        assert.equal(r.code, 0, show(r));
        const listed = JSON.parse(r.stdout) as { id: string; name: string; scans: number }[];
        assert.deepEqual(
          listed.map((a) => [a.name, a.scans]),
          [['rtu-7', 2]],
        );
        r = await bulwark(
          'assets',
          'set',
          'rtu-7',
          '--owner',
          'ot-team',
          '--zone',
          'cell-1',
          '--tag',
          'line-a',
          '--tag',
          'legacy',
          '--class',
          'plc-rtu',
          '--modifiability',
          'none',
          '--criticality',
          'high',
          '--vendor-notes',
          'qualified by vendor',
          '--db',
          db(),
        );
        assert.equal(r.code, 0, show(r));
        r = await bulwark('assets', 'set', listed[0]!.id, '--untag', 'line-a', '--db', db());
        assert.equal(r.code, 0, show(r));
        r = await bulwark(
          'assets',
          'list',
          '--tag',
          'legacy',
          '--zone',
          'cell-1',
          '--class',
          'plc-rtu',
          '--db',
          db(),
        );
        assert.equal(r.code, 0, show(r));
        assert.match(r.stdout, /rtu-7 .*plc-rtu .*cell-1 .*high .*none .*legacy/);
        r = await bulwark('assets', 'list', '--tag', 'line-a', '--db', db());
        assert.match(r.stdout, /^0 asset\(s\)$/m);
        r = await bulwark('assets', 'show', 'rtu-7', '--db', db());
        assert.equal(r.code, 0, show(r));
        assert.match(r.stdout, /^modifiability +none$/m);
        assert.match(r.stdout, /^owner +ot-team$/m);
        assert.match(r.stdout, /^vendor notes +qualified by vendor$/m);
        r = await bulwark('assets', 'set', 'rtu-7', '--owner', 'none', '--db', db());
        assert.equal(r.code, 0, show(r));
        r = await bulwark('assets', 'show', 'rtu-7', '--db', db(), '--format', 'json');
        assert.equal((JSON.parse(r.stdout) as { owner: unknown }).owner, null, '"none" clears');
      });

      test('bad values and unknown assets are clear errors with hints', async () => {
        let r = await bulwark('assets', 'set', 'rtu-7', '--class', 'toaster', '--db', db());
        assert.equal(r.code, 2, show(r));
        assert.match(r.stderr, /BW_ASSET_INVALID: "toaster" is not a device class/);
        assert.match(
          r.stderr,
          /hint: use one of: server, workstation, hmi, engineering-workstation, plc-rtu/,
        );
        r = await bulwark('assets', 'set', 'rtu-7', '--modifiability', 'sometimes', '--db', db());
        assert.match(
          r.stderr,
          /BW_ASSET_INVALID: "sometimes" is not a modifiability\n\s+hint: use one of: full, limited, none\n/,
        );
        r = await bulwark('assets', 'set', 'rtu-7', '--tag', 'two words', '--db', db());
        assert.equal(r.code, 2, show(r));
        assert.match(r.stderr, /BW_ASSET_INVALID/);
        r = await bulwark('assets', 'set', 'rtu-7', '--db', db());
        assert.match(r.stderr, /BW_USAGE: nothing to set/);
        r = await bulwark('assets', 'show', 'no-such-asset', '--db', db());
        assert.equal(r.code, 2, show(r));
        assert.match(r.stderr, /BW_ASSET_NOT_FOUND/);
        assert.match(r.stderr, /hint: see `bulwark assets list`/);
        assert.ok(!all(r).includes('hunter2'));
      });
    },
  );
}

test('an unreachable PostgreSQL is BW_DB_OPEN (exit 3) and the password is not printed', async () => {
  const r = await bulwark('assets', 'list', '--db', 'postgres://bulwark:hunter2-secret@127.0.0.1:1/bulwark');
  assert.equal(r.code, 3, show(r));
  assert.match(
    r.stderr,
    /BW_DB_OPEN: cannot use the database postgres:\/\/bulwark:\*\*\*@127\.0\.0\.1:1\/bulwark/,
  );
  assert.ok(!(r.stdout + r.stderr).includes('hunter2'), show(r));
});
