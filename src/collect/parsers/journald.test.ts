import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { mergeJournald, orderDropins } from './journald.js';

void test('drop-ins sort by name; /etc masks the same name in /usr/lib', () => {
  assert.deepEqual(
    orderDropins([
      '/usr/lib/systemd/journald.conf.d/10-a.conf',
      '/etc/systemd/journald.conf.d/20-b.conf',
      '/etc/systemd/journald.conf.d/10-a.conf',
      '/usr/lib/systemd/journald.conf.d/05-z.conf',
    ]),
    [
      '/usr/lib/systemd/journald.conf.d/05-z.conf',
      '/etc/systemd/journald.conf.d/10-a.conf',
      '/etc/systemd/journald.conf.d/20-b.conf',
    ],
  );
});

void test('later files win, only [Journal] counts, defaults fill in, empty resets', () => {
  const { settings, junk } = mergeJournald([
    {
      path: '/etc/systemd/journald.conf',
      text: '[Journal]\r\n#Storage=auto\nStorage=volatile\nCompress=no\n[Other]\nForwardToSyslog=yes\nnonsense\n',
    },
    { path: '/etc/systemd/journald.conf.d/50.conf', text: '[Journal]\nStorage=persistent\nCompress=\n' },
  ]);
  const get = (k: string) => settings.find((s) => s.key === k)!;
  assert.deepEqual(
    [get('Storage').value, get('Storage').path, get('Storage').line],
    ['persistent', '/etc/systemd/journald.conf.d/50.conf', 2],
  );
  assert.deepEqual([get('Compress').value, get('Compress').is_default], ['yes', true]);
  assert.deepEqual([get('ForwardToSyslog').value, get('ForwardToSyslog').is_default], ['no', true]);
  assert.equal(junk.length, 1);
});
