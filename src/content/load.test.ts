/** Content loading: policy files with exact positions, refusals, tailoring validation. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BulwarkError, formatIssue, type Issue } from '../core/errors.js';
import type { Catalogue } from '../engine/profile.js';
import { resolveProfile } from '../engine/profile.js';
import { loadBuiltinContent, loadPolicy, loadTailoring } from './load.js';

function repoRoot(): string {
  let d = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
}
const FIXTURES = path.join(repoRoot(), 'test', 'fixtures', 'policies');
let dir: string;
let cat: Catalogue;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-load-'));
  // Only the shape of the built-in catalogue matters here, not whether other rules are finished.
  cat = loadBuiltinContent().catalogue;
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

/** A valid rule, as YAML lines, so that tests can change one line and know its number. */
const RULE = [
  'id: plant-test-rule', //                                   1
  'title: A plant test rule title', //                        2
  'area: plant', //                                           3
  'severity: medium', //                                      4
  'description: A description that is long enough.', //      5
  'rationale: A rationale that is long enough.', //          6
  'platforms: [linux]', //                                    7
  'references: {}', //                                        8
  'check:', //                                                9
  '  fact: file', //                                         10
  '  args: { path: /etc/shadow }', //                        11
  '  where: { exists: true }', //                            12
  '  test:', //                                              13
  '    mode: { at_most: "0640" }', //                        14
  'fix:', //                                                 15
  '  impact: safe', //                                       16
  '  description: Tighten it.', //                           17
  'fixtures:', //                                            18
  '  pass: [{}]', //                                         19
  '  fail: []', //                                           20
];
const ruleWith = (line: number, text: string | null, extra: string[] = []) => [...RULE.slice(0, line - 1), ...(text === null ? [] : [text]), ...RULE.slice(line), ...extra].join('\n') + '\n';

