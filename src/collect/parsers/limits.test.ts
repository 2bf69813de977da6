import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLimits, parseSystemdIni } from './limits.js';

void test('limits.conf: comments, tabs, case, short lines', () => {
  const text =
    '# /etc/security/limits.conf\n#*               soft    core            0\n*\t\thard\tcore\t\t0\r\n@student        -       maxlogins       4 # trailing\nftp hard\n';
  const r = parseLimits(text);
  assert.deepEqual(
    r.entries.map((e) => [e.domain, e.type, e.item, e.value, e.line]),
    [
      ['*', 'hard', 'core', '0', 3],
      ['@student', '-', 'maxlogins', '4', 4],
    ],
  );
  assert.deepEqual(r.invalid, [5]);
});

void test('coredump.conf INI', () => {
  const text = '[Coredump]\n#Storage=external\nStorage=none\nProcessSizeMax=0\n; comment\n[Other]\nX=1\n';
  assert.deepEqual(parseSystemdIni(text), [
    { section: 'Coredump', key: 'Storage', value: 'none', line: 3 },
    { section: 'Coredump', key: 'ProcessSizeMax', value: '0', line: 4 },
    { section: 'Other', key: 'X', value: '1', line: 7 },
  ]);
});
