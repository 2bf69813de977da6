import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BulwarkError } from '../core/errors.js';
import { parseOpenScap } from './openscap.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const FIX = path.join(repoRoot(), 'test', 'fixtures', 'import');
const read = (f: string) => fs.readFileSync(path.join(FIX, f), 'utf8');
const RULE = 'xccdf_org.ssgproject.content_rule_';

function refused(xml: string, pattern: RegExp): void {
  assert.throws(
    () => parseOpenScap(xml, 'x.xml'),
    (e: unknown) => e instanceof BulwarkError && e.code === 'BW_IMPORT_INVALID' && pattern.test(e.message),
  );
}

for (const f of ['openscap-xccdf-results.xml', 'openscap-arf.xml'])
  test(`OpenSCAP ${f} (real oscap 1.3.7 output, trimmed): results, titles, identity, times, score`, () => {
    const s = parseOpenScap(read(f), f);
    assert.equal(s.profile, 'import:openscap:xccdf_org.ssgproject.content_profile_anssi_np_nt28_minimal');
    assert.equal(s.startedAt, '2026-11-22T00:49:54.000Z');
    assert.equal(s.finishedAt, '2026-11-22T00:49:55.000Z');
    assert.equal(s.toolScore, 70.8);
    assert.equal(s.skipped, 2, 'notselected rules are not imported');
    assert.deepEqual(s.results.map((r) => [r.rule.slice(RULE.length), r.status, r.severity]).sort(), [
      ['apt_sources_list_official', 'fail', 'medium'],
      ['file_groupowner_etc_passwd', 'pass', 'medium'],
      ['package_rsyslog_installed', 'fail', 'medium'],
      ['service_rsyslog_enabled', 'fail', 'medium'],
      ['sudo_remove_no_authenticate', 'pass', 'medium'],
      ['sudo_remove_nopasswd', 'pass', 'medium'],
    ]);
    const rsyslog = s.results.find((r) => r.rule === `${RULE}package_rsyslog_installed`)!;
    assert.equal(rsyslog.title, 'Ensure rsyslog is Installed', 'title from the Benchmark / datastream');
    assert.match(
      s.results.find((r) => r.rule.endsWith('apt_sources_list_official'))!.message,
      /severity unknown: imported as medium/,
    );
    assert.equal(s.identity.hostname, 'web01');
    assert.equal(s.identity.fqdn, 'web01.example.net');
    assert.equal(s.identity.machineId, null);
    assert.deepEqual(s.identity.macs, ['02:00:5e:10:00:01', '52:54:00:12:34:56', '52:54:00:ab:cd:ef']);
    assert.ok(s.identity.ips.includes('192.0.2.2'));
  });

const tr = (results: string, extra = '') => `<?xml version="1.0" encoding="UTF-8"?>
<TestResult xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_t_testresult_1" start-time="2026-01-02T03:04:05+01:00" end-time="2026-01-02T03:05:05+01:00">
  <profile idref="xccdf_t_profile_p"/>
  <target>plc-gw</target>
  <target-facts>
    <fact name="urn:xccdf:fact:asset:identifier:host_name" type="string">plc-gw</fact>
    <fact name="urn:example:machine-id" type="string">0123456789ABCDEF0123456789abcdef</fact>
  </target-facts>
  ${extra}
  ${results}
</TestResult>`;

test('every XCCDF result value maps to a Bulwark status as documented', () => {
  const values = [
    'pass',
    'fail',
    'error',
    'unknown',
    'notapplicable',
    'notchecked',
    'notselected',
    'informational',
    'fixed',
    'bogus',
  ];
  const s = parseOpenScap(
    tr(
      values
        .map(
          (v) =>
            `<rule-result idref="r_${v}" severity="high"><result>${v}</result><ident system="https://ncp.nist.gov/cce">CCE-1 &amp; 2</ident></rule-result>`,
        )
        .join('\n'),
    ),
    't.xml',
  );
  const by = Object.fromEntries(s.results.map((r) => [r.rule.slice(2), r]));
  assert.deepEqual(Object.fromEntries(Object.entries(by).map(([k, r]) => [k, r.status])), {
    pass: 'pass',
    fail: 'fail',
    error: 'error',
    unknown: 'error',
    notapplicable: 'not_applicable',
    notchecked: 'not_checked',
    informational: 'informational',
    fixed: 'pass',
    bogus: 'error',
  });
  assert.match(by['unknown']!.message, /could not decide/);
  assert.match(by['fixed']!.message, /fixed by OpenSCAP remediation/);
  assert.match(by['pass']!.message, /idents CCE-1 & 2/, 'predefined entities are decoded');
  assert.equal(by['pass']!.severity, 'high');
  assert.equal(s.skipped, 1);
  assert.equal(s.identity.machineId, '0123456789abcdef0123456789abcdef');
  assert.equal(s.startedAt, '2026-01-02T02:04:05.000Z');
  assert.ok(s.notes.some((n) => n.includes('bogus')));
});

test('XXE and billion-laughs documents are refused before any entity is processed', () => {
  const xxe = `<?xml version="1.0"?>
<!DOCTYPE TestResult [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<TestResult xmlns="http://checklists.nist.gov/xccdf/1.2" end-time="2026-01-01T00:00:00Z"><target>&xxe;</target>
<rule-result idref="r"><result>pass</result></rule-result></TestResult>`;
  refused(xxe, /document type declaration/);
  const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<TestResult end-time="2026-01-01T00:00:00Z"><target>&lol3;</target></TestResult>`;
  refused(lol, /document type declaration/);
  // Without a DTD an entity reference is not expanded into anything: a custom one is not well-formed XML
  // or stays literal text, never a file's contents.
  let inert: string | undefined;
  try {
    inert = parseOpenScap(
      tr('<rule-result idref="r"><result>pass</result><message>&xxe;</message></rule-result>'),
      't.xml',
    ).results[0]?.message;
  } catch (e) {
    assert.ok(e instanceof BulwarkError && e.code === 'BW_IMPORT_INVALID');
  }
  if (inert !== undefined) assert.doesNotMatch(inert, /root:/);
});

test('malformed, truncated, foreign and result-less documents are BW_IMPORT_INVALID', () => {
  const full = read('openscap-xccdf-results.xml');
  refused(full.slice(0, Math.floor(full.length * 0.6)), /not well-formed/);
  refused('not xml at all', /not well-formed|not an XCCDF/);
  refused(
    '<?xml version="1.0"?><html><body/></html>',
    /not an XCCDF results or ARF document \(root element <html>\)/,
  );
  refused(
    '<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b"><Rule id="r"><title>T</title></Rule></Benchmark>',
    /no XCCDF TestResult/,
  );
  refused(tr('').replace(/ end-time="[^"]*"/, ''), /end-time/);
});
