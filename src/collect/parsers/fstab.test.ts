import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountUnitName, parseFstab, parseMountUnit } from './fstab.js';

void test('fstab: comments, tabs, escapes, missing fields, trailing slash, junk', () => {
  const text = [
    '# /etc/fstab: static file system information.',
    'UUID=1234-abcd /               ext4    errors=remount-ro 0       1',
    'tmpfs\t/tmp\ttmpfs\tdefaults,nodev,nosuid,noexec\t0\t0\r',
    '/dev/sdb1  /mnt/My\\040Disk/  vfat  noauto,user',
    '/dev/sr0 /media/cdrom0 udf,iso9660 user,noauto 0 0',
    'broken-line',
    'tmpfs /dev/shm tmpfs',
  ].join('\n');
  const r = parseFstab(text);
  assert.deepEqual(
    r.entries.map((e) => [e.device, e.mountpoint, e.fstype, e.options, e.dump, e.pass, e.line]),
    [
      ['UUID=1234-abcd', '/', 'ext4', ['errors=remount-ro'], 0, 1, 2],
      ['tmpfs', '/tmp', 'tmpfs', ['defaults', 'nodev', 'nosuid', 'noexec'], 0, 0, 3],
      ['/dev/sdb1', '/mnt/My Disk', 'vfat', ['noauto', 'user'], 0, 0, 4],
      ['/dev/sr0', '/media/cdrom0', 'udf,iso9660', ['user', 'noauto'], 0, 0, 5],
      ['tmpfs', '/dev/shm', 'tmpfs', ['defaults'], 0, 0, 7],
    ],
  );
  assert.deepEqual(r.invalid, [6]);
});

void test('systemd tmp.mount', () => {
  const unit =
    '[Unit]\nDescription=Temporary Directory /tmp\n\n[Mount]\nWhat=tmpfs\nWhere=/tmp\nType=tmpfs\nOptions=mode=1777,strictatime,nosuid,nodev,size=50%%,nr_inodes=1m\n\n[Install]\nWantedBy=local-fs.target\n';
  const u = parseMountUnit(unit);
  assert.equal(u.where, '/tmp');
  assert.equal(u.what, 'tmpfs');
  assert.equal(u.type, 'tmpfs');
  assert.equal(u.line, 6);
  assert.deepEqual(u.options, ['mode=1777', 'strictatime', 'nosuid', 'nodev', 'size=50%%', 'nr_inodes=1m']);
});

void test('mount unit names', () => {
  assert.equal(mountUnitName('/tmp'), 'tmp.mount');
  assert.equal(mountUnitName('/var/log/audit'), 'var-log-audit.mount');
  assert.equal(mountUnitName('/dev/shm'), 'dev-shm.mount');
  assert.equal(mountUnitName('/'), '-.mount');
});
