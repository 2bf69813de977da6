import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsTarget } from '../targets/target.js';
import { makeContext } from './runner.js';
import { collectors } from './kernel.js';
import type { CollectOutput } from './types.js';

async function root(files: Record<string, string | { symlink: string } | Buffer>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-kernel-'));
  for (const [p, v] of Object.entries(files)) {
    const host = path.join(dir, p);
    await fs.mkdir(path.dirname(host), { recursive: true });
    if (typeof v === 'object' && !Buffer.isBuffer(v)) await fs.symlink(v.symlink, host);
    else await fs.writeFile(host, v);
  }
  return dir;
}

async function collect(
  name: string,
  files: Record<string, string | { symlink: string } | Buffer>,
): Promise<CollectOutput> {
  const dir = await root(files);
  try {
    const c = collectors.find((x) => x.name === name);
    assert.ok(c, `collector ${name}`);
    return await c.collect(makeContext(await FsTarget.mounted(dir)), {});
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

void test('sysctl: masking by name, /dev/null masks, sysctl.conf last, /run ignored offline', async () => {
  const out = await collect('sysctl', {
    '/usr/lib/sysctl.d/50-default.conf': 'kernel.sysrq = 16\nfs.protected_regular = 1\n',
    '/usr/lib/sysctl.d/99-vendor.conf': 'kernel.kptr_restrict = 0\n',
    '/etc/sysctl.d/99-vendor.conf': { symlink: '/dev/null' },
    '/etc/sysctl.d/60-local.conf': 'kernel/sysrq = 0\n',
    '/run/sysctl.d/70-run.conf': 'kernel.sysrq = 1\n',
    '/etc/sysctl.conf': 'fs.protected_regular = 2\n',
  });
  assert.equal(out.status, 'complete');
  assert.deepEqual(out.rows, [
    { key: 'fs.protected_regular', value: '2', path: '/etc/sysctl.conf', line: 1 },
    { key: 'kernel.sysrq', value: '0', path: '/etc/sysctl.d/60-local.conf', line: 1 },
  ]);
});

void test('sysctl: symlink loops and binary files are reported, not thrown', async () => {
  const out = await collect('sysctl', {
    '/etc/sysctl.d/10-loop.conf': { symlink: '/etc/sysctl.d/10-loop.conf' },
    '/etc/sysctl.d/20-bin.conf': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1]),
    '/etc/sysctl.d/30-ok.conf': 'kernel.dmesg_restrict = 1\n',
  });
  assert.equal(out.status, 'incomplete');
  assert.match(out.reason ?? '', /symbolic links|binary/);
  assert.deepEqual(
    out.rows.map((r) => r['key']),
    ['kernel.dmesg_restrict'],
  );
  const none = await collect('sysctl', {});
  assert.equal(none.status, 'absent');
});

void test('fstab: entries plus an enabled tmp.mount and a masked var-tmp.mount', async () => {
  const out = await collect('fstab', {
    '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n',
    '/usr/lib/systemd/system/tmp.mount':
      '[Mount]\nWhat=tmpfs\nWhere=/tmp\nType=tmpfs\nOptions=mode=1777,nosuid,nodev\n',
    '/etc/systemd/system/local-fs.target.wants/tmp.mount': { symlink: '/usr/lib/systemd/system/tmp.mount' },
    '/usr/lib/systemd/system/var-tmp.mount': '[Mount]\nWhere=/var/tmp\n',
    '/etc/systemd/system/var-tmp.mount': { symlink: '/dev/null' },
    '/usr/lib/systemd/system/home.mount': '[Mount]\nWhat=/dev/sdb1\nWhere=/home\nType=ext4\n',
  });
  assert.equal(out.status, 'complete');
  assert.deepEqual(
    out.rows.map((r) => [r['source'], r['mountpoint'], r['enabled'], r['options']]),
    [
      ['fstab', '/', true, ['defaults']],
      ['systemd', '/tmp', true, ['mode=1777', 'nosuid', 'nodev']],
      ['systemd', '/home', false, []],
    ],
  );
});

