import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsTarget } from '../targets/target.js';
import { makeContext } from './runner.js';
import {
  collectors,
  findArgs,
  fnmatchEscape,
  gnuFind,
  parseMounts,
  parseScope,
  planScope,
  planWalk,
  walkSpecial,
  type WalkOptions,
} from './special-files.js';

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
  for (const p of ['/proc', '/sys', '/dev', '/dev/pts', '/mnt/nfs', '/mnt/my files'])
    assert.ok(skip.has(p), p);
  for (const p of ['/run', '/tmp', '/dev/shm', '/var/lib/docker/overlay2/x/merged'])
    assert.ok(!skip.has(p), p);
  assert.deepEqual(roots, ['/', '/dev/shm']);
  const { local } = parseMounts(MOUNTS);
  assert.deepEqual(local, ['/', '/dev/shm', '/run', '/tmp', '/var/lib/docker/overlay2/x/merged']);
});

test('live plan: scope system starts at the OS tree and its mounts, each walked once', async () => {
  const ctx = makeContext(FsTarget.live());
  const sys = await planScope(ctx, 'system', MOUNTS);
  assert.ok(sys.starts.includes('/usr') && sys.starts.includes('/etc'));
  assert.ok(!sys.starts.includes('/home') && !sys.starts.includes('/root') && !sys.starts.includes('/'));
  assert.ok(sys.starts.includes('/var/lib/docker/overlay2/x/merged')); // a local mount inside /var
  assert.ok(sys.prune.includes('/var/lib/docker/overlay2/x/merged')); // ... not walked twice
  assert.equal(sys.xdev, true);
  const all = await planScope(ctx, 'all', MOUNTS);
  assert.deepEqual(all.starts, ['/', '/dev/shm', '/run', '/tmp', '/var/lib/docker/overlay2/x/merged']);
  assert.deepEqual(all.prune, ['/dev/shm', '/run', '/tmp', '/var/lib/docker/overlay2/x/merged']);
  assert.ok(all.noDescend.includes('/proc') && all.noDescend.includes('/mnt/nfs'));
  const blind = await planScope(ctx, 'all', null);
  assert.equal(blind.xdev, false);
  assert.ok(blind.prune.includes('/proc') && blind.prune.includes('/dev'));
});

test('scope values', () => {
  assert.equal(parseScope(undefined), 'system');
  assert.equal(parseScope(''), 'system');
  assert.equal(parseScope('all'), 'all');
  assert.equal(parseScope('home'), null);
});

test('find arguments: no shell quoting, escaped prune patterns, ids of the target', () => {
  assert.equal(fnmatchEscape('/a[1]/b*c?\\'), '/a\\[1\\]/b\\*c\\?\\\\');
  const a = findArgs(['/r/usr', '/'], ['/r/proc'], true, {
    users: new Set([1, 0]),
    groups: new Set([0]),
    noUsers: false,
    noGroups: false,
  });
  assert.deepEqual(a.slice(0, 4), ['-P', '/r/usr/', '/', '-xdev']);
  assert.ok(a.join(' ').includes('( -path /r/proc ) -prune -o ! -type l'));
  assert.ok(a.join(' ').includes('-o ( ! -uid 0 ! -uid 1 ) -o ( ! -gid 0 )'));
  const none = findArgs(['/'], [], false, {
    users: new Set(),
    groups: new Set(),
    noUsers: true,
    noGroups: true,
  });
  assert.ok(!none.includes('-uid') && !none.includes('-gid') && !none.includes('-xdev'));
});

// ---------------------------------------------------------------------------------------------
// One fixture image, walked by both engines.

let root = '';
let outside = '';
const isRoot = process.getuid?.() === 0;

