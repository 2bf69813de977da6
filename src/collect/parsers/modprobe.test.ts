import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModprobe, parseProcModules } from './modprobe.js';

void test('directives, dash/underscore normalisation, continuation lines, comments, junk', () => {
  const text = [
    '# CIS hardening',
    'install cramfs /bin/false',
    'blacklist usb-storage\r',
    'install usb-storage \\',
    '    /bin/true',
    'options snd-hda-intel  power_save=1   model=auto',
    'alias net-pf-10 off',
    'softdep nf_conntrack pre: nf_defrag_ipv4',
    'remove foo /bin/true',
    'frobnicate x',
    'blacklist',
  ].join('\n');
  const r = parseModprobe(text);
  assert.deepEqual(
    r.entries.map((e) => [e.directive, e.module, e.args, e.line]),
    [
      ['install', 'cramfs', '/bin/false', 2],
      ['blacklist', 'usb_storage', '', 3],
      ['install', 'usb_storage', '/bin/true', 4],
      ['options', 'snd_hda_intel', 'power_save=1 model=auto', 6],
      ['alias', 'net-pf-10', 'off', 7],
      ['softdep', 'nf_conntrack', 'pre: nf_defrag_ipv4', 8],
      ['remove', 'foo', '/bin/true', 9],
    ],
  );
  assert.deepEqual(r.unknown, [10, 11]);
});

void test('/proc/modules', () => {
  const text =
    'usb_storage 81920 0 - Live 0x0000000000000000\nuas 32768 0 - Live 0x0\nsnd-hda 1 0 - Live 0x0\n';
  assert.deepEqual(parseProcModules(text), ['usb_storage', 'uas', 'snd_hda']);
});
