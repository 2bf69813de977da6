import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsTarget } from '../targets/target.js';
import { collectOne, makeContext } from './runner.js';
import { parseListUnits } from './services.js';
import type { Fact, Row } from '../core/types.js';

type Spec = string | { symlink: string };

async function withRoot(files: Record<string, Spec>, fn: (root: string) => Promise<void>): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-svc-'));
  try {
    for (const [p, spec] of Object.entries(files)) {
      const host = path.join(root, p);
      await fs.mkdir(path.dirname(host), { recursive: true });
      if (typeof spec === 'string') await fs.writeFile(host, spec);
      else await fs.symlink(spec.symlink, host);
    }
    await fn(root);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

async function collect(root: string): Promise<Fact> {
  return collectOne(makeContext(await FsTarget.mounted(root)), { name: 'services', args: {} });
}

const byName = (f: Fact, name: string, source = 'systemd'): Row | undefined =>
  f.rows.find((r) => r['name'] === name && r['source'] === source);

const V = '/lib/systemd/system';
const E = '/etc/systemd/system';

void test('systemd: enabled, disabled, static, masked, alias, template instances, /etc override', async () => {
  await withRoot(
    {
      [`${V}/avahi-daemon.service`]:
        '[Unit]\nDescription=Avahi\n[Service]\nExecStart=/usr/sbin/avahi-daemon -s\n[Install]\nWantedBy=multi-user.target\nAlias=dbus-org.freedesktop.Avahi.service\n',
      [`${E}/multi-user.target.wants/avahi-daemon.service`]: { symlink: `${V}/avahi-daemon.service` },
      [`${E}/dbus-org.freedesktop.Avahi.service`]: { symlink: `${V}/avahi-daemon.service` },
      [`${V}/cups.service`]: '[Service]\nExecStart=/usr/sbin/cupsd -l\n[Install]\nWantedBy=printer.target\n',
      [`${V}/systemd-journald.service`]:
        '[Unit]\nDescription=Journal\n[Service]\nExecStart=/lib/systemd/systemd-journald\n',
      [`${V}/ctrl-alt-del.target`]: '[Unit]\nDescription=Reboot\n',
      [`${E}/ctrl-alt-del.target`]: { symlink: '/dev/null' },
      [`${V}/debug-shell.service`]: '[Service]\nExecStart=/bin/sh\n[Install]\nWantedBy=sysinit.target\n',
      [`${E}/debug-shell.service`]: '',
      [`${V}/getty@.service`]:
        '[Service]\nExecStart=-/sbin/agetty %I\n[Install]\nWantedBy=getty.target\nDefaultInstance=tty1\n',
      [`${E}/getty.target.wants/getty@tty1.service`]: { symlink: `${V}/getty@.service` },
      [`${V}/rsync.service`]:
        '[Service]\nExecStart=/usr/bin/rsync --daemon --no-detach\n[Install]\nWantedBy=multi-user.target\n',
      [`${E}/rsync.service`]:
        '[Service]\nExecStart=/usr/bin/rsync --daemon --config=/etc/rsyncd-local.conf\n[Install]\nWantedBy=multi-user.target\n',
      [`${V}/multi-user.target.wants/systemd-logind.service`]: { symlink: '../systemd-logind.service' },
      [`${V}/systemd-logind.service`]: '[Service]\nExecStart=/lib/systemd/systemd-logind\n',
      [`${E}/sockets.target.wants/telnet.socket`]: { symlink: '/usr/lib/systemd/system/telnet.socket' },
      [`${E}/notes.txt`]: 'not a unit',
    },
    async (root) => {
      const f = await collect(root);
      assert.equal(f.status, 'complete', f.reason);
      const avahi = byName(f, 'avahi-daemon.service');
      assert.equal(avahi?.['state'], 'enabled');
      assert.equal(avahi?.['enabled'], true);
      assert.deepEqual(avahi?.['enabled_by'], ['multi-user.target']);
      assert.deepEqual(avahi?.['wanted_by'], ['multi-user.target']);
      assert.equal(avahi?.['exec'], '/usr/sbin/avahi-daemon -s');
      assert.equal(avahi?.['active'], null);
      assert.equal(byName(f, 'dbus-org.freedesktop.Avahi.service')?.['state'], 'alias');
      assert.equal(byName(f, 'dbus-org.freedesktop.Avahi.service')?.['enabled'], true);
      assert.equal(byName(f, 'cups.service')?.['state'], 'disabled');
      assert.equal(byName(f, 'cups.service')?.['enabled'], false);
      assert.equal(byName(f, 'systemd-journald.service')?.['state'], 'static');
      const cad = byName(f, 'ctrl-alt-del.target');
      assert.equal(cad?.['masked'], true);
      assert.equal(cad?.['state'], 'masked');
      assert.equal(cad?.['path'], `${E}/ctrl-alt-del.target`);
      assert.equal(byName(f, 'debug-shell.service')?.['masked'], true);
      assert.equal(byName(f, 'getty@.service')?.['state'], 'indirect');
      assert.equal(byName(f, 'getty@tty1.service')?.['enabled'], true);
      assert.equal(byName(f, 'getty@tty1.service')?.['path'], `${V}/getty@.service`);
      assert.equal(byName(f, 'rsync.service')?.['path'], `${E}/rsync.service`);
      assert.match(String(byName(f, 'rsync.service')?.['exec']), /rsyncd-local/);
      assert.equal(byName(f, 'rsync.service')?.['state'], 'disabled');
      assert.equal(byName(f, 'systemd-logind.service')?.['enabled'], true);
      assert.equal(byName(f, 'systemd-logind.service')?.['state'], 'static');
      const telnet = byName(f, 'telnet.socket');
      assert.equal(telnet?.['state'], 'not-found');
      assert.equal(telnet?.['enabled'], true);
      assert.equal(byName(f, 'notes.txt'), undefined);
    },
  );
});

void test('merged /usr: /lib links to /usr/lib and units are listed once', async () => {
  await withRoot(
    {
      '/usr/lib/systemd/system/sshd.service':
        '[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\n',
      '/lib': { symlink: 'usr/lib' },
    },
    async (root) => {
      const f = await collect(root);
      assert.equal(f.rows.filter((r) => r['name'] === 'sshd.service').length, 1);
    },
  );
});

void test('SysV scripts and rc links; shadowed by a native unit', async () => {
  await withRoot(
    {
      '/etc/init.d/xinetd': '#!/bin/sh\n',
      '/etc/init.d/ssh': '#!/bin/sh\n',
      '/etc/init.d/snmpd': '#!/bin/sh\n',
      '/etc/init.d/README': 'x',
      '/etc/rc2.d/S01xinetd': { symlink: '../init.d/xinetd' },
      '/etc/rc3.d/S01xinetd': { symlink: '../init.d/xinetd' },
      '/etc/rc2.d/S01ssh': { symlink: '../init.d/ssh' },
      '/etc/rc2.d/K01snmpd': { symlink: '../init.d/snmpd' },
      [`${V}/ssh.service`]: '[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\n',
    },
    async (root) => {
      const f = await collect(root);
      assert.equal(byName(f, 'xinetd', 'sysv')?.['enabled'], true);
      assert.deepEqual(byName(f, 'xinetd', 'sysv')?.['enabled_by'], ['rc2.d', 'rc3.d']);
      assert.equal(byName(f, 'ssh', 'sysv')?.['state'], 'shadowed');
      assert.equal(byName(f, 'ssh', 'sysv')?.['enabled'], false);
      assert.equal(byName(f, 'snmpd', 'sysv')?.['state'], 'disabled');
      assert.equal(byName(f, 'README', 'sysv'), undefined);
    },
  );
});

void test('inetd and xinetd entries with path and line', async () => {
  await withRoot(
    {
      '/etc/inetd.conf':
        '# comment\ntelnet stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.telnetd\n#<off># tftp dgram udp wait nobody /usr/sbin/in.tftpd /srv/tftp\n',
      '/etc/xinetd.conf': 'defaults\n{\n instances = 60\n}\nincludedir /etc/xinetd.d\n',
      '/etc/xinetd.d/rsh':
        'service shell\n{\n\tsocket_type = stream\n\tserver = /usr/sbin/in.rshd\n\tdisable = no\n}\n',
      '/etc/xinetd.d/tftp': 'service tftp\n{\n\tserver = /usr/sbin/in.tftpd\n\tdisable = yes\n}\n',
      '/etc/xinetd.d/tftp.rpmsave': 'service tftp\n{\n\tdisable = no\n}\n',
    },
    async (root) => {
      const f = await collect(root);
      assert.equal(f.status, 'complete', f.reason);
      assert.deepEqual(
        f.rows.map((r) => [r['source'], r['name'], r['enabled'], r['path'], r['line']]),
        [
          ['inetd', 'telnet', true, '/etc/inetd.conf', 2],
          ['inetd', 'tftp', false, '/etc/inetd.conf', 3],
          ['xinetd', 'shell', true, '/etc/xinetd.d/rsh', 1],
          ['xinetd', 'tftp', false, '/etc/xinetd.d/tftp', 1],
        ],
      );
    },
  );
});

void test('nothing to read is absent; a symlink loop in a unit directory is reported', async () => {
  await withRoot({ '/etc/hostname': 'x\n' }, async (root) => {
    assert.equal((await collect(root)).status, 'absent');
  });
  await withRoot(
    {
      [`${V}/cron.service`]:
        '[Service]\nExecStart=/usr/sbin/cron -f\n[Install]\nWantedBy=multi-user.target\n',
      [`${E}/loop.service`]: { symlink: `${E}/loop2.service` },
      [`${E}/loop2.service`]: { symlink: `${E}/loop.service` },
      [`${E}/junk.service`]: '\u0000\u0001\u0002binary',
    },
    async (root) => {
      const f = await collect(root);
      assert.equal(f.status, 'incomplete');
      assert.ok(byName(f, 'cron.service'));
    },
  );
});

void test('offline: active is null and /run is not read', async () => {
  await withRoot(
    {
      '/run/systemd/system/evil.service': '[Service]\nExecStart=/bin/true\n',
      [`${V}/cron.service`]: '[Service]\nExecStart=/usr/sbin/cron\n',
    },
    async (root) => {
      const f = await collect(root);
      assert.equal(byName(f, 'evil.service'), undefined);
      assert.equal(byName(f, 'cron.service')?.['active'], null);
    },
  );
});

void test('systemctl list-units output', () => {
  const m = parseListUnits(
    '  cron.service   loaded active running Regular background program\n● foo.service not-found inactive dead foo.service\nsys-devices-x.device loaded active plugged x\n',
  );
  assert.equal(m.get('cron.service'), 'active');
  assert.equal(m.get('foo.service'), 'inactive');
  assert.equal(m.size, 3);
});

void test('live on this machine: degrades to active=null with a reason when systemd is not PID 1', async () => {
  const f = await collectOne(makeContext(FsTarget.live()), { name: 'services', args: {} });
  assert.ok(['complete', 'incomplete', 'absent'].includes(f.status), `${f.status}: ${f.reason ?? ''}`);
  let booted = true;
  try {
    await fs.stat('/run/systemd/system');
  } catch {
    booted = false;
  }
  if (!booted && f.status === 'complete') {
    assert.match(f.reason ?? '', /systemd is not running/);
    assert.ok(f.rows.every((r) => r['active'] === null));
  }
});
