import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeXmlText, parseFirewalldConf, parseFirewalldZone, parseXml, zonePolicy } from './firewalld.js';

const PUBLIC = `<?xml version="1.0" encoding="utf-8"?>
<zone>
  <short>Public</short>
  <description>For use in public areas &amp; such.</description>
  <service name="ssh"/>
  <service name="dhcpv6-client"/>
  <port protocol="tcp" port="8443"/>
  <!-- <service name="telnet"/> -->
  <rule family="ipv4">
    <source address="127.0.0.1" invert="True"/>
    <destination address="127.0.0.1"/>
    <drop/>
  </rule>
</zone>
`;

test('zone: chain with policy from target, rules from elements', () => {
  const e = parseFirewalldZone(PUBLIC, 'public', true)!;
  assert.deepEqual(
    [e[0]!.kind, e[0]!.chain, e[0]!.hook, e[0]!.policy],
    ['chain', 'public', 'input', 'reject'],
  );
  assert.deepEqual(
    e.slice(1).map((r) => [r.rule, r.family, r.line]),
    [
      ['service name=ssh', 'inet', 5],
      ['service name=dhcpv6-client', 'inet', 6],
      ['port protocol=tcp port=8443', 'inet', 7],
      ['rule family=ipv4 source address=127.0.0.1 invert=True destination address=127.0.0.1 drop', 'ip', 9],
    ],
  );
  const other = parseFirewalldZone('<zone target="ACCEPT"/>', 'trusted', false)!;
  assert.deepEqual([other[0]!.hook, other[0]!.policy], [null, 'accept']);
});

test('targets', () => {
  assert.equal(zonePolicy(undefined), 'reject');
  assert.equal(zonePolicy('%%REJECT%%'), 'reject');
  assert.equal(zonePolicy('DROP'), 'drop');
  assert.equal(zonePolicy('ACCEPT'), 'accept');
});

test('entities are never resolved: DOCTYPE skipped, external entity left as text', () => {
  const evil = `<?xml version="1.0"?>
<!DOCTYPE zone [ <!ENTITY xxe SYSTEM "file:///etc/shadow"> <!ENTITY big "&xxe;&xxe;"> ]>
<zone target="&xxe;"><service name="&big;"/></zone>`;
  const z = parseXml(evil)!;
  assert.equal(z.name, 'zone');
  assert.equal(z.attrs['target'], '&xxe;');
  assert.equal(z.children[0]!.attrs['name'], '&big;');
  assert.equal(decodeXmlText('a&lt;b&#x41;&#66;&foo;'), 'a<bAB&foo;');
});

test('not a zone, junk', () => {
  assert.equal(parseFirewalldZone('<service/>', 'x', false), undefined);
  assert.equal(parseFirewalldZone('not xml at all', 'x', false), undefined);
  assert.equal(parseXml(''), undefined);
});

test('firewalld.conf DefaultZone', () => {
  assert.deepEqual(parseFirewalldConf('# comment\nDefaultZone=drop\nCleanupOnExit=yes\n'), {
    defaultZone: 'drop',
    line: 2,
  });
  assert.deepEqual(parseFirewalldConf(''), { defaultZone: 'public', line: 1 });
});