async function put(p: string, mode: number, opts: { uid?: number; gid?: number; content?: string } = {}) {
  const host = path.join(root, p);
  await fs.mkdir(path.dirname(host), { recursive: true });
  await fs.writeFile(host, opts.content ?? 'x');
  if (isRoot) await fs.chown(host, opts.uid ?? 0, opts.gid ?? 0);
  await fs.chmod(host, mode); // after chown, which clears set-id bits
}
async function dir(p: string, mode: number) {
  await fs.mkdir(path.join(root, p), { recursive: true });
  await fs.chmod(path.join(root, p), mode);
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bw-special-'));
  outside = await fs.mkdtemp(path.join(os.tmpdir(), 'bw-special-outside-'));
  await fs.writeFile(path.join(outside, 'rootshell'), 'x');
  await fs.chmod(path.join(outside, 'rootshell'), 0o4755);
  await fs.writeFile(path.join(outside, 'open'), 'x');
  await fs.chmod(path.join(outside, 'open'), 0o666);
  // The image's own accounts (the scanning user is one of them when tests do not run as root).
  const me = isRoot ? '' : `me:x:${process.getuid?.() ?? 1000}:${process.getgid?.() ?? 1000}::/:/bin/sh\n`;
  const myGroup = isRoot ? '' : `me:x:${process.getgid?.() ?? 1000}:\n`;
  await put('etc/passwd', 0o644, {
    content: `root:x:0:0::/root:/bin/sh\ndaemon:x:1:1::/:/usr/sbin/nologin\n${me}`,
  });
  await put('etc/group', 0o644, { content: `root:x:0:\ndaemon:x:1:\nshadow:x:42:\n${myGroup}` });
  await put('usr/bin/passwd', 0o4755);
  await put('usr/bin/chage', 0o2755, { gid: 42 });
  await put('usr/bin/ls', 0o755);
  await put('usr/local/sbin/deep/nested/a/b/c/tool', 0o4711);
  await put('usr/sbin/real', 0o6755);
  await put('srv/open.txt', 0o666);
  await put('srv/plain.txt', 0o644);
  await put('srv/new\nline', 0o666);
  await put('srv/tab\there', 0o666);
  await dir('srv/drop', 0o777);
  await dir('srv/shared', 0o1777);
  await dir('srv/setgid-dir', 0o2775); // an SGID directory is not a set-id program
  await dir('tmp', 0o1777);
  await dir('var/tmp', 0o1777);
  // Symlinks: never followed, never reported.
  await fs.symlink('usr/bin', path.join(root, 'bin'));
  await fs.symlink('/usr/sbin', path.join(root, 'sbin'));
  await fs.symlink('../../../../../etc', path.join(root, 'lib'));
  await fs.symlink(outside, path.join(root, 'opt')); // resolves inside the root: missing
  await fs.symlink('/usr/bin/passwd', path.join(root, 'srv/passwd-link'));
  await fs.symlink(outside, path.join(root, 'srv/outside'));
  await fs.symlink('/', path.join(root, 'srv/loop'));
  // Pseudo trees of the image: never walked offline.
  await put('proc/1/exe', 0o4755);
  await put('dev/shm/x', 0o666);
  await dir('run/lock', 0o777);
  // Outside the OS tree: scope all only.
  await put('home/alice/notes', 0o666);
  await put('root/secret', 0o4755);
  await put('data/x', 0o666);
  if (isRoot) {
    await put('srv/orphan', 0o644, { uid: 4242, gid: 4343 });
    await put('srv/half', 0o644, { uid: 1, gid: 4343 });
    await put('home/gone/file', 0o600, { uid: 5000, gid: 5000 });
  }
});

after(async () => {
  await fs.rm(root, { recursive: true, force: true });
  await fs.rm(outside, { recursive: true, force: true });
});

const limits = (o: Partial<WalkOptions> = {}): WalkOptions => ({
  maxEntries: 1e6,
  deadline: Date.now() + 30_000,
  maxRows: 1000,
  ...o,
});
const walk = async (o: Partial<WalkOptions>) =>
  walkSpecial(makeContext(await FsTarget.mounted(root)), limits(o));

