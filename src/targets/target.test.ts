/** FsTarget: chroot semantics for offline roots, refusals, caps, globbing; basic live reads. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BulwarkError } from '../core/errors.js';
import { FsTarget, globToRegExp, type ReadResult } from './target.js';

let root: string;
let t: FsTarget;
const SECRET = 'root:INSIDE-THE-IMAGE:0:0:root:/root:/bin/sh\n';

async function put(p: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const host = path.join(root, p);
  await fs.mkdir(path.dirname(host), { recursive: true });
  await fs.writeFile(host, content);
  await fs.chmod(host, mode);
}
async function link(p: string, to: string): Promise<void> {
  const host = path.join(root, p);
  await fs.mkdir(path.dirname(host), { recursive: true });
  await fs.symlink(to, host);
}
function text(r: ReadResult): string {
  assert.equal(r.status, 'ok', JSON.stringify(r));
  return (r as Extract<ReadResult, { status: 'ok' }>).text;
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-target-'));
  await put('/etc/passwd', SECRET);
  await put('/etc/hostname', 'image-host\n');
  await link('/etc/abs-link', '/etc/passwd');
  await link('/etc/rel-escape', '../../../../../../etc/passwd');
  await link('/etc/dir-escape', '/../../..');
  await link('/etc/loop-a', '/etc/loop-b');
  await link('/etc/loop-b', '/etc/loop-a');
  await link('/etc/self', 'self');
  // A chain of 41 links: chain0 → chain1 → … → chain40 → passwd (41 links, one beyond MAXSYMLINKS).
  for (let i = 0; i < 41; i++) await link(`/chain/l${i}`, i === 40 ? '/etc/passwd' : `/chain/l${i + 1}`);
  // 40 links resolve, as on Linux.
  for (let i = 0; i < 40; i++) await link(`/chain40/l${i}`, i === 39 ? '/etc/passwd' : `/chain40/l${i + 1}`);
  await link('/lib', 'usr/lib');
  await put('/usr/lib/os-release', 'ID=debian\n');
  await put('/bin/blob', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
  await put('/var/log/big', Buffer.alloc(5 * 1024 * 1024, 'a'));
  await put('/proc/self/environ', 'IMAGE_PROC=1\n');
  await put('/sys/kernel/x', 'x\n');
  await put('/run/x', 'x\n');
  await put('/dev/null-ish', 'x\n');
  await link('/etc/mtab', '../proc/self/mounts');
  await link('/etc/proc-abs', '/proc/self/environ');
  await put('/etc/ssh/sshd_config.d/10-a.conf', 'a\n');
  await put('/etc/ssh/sshd_config.d/20-b.conf', 'b\n');
  await put('/etc/ssh/sshd_config.d/3.conf', 'c\n');
  await put('/etc/ssh/sshd_config.d/.hidden.conf', 'h\n');
  await put('/etc/ssh/sshd_config.d/notes.txt', 't\n');
  execFileSync('mkfifo', [path.join(root, 'etc', 'fifo')]);
  t = await FsTarget.mounted(root);
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test('mounted(): a missing root is BW_TARGET_NOT_FOUND, a file is BW_TARGET_NOT_DIR', async () => {
  await assert.rejects(
    FsTarget.mounted(path.join(root, 'no', 'such')),
    (e: unknown) => e instanceof BulwarkError && e.code === 'BW_TARGET_NOT_FOUND' && e.hint.length > 0,
  );
  await assert.rejects(
    FsTarget.mounted(path.join(root, 'etc', 'passwd')),
    (e: unknown) => e instanceof BulwarkError && e.code === 'BW_TARGET_NOT_DIR',
  );
  assert.equal(t.mode, 'offline');
  assert.equal(t.kind, 'root');
});

test('an absolute symlink resolves inside the root, not on the host', async () => {
  assert.equal(text(await t.readText('/etc/abs-link')), SECRET);
  assert.equal(await t.resolve('/etc/abs-link'), path.join(t.root, 'etc/passwd'));
  const st = await t.stat('/etc/abs-link', { follow: true });
  assert.equal(st?.type, 'file');
  assert.equal(st?.path, '/etc/passwd');
  const lst = await t.stat('/etc/abs-link');
  assert.equal(lst?.type, 'symlink');
  assert.equal(lst?.target, '/etc/passwd');
});

test('relative links and `..` never climb above the root', async () => {
  assert.equal(text(await t.readText('/etc/rel-escape')), SECRET);
  assert.equal(text(await t.readText('/../../../etc/passwd')), SECRET);
  assert.equal(text(await t.readText('/etc/../../../../etc/./passwd')), SECRET);
  assert.equal(text(await t.readText('etc/passwd')), SECRET);
  assert.equal(path.resolve(await t.resolve('/etc/dir-escape')), t.root);
  assert.equal(text(await t.readText('/etc/dir-escape/etc/passwd')), SECRET);
  assert.equal(text(await t.readText('/lib/os-release')), 'ID=debian\n');
  assert.equal(text(await t.readText('/lib/../../etc/hostname')), 'image-host\n');
});

test('`..` after a symlinked directory goes to the parent of its target, like the kernel', async () => {
  // /lib -> usr/lib, so /lib/../lib/os-release is /usr/lib/os-release; /lib/.. is /usr.
  assert.equal(await t.resolve('/lib/..'), path.join(t.root, 'usr'));
  assert.equal(text(await t.readText('/lib/../lib/os-release')), 'ID=debian\n');
});

test('symlink loops: readText returns an error value, stat throws BW_SYMLINK_LOOP', async () => {
  for (const p of ['/etc/loop-a', '/etc/self', '/etc/loop-a/x']) {
    const r = await t.readText(p);
    assert.equal(r.status, 'error', p);
    assert.equal((r as Extract<ReadResult, { status: 'error' }>).code, 'BW_SYMLINK_LOOP', p);
    await assert.rejects(
      t.stat(p, { follow: true }),
      (e: unknown) => e instanceof BulwarkError && e.code === 'BW_SYMLINK_LOOP',
    );
    const b = await t.readBytes(p);
    assert.ok(!Buffer.isBuffer(b) && b.status === 'error');
  }
  // lstat of the loop itself is fine: it is a symlink.
  assert.equal((await t.stat('/etc/loop-a'))?.type, 'symlink');
  assert.equal(await t.readdir('/etc/loop-a'), null);
});

test('a chain of 41 symlinks is a loop; 40 resolve (Linux MAXSYMLINKS)', async () => {
  const r = await t.readText('/chain/l0');
  assert.equal(r.status, 'error');
  assert.equal((r as Extract<ReadResult, { status: 'error' }>).code, 'BW_SYMLINK_LOOP');
  assert.equal(text(await t.readText('/chain40/l0')), SECRET);
});

test('missing files and missing intermediate directories are absent', async () => {
  assert.deepEqual(await t.readText('/etc/nope'), { status: 'absent', path: '/etc/nope' });
  assert.equal((await t.readText('/no/such/dir/file')).status, 'absent');
  assert.equal((await t.readText('/etc/passwd/child')).status, 'absent');
  assert.equal(await t.stat('/no/such/dir/file'), null);
  assert.equal(await t.readdir('/no/such'), null);
});

test('a directory read as a file is an error value', async () => {
  const r = await t.readText('/etc');
  assert.equal(r.status, 'error');
  assert.equal((r as Extract<ReadResult, { status: 'error' }>).code, 'EISDIR');
});

test('a FIFO in an offline root is refused, never opened blocking', async () => {
  const started = Date.now();
  const r = await t.readText('/etc/fifo');
  assert.equal(r.status, 'error');
  assert.equal((r as Extract<ReadResult, { status: 'error' }>).code, 'ENOTREG');
  assert.ok(Date.now() - started < 2000);
  assert.equal((await t.stat('/etc/fifo'))?.type, 'fifo');
});

test('binary files are flagged, files over the cap are truncated and flagged', async () => {
  const b = await t.readText('/bin/blob');
  assert.equal(b.status, 'ok');
  assert.equal((b as Extract<ReadResult, { status: 'ok' }>).binary, true);
  const small = await t.readText('/etc/passwd');
  assert.equal((small as Extract<ReadResult, { status: 'ok' }>).binary, false);
  assert.equal((small as Extract<ReadResult, { status: 'ok' }>).truncated, false);
  const big = await t.readText('/var/log/big');
  assert.equal(big.status, 'ok');
  const okBig = big as Extract<ReadResult, { status: 'ok' }>;
  assert.equal(okBig.truncated, true);
  assert.equal(okBig.text.length, 4 * 1024 * 1024);
  const capped = await t.readText('/etc/passwd', { maxBytes: 4 });
  assert.equal((capped as Extract<ReadResult, { status: 'ok' }>).text, 'root');
  assert.equal((capped as Extract<ReadResult, { status: 'ok' }>).truncated, true);
  // Exactly at the cap is not truncated.
  const exact = await t.readText('/etc/hostname', { maxBytes: 11 });
  assert.equal((exact as Extract<ReadResult, { status: 'ok' }>).truncated, false);
});

test(
  'an unreadable file is an error value',
  { skip: process.getuid?.() === 0 ? 'running as root: mode 000 does not stop root from reading' : false },
  async () => {
    await put('/etc/secret', 'x\n', 0o000);
    const r = await t.readText('/etc/secret');
    assert.equal(r.status, 'error');
  },
);

test('offline refuses /proc, /sys, /run, /dev even when the image has them', async () => {
  for (const p of [
    '/proc/self/environ',
    '/sys/kernel/x',
    '/run/x',
    '/dev/null-ish',
    '/proc',
    '//proc/./self/environ',
    '/etc/../proc/self/environ',
  ]) {
    const r = await t.readText(p);
    assert.equal(r.status, 'not_collected', p);
    assert.equal(await t.stat(p), null, p);
  }
  assert.equal(await t.readdir('/proc'), null);
  // /process is not /proc.
  assert.equal((await t.readText('/process')).status, 'absent');
});

test('offline: a symlink into /proc is refused too (e.g. /etc/mtab -> ../proc/self/mounts)', async () => {
  // If /proc were bind-mounted into the image, following the link would read the scanning host.
  for (const p of ['/etc/mtab', '/etc/proc-abs']) {
    const r = await t.readText(p);
    assert.equal(r.status, 'not_collected', `${p}: ${JSON.stringify(r)}`);
  }
  assert.equal((await t.stat('/etc/mtab'))?.type, 'symlink');
  assert.equal(await t.stat('/etc/proc-abs', { follow: true }), null);
});

test('glob: *, ?, [...] and [!...] per component, sorted, hidden files only with a leading dot', async () => {
  assert.deepEqual(await t.glob('/etc/ssh/sshd_config.d/*.conf'), [
    '/etc/ssh/sshd_config.d/10-a.conf',
    '/etc/ssh/sshd_config.d/20-b.conf',
    '/etc/ssh/sshd_config.d/3.conf',
  ]);
  assert.deepEqual(await t.glob('/etc/ssh/sshd_config.d/?.conf'), ['/etc/ssh/sshd_config.d/3.conf']);
  assert.deepEqual(await t.glob('/etc/ssh/sshd_config.d/[12]*'), [
    '/etc/ssh/sshd_config.d/10-a.conf',
    '/etc/ssh/sshd_config.d/20-b.conf',
  ]);
  assert.deepEqual(await t.glob('/etc/ssh/sshd_config.d/[!1]*.conf'), [
    '/etc/ssh/sshd_config.d/20-b.conf',
    '/etc/ssh/sshd_config.d/3.conf',
  ]);
  assert.deepEqual(await t.glob('/etc/ssh/sshd_config.d/.*'), ['/etc/ssh/sshd_config.d/.hidden.conf']);
  assert.deepEqual(await t.glob('/etc/s*/sshd_config.d/2*'), ['/etc/ssh/sshd_config.d/20-b.conf']);
  assert.deepEqual(await t.glob('/etc/nothing/*'), []);
  assert.deepEqual(await t.glob('/etc/passwd'), ['/etc/passwd']);
  assert.deepEqual(await t.glob('/etc/missing'), []);
  assert.deepEqual(await t.glob('/proc/*'), []);
  // Regex metacharacters in a pattern are literal.
  assert.ok(globToRegExp('a.b').test('a.b'));
  assert.ok(!globToRegExp('a.b').test('axb'));
  assert.ok(globToRegExp('a+(b)').test('a+(b)'));
});

