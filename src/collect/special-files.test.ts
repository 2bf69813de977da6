import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsTarget } from '../targets/target.js';
import { makeContext } from './runner.js';
import { planWalk, walkSpecial } from './special-files.js';

const MOUNTS = `/dev/vda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
sysfs /sys sysfs rw 0 0
tmpfs /sys/fs/cgroup tmpfs ro 0 0
devtmpfs /dev devtmpfs rw 0 0
tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0
devpts /dev/pts devpts rw 0 0
tmpfs /run tmpfs rw 0 0
tmpfs /tmp tmpfs rw 0 0
server:/export /mnt/nfs nfs4 rw 0 0
sshfs#me@host: /mnt/my\\040files fuse.sshfs rw 0 0
overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0
`;

test('planWalk skips pseudo and network filesystems, keeps tmpfs, walks /dev/shm on its own', () => {
  const { skip, roots } = planWalk(MOUNTS);
  for (const p of ['/proc', '/sys', '/dev', '/dev/pts', '/mnt/nfs', '/mnt/my files']) assert.ok(skip.has(p), p);
  for (const p of ['/run', '/tmp', '/dev/shm', '/var/lib/docker/overlay2/x/merged']) assert.ok(!skip.has(p), p);
  assert.deepEqual(roots, ['/', '/dev/shm']);
});

test('offline walk: special entries only, symlinks not followed, ids from the target', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bw-special-'));
  try {
    const w = async (p: string, mode: number, uid = 0, gid = 0) => {
      await fs.mkdir(path.dirname(path.join(root, p)), { recursive: true });
      await fs.writeFile(path.join(root, p), 'x');
      await fs.chown(path.join(root, p), uid, gid).catch(() => undefined);
      await fs.chmod(path.join(root, p), mode); // after chown, which clears set-id bits
    };
    await w('etc/passwd', 0o644);
    await fs.writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    await fs.writeFile(path.join(root, 'etc/group'), 'root:x:0:\n');
    await w('usr/bin/passwd', 0o4755);
    await w('srv/open.txt', 0o666);
    await w('srv/plain.txt', 0o644);
    await fs.mkdir(path.join(root, 'tmp'));
    await fs.chmod(path.join(root, 'tmp'), 0o1777);
    await fs.mkdir(path.join(root, 'srv/drop'));
    await fs.chmod(path.join(root, 'srv/drop'), 0o777);
    await fs.symlink('/usr/bin', path.join(root, 'bin'));
    await fs.symlink('/', path.join(root, 'loop'));
    const ctx = makeContext(await FsTarget.mounted(root));
    const r = await walkSpecial(ctx, { maxEntries: 1e6, deadline: Date.now() + 30_000, maxRows: 1000 });
    assert.equal(r.status, 'complete', r.reason);
    const byPath = new Map(r.rows.map((x) => [x['path'], x]));
    assert.deepEqual([...byPath.keys()].sort(), ['/srv/drop', '/srv/open.txt', '/tmp', '/usr/bin/passwd']);
    assert.equal(byPath.get('/usr/bin/passwd')!['suid'], true);
    assert.equal(byPath.get('/tmp')!['sticky'], true);
    assert.equal(byPath.get('/srv/drop')!['sticky'], false);
    if (process.getuid?.() === 0) {
      await w('srv/orphan', 0o644, 4242, 4343);
      const r2 = await walkSpecial(makeContext(await FsTarget.mounted(root)), { maxEntries: 1e6, deadline: Date.now() + 30_000, maxRows: 1000 });
      const o = r2.rows.find((x) => x['path'] === '/srv/orphan')!;
      assert.deepEqual([o['unowned'], o['ungrouped']], [true, true]);
    }
    const cut = await walkSpecial(makeContext(await FsTarget.mounted(root)), { maxEntries: 2, deadline: Date.now() + 30_000, maxRows: 1000 });
    assert.equal(cut.status, 'incomplete');
    assert.match(cut.reason ?? '', /stopped at 2 entries/);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('no passwd in the target: incomplete, never a false "all owned"', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bw-special-'));
  try {
    const r = await walkSpecial(makeContext(await FsTarget.mounted(root)), { maxEntries: 1e6, deadline: Date.now() + 30_000, maxRows: 1000 });
    assert.equal(r.status, 'incomplete');
    assert.match(r.reason ?? '', /no readable \/etc\/passwd/);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