const SYSTEM = [
  '/srv/drop',
  '/srv/new\nline',
  '/srv/open.txt',
  '/srv/shared',
  '/srv/tab\there',
  '/tmp',
  '/usr/bin/chage',
  '/usr/bin/passwd',
  '/usr/local/sbin/deep/nested/a/b/c/tool',
  '/usr/sbin/real',
  '/var/tmp',
];
const SYSTEM_ROOT_ONLY = ['/srv/half', '/srv/orphan'];
const ALL_EXTRA = ['/data/x', '/home/alice/notes', '/root/secret'];
const ALL_ROOT_ONLY = ['/home/gone/file'];

test('GNU find is found on this host (the fast path is exercised)', async () => {
  assert.ok(await gnuFind(), 'the test host needs GNU findutils');
});

for (const scope of ['system', 'all'] as const) {
  test(`offline, scope ${scope}: find and the Node walker give the same rows`, async () => {
    const viaFind = await walk({ scope, engine: 'find' });
    const viaNode = await walk({ scope, engine: 'node' });
    assert.equal(viaFind.status, 'complete', viaFind.reason);
    assert.equal(viaNode.status, 'complete', viaNode.reason);
    assert.ok(viaFind.sources.includes('engine:find'));
    assert.ok(viaNode.sources.includes('engine:node'));
    const expected = [
      ...SYSTEM,
      ...(isRoot ? SYSTEM_ROOT_ONLY : []),
      ...(scope === 'all' ? [...ALL_EXTRA, ...(isRoot ? ALL_ROOT_ONLY : [])] : []),
    ].sort();
    assert.deepEqual(
      viaFind.rows.map((r) => r['path']),
      expected,
    );
    assert.deepEqual(viaFind.rows, viaNode.rows);
    const by = new Map(viaFind.rows.map((r) => [r['path'], r]));
    assert.deepEqual(by.get('/usr/bin/passwd'), {
      path: '/usr/bin/passwd',
      type: 'file',
      mode: 0o4755,
      uid: 0,
      gid: 0,
      suid: true,
      sgid: false,
      world_writable: false,
      sticky: false,
      unowned: false,
      ungrouped: false,
    });
    assert.equal(by.get('/usr/bin/chage')!['sgid'], true);
    assert.deepEqual([by.get('/usr/sbin/real')!['suid'], by.get('/usr/sbin/real')!['sgid']], [true, true]);
    assert.deepEqual(
      [by.get('/tmp')!['type'], by.get('/tmp')!['sticky'], by.get('/tmp')!['world_writable']],
      ['dir', true, true],
    );
    assert.equal(by.get('/srv/drop')!['sticky'], false);
    assert.equal(by.get('/srv/new\nline')!['world_writable'], true);
    if (isRoot) {
      assert.deepEqual(
        [by.get('/srv/orphan')!['unowned'], by.get('/srv/orphan')!['ungrouped']],
        [true, true],
      );
      assert.deepEqual([by.get('/srv/half')!['unowned'], by.get('/srv/half')!['ungrouped']], [false, true]);
    }
    // Symlinks resolved inside the root only: /opt points outside and is not walked.
    for (const r of [viaFind, viaNode]) {
      assert.ok(!r.sources.includes('walk:/opt'), r.sources.join(' '));
      assert.ok(
        r.rows.every(
          (x) =>
            !String(x['path']).startsWith('/proc') &&
            !String(x['path']).startsWith('/dev') &&
            !String(x['path']).startsWith('/run'),
        ),
      );
    }
    if (scope === 'system')
      assert.deepEqual(
        viaFind.sources.filter((s) => s.startsWith('walk:')),
        ['walk:/etc', 'walk:/srv', 'walk:/tmp', 'walk:/usr', 'walk:/var'],
      );
  });
}