test('glob does not throw on a symlink loop among its matches', async () => {
  const got = await t.glob('/etc/loop-*');
  assert.deepEqual(got, ['/etc/loop-a', '/etc/loop-b']);
});

test('readdir: sorted entries with types', async () => {
  const ents = await t.readdir('/etc/ssh/sshd_config.d');
  assert.deepEqual(
    ents?.map((e) => e.name),
    ['.hidden.conf', '10-a.conf', '20-b.conf', '3.conf', 'notes.txt'],
  );
  assert.ok(ents?.every((e) => e.type === 'file'));
  assert.equal(await t.readdir('/etc/passwd'), null);
});

test('live target: basic reads of the running host', async () => {
  const live = FsTarget.live();
  assert.equal(live.mode, 'live');
  assert.equal(live.root, '/');
  const r = await live.readText('/proc/self/status');
  assert.equal(r.status, 'ok');
  assert.match(text(r), /^Name:/m);
  assert.equal((await live.stat('/'))?.type, 'dir');
  assert.equal((await live.readText('/definitely/not/here')).status, 'absent');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-live-'));
  try {
    await fs.writeFile(path.join(tmp, 'f'), 'live\n');
    await fs.symlink('f', path.join(tmp, 'l'));
    await fs.symlink('loop', path.join(tmp, 'loop'));
    assert.equal(text(await live.readText(path.join(tmp, 'l'))), 'live\n');
    assert.equal((await live.stat(path.join(tmp, 'l')))?.type, 'symlink');
    assert.equal((await live.stat(path.join(tmp, 'l'), { follow: true }))?.type, 'file');
    const loop = await live.readText(path.join(tmp, 'loop'));
    assert.equal(loop.status, 'error');
    assert.equal((loop as Extract<ReadResult, { status: 'error' }>).code, 'BW_SYMLINK_LOOP');
    assert.deepEqual(
      await live.glob(path.join(tmp, '*')),
      ['f', 'l', 'loop'].map((n) => path.join(tmp, n)),
    );
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
});
