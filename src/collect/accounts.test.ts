import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsTarget } from '../targets/target.js';
import { collectOne, makeContext } from './runner.js';
import { utmpRecord } from './parsers/lastlog.js';

async function root(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-accounts-'));
  for (const [p, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, p)), { recursive: true });
    await fs.writeFile(path.join(dir, p), content);
  }
  return dir;
}

async function collect(dir: string, name: string) {
  const ctx = makeContext(await FsTarget.mounted(dir), new Date('2026-06-01T00:00:00Z'));
  return collectOne(ctx, { name, args: {} });
}

const SHA =
  '$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1';
const PI =
  '$6$rounds=5000$abc$eiAQmOGzeVoNppOvlgxUooG8ge1ZQ/mVl62P3F2xtLkyLUBKCqMdEod5IMbRy6qQpCkv8ECzLyaHGnj8/8tgS/';

test('users, groups and shadow join and count, and never carry a hash', async () => {
  const dir = await root({
    '/etc/passwd':
      'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\npi:x:1000:1000::/home/pi:/bin/bash\n+::::::\n',
    '/etc/group': 'root:x:0:\nshadow:x:42:pi\npi:x:1000:\n',
    '/etc/shadow': `root:*:20000:0:99999:7:::\npi:${PI}:20500:1:365:7:45::\nghost:${SHA}:30000:0:99999:7:::\n`,
    '/home/pi/.keep': '',
  });
  try {
    const users = await collect(dir, 'users');
    assert.equal(users.status, 'complete');
    const root0 = users.rows.find((r) => r['name'] === 'root')!;
    assert.equal(root0['uid_count'], 2);
    assert.equal(root0['home_exists'], false);
    const pi = users.rows.find((r) => r['name'] === 'pi')!;
    assert.equal(pi['home_exists'], true);
    assert.equal(pi['primary_group'], 'pi');
    assert.equal(users.rows.find((r) => r['name'] === '+')!['legacy'], true);
    const groups = await collect(dir, 'groups');
    assert.deepEqual(groups.rows.find((r) => r['name'] === 'shadow')!['members'], ['pi']);
    assert.equal(groups.rows.find((r) => r['name'] === 'root')!['in_gshadow'], null);
    const shadow = await collect(dir, 'shadow');
    const ghost = shadow.rows.find((r) => r['user'] === 'ghost')!;
    assert.equal(ghost['in_passwd'], false);
    assert.equal(ghost['password_age_days'], 20605 - 30000);
    assert.equal(shadow.rows.find((r) => r['user'] === 'pi')!['hash_alg'], 'sha512');
    const creds = await collect(dir, 'default_credentials');
    assert.equal(creds.status, 'complete');
    assert.deepEqual(creds.rows.find((r) => r['user'] === 'pi')!['status'], 'matched');
    assert.deepEqual(creds.rows.find((r) => r['user'] === 'ghost')!['status'], 'not_matched');
    for (const f of [users, groups, shadow, creds]) {
      const text = JSON.stringify(f);
      assert.ok(
        !text.includes('saltsalt') && !text.includes('eiAQ') && !text.includes('raspberry'),
        `${f.name} leaks a secret`,
      );
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('default_credentials is incomplete (never a silent pass) for schemes it cannot verify', async () => {
  const dir = await root({
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n',
    '/etc/shadow':
      'root:abJnggxhB/yWI:20000:0:99999:7:::\npi:$y$j7T$zK1YFKe6/WznHIZI9kiyF0$sKgBIi/g5Ai/XM435rhtXd2qUQKfIFeTEkvtskOwHo9:20000:0:99999:7:::\n',
  });
  try {
    const f = await collect(dir, 'default_credentials');
    assert.equal(f.status, 'incomplete');
    assert.equal(f.rows[0]!['status'], 'unsupported_hash');
    assert.equal(f.rows[1]!['status'], 'matched');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('pam resolves @include, include and substack with the original path and line', async () => {
  const dir = await root({
    '/etc/pam.d/common-auth':
      'auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\n',
    '/etc/pam.d/system-auth': 'auth required pam_env.so\npassword sufficient pam_unix.so sha512\n',
    '/etc/pam.d/sshd': '@include common-auth\naccount required pam_nologin.so\n',
    '/etc/pam.d/login': 'auth optional pam_faildelay.so delay=3000000\nauth substack system-auth\n',
    '/etc/pam.d/loop': '@include loop\n',
    '/etc/pam.d/missing': 'auth include nowhere\n',
  });
  try {
    const f = await collect(dir, 'pam');
    const sshd = f.rows.filter((r) => r['service'] === 'sshd');
    assert.deepEqual(
      sshd.map((r) => [r['module'], r['path'], r['line'], r['included_from']]),
      [
        ['common-auth', '/etc/pam.d/sshd', 1, null],
        ['pam_unix.so', '/etc/pam.d/common-auth', 1, '/etc/pam.d/sshd'],
        ['pam_deny.so', '/etc/pam.d/common-auth', 2, '/etc/pam.d/sshd'],
        ['pam_nologin.so', '/etc/pam.d/sshd', 2, null],
      ],
    );
    // substack only pulls lines of the same type
    const login = f.rows.filter((r) => r['service'] === 'login').map((r) => r['module']);
    assert.deepEqual(login, ['pam_faildelay.so', 'system-auth', 'pam_env.so']);
    assert.equal(f.status, 'complete');
    assert.match(f.reason ?? '', /loop|not found/);
    const s = await collect(dir, 'pam_settings');
    assert.deepEqual(
      s.rows.map((r) => [r['file'], r['key'], r['value'], r['service']]),
      [
        ['unix', 'nullok', '', 'common-auth'],
        ['faildelay', 'delay', '3000000', 'login'],
        ['unix', 'sha512', '', 'system-auth'],
      ],
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('sudoers follows includes, skips dotted and backup files in includedir, reports missing includes', async () => {
  const dir = await root({
    '/etc/sudoers':
      'Defaults use_pty\nroot ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n#include sudoers.local\n@include /etc/nowhere\n',
    '/etc/sudoers.local': 'Defaults logfile=/var/log/sudo.log\n',
    '/etc/sudoers.d/10-ops': 'ops ALL=(ALL) NOPASSWD: ALL\n',
    '/etc/sudoers.d/README': '# nothing\n',
    '/etc/sudoers.d/old.conf': 'evil ALL=(ALL) NOPASSWD: ALL\n',
    '/etc/sudoers.d/10-ops~': 'evil ALL=(ALL) NOPASSWD: ALL\n',
  });
  try {
    const f = await collect(dir, 'sudoers');
    assert.equal(f.status, 'incomplete');
    assert.match(f.reason ?? '', /nowhere/);
    const specs = f.rows
      .filter((r) => r['kind'] === 'user_spec')
      .map((r) => [r['subject'], r['nopasswd'], r['path']]);
    assert.deepEqual(specs, [
      ['root', false, '/etc/sudoers'],
      ['ops', true, '/etc/sudoers.d/10-ops'],
    ]);
    assert.ok(f.rows.some((r) => r['defaults_key'] === 'logfile' && r['path'] === '/etc/sudoers.local'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('logins from wtmp; not collected without any login record', async () => {
  const now = Date.UTC(2026, 5, 1) / 1000;
  const dir = await root({
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n',
    '/etc/shadow': `root:*:20000:0:99999:7:::\nalice:${SHA}:20000:1:365:7:45::\n`,
    '/var/log/wtmp': Buffer.concat([
      utmpRecord(7, 'alice', now - 10 * 86400),
      utmpRecord(7, 'alice', now - 100 * 86400),
    ]),
  });
  try {
    const f = await collect(dir, 'logins');
    assert.equal(f.status, 'complete');
    const alice = f.rows.find((r) => r['user'] === 'alice')!;
    assert.equal(alice['last_login_days'], 10);
    assert.equal(alice['source'], 'wtmp');
    assert.equal(alice['password_status'], 'hash');
    assert.equal(f.rows.find((r) => r['user'] === 'root')!['never_logged_in'], true);
    await fs.rm(path.join(dir, 'var/log/wtmp'));
    assert.equal((await collect(dir, 'logins')).status, 'not_collected');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('missing files are absent, binary junk is an error', async () => {
  const dir = await root({ '/etc/passwd': Buffer.from([0, 1, 2, 3, 0, 0]) });
  try {
    assert.equal((await collect(dir, 'users')).status, 'error');
    assert.equal((await collect(dir, 'shadow')).status, 'absent');
    assert.equal((await collect(dir, 'sudoers')).status, 'absent');
    assert.equal((await collect(dir, 'pam')).status, 'absent');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
