import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsTarget } from '../targets/target.js';
import { collectOne, makeContext } from './runner.js';
import { Reads } from './read.js';
import { orderDropinPaths } from './parsers/dropins.js';

async function root(files: Record<string, string | { symlink: string }>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-read-'));
  for (const [p, v] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, p)), { recursive: true });
    if (typeof v === 'string') await fs.writeFile(path.join(dir, p), v);
    else await fs.symlink(v.symlink, path.join(dir, p));
  }
  return dir;
}

test('confDirs: earlier directories mask same-named files, survivors in name order, /run only live', async () => {
  const dir = await root({
    '/etc/x.d/20-b.conf': 'etc b',
    '/usr/lib/x.d/20-b.conf': 'vendor b (masked by /etc)',
    '/usr/lib/x.d/10-a.conf': 'vendor a',
    '/run/x.d/05-r.conf': 'runtime',
    '/usr/lib/x.d/README': 'not a .conf',
  });
  try {
    const reads = new Reads(makeContext(await FsTarget.mounted(dir)));
    assert.deepEqual(await reads.confDirs(['/etc/x.d', '/run/x.d', '/usr/lib/x.d'], /\.conf$/), [
      '/usr/lib/x.d/10-a.conf',
      '/etc/x.d/20-b.conf',
    ]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('orderDropinPaths agrees with confDirs ordering', () => {
  assert.deepEqual(
    orderDropinPaths(['/usr/lib/d/b.conf', '/etc/d/b.conf', '/usr/lib/d/a.conf'], ['/etc/d', '/usr/lib/d']),
    ['/usr/lib/d/a.conf', '/etc/d/b.conf'],
  );
});

test('journald: a drop-in linked to /dev/null masks the vendor drop-in of the same name', async () => {
  const dir = await root({
    '/etc/systemd/journald.conf': '[Journal]\n',
    '/usr/lib/systemd/journald.conf.d/50-vendor.conf': '[Journal]\nStorage=volatile\n',
    '/etc/systemd/journald.conf.d/50-vendor.conf': { symlink: '/dev/null' },
  });
  try {
    const f = await collectOne(makeContext(await FsTarget.mounted(dir)), { name: 'journald', args: {} });
    const storage = f.rows.find((r) => r['key'] === 'Storage');
    assert.equal(storage?.['is_default'], true, `masked drop-in must not apply: ${JSON.stringify(storage)}`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
