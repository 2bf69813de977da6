/**
 * Bad input never crashes a scan: an image full of junk — binary files where text is expected,
 * symlink loops, links pointing out of the root, enormous files, directories where files should be —
 * is scanned with every built-in rule, completes, yields a verdict for every rule, and is stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCatalogue } from '../src/content/load.js';
import { FsTarget } from '../src/targets/target.js';
import { runScan } from '../src/scan/run.js';
import { Store } from '../src/store/db.js';
import { RESULT_STATUSES } from '../src/core/types.js';

async function write(root: string, p: string, data: string | Buffer) {
  await fs.mkdir(path.dirname(path.join(root, p)), { recursive: true });
  await fs.writeFile(path.join(root, p), data);
}

async function hostileRoot(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-hostile-'));
  const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
  await write(root, '/etc/os-release', 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Hostile"\n');
  await write(root, '/etc/passwd', junk); // binary where text is expected
  await write(root, '/etc/group', 'root:x:0:\n' + 'x'.repeat(200_000) + '\n:::::\n');
  await write(root, '/etc/shadow', 'root:$6$abc$def:notanumber:-5::::::\n\n:\n');
  await write(root, '/var/lib/dpkg/status', junk);
  await write(root, '/etc/login.defs', 'PASS_MAX_DAYS 99999\n'.repeat(300_000)); // ~6 MB: above the read cap
  await fs.mkdir(path.join(root, 'etc/ssh'), { recursive: true });
  await fs.symlink('sshd_config', path.join(root, 'etc/ssh/sshd_config')); // loop on itself
  await fs.mkdir(path.join(root, 'etc/sysctl.d/evil.conf'), { recursive: true }); // a directory where a file is expected
  await fs.symlink('/../../../../../../etc/hostname', path.join(root, 'etc/sysctl.conf')); // escapes the root if resolved naively
  await fs.mkdir(path.join(root, 'etc/pam.d'), { recursive: true });
  await fs.symlink('../pam.d', path.join(root, 'etc/pam.d/loopdir'));
  await write(
    root,
    '/etc/pam.d/common-auth',
    '@include common-auth\nauth required\n@include /../../../etc/shadow\n',
  );
  await write(root, '/etc/sudoers', '#includedir /etc/sudoers.d\n@include /etc/sudoers\n');
  await fs.mkdir(path.join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  await fs.symlink(
    '/nonexistent/unit.service',
    path.join(root, 'etc/systemd/system/multi-user.target.wants/dangling.service'),
  );
  await fs.symlink('a', path.join(root, 'etc/systemd/system/b.service'));
  await fs.symlink('b.service', path.join(root, 'etc/systemd/system/a'));
  await write(root, '/etc/fstab', '\0\0\0 / ext4\n/dev/sda1 /tmp\n');
  await write(root, '/etc/modprobe.d/x.conf', 'install\nblacklist\n\xff\xfe');
  await write(root, '/boot/grub/grub.cfg', junk);
  await fs.mkdir(path.join(root, 'proc/sys/net'), { recursive: true }); // an image's own empty /proc must not be read as live state
  await write(root, '/proc/sys/net/ipv4/ip_forward', '0\n');
  return root;
}

test('a hostile image is scanned completely with every built-in rule and stored', async () => {
  const root = await hostileRoot();
  const dbDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-hostile-db-'));
  try {
    const catalogue = loadCatalogue();
    const target = await FsTarget.mounted(root);
    const scan = await runScan(target, { catalogue, profile: 'default', rules: [...catalogue.rules.keys()] });
    assert.equal(scan.results.length, catalogue.rules.size);
    for (const r of scan.results)
      assert.ok((RESULT_STATUSES as readonly string[]).includes(r.status), `${r.rule}: ${r.status}`);
    // Nothing was read outside the root: the host's hostname never shows up in the facts.
    const facts = JSON.stringify(scan.facts);
    const hostHostname = (await fs.readFile('/etc/hostname', 'utf8').catch(() => '')).trim();
    if (hostHostname.length > 3)
      assert.ok(!facts.includes(`"${hostHostname}"`), 'host data leaked into an offline scan');
    const hostMachineId = (await fs.readFile('/etc/machine-id', 'utf8').catch(() => '')).trim();
    if (hostMachineId)
      assert.ok(!facts.includes(hostMachineId), 'host machine-id leaked into an offline scan');
    const os = scan.facts.find((f) => f.key === 'os')?.rows[0];
    assert.equal(os?.['kernel'], null, 'the running kernel is not a fact of an offline image');
    // The image's /proc is never taken for live state.
    const live = scan.facts.find((f) => f.name === 'sysctl_live');
    if (live) assert.equal(live.status, 'not_collected');
    // Facts about junk are errors or incomplete with reasons, not silent passes.
    const errors = scan.facts.filter((f) => f.status === 'error' || f.status === 'incomplete');
    for (const f of errors) assert.ok(f.reason && f.reason.length > 0, `${f.key} has no reason`);
    const store = await Store.open(path.join(dbDir, 'b.db'));
    try {
      await store.saveScan(scan, 'test');
      assert.equal(await store.count('scans'), 1);
      assert.equal(await store.count('results'), scan.results.length);
    } finally {
      await store.close();
    }
  } finally {
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(dbDir, { recursive: true, force: true });
  }
});
