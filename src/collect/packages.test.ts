import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { FsTarget } from '../targets/target.js';
import { collectOne, makeContext } from './runner.js';
import { encodePackageHeader } from './parsers/rpm-header.js';
import { buildBdbHash } from './parsers/rpmdb-testutil.js';
import type { Fact } from '../core/types.js';

async function withRoot(
  files: Record<string, Buffer | string>,
  fn: (root: string) => Promise<void>,
): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-pkg-'));
  try {
    for (const [p, body] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(root, p)), { recursive: true });
      await fs.writeFile(path.join(root, p), body);
    }
    await fn(root);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

async function collect(root: string): Promise<Fact> {
  const target = await FsTarget.mounted(root);
  return collectOne(makeContext(target), { name: 'packages', args: {} });
}

const PKGS = [
  { name: 'openssh-server', version: '8.7p1', release: '38.el9', arch: 'x86_64' },
  { name: 'telnet-server', version: '0.17', release: '85.el9', arch: 'x86_64', epoch: 1 },
  { name: 'tzdata', version: '2024a', release: '1.el9', arch: 'noarch' },
];

/** Creates an rpmdb.sqlite like rpm ≥ 4.16 does (WAL mode, Packages(hnum, blob)); returns db and wal bytes. */
async function makeRpmdb(dir: string, unflushed: typeof PKGS): Promise<{ db: Buffer; wal: Buffer }> {
  const file = path.join(dir, 'rpmdb.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  db.exec('CREATE TABLE Name (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL)');
  const ins = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  for (const p of PKGS.slice(0, 2)) ins.run(encodePackageHeader(p));
  db.pragma('wal_checkpoint(TRUNCATE)');
  for (const p of unflushed) ins.run(encodePackageHeader(p));
  ins.run(Buffer.from('not a header at all, but long enough'));
  // Copy while the connection is open: the last inserts live only in the write-ahead log.
  const out = { db: await fs.readFile(file), wal: await fs.readFile(`${file}-wal`) };
  db.close();
  return out;
}

void test('dpkg status: rows, installed only for "installed", line numbers', async () => {
  const status =
    'Package: telnetd\nStatus: deinstall ok config-files\nVersion: 0.17+2.4-2\nArchitecture: amd64\n\nPackage: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2\nArchitecture: amd64\n';
  await withRoot({ '/var/lib/dpkg/status': status }, async (root) => {
    const f = await collect(root);
    assert.equal(f.status, 'complete');
    assert.deepEqual(f.rows, [
      {
        name: 'telnetd',
        version: '0.17+2.4-2',
        arch: 'amd64',
        manager: 'dpkg',
        status: 'deinstall ok config-files',
        installed: false,
        path: '/var/lib/dpkg/status',
        line: 1,
      },
      {
        name: 'openssh-server',
        version: '1:9.2p1-2',
        arch: 'amd64',
        manager: 'dpkg',
        status: 'install ok installed',
        installed: true,
        path: '/var/lib/dpkg/status',
        line: 6,
      },
    ]);
  });
});

void test('rpmdb.sqlite with committed frames still in the write-ahead log, read in memory', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-rpmdb-'));
  try {
    const { db, wal } = await makeRpmdb(tmp, PKGS.slice(2));
    await withRoot(
      { '/usr/lib/sysimage/rpm/rpmdb.sqlite': db, '/usr/lib/sysimage/rpm/rpmdb.sqlite-wal': wal },
      async (root) => {
        await fs.mkdir(path.join(root, 'var/lib'), { recursive: true });
        await fs.symlink('../../usr/lib/sysimage/rpm', path.join(root, 'var/lib/rpm'));
        const before = await fs.readdir(path.join(root, 'usr/lib/sysimage/rpm'));
        const f = await collect(root);
        // One junk blob: the fact says so rather than pretending to be complete.
        assert.equal(f.status, 'incomplete', f.reason);
        assert.match(f.reason ?? '', /1 package header/);
        assert.deepEqual(
          f.rows.map((r) => [r['name'], r['version'], r['arch'], r['manager'], r['installed']]),
          [
            ['openssh-server', '8.7p1-38.el9', 'x86_64', 'rpm', true],
            ['telnet-server', '1:0.17-85.el9', 'x86_64', 'rpm', true],
            ['tzdata', '2024a-1.el9', 'noarch', 'rpm', true],
          ],
        );
        // Nothing was written next to the database (no -shm, no journal).
        assert.deepEqual(await fs.readdir(path.join(root, 'usr/lib/sysimage/rpm')), before);
      },
    );
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
});

void test('clean rpmdb.sqlite without a log is complete', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-rpmdb-'));
  try {
    const file = path.join(tmp, 'rpmdb.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
    for (const p of PKGS) db.prepare('INSERT INTO Packages (blob) VALUES (?)').run(encodePackageHeader(p));
    db.close();
    await withRoot({ '/var/lib/rpm/rpmdb.sqlite': await fs.readFile(file) }, async (root) => {
      const f = await collect(root);
      assert.equal(f.status, 'complete', f.reason);
      assert.equal(f.rows.length, 3);
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
});

void test('Berkeley DB Packages file (RHEL 7/8)', async () => {
  const key = (n: number) => Buffer.from([n, 0, 0, 0]);
  const bdb = buildBdbHash([
    [key(0), Buffer.from([4, 0, 0, 0])],
    ...PKGS.map((p, i): [Buffer, Buffer] => [key(i + 1), encodePackageHeader(p)]),
  ]);
  await withRoot({ '/var/lib/rpm/Packages': bdb }, async (root) => {
    const f = await collect(root);
    assert.equal(f.status, 'complete', f.reason);
    assert.deepEqual(
      f.rows.map((r) => r['version']),
      ['8.7p1-38.el9', '1:0.17-85.el9', '2024a-1.el9'],
    );
  });
});

void test('no package database is absent; junk databases are errors, not crashes', async () => {
  await withRoot({ '/etc/hostname': 'x\n' }, async (root) => {
    const f = await collect(root);
    assert.equal(f.status, 'absent');
    assert.deepEqual(f.rows, []);
  });
  await withRoot({ '/var/lib/rpm/rpmdb.sqlite': Buffer.alloc(4096, 7) }, async (root) => {
    const f = await collect(root);
    assert.equal(f.status, 'error');
    assert.match(f.reason ?? '', /not an SQLite database/);
  });
  await withRoot({ '/var/lib/rpm/Packages': Buffer.alloc(8192, 1) }, async (root) => {
    assert.equal((await collect(root)).status, 'error');
  });
  await withRoot({ '/var/lib/dpkg/status': Buffer.from([0, 1, 2, 0, 0]) }, async (root) => {
    assert.equal((await collect(root)).status, 'error');
  });
  await withRoot({ '/usr/lib/sysimage/rpm/Packages.db': Buffer.alloc(100, 1) }, async (root) => {
    assert.equal((await collect(root)).status, 'not_collected');
  });
});

void test('symlink loop on the rpm directory is reported, not thrown', async () => {
  await withRoot(
    { '/var/lib/dpkg/status': 'Package: a\nStatus: install ok installed\nVersion: 1\n' },
    async (root) => {
      await fs.mkdir(path.join(root, 'usr/lib/sysimage'), { recursive: true });
      await fs.symlink('/usr/lib/sysimage/rpm', path.join(root, 'usr/lib/sysimage/rpm'));
      const f = await collect(root);
      assert.equal(f.status, 'incomplete');
      assert.equal(f.rows.length, 1);
    },
  );
});
