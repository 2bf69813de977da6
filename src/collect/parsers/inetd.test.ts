import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseInetdConf, parseXinetdConf, xinetdEnabled } from './inetd.js';

void test('inetd.conf: live lines, #<off># lines, comments, host:service', () => {
  const text = [
    '# /etc/inetd.conf:  see inetd(8) for further informations.',
    '#:STANDARD: These are standard services.',
    'telnet\t\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\t/usr/sbin/in.telnetd',
    '#<off># tftp\t\tdgram\tudp\twait\tnobody\t/usr/sbin/tcpd\t/usr/sbin/in.tftpd /srv/tftp',
    '   127.0.0.1:shell stream tcp nowait root /usr/sbin/in.rshd in.rshd\r',
    'broken line',
    '#talk dgram udp wait nobody.tty /usr/sbin/in.talkd in.talkd',
  ].join('\n');
  assert.deepEqual(parseInetdConf(text), [
    {
      name: 'telnet',
      protocol: 'tcp',
      server: '/usr/sbin/tcpd /usr/sbin/in.telnetd',
      enabled: true,
      line: 3,
    },
    {
      name: 'tftp',
      protocol: 'udp',
      server: '/usr/sbin/tcpd /usr/sbin/in.tftpd /srv/tftp',
      enabled: false,
      line: 4,
    },
    { name: 'shell', protocol: 'tcp', server: '/usr/sbin/in.rshd in.rshd', enabled: true, line: 5 },
  ]);
});

void test('xinetd: blocks with brace on its own line, defaults, includedir, += and disable', () => {
  const conf =
    'defaults\n{\n  log_type = SYSLOG daemon info\n  disabled = rlogin\n}\n\nincludedir /etc/xinetd.d\n';
  const p = parseXinetdConf(conf);
  assert.deepEqual(p.includeDirs, ['/etc/xinetd.d']);
  assert.equal(p.defaults['disabled'], 'rlogin');
  const tftp = parseXinetdConf(
    '# default: off\nservice tftp\n{\n\tsocket_type\t\t= dgram\n\tprotocol\t\t= udp\n\tserver\t\t\t= /usr/sbin/in.tftpd\n\tserver_args\t\t= -s /var/lib/tftpboot\n\tserver_args += -v\n\tdisable\t\t\t= no # on\n}\n',
  );
  const s = tftp.services[0]!;
  assert.equal(s.name, 'tftp');
  assert.equal(s.line, 2);
  assert.equal(s.attrs['server_args'], '-s /var/lib/tftpboot -v');
  assert.ok(xinetdEnabled(s, p.defaults));
  const off = parseXinetdConf('service telnet {\r\n disable = yes\r\n}\r\nservice rlogin\n{\n}\n');
  assert.equal(off.services.length, 2);
  assert.ok(!xinetdEnabled(off.services[0]!, {}));
  assert.ok(!xinetdEnabled(off.services[1]!, p.defaults));
  assert.ok(!xinetdEnabled(tftp.services[0]!, { enabled: 'telnet' }));
});

void test('xinetd: unterminated block still yields the service', () => {
  const p = parseXinetdConf('service rsh\n{\n disable = no\n');
  assert.equal(p.services.length, 1);
});