function issuesOf(fn: () => unknown, code = 'BW_POLICY_INVALID'): Issue[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BulwarkError, `expected a BulwarkError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return [...e.issues];
  }
  assert.fail('expected the policy to be refused');
}
const brief = (is: Issue[]) => is.map((i) => `${i.line}:${i.column} ${i.code} ${i.path ?? ''}`);

test('a valid single-rule policy loads and is selectable', () => {
  const r = loadPolicy(write('ok.yaml', RULE.join('\n') + '\n'), cat);
  assert.deepEqual(r.ruleIds, ['plant-test-rule']);
  assert.ok(r.catalogue.rules.has('plant-test-rule'));
  assert.ok(!cat.rules.has('plant-test-rule'), 'the input catalogue is not modified');
});

test('a valid policy with rules and profiles (fixture file)', () => {
  const r = loadPolicy(path.join(FIXTURES, 'valid-policy.yaml'), cat);
  assert.deepEqual(r.ruleIds, ['plant-hmi-config-private']);
  assert.deepEqual(r.profileIds, ['plant-hmi']);
  const sels = resolveProfile(r.catalogue, 'plant-hmi');
  assert.deepEqual(sels.map((s) => s.rule.id).sort(), ['plant-hmi-config-private', 'shadow-file-permissions']);
  assert.deepEqual(sels.find((s) => s.rule.id === 'plant-hmi-config-private')?.params, { hmi_conf_mode: '0640' });
});

test('a mode written as a decimal number is refused at its line and column (fixture file)', () => {
  const file = path.join(FIXTURES, 'malformed-policy.yaml');
  const is = issuesOf(() => loadPolicy(file, cat));
  assert.deepEqual(brief(is), ['13:13 mode_not_octal check.test.mode.at_most']);
  assert.equal(is[0]!.file, file);
  assert.match(formatIssue(is[0]!), /malformed-policy\.yaml:13:13: .*"0640".*\[check\.test\.mode\.at_most\]/);
});

// Positions point at the offending key (for a bad value, the key that holds it).
test('unknown key: position of the key and its path', () => {
  const is = issuesOf(() => loadPolicy(write('unknown-key.yaml', ruleWith(8, 'refrences: {}')), cat));
  const unknown = is.find((i) => i.code === 'unrecognized_keys');
  assert.ok(unknown, brief(is).join('\n'));
  assert.equal(unknown.line, 8);
  assert.equal(unknown.column, 1);
  assert.equal(unknown.path, 'refrences');
  assert.ok(is.some((i) => i.path === 'references'), 'the missing required key is reported too');
});

test('an unknown key deep inside the check points at that key', () => {
  const is = issuesOf(() => loadPolicy(write('deep-key.yaml', ruleWith(12, '  wher: { exists: true }')), cat));
  assert.deepEqual(brief(is), ['12:3 unrecognized_keys check.wher']);
});

test('wrong type: severity not in the list, title a number', () => {
  const is = issuesOf(() => loadPolicy(write('wrong-type.yaml', ruleWith(4, 'severity: urgent').replace('title: A plant test rule title', 'title: 12345678')), cat));
  assert.deepEqual(brief(is).sort(), ['2:1 invalid_type title', '4:1 invalid_value severity']);
});

test('unknown fact field and unknown fact', () => {
  const is = issuesOf(() => loadPolicy(write('field.yaml', ruleWith(14, '    mod: { at_most: "0640" }')), cat));
  assert.deepEqual(brief(is), ['14:5 unknown_field check.test.mod']);
  assert.match(is[0]!.message, /mode/, 'the message lists the real fields');
  const is2 = issuesOf(() => loadPolicy(write('fact.yaml', ruleWith(10, '  fact: fiel')), cat));
  assert.deepEqual(brief(is2), ['10:3 unknown_fact check.fact']);
});

test('mode as a decimal number (unquoted 0640) in a rule', () => {
  const is = issuesOf(() => loadPolicy(write('mode.yaml', ruleWith(14, '    mode: { at_most: 0640 }')), cat));
  assert.deepEqual(brief(is), ['14:13 mode_not_octal check.test.mode.at_most']);
});

test('YAML syntax error: line and column', () => {
  const is = issuesOf(() => loadPolicy(write('syntax.yaml', ruleWith(11, '  args: { path: /etc/shadow')), cat));
  assert.ok(is.length >= 1);
  assert.ok(is.every((i) => i.code.startsWith('yaml_')), brief(is).join('\n'));
  assert.ok(is[0]!.line !== undefined && is[0]!.line >= 11 && is[0]!.line <= 12, brief(is).join('\n'));
  assert.ok(is[0]!.column !== undefined);
});

test('duplicate keys are refused with the position of the second one', () => {
  const is = issuesOf(() => loadPolicy(write('dup.yaml', ruleWith(5, 'severity: high')), cat));
  assert.deepEqual(brief(is).map((s) => s.replace(/ $/, '')), ['5:1 yaml_duplicate_key']);
});

test('a binary file, a 2 MB file, a missing file, a directory', () => {
  assert.throws(() => loadPolicy(write('bin.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1])), cat), (e: unknown) => e instanceof BulwarkError && e.code === 'BW_POLICY_INVALID' && /binary/.test(e.message));
  assert.throws(() => loadPolicy(write('big.yaml', '# ' + 'x'.repeat(2 * 1024 * 1024) + '\n'), cat), (e: unknown) => e instanceof BulwarkError && e.code === 'BW_POLICY_INVALID' && /1 MiB/.test(e.message));
  assert.throws(() => loadPolicy(path.join(dir, 'missing.yaml'), cat), (e: unknown) => e instanceof BulwarkError && e.code === 'BW_FILE_UNREADABLE' && /ENOENT/.test(e.message) && e.hint.length > 0);
  assert.throws(() => loadPolicy(dir, cat), (e: unknown) => e instanceof BulwarkError && e.code === 'BW_FILE_UNREADABLE');
});

test('an empty file or a scalar is not a rule', () => {
  issuesOf(() => loadPolicy(write('empty.yaml', ''), cat));
  issuesOf(() => loadPolicy(write('scalar.yaml', 'hello\n'), cat));
  issuesOf(() => loadPolicy(write('multi.yaml', RULE.join('\n') + '\n---\n' + RULE.join('\n') + '\n'), cat));
});

test('a policy cannot run code: YAML tags are refused or stay plain data', () => {
  const js = ruleWith(17, '  description: !!js/function "function () { globalThis.PWNED = 1 }"');
  const is = issuesOf(() => loadPolicy(write('tag.yaml', js), cat));
  assert.deepEqual(brief(is).map((s) => s.trim()), ['17:16 yaml_tag_resolve_failed']);
  assert.equal((globalThis as Record<string, unknown>)['PWNED'], undefined);
  // Other tags of richer schemas are not interpreted either.
  for (const tag of ['!!python/object/apply:os.system ["id"]', '!!binary aGVsbG8=', '!<tag:yaml.org,2002:js/regexp> /x/']) {
    try {
      const r = loadPolicy(write('tag2.yaml', ruleWith(17, `  description: ${tag}`)), cat);
      assert.equal(typeof r.catalogue.rules.get('plant-test-rule')?.fix.description, 'string', tag);
    } catch (e) {
      assert.ok(e instanceof BulwarkError && e.code === 'BW_POLICY_INVALID', `${tag}: ${String(e)}`);
    }
  }
});

test('alias bombs are refused as invalid input, not a crash', () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]', 'f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]'].join('\n') + '\n';
  assert.throws(() => loadPolicy(write('bomb.yaml', bomb), cat), (e: unknown) => e instanceof BulwarkError && e.code === 'BW_POLICY_INVALID');
});

test('a policy rule may not reuse a built-in id', () => {
  const is = issuesOf(() => loadPolicy(write('dupid.yaml', ruleWith(1, 'id: shadow-file-permissions')), cat));
  assert.ok(is.some((i) => i.code === 'duplicate_id'), brief(is).join('\n'));
});

test('policy: rules/profiles wrapper with a bad entry reports the index path', () => {
  const text = ['rules:', ...RULE.map((l, i) => (i === 0 ? '  - ' + l : '    ' + l)).map((l) => l.replace('severity: medium', 'severity: urgent')), 'profiles:', '  - id: p1', '    title: P one', '    description: a profile of the plant', '    select: [plant-test-rule]', '    bogus: 1'].join('\n') + '\n';
  const is = issuesOf(() => loadPolicy(write('wrapped.yaml', text), cat));
  assert.deepEqual(brief(is).sort(), ['27:5 unrecognized_keys profiles.0.bogus', '5:5 invalid_value rules.0.severity']);
});

test('tailoring: unknown parameter, wrong type, unknown key; a good one loads', () => {
  const { catalogue } = loadPolicy(path.join(FIXTURES, 'valid-policy.yaml'), cat);
  const ok = loadTailoring(write('t-ok.yaml', 'extends: plant-hmi\nselect: ["!shadow-file-permissions"]\nparameters:\n  hmi_conf_mode: "0600"\nseverity:\n  plant-hmi-config-private: critical\n'), catalogue);
  assert.deepEqual(ok, { extends: 'plant-hmi', select: ['!shadow-file-permissions'], parameters: { hmi_conf_mode: '0600' }, severity: { 'plant-hmi-config-private': 'critical' } });
  const sels = resolveProfile(catalogue, 'plant-hmi', ok);
  assert.deepEqual(sels.map((s) => [s.rule.id, s.severity, s.params['hmi_conf_mode']]), [['plant-hmi-config-private', 'critical', '0600']]);
  const unknown = issuesOf(() => loadTailoring(write('t-unknown.yaml', 'parameters:\n  hmi_mode: "0600"\n'), catalogue), 'BW_TAILORING_INVALID');
  assert.deepEqual(brief(unknown), ['2:3 unknown_param parameters.hmi_mode']);
  const wrong = issuesOf(() => loadTailoring(write('t-type.yaml', 'parameters:\n  plant-hmi-config-private.hmi_conf_mode: 640\n'), catalogue), 'BW_TAILORING_INVALID');
  assert.deepEqual(brief(wrong), ['2:3 param_type parameters.plant-hmi-config-private.hmi_conf_mode']);
  const key = issuesOf(() => loadTailoring(write('t-key.yaml', 'extends: plant-hmi\nselct: []\n'), catalogue), 'BW_TAILORING_INVALID');
  assert.deepEqual(brief(key), ['2:1 unrecognized_keys selct']);
  const sev = issuesOf(() => loadTailoring(write('t-sev.yaml', 'severity:\n  plant-hmi-config-private: urgent\n'), catalogue), 'BW_TAILORING_INVALID');
  assert.deepEqual(brief(sev), ['2:3 invalid_value severity.plant-hmi-config-private']);
});

test('tailoring: a mode parameter given as a decimal number is refused', () => {
  const { catalogue } = loadPolicy(path.join(FIXTURES, 'valid-policy.yaml'), cat);
  const is = issuesOf(() => loadTailoring(write('t-mode.yaml', 'parameters:\n  hmi_conf_mode: 0600\n'), catalogue), 'BW_TAILORING_INVALID');
  assert.deepEqual(brief(is), ['2:3 param_type parameters.hmi_conf_mode']);
});

test('a rule parameter default of the wrong type is refused at its position', () => {
  const is = issuesOf(() => loadPolicy(write('param.yaml', ruleWith(8, 'references: {}', []).replace('references: {}\n', 'references: {}\nparameters:\n  max_mode: { type: int, default: "x", description: d }\n')), cat));
  assert.deepEqual(brief(is), ['10:26 param_type parameters.max_mode']);
});

test('the built-in catalogue loads without crashing and lists issues as values', () => {
  const r = loadBuiltinContent();
  assert.ok(r.catalogue.rules.has('shadow-file-permissions'));
  assert.ok(r.catalogue.profiles.has('default'));
  for (const i of r.issues) assert.ok(i.file && i.code && i.message, formatIssue(i));
});
