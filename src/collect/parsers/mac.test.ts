import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isAppArmorProfileFileName,
  parseAppArmorProfiles,
  parseLoadedProfiles,
  parseSelinuxConfig,
} from './mac.js';

void test('AppArmor profile heads and flags; hats and variables are not profiles', () => {
  const text = `abi <abi/3.0>,
include <tunables/global>
@{exec_path} = /usr/sbin/foo
profile foo @{exec_path} flags=(attach_disconnected,complain) {
  include <abstractions/base>
  ^hat {
    /etc/x r,
  }
  profile child flags=(unconfined) {
  }
}
/usr/sbin/tcpdump {
  # flags=(complain) in a comment
}
"/opt/my app/bin" flags=(kill) {
}
profile unconfined-thing flags=(unconfined) {
}
`;
  assert.deepEqual(parseAppArmorProfiles(text), [
    { name: 'foo', mode: 'complain', line: 4 },
    { name: '/usr/sbin/tcpdump', mode: 'enforce', line: 12 },
    { name: '/opt/my app/bin', mode: 'kill', line: 15 },
    { name: 'unconfined-thing', mode: 'unconfined', line: 17 },
  ]);
});

void test('profile file names apparmor_parser skips', () => {
  assert.equal(isAppArmorProfileFileName('usr.sbin.cupsd'), true);
  assert.equal(isAppArmorProfileFileName('usr.sbin.cupsd.dpkg-old'), false);
  assert.equal(isAppArmorProfileFileName('README'), false);
  assert.equal(isAppArmorProfileFileName('foo~'), false);
});

void test('loaded profiles', () => {
  assert.deepEqual(
    parseLoadedProfiles(
      '/usr/bin/man (enforce)\nsnap-update-ns.firefox (complain)\nunconfined_x (unconfined)\nweird\n',
    ),
    [
      { name: '/usr/bin/man', mode: 'enforce' },
      { name: 'snap-update-ns.firefox', mode: 'complain' },
      { name: 'unconfined_x', mode: 'unconfined' },
      { name: 'weird', mode: 'unknown' },
    ],
  );
});

void test('selinux config', () => {
  const text =
    '# SELINUX= can take one of these three values:\nSELINUX=permissive\nSELINUX=Enforcing\nSELINUXTYPE="targeted"\n';
  assert.deepEqual(parseSelinuxConfig(text), [
    { key: 'SELINUX', value: 'enforcing', line: 3 },
    { key: 'SELINUXTYPE', value: 'targeted', line: 4 },
  ]);
});
