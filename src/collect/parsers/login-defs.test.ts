import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseLoginDefs } from './login-defs.js';

test('login.defs: comments, tabs, quotes, duplicates (last wins), CRLF', () => {
  const d = parseLoginDefs(
    '# comment\nPASS_MAX_DAYS\t99999\r\nPASS_MIN_DAYS 0\n  UMASK  022  \nENCRYPT_METHOD "SHA512"\nPASS_MAX_DAYS 365\nMOTD_FILE\n',
  );
  assert.deepEqual(
    d.map((x) => [x.key, x.value, x.line, x.effective]),
    [
      ['PASS_MAX_DAYS', '99999', 2, false],
      ['PASS_MIN_DAYS', '0', 3, true],
      ['UMASK', '022', 4, true],
      ['ENCRYPT_METHOD', 'SHA512', 5, true],
      ['PASS_MAX_DAYS', '365', 6, true],
      ['MOTD_FILE', '', 7, true],
    ],
  );
});
