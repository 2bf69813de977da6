import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseSudoers } from './sudoers.js';

const SAMPLE = `#
# This file MUST be edited with the 'visudo' command as root.
Defaults\tenv_reset
Defaults\tmail_badpass
Defaults\tsecure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults use_pty, logfile="/var/log/sudo.log", timestamp_timeout=5
Defaults:deploy !authenticate, !requiretty
Defaults env_keep += "LANG LC_ALL"
Cmnd_Alias SHUTDOWN = /sbin/shutdown, /sbin/reboot : PKG = /usr/bin/apt
User_Alias ADMINS = alice, bob
root\tALL=(ALL:ALL) ALL
%sudo   ALL=(ALL:ALL) ALL
deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart app, PASSWD: /usr/bin/journalctl
alice, bob ALL = (ALL) ALL, \\
     NOPASSWD: SHUTDOWN
operator ALL=(root) /usr/bin/id # a trailing comment, with a comma
#includedir /etc/sudoers.d
@include sudoers.local
`;

test('Debian sudoers with Defaults lists, aliases, tags, continuations and includes', () => {
  const e = parseSudoers(SAMPLE);
  const defs = e.filter((x) => x.kind === 'defaults');
  assert.deepEqual(
    defs.map((d) => [d.defaultsKey, d.defaultsValue, d.subject]),
    [
      ['env_reset', 'true', null],
      ['mail_badpass', 'true', null],
      ['secure_path', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', null],
      ['use_pty', 'true', null],
      ['logfile', '/var/log/sudo.log', null],
      ['timestamp_timeout', '5', null],
      ['authenticate', 'false', ':deploy'],
      ['requiretty', 'false', ':deploy'],
      ['env_keep', '+LANG LC_ALL', null],
    ],
  );
  assert.equal(defs.find((d) => d.defaultsKey === 'authenticate')!.authenticateOff, true);
  const aliases = e.filter((x) => x.kind === 'alias');
  assert.deepEqual(
    aliases.map((a) => a.subject),
    ['Cmnd_Alias SHUTDOWN', 'Cmnd_Alias PKG', 'User_Alias ADMINS'],
  );
  assert.deepEqual(aliases[0]!.commands, ['/sbin/shutdown', '/sbin/reboot']);
  const specs = e.filter((x) => x.kind === 'user_spec');
  assert.deepEqual(
    specs.map((s) => [s.subject, s.nopasswd, s.commands]),
    [
      ['root', false, ['ALL']],
      ['%sudo', false, ['ALL']],
      ['deploy', true, ['/usr/bin/systemctl restart app', '/usr/bin/journalctl']],
      ['alice,bob', true, ['ALL', 'SHUTDOWN']],
      ['operator', false, ['/usr/bin/id']],
    ],
  );
  assert.equal(specs[3]!.line, 14);
  const inc = e.filter((x) => x.kind === 'include');
  assert.deepEqual(
    inc.map((i) => i.include),
    [
      { dir: true, path: '/etc/sudoers.d' },
      { dir: false, path: 'sudoers.local' },
    ],
  );
});

test('NOPASSWD after a runas list with a colon, and a uid in the user list', () => {
  const e = parseSudoers(
    '#1001 ALL=(root:adm) NOPASSWD:ALL\nbob host1 = /bin/ls : host2 = NOPASSWD: /bin/cat\n',
  );
  assert.deepEqual(
    e.map((x) => [x.kind, x.subject, x.nopasswd, x.commands]),
    [
      ['user_spec', '#1001', true, ['ALL']],
      ['user_spec', 'bob', true, ['/bin/ls', '/bin/cat']],
    ],
  );
});
