import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBuiltinContent } from './load.js';
import { listFrameworks, naturalCompare, readFrameworkFile, resolveFramework, type FrameworkFile } from './frameworks.js';

const { catalogue } = loadBuiltinContent();

test('every framework file resolves with no issue: known rules, no duplicate, every referenced control listed', () => {
  const ids = listFrameworks();
  for (const need of ['cis', 'stig', 'nist-800-53', 'iec62443-3-3', 'iec62443-4-2', 'pci-dss-4', 'hipaa', 'soc2', 'cra', 'etsi-en-303-645'])
    assert.ok(ids.includes(need), `content/frameworks/${need}.yaml`);
  for (const id of ids) {
    const file = readFrameworkFile(id);
    assert.equal(file.id, id, `${id}.yaml: id matches the file name`);
    const { framework, issues } = resolveFramework(file, catalogue);
    assert.deepEqual(issues, [], id);
    assert.ok(framework.controls.length > 0, id);
    for (const c of framework.controls) for (const r of c.rules) assert.ok(catalogue.rules.has(r), `${id} ${c.id}: ${r}`);
    assert.ok(framework.controls.some((c) => c.rules.length > 0), `${id} maps at least one rule`);
  }
});

test('mappings come from rule references: every rule referencing a NIST control is mapped to its base control', () => {
  const { framework } = resolveFramework(readFrameworkFile('nist-800-53'), catalogue);
  const ac2 = framework.controls.find((c) => c.id === 'AC-2')!;
  for (const r of catalogue.rules.values()) {
    const refs = (r.references as { nist_800_53?: string[] }).nist_800_53 ?? [];
    if (refs.some((x) => x === 'AC-2' || x.startsWith('AC-2('))) assert.ok(ac2.rules.includes(r.id), r.id);
  }
  // CIS by number only, derived: "debian12 5.1.4" exists and maps ssh-access-restricted.
  const cis = resolveFramework(readFrameworkFile('cis'), catalogue).framework;
  assert.ok(cis.controls.find((c) => c.id === 'debian12 5.1.4')?.rules.includes('ssh-access-restricted'));
});

test('problems are reported: unknown rule, unlisted referenced control, duplicate, empty reference', () => {
  const bad: FrameworkFile = {
    id: 'bad',
    title: 'Bad framework',
    reference_key: 'pci_dss_4',
    controls: [
      { id: '1.2.5', title: 'x', rules: ['no-such-rule'] },
      { id: '1.2.5', title: 'again' },
      { id: 'X', title: 'y', refs: ['nist_800_53:ZZ-99'] },
    ],
  };
  const codes = resolveFramework(bad, catalogue).issues.map((i) => i.code);
  assert.ok(codes.includes('unknown_rule'));
  assert.ok(codes.includes('duplicate_control'));
  assert.ok(codes.includes('unlisted_control'));
  assert.ok(codes.includes('empty_ref'));
});

test('natural order of control ids', () => {
  assert.deepEqual(['SR 1.10', 'SR 1.2', 'AC-10', 'AC-2'].sort(naturalCompare), ['AC-2', 'AC-10', 'SR 1.2', 'SR 1.10']);
});
