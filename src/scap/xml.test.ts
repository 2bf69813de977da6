import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, kid, kids, descendants, resolveQName, NS, escapeXml } from './xml.js';
import { BulwarkError } from '../core/errors.js';

test('parses namespaces, attributes, text and positions', () => {
  const doc = parseXml(
    '<?xml version="1.0"?>\n<a xmlns="urn:x" xmlns:i="urn:i" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n  <i:b id="1" xsi:type="i:thing">x &amp; y<![CDATA[<z>]]></i:b><c/></a>',
    { fileName: 't.xml' },
  );
  assert.equal(doc.ns, 'urn:x');
  assert.equal(doc.name, 'a');
  const b = kid(doc, 'b', 'urn:i');
  assert.ok(b);
  assert.equal(b.text, 'x & y<z>');
  assert.equal(b.attrs.id, '1');
  assert.equal(b.line, 3);
  assert.deepEqual(resolveQName(b, b.attrs['xsi:type'] ?? ''), { ns: 'urn:i', local: 'thing' });
  assert.equal(kids(doc).length, 2);
  assert.equal(descendants(doc, 'c').length, 1);
  assert.equal(kid(doc, 'b', NS.xccdf12), undefined);
});

test('refuses a DOCTYPE (no DTD, no XXE, no billion laughs)', () => {
  const bomb =
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>';
  assert.throws(
    () => parseXml(bomb, { fileName: 'bomb.xml' }),
    (e: unknown) => {
      assert.ok(e instanceof BulwarkError);
      assert.equal(e.code, 'BW_CONTENT_INVALID');
      assert.match(e.message, /^bomb\.xml:1:\d+: has a document type declaration/);
      return true;
    },
  );
  const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
  assert.throws(() => parseXml(xxe), /document type declaration/);
});

test('undeclared entities and malformed XML give line:column', () => {
  assert.throws(
    () => parseXml('<r>&x;</r>', { fileName: 'e.xml' }),
    /^BulwarkError: e\.xml:1:\d+: is not well-formed XML: undefined entity/,
  );
  assert.throws(
    () => parseXml('<r>\n<a></b></r>', { fileName: 'm.xml' }),
    /m\.xml:2:\d+: is not well-formed XML/,
  );
  assert.throws(() => parseXml('<r>', { fileName: 't.xml' }), /t\.xml:\d+:\d+: is not well-formed XML/);
});

test('escapeXml', () => {
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
});