void test('bootloader: grub.cfg, grub.d, default grub with grub.d/*.cfg, BLS with grubenv', async () => {
  const out = await collect('bootloader', {
    '/boot/grub2/grub.cfg': 'set superusers="root"\npassword_pbkdf2 root ${GRUB2_PASSWORD}\n',
    '/boot/grub2/user.cfg': 'GRUB2_PASSWORD=grub.pbkdf2.sha512.10000.AA.BB\n',
    '/boot/grub2/grubenv': '# GRUB Environment Block\nkernelopts=root=/dev/sda1 ro audit=1\n#####\n',
    '/boot/loader/entries/a.conf': 'title x\noptions $kernelopts quiet\n',
    '/etc/default/grub': 'GRUB_CMDLINE_LINUX="rhgb"\n',
    '/etc/default/grub.d/50-cloud.cfg': 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX console=ttyS0"\n',
    '/etc/grub.d/40_custom': '#!/bin/sh\nexec tail -n +3 $0\nset superusers="admin"\n',
  });
  assert.equal(out.status, 'complete');
  const by = (kind: string) =>
    out.rows.filter((r) => r['kind'] === kind).map((r) => [r['path'], r['value'], r['args']]);
  assert.deepEqual(by('superusers'), [
    ['/boot/grub2/grub.cfg', 'root', ['root']],
    ['/etc/grub.d/40_custom', 'admin', ['admin']],
  ]);
  assert.deepEqual(
    by('password').map((x) => x[0]),
    ['/boot/grub2/grub.cfg', '/boot/grub2/user.cfg'],
  );
  assert.deepEqual(by('default_cmdline'), [
    ['/etc/default/grub.d/50-cloud.cfg', 'GRUB_CMDLINE_LINUX', ['rhgb', 'console=ttyS0']],
  ]);
  assert.deepEqual(by('bls_options'), [
    ['/boot/loader/entries/a.conf', 'options', ['root=/dev/sda1', 'ro', 'audit=1', 'quiet']],
  ]);
});

void test('mac: profile modes, disable and force-complain links, SELinux config; no live rows offline', async () => {
  const out = await collect('mac', {
    '/etc/apparmor.d/usr.sbin.cupsd': '/usr/sbin/cupsd {\n}\n',
    '/etc/apparmor.d/usr.sbin.rsyslogd': 'profile rsyslogd /usr/sbin/rsyslogd {\n}\n',
    '/etc/apparmor.d/usr.bin.foo': '/usr/bin/foo flags=(complain) {\n}\n',
    '/etc/apparmor.d/usr.sbin.cupsd.dpkg-old': '/usr/sbin/cupsd flags=(complain) {\n}\n',
    '/etc/apparmor.d/disable/usr.sbin.rsyslogd': { symlink: '/etc/apparmor.d/usr.sbin.rsyslogd' },
    '/etc/apparmor.d/force-complain/usr.sbin.cupsd': { symlink: '/etc/apparmor.d/usr.sbin.cupsd' },
    '/etc/apparmor.d/tunables/global': '@{HOME}=/home/*/\n',
    '/etc/selinux/config': 'SELINUX=Permissive\nSELINUXTYPE=targeted\n',
  });
  assert.equal(out.status, 'complete');
  assert.deepEqual(
    out.rows.map((r) => [r['framework'], r['key'], r['name'], r['value']]),
    [
      ['apparmor', 'profile', '/usr/bin/foo', 'complain'],
      ['apparmor', 'profile', '/usr/sbin/cupsd', 'complain'],
      ['apparmor', 'profile', 'rsyslogd', 'disabled'],
      ['selinux', 'SELINUX', null, 'permissive'],
      ['selinux', 'SELINUXTYPE', null, 'targeted'],
    ],
  );
});