test('no passwd in the target: unowned and ungrouped are not judged, the fact is incomplete', async () => {
  const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'bw-special-'));
  try {
    for (const engine of ['find', 'node'] as const) {
      const r = await walkSpecial(
        makeContext(await FsTarget.mounted(empty)),
        limits({ scope: 'all', engine }),
      );
      assert.equal(r.status, 'incomplete');
      assert.match(r.reason ?? '', /no readable \/etc\/passwd/);
    }
  } finally {
    await fs.rm(empty, { recursive: true, force: true });
  }
});

test('a scope directory in a symlink loop: not walked, incomplete', async () => {
  const loopy = await fs.mkdtemp(path.join(os.tmpdir(), 'bw-special-'));
  try {
    await fs.mkdir(path.join(loopy, 'etc'));
    await fs.writeFile(path.join(loopy, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    await fs.writeFile(path.join(loopy, 'etc/group'), 'root:x:0:\n');
    await fs.symlink('/srv2', path.join(loopy, 'srv'));
    await fs.symlink('/srv', path.join(loopy, 'srv2'));
    for (const engine of ['find', 'node'] as const) {
      const r = await walkSpecial(
        makeContext(await FsTarget.mounted(loopy)),
        limits({ scope: 'system', engine }),
      );
      assert.equal(r.status, 'incomplete', engine);
      assert.match(r.reason ?? '', /\/srv cannot be resolved/);
    }
  } finally {
    await fs.rm(loopy, { recursive: true, force: true });
  }
});

test('budget exhausted: incomplete with the reason, on both engines', async () => {
  for (const engine of ['find', 'node'] as const) {
    const r = await walk({ scope: 'all', engine, deadline: Date.now() - 1 });
    assert.equal(r.status, 'incomplete', engine);
    assert.match(r.reason ?? '', /time budget/, engine);
  }
  // A find that never ends is killed at the deadline.
  const slow = path.join(outside, 'slow-find');
  await fs.writeFile(slow, '#!/bin/sh\nexec sleep 30\n');
  await fs.chmod(slow, 0o755);
  const t0 = Date.now();
  const killed = await walk({ scope: 'all', findBin: slow, deadline: Date.now() + 300 });
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(killed.status, 'incomplete');
  assert.ok(killed.sources.includes('engine:find'));
  assert.match(killed.reason ?? '', /time budget/);
  const cut = await walk({ scope: 'all', engine: 'node', maxEntries: 2 });
  assert.equal(cut.status, 'incomplete');
  assert.match(cut.reason ?? '', /stopped at 2 entries/);
});

test('row cap: incomplete, the list is cut, on both engines', async () => {
  for (const engine of ['find', 'node'] as const) {
    const r = await walk({ scope: 'all', engine, maxRows: 2 });
    assert.equal(r.status, 'incomplete', engine);
    assert.equal(r.rows.length, 2);
    assert.match(r.reason ?? '', /more than 2 special entries/);
  }
});

test('find missing or failing: the Node walker takes over', async () => {
  const ref = await walk({ scope: 'system', engine: 'node' });
  for (const findBin of ['/nonexistent/find', '/bin/false']) {
    const r = await walk({ scope: 'system', findBin });
    assert.ok(r.sources.includes('engine:node'), findBin);
    assert.deepEqual(r.rows, ref.rows);
  }
});

test('the collector: scope argument, unknown scope is an error', async () => {
  const c = collectors.find((x) => x.name === 'special_files')!;
  const ctx = makeContext(await FsTarget.mounted(root));
  const bad = await c.collect(ctx, { scope: 'home' });
  assert.equal(bad.status, 'error');
  assert.match(bad.reason ?? '', /unknown scope "home"/);
  const sys = await c.collect(ctx, {});
  assert.ok(sys.sources.includes('scope:system'));
  assert.ok(!sys.rows.some((r) => r['path'] === '/data/x'));
  const all = await c.collect(ctx, { scope: 'all' });
  assert.ok(all.rows.some((r) => r['path'] === '/data/x'));
});
