import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  SSHD_DEFAULTS,
  effectiveSshdConfig,
  expandSshdConfig,
  lexSshdConfig,
  parseSshdTime,
  resolveAlgorithmList,
  tokenize,
  type ExpandIo,
} from './sshd-config.js';

// Debian 12's shipped sshd_config (abridged), with CRLF endings and odd spacing added.
const DEBIAN = [
  '',
  '# This is the sshd server system-wide configuration file.',
  'Include /etc/ssh/sshd_config.d/*.conf',
  '',
  '#Port 22',
  '#PermitRootLogin prohibit-password',
  'KbdInteractiveAuthentication no',
  'UsePAM yes',
  'X11Forwarding yes',
  'PrintMotd no',
  'AcceptEnv LANG LC_*',
  'Subsystem\tsftp\t/usr/lib/openssh/sftp-server',
  'permitrootlogin=yes',
  '',
].join('\r\n');

function io(files: Record<string, string>): ExpandIo {
  return {
    read: (p) =>
      Promise.resolve(
        files[p] !== undefined
          ? { ok: true, text: files[p] }
          : { ok: false, absent: true, reason: `${p} does not exist` },
      ),
    glob: (pattern) => {
      const re = new RegExp('^' + pattern.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*') + '$');
      return Promise.resolve(
        Object.keys(files)
          .filter((f) => re.test(f))
          .sort(),
      );
    },
  };
}

void test('tokenize handles quotes, escapes and comments', () => {
  assert.deepEqual(tokenize('"/etc/issue net" # banner'), ['/etc/issue net']);
  assert.deepEqual(tokenize('a  b\t"c \\" d"'), ['a', 'b', 'c " d']);
  assert.deepEqual(tokenize('x#y'), ['x#y']);
  assert.deepEqual(tokenize('"open'), { error: 'unterminated quote' });
});

void test('lex: keywords are case-insensitive, = separates, aliases map', () => {
  const l = lexSshdConfig(
    'PermitRootLogin=no\n  MaxAuthTries = 3\nChallengeResponseAuthentication no\n"bad\n',
  );
  assert.deepEqual(
    l.directives.map((d) => [d.key, d.args, d.line]),
    [
      ['permitrootlogin', ['no'], 1],
      ['maxauthtries', ['3'], 2],
      ['kbdinteractiveauthentication', ['no'], 3],
    ],
  );
  assert.equal(l.problems.length, 1);
});

void test('drop-ins included at the top win over later main-file lines (first value wins)', async () => {
  const ex = await expandSshdConfig(
    '/etc/ssh/sshd_config',
    io({
      '/etc/ssh/sshd_config': DEBIAN,
      '/etc/ssh/sshd_config.d/50-hardening.conf': 'PermitRootLogin no\nMaxAuthTries 4\nAcceptEnv TZ\n',
      '/etc/ssh/sshd_config.d/10-first.conf': 'MaxAuthTries 3\n',
    }),
  );
  assert.deepEqual(ex.files, [
    '/etc/ssh/sshd_config',
    '/etc/ssh/sshd_config.d/10-first.conf',
    '/etc/ssh/sshd_config.d/50-hardening.conf',
  ]);
  const rows = effectiveSshdConfig(ex.directives, SSHD_DEFAULTS);
  const get = (k: string) => rows.filter((r) => r.key === k);
  assert.deepEqual(
    get('permitrootlogin').map((r) => [r.value, r.path, r.line]),
    [['no', '/etc/ssh/sshd_config.d/50-hardening.conf', 1]],
  );
  assert.deepEqual(
    get('maxauthtries').map((r) => [r.number, r.path]),
    [[3, '/etc/ssh/sshd_config.d/10-first.conf']],
  );
  // cumulative: every AcceptEnv line is kept
  assert.deepEqual(
    get('acceptenv').map((r) => r.value),
    ['TZ', 'LANG LC_*'],
  );
  assert.equal(get('usepam')[0]!.value, 'yes');
  assert.equal(get('usepam')[0]!.line, 8);
  // defaults fill the rest
  const lg = get('logingracetime')[0]!;
  assert.equal(lg.is_default, true);
  assert.equal(lg.number, 120);
  assert.equal(lg.path, null);
  assert.deepEqual(
    get('port').map((r) => [r.value, r.is_default]),
    [['22', true]],
  );
});

void test('Match blocks are recorded with their condition and end with the included file', async () => {
  const ex = await expandSshdConfig(
    '/etc/ssh/sshd_config',
    io({
      '/etc/ssh/sshd_config':
        'Include extra.conf\nPermitRootLogin no\nMatch Address 10.0.0.0/8\n  PermitRootLogin yes\n  X11Forwarding YES\nMatch all\nBanner /etc/issue.net\n',
      '/etc/ssh/extra.conf': 'Match User backup\nAllowTcpForwarding yes\n',
    }),
  );
  const rows = effectiveSshdConfig(ex.directives, SSHD_DEFAULTS);
  const prl = rows.filter((r) => r.key === 'permitrootlogin');
  assert.deepEqual(
    prl.map((r) => [r.value, r.match, r.line]),
    [
      ['no', null, 2],
      ['yes', 'Address 10.0.0.0/8', 4],
    ],
  );
  assert.deepEqual(
    rows.filter((r) => r.key === 'allowtcpforwarding').map((r) => [r.value, r.match, r.is_default]),
    [
      ['yes', 'User backup', false],
      ['yes', null, true],
    ],
  );
  assert.equal(rows.find((r) => r.key === 'x11forwarding' && r.match !== null)!.value, 'yes');
  assert.equal(rows.find((r) => r.key === 'banner' && !r.is_default)!.match, 'all');
});

void test('Include loops end with a problem instead of recursing forever', async () => {
  const ex = await expandSshdConfig(
    '/etc/ssh/sshd_config',
    io({ '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config\nPort 2222\n' }),
  );
  assert.equal(ex.incomplete, true);
  assert.ok(ex.problems.some((p) => p.includes('deeper')));
});

void test('a missing Include file is not an error; an unreadable main file is', async () => {
  const ok = await expandSshdConfig(
    '/etc/ssh/sshd_config',
    io({ '/etc/ssh/sshd_config': 'Include /etc/ssh/none.conf\n' }),
  );
  assert.equal(ok.incomplete, false);
  const bad = await expandSshdConfig('/etc/ssh/sshd_config', io({}));
  assert.equal(bad.incomplete, true);
});

void test('algorithm lists: +, - and ^ modify the default; values are split', () => {
  assert.deepEqual(resolveAlgorithmList('-*-cbc,hmac-sha1', ['aes128-ctr', 'aes128-cbc', 'hmac-sha1']), [
    'aes128-ctr',
  ]);
  assert.deepEqual(resolveAlgorithmList('+aes128-cbc', ['aes128-ctr']), ['aes128-ctr', 'aes128-cbc']);
  assert.deepEqual(resolveAlgorithmList('^x', ['a', 'x']), ['x', 'a']);
  const rows = effectiveSshdConfig(
    [{ key: 'ciphers', args: ['+aes256-cbc'], path: '/etc/ssh/sshd_config', line: 1, match: null }],
    SSHD_DEFAULTS,
  );
  const c = rows.find((r) => r.key === 'ciphers')!;
  assert.ok(c.values.includes('aes256-cbc'));
  assert.ok(c.values.includes('chacha20-poly1305@openssh.com'));
});

void test('time values and normalised words', () => {
  assert.equal(parseSshdTime('1m30s'), 90);
  assert.equal(parseSshdTime('2h'), 7200);
  assert.equal(parseSshdTime('60'), 60);
  assert.equal(parseSshdTime('soon'), undefined);
  const rows = effectiveSshdConfig(
    [
      { key: 'permitrootlogin', args: ['without-password'], path: '/x', line: 1, match: null },
      { key: 'loglevel', args: ['verbose'], path: '/x', line: 2, match: null },
      { key: 'logingracetime', args: ['1m'], path: '/x', line: 3, match: null },
    ],
    SSHD_DEFAULTS,
  );
  assert.equal(rows[0]!.value, 'prohibit-password');
  assert.equal(rows[1]!.value, 'VERBOSE');
  assert.equal(rows[2]!.number, 60);
});