void test('timesync: chrony includes, sysconfig user, timesyncd drop-ins, ntp', async () => {
  const out = await collect('timesync', {
    '/etc/chrony.conf':
      'pool 2.rhel.pool.ntp.org iburst\nsourcedir /etc/chrony/sources.d\nconfdir /etc/chrony/conf.d\n',
    '/etc/chrony/sources.d/a.sources': 'server 10.0.0.1 iburst\n',
    '/etc/chrony/conf.d/b.conf': 'user chrony\n',
    '/etc/sysconfig/chronyd': 'OPTIONS="-F 2"\n',
    '/etc/systemd/timesyncd.conf.d/x.conf': '[Time]\nNTP=10.0.0.2\n',
    '/etc/ntpsec/ntp.conf': 'server 10.0.0.3\n',
  });
  assert.equal(out.status, 'complete');
  assert.deepEqual(
    out.rows
      .filter((r) => ['server', 'pool', 'user', 'NTP'].includes(r['directive'] as string))
      .map((r) => [r['daemon'], r['directive'], r['value'], r['path']]),
    [
      ['chrony', 'pool', '2.rhel.pool.ntp.org iburst', '/etc/chrony.conf'],
      ['chrony', 'server', '10.0.0.1 iburst', '/etc/chrony/sources.d/a.sources'],
      ['chrony', 'user', 'chrony', '/etc/chrony/conf.d/b.conf'],
      ['timesyncd', 'NTP', '10.0.0.2', '/etc/systemd/timesyncd.conf.d/x.conf'],
      ['ntpsec', 'server', '10.0.0.3', '/etc/ntpsec/ntp.conf'],
    ],
  );
});

void test('coredump: every limits line for core, effective systemd values', async () => {
  const out = await collect('coredump', {
    '/etc/security/limits.conf': '* hard core 0\n* soft nofile 1024\n',
    '/etc/security/limits.d/90-dev.conf': '@dev hard core unlimited\n',
    '/etc/systemd/coredump.conf': '[Coredump]\nStorage=external\nProcessSizeMax=0\n',
    '/etc/systemd/coredump.conf.d/50-x.conf': '[Coredump]\nStorage=none\n',
  });
  assert.equal(out.status, 'complete');
  assert.deepEqual(
    out.rows.map((r) => [r['source'], r['domain'] ?? r['key'], r['value'], r['path']]),
    [
      ['limits', '*', '0', '/etc/security/limits.conf'],
      ['limits', '@dev', 'unlimited', '/etc/security/limits.d/90-dev.conf'],
      ['systemd', 'Storage', 'none', '/etc/systemd/coredump.conf.d/50-x.conf'],
      ['systemd', 'ProcessSizeMax', '0', '/etc/systemd/coredump.conf'],
    ],
  );
});

void test('live-only collectors are declared so', () => {
  const live = collectors
    .filter((c) => c.liveOnly)
    .map((c) => c.name)
    .sort();
  assert.deepEqual(live, ['kernel_cmdline', 'kernel_modules', 'mounts', 'sysctl_live']);
});

void test(
  'live collectors read /proc of a running system',
  { skip: process.platform !== 'linux' },
  async () => {
    const ctx = makeContext(FsTarget.live());
    const get = (n: string) => collectors.find((c) => c.name === n)!;
    const live = await get('sysctl_live').collect(ctx, {});
    assert.ok(['complete', 'incomplete'].includes(live.status), live.reason);
    assert.ok(live.rows.some((r) => r['key'] === 'kernel.randomize_va_space'));
    const mounts = await get('mounts').collect(ctx, {});
    assert.ok(mounts.rows.some((r) => r['mountpoint'] === '/'));
    const cmd = await get('kernel_cmdline').collect(ctx, {});
    assert.equal(cmd.status, 'complete');
    const mac = await get('mac').collect(ctx, {});
    assert.ok(mac.rows.some((r) => r['framework'] === 'selinux' && r['key'] === 'state'));
  },
);
