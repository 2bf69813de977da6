import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCrontab } from './crontab.js';

const ETC = `# /etc/crontab: system-wide crontab
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\r
25 6	* * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }
@reboot     root  /usr/local/bin/boot-task --flag "a  b"
*/5 1-5 * jan,feb mon-fri  backup /opt/backup.sh
this is not a cron line
@sometimes root nope
1 2 3 4 5 root
`;

test('system crontab: user column, schedules, nicknames, env and junk skipped', () => {
  const e = parseCrontab(ETC, { system: true });
  assert.deepEqual(
    e.map((x) => [x.user, x.schedule, x.command, x.line]),
    [
      ['root', '17 * * * *', 'cd / && run-parts --report /etc/cron.hourly', 5],
      [
        'root',
        '25 6 * * *',
        'test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }',
        6,
      ],
      ['root', '@reboot', '/usr/local/bin/boot-task --flag "a  b"', 7],
      ['backup', '*/5 1-5 * jan,feb mon-fri', '/opt/backup.sh', 8],
    ],
  );
});

test('user crontab: owner from the file name', () => {
  const e = parseCrontab('MAILTO=""\n0 3 * * * /home/alice/bin/sync.sh >/dev/null 2>&1\n@daily true\n', {
    system: false,
    owner: 'alice',
  });
  assert.deepEqual(
    e.map((x) => [x.user, x.schedule, x.command]),
    [
      ['alice', '0 3 * * *', '/home/alice/bin/sync.sh >/dev/null 2>&1'],
      ['alice', '@daily', 'true'],
    ],
  );
});

test('empty', () => {
  assert.deepEqual(parseCrontab('', { system: true }), []);
});
