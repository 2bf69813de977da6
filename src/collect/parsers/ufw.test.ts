import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShellVars, parseUfwConf, parseUfwDefaults } from './ufw.js';

test('ufw.conf ENABLED', () => {
  assert.equal(parseUfwConf('# /etc/ufw/ufw.conf\n\nENABLED=yes\nLOGLEVEL=low\n').enabled, true);
  assert.equal(parseUfwConf('ENABLED=no\n').enabled, false);
  assert.equal(parseUfwConf('ENABLED=yes\nENABLED=no\n').line, 2);
  assert.equal(parseUfwConf('').enabled, false);
});

test('default policies, quotes and comments; unset policies take ufw defaults', () => {
  const e = parseUfwDefaults(
    'IPV6=no\nDEFAULT_INPUT_POLICY="ACCEPT"\r\nDEFAULT_OUTPUT_POLICY=\'REJECT\' # x\n',
  );
  assert.deepEqual(
    e.map((x) => [x.family, x.hook, x.policy, x.line]),
    [
      ['ip', 'input', 'accept', 2],
      ['ip', 'output', 'reject', 3],
      ['ip', 'forward', 'drop', 1],
    ],
  );
  assert.equal(parseUfwDefaults('').length, 6);
});

test('shell vars', () => {
  const v = parseShellVars('export A=1\nB = 2\nC=x # c\n');
  assert.equal(v.get('A')?.value, '1');
  assert.equal(v.has('B'), false);
  assert.equal(v.get('C')?.value, 'x');
});
