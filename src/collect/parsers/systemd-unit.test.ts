import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hasSection, lastValue, listValues, parseUnitFile } from './systemd-unit.js';

const AVAHI = `[Unit]
Description=Avahi mDNS/DNS-SD Stack
Requires=avahi-daemon.socket

[Service]
Type=dbus
BusName=org.freedesktop.Avahi
ExecStart=/usr/sbin/avahi-daemon -s
ExecReload=/usr/sbin/avahi-daemon -r
NotifyAccess=main

[Install]
WantedBy=multi-user.target
Also=avahi-daemon.socket
Alias=dbus-org.freedesktop.Avahi.service
`;

void test('sections, keys, lines, list settings', () => {
  const e = parseUnitFile(AVAHI);
  assert.equal(lastValue(e, 'Service', 'ExecStart'), '/usr/sbin/avahi-daemon -s');
  assert.deepEqual(listValues(e, 'Install', 'WantedBy'), ['multi-user.target']);
  assert.deepEqual(listValues(e, 'Install', 'Alias'), ['dbus-org.freedesktop.Avahi.service']);
  assert.equal(e.find((x) => x.key === 'WantedBy')?.line, 13);
  assert.ok(hasSection(e, 'Install'));
});

void test('continuations, comments with # and ;, CRLF, resets, odd whitespace, BOM', () => {
  const text =
    '\uFEFF# comment\r\n; also a comment\r\n[Service]\r\nExecStart=/usr/bin/rsync \\\r\n  --daemon \\\r\n# a comment inside\r\n  --no-detach\r\n  Environment = A=1  \r\n[Install]\r\nWantedBy=multi-user.target graphical.target\r\nWantedBy=\r\nWantedBy=  default.target  \r\nRequiredBy=foo.target\r\n[Broken\r\nnonsense line\r\n';
  const e = parseUnitFile(text);
  assert.equal(lastValue(e, 'Service', 'ExecStart'), '/usr/bin/rsync --daemon --no-detach');
  assert.equal(e.find((x) => x.key === 'ExecStart')?.line, 4);
  assert.equal(lastValue(e, 'Service', 'Environment'), 'A=1');
  assert.deepEqual(listValues(e, 'Install', 'WantedBy'), ['default.target']);
  assert.deepEqual(listValues(e, 'Install', 'RequiredBy'), ['foo.target']);
  assert.ok(!hasSection(e, 'Unit'));
});

void test('a unit without [Install] (static) and an empty file', () => {
  assert.ok(!hasSection(parseUnitFile('[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n'), 'Install'));
  assert.deepEqual(parseUnitFile(''), []);
  assert.deepEqual(parseUnitFile('trailing \\'), []);
});
