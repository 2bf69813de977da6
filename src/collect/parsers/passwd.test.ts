import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parsePasswd } from './passwd.js';

test('Debian passwd with comments, CRLF, NIS lines and a malformed line', () => {
  const text =
    'root:x:0:0:root:/root:/bin/bash\r\n# comment\n\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n+::::::\n-baduser::::::\nbroken:x:abc:1::/:\npi::1000:1000:,,,:/home/pi:/bin/bash';
  const e = parsePasswd(text);
  assert.equal(e.length, 6);
  assert.deepEqual(
    e.map((x) => x.name),
    ['root', 'daemon', '+', '-baduser', 'broken', 'pi'],
  );
  assert.equal(e[0]!.shell, '/bin/bash');
  assert.equal(e[0]!.line, 1);
  assert.equal(e[1]!.line, 4);
  assert.equal(e[2]!.legacy, true);
  assert.equal(e[2]!.malformed, false);
  assert.equal(e[4]!.malformed, true);
  assert.equal(e[4]!.uid, null);
  assert.equal(e[5]!.passwordField, '');
  assert.equal(e[5]!.uid, 1000);
});
