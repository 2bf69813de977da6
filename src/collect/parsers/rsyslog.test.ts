import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { parseRsyslog } from './rsyslog.js';

const DEBIAN = `# /etc/rsyslog.conf configuration file for rsyslog
module(load="imuxsock") # provides support for local system logging
module(load="imklog")   # provides kernel logging support
#module(load="imudp")
#input(type="imudp" port="514")
$FileOwner root
$FileGroup adm
$FileCreateMode 0640
$DirCreateMode 0755
$Umask 0022
$WorkDirectory /var/spool/rsyslog
$IncludeConfig /etc/rsyslog.d/*.conf
auth,authpriv.*\t\t\t/var/log/auth.log
*.*;auth,authpriv.none\t\t-/var/log/syslog
*.emerg\t\t\t\t:omusrmsg:*
`;

void test('Debian default rsyslog.conf', () => {
  const { statements, problems } = parseRsyslog(DEBIAN);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    statements.filter((s) => s.kind === 'module').map((s) => [s.name, s.line]),
    [
      ['imuxsock', 2],
      ['imklog', 3],
    ],
  );
  const fcm = statements.find((s) => s.name === '$filecreatemode')!;
  assert.deepEqual([fcm.kind, fcm.value, fcm.mode, fcm.line], ['directive', '0640', 0o640, 8]);
  assert.deepEqual(
    statements.filter((s) => s.kind === 'include').map((s) => s.name),
    ['/etc/rsyslog.d/*.conf'],
  );
  const rules = statements.filter((s) => s.kind === 'rule');
  assert.deepEqual(
    rules.map((r) => [r.selector, r.action]),
    [
      ['auth,authpriv.*', '/var/log/auth.log'],
      ['*.*;auth,authpriv.none', '-/var/log/syslog'],
      ['*.emerg', ':omusrmsg:*'],
    ],
  );
});

void test('remote input and forwarding in RainerScript over several lines, CRLF, block comments', () => {
  const text = [
    'module(load="imtcp")',
    'input(type="imtcp"',
    '      port="514")',
    '/* old:',
    '*.* @@old:514 */',
    '*.* action(type="omfwd" target="loghost.example" port="6514" protocol="tcp"',
    '   StreamDriver="gtls")',
    'authpriv.* @@10.0.0.5:514',
    'module(load="builtin:omfile" fileCreateMode="0600")',
    'if $programname == "sshd" then { action(type="omfile" file="/var/log/sshd.log") }',
    ':msg, contains, "iptables" /var/log/fw.log',
    'include(file="/etc/rsyslog.d/extra/*.conf" mode="optional")',
  ].join('\r\n');
  const { statements } = parseRsyslog(text);
  const by = (k: string) => statements.filter((s) => s.kind === k);
  assert.deepEqual(
    by('input').map((s) => [s.name, s.params, s.line]),
    [['imtcp', ['type=imtcp', 'port=514'], 2]],
  );
  const fwd = by('action').find((s) => s.name === 'omfwd')!;
  assert.equal(fwd.selector, '*.*');
  assert.ok(fwd.params.includes('target=loghost.example'));
  assert.ok(fwd.params.includes('streamdriver=gtls'));
  assert.deepEqual(
    by('rule').map((s) => [s.selector, s.action]),
    [
      ['authpriv.*', '@@10.0.0.5:514'],
      [':msg, contains, "iptables"', '/var/log/fw.log'],
    ],
  );
  assert.equal(by('module').find((s) => s.name === 'builtin:omfile')!.mode, 0o600);
  assert.ok(by('action').some((s) => s.name === 'omfile'));
  assert.deepEqual(
    by('include').map((s) => [s.name, s.value]),
    [['/etc/rsyslog.d/extra/*.conf', 'optional']],
  );
  assert.ok(!statements.some((s) => s.text.includes('@@old')));
});
