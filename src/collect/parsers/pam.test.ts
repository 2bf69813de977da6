import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { argSettings, parseKeyValueConf, parsePam, pamTokens } from './pam.js';

test('Debian common-password style stack with brackets, @include, comments and continuations', () => {
  const text = [
    '# /etc/pam.d/common-password',
    'password\trequisite\t\t\tpam_pwquality.so retry=3 minlen=14',
    'password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt # trailing',
    'password\trequisite\t\t\tpam_deny.so',
    '-session optional pam_systemd.so',
    '@include common-session',
    'auth required /lib/x86_64-linux-gnu/security/pam_faillock.so preauth \\',
    '   silent deny=5',
    'account include system-account',
    'auth required pam_exec.so [quiet cmd=/bin/echo a b]',
    'Auth Required pam_env.so',
  ].join('\n');
  const l = parsePam(text);
  assert.equal(l.length, 9);
  assert.deepEqual(l[0], {
    line: 2,
    type: 'password',
    optional: false,
    control: 'requisite',
    module: 'pam_pwquality.so',
    args: ['retry=3', 'minlen=14'],
  });
  assert.equal(l[1]!.control, '[success=1 default=ignore]');
  assert.deepEqual(l[1]!.args, ['obscure', 'use_authtok', 'try_first_pass', 'yescrypt']);
  assert.equal(l[3]!.optional, true);
  assert.equal(l[3]!.type, 'session');
  assert.deepEqual(l[4], {
    line: 6,
    type: 'include',
    optional: false,
    control: 'include',
    module: 'common-session',
    args: [],
  });
  assert.equal(l[5]!.module, 'pam_faillock.so');
  assert.deepEqual(l[5]!.args, ['preauth', 'silent', 'deny=5']);
  assert.equal(l[5]!.line, 7);
  assert.deepEqual([l[6]!.control, l[6]!.module], ['include', 'system-account']);
  assert.deepEqual(l[7]!.args, ['[quiet cmd=/bin/echo a b]']);
  assert.deepEqual([l[8]!.type, l[8]!.control], ['auth', 'required']);
});

test('tokens keep bracket groups', () => {
  assert.deepEqual(pamTokens('a [b c\\] d] e'), ['a', '[b c] d]', 'e']);
});

test('pwquality.conf style files and module arguments', () => {
  const s = parseKeyValueConf(
    '# minlen = 8\nminlen = 14\r\n  dcredit=-1\nenforce_for_root\nMinClass = 4 # four\n',
  );
  assert.deepEqual(s, [
    { key: 'minlen', value: '14', line: 2 },
    { key: 'dcredit', value: '-1', line: 3 },
    { key: 'enforce_for_root', value: '', line: 4 },
    { key: 'minclass', value: '4', line: 5 },
  ]);
  assert.deepEqual(argSettings(['remember=5', 'use_authtok']), [
    { key: 'remember', value: '5' },
    { key: 'use_authtok', value: '' },
  ]);
});
