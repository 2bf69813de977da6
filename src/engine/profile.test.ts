/** Profiles and tailoring: selection, aliases, extends chains, parameters, severities, --rule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BulwarkError } from '../core/errors.js';
import type { Severity } from '../core/types.js';
import { resolveProfile, selectionFor, type Catalogue } from './profile.js';
import { ProfileSchema, type Profile, type Rule } from './rule.js';

function rule(id: string, area: string, extra: Partial<Rule> = {}): Rule {
  return {
    id,
    title: `title of ${id}`,
    area,
    severity: 'medium',
    description: 'a test rule description',
    rationale: 'a test rule rationale',
    platforms: ['linux'],
    references: {},
    check: { manual: 'verify' },
    fix: { impact: 'manual', description: 'fix it' },
    fixtures: { pass: [{}], fail: [] },
    ...extra,
  };
}
function profile(p: Record<string, unknown>): Profile {
  return ProfileSchema.parse({ title: 'a profile', description: 'a test profile here', ...p });
}

const rules = [
  rule('ssh-root-login-disabled', 'ssh', {
    aliases: ['sshd-no-root'],
    parameters: { x: { type: 'int', default: 1, description: 'x' } },
  }),
  rule('ssh-protocol-2', 'ssh'),
  rule('ssh-experimental-thing', 'ssh', { experimental: true }),
  rule('shadow-file-permissions', 'files', {
    severity: 'high',
    parameters: {
      x: { type: 'int', default: 2, description: 'x' },
      max_mode: { type: 'string', default: '0640', description: 'm' },
    },
  }),
  rule('usb-storage-disabled', 'kernel'),
];
function cat(profiles: Profile[]): Catalogue {
  return {
    rules: new Map(rules.map((r) => [r.id, r])),
    aliases: new Map([['sshd-no-root', 'ssh-root-login-disabled']]),
    profiles: new Map(profiles.map((p) => [p.id, p])),
  };
}
const ids = (
  c: Catalogue,
  id: string,
  ...rest: Parameters<typeof resolveProfile> extends [unknown, unknown, ...infer R] ? R : never
) => resolveProfile(c, id, ...rest).map((s) => s.rule.id);

const base = [
  profile({ id: 'all', select: ['*'] }),
  profile({ id: 'all-exp', select: ['*'], include_experimental: true }),
  profile({ id: 'ssh-only', select: ['area:ssh'] }),
  profile({ id: 'no-ssh', select: ['*', '!area:ssh'] }),
  profile({
    id: 'default',
    select: ['*', '!usb-storage-disabled'],
    parameters: { x: 10 },
    severity: { 'ssh-protocol-2': 'low' },
  }),
  profile({
    id: 'ot',
    extends: 'default',
    select: ['usb-storage-disabled', '!sshd-no-root'],
    parameters: { 'shadow-file-permissions.x': 99 },
    severity: { 'sshd-no-root': 'critical' },
  }),
  profile({ id: 'ot-strict', extends: 'ot', select: ['sshd-no-root'], parameters: { max_mode: '0600' } }),
  profile({ id: 'loop-a', extends: 'loop-b' }),
  profile({ id: 'loop-b', extends: 'loop-a' }),
  profile({ id: 'self', extends: 'self' }),
  profile({ id: 'orphan', extends: 'missing' }),
  profile({ id: 'bad-select', select: ['no-such-rule'] }),
];

test("select: '*', 'area:x', '!id', order matters, experimental stays out of '*'", () => {
  const c = cat(base);
  assert.deepEqual(ids(c, 'all'), [
    'shadow-file-permissions',
    'ssh-protocol-2',
    'ssh-root-login-disabled',
    'usb-storage-disabled',
  ]);
  assert.ok(ids(c, 'all-exp').includes('ssh-experimental-thing'));
  assert.deepEqual(ids(c, 'ssh-only'), ['ssh-protocol-2', 'ssh-root-login-disabled']);
  assert.deepEqual(ids(c, 'no-ssh'), ['shadow-file-permissions', 'usb-storage-disabled']);
  assert.deepEqual(ids(c, 'default'), [
    'shadow-file-permissions',
    'ssh-protocol-2',
    'ssh-root-login-disabled',
  ]);
});

test('aliases select and unselect the renamed rule', () => {
  const c = cat([...base, profile({ id: 'by-alias', select: ['sshd-no-root'] })]);
  assert.deepEqual(ids(c, 'by-alias'), ['ssh-root-login-disabled']);
  assert.ok(!ids(c, 'ot').includes('ssh-root-login-disabled'), '!alias removes the rule');
});

test('extends chains apply root first; loops and missing profiles are errors', () => {
  const c = cat(base);
  assert.deepEqual(ids(c, 'ot'), ['shadow-file-permissions', 'ssh-protocol-2', 'usb-storage-disabled']);
  assert.deepEqual(ids(c, 'ot-strict'), [
    'shadow-file-permissions',
    'ssh-protocol-2',
    'ssh-root-login-disabled',
    'usb-storage-disabled',
  ]);
  for (const p of ['loop-a', 'self'])
    assert.throws(
      () => resolveProfile(c, p),
      (e: unknown) =>
        e instanceof BulwarkError && e.code === 'BW_CONTENT_INVALID' && /extends itself/.test(e.message),
      p,
    );
  assert.throws(
    () => resolveProfile(c, 'orphan'),
    (e: unknown) => e instanceof BulwarkError && e.code === 'BW_PROFILE_NOT_FOUND',
  );
  assert.throws(
    () => resolveProfile(c, 'nope'),
    (e: unknown) => e instanceof BulwarkError && e.code === 'BW_PROFILE_NOT_FOUND' && /default/.test(e.hint),
  );
  assert.throws(
    () => resolveProfile(c, 'bad-select'),
    (e: unknown) =>
      e instanceof BulwarkError && e.code === 'BW_RULE_NOT_FOUND' && /no-such-rule/.test(e.message),
  );
});

test('parameters: defaults, profile values, per-rule values, inherited and overridden', () => {
  const c = cat(base);
  const params = (p: string, id: string, t?: Parameters<typeof resolveProfile>[2]) =>
    resolveProfile(c, p, t).find((s) => s.rule.id === id)?.params;
  assert.deepEqual(params('all', 'shadow-file-permissions'), { x: 2, max_mode: '0640' });
  assert.deepEqual(params('default', 'shadow-file-permissions'), { x: 10, max_mode: '0640' });
  assert.deepEqual(params('default', 'ssh-root-login-disabled'), { x: 10 });
  assert.deepEqual(
    params('ot', 'shadow-file-permissions'),
    { x: 99, max_mode: '0640' },
    '<rule>.<param> targets one rule',
  );
  assert.deepEqual(params('ot-strict', 'ssh-root-login-disabled'), { x: 10 });
  assert.deepEqual(params('ot-strict', 'shadow-file-permissions'), { x: 99, max_mode: '0600' });
  assert.deepEqual(params('default', 'shadow-file-permissions', { parameters: { max_mode: '0600', x: 5 } }), {
    x: 5,
    max_mode: '0600',
  });
  assert.deepEqual(
    params('ot', 'shadow-file-permissions', { parameters: { x: 5 } }),
    { x: 99, max_mode: '0640' },
    'a per-rule value is more specific than a global one',
  );
  assert.deepEqual(selectionFor(rules[3]!, {}).params, { x: 2, max_mode: '0640' });
  assert.equal(selectionFor(rules[3]!, { x: 0 }).params['x'], 0, 'a falsy override still overrides');
});

test('severity overrides: profile, inherited, by alias, tailoring last', () => {
  const c = cat(base);
  const sev = (p: string, id: string, t?: Parameters<typeof resolveProfile>[2]): Severity | undefined =>
    resolveProfile(c, p, t).find((s) => s.rule.id === id)?.severity;
  assert.equal(sev('all', 'ssh-protocol-2'), 'medium');
  assert.equal(sev('default', 'ssh-protocol-2'), 'low');
  assert.equal(sev('ot', 'ssh-protocol-2'), 'low');
  assert.equal(sev('ot-strict', 'ssh-root-login-disabled'), 'critical', 'set by alias in a parent profile');
  assert.equal(sev('default', 'ssh-protocol-2', { severity: { 'ssh-protocol-2': 'high' } }), 'high');
  assert.throws(
    () => resolveProfile(c, 'default', { severity: { 'no-such-rule': 'high' } }),
    (e: unknown) => e instanceof BulwarkError && e.code === 'BW_RULE_NOT_FOUND',
  );
});

test('tailoring select adds and removes on top of the profile', () => {
  const c = cat(base);
  assert.deepEqual(ids(c, 'default', { select: ['!area:ssh', 'usb-storage-disabled'] }), [
    'shadow-file-permissions',
    'usb-storage-disabled',
  ]);
  assert.throws(
    () => resolveProfile(c, 'default', { select: ['nope'] }),
    (e: unknown) =>
      e instanceof BulwarkError && e.code === 'BW_RULE_NOT_FOUND' && /tailoring/.test(e.message),
  );
});

test('--rule runs exactly the named rules (ids or aliases), with the profile parameters', () => {
  const c = cat(base);
  const sels = resolveProfile(c, 'default', undefined, ['sshd-no-root', 'usb-storage-disabled']);
  assert.deepEqual(
    sels.map((s) => s.rule.id),
    ['ssh-root-login-disabled', 'usb-storage-disabled'],
  );
  assert.deepEqual(sels[0]!.params, { x: 10 });
  assert.deepEqual(ids(c, 'default', undefined, ['ssh-experimental-thing']), ['ssh-experimental-thing']);
  assert.throws(
    () => resolveProfile(c, 'default', undefined, ['nope']),
    (e: unknown) => e instanceof BulwarkError && e.code === 'BW_RULE_NOT_FOUND',
  );
  assert.deepEqual(
    ids(c, 'default', undefined, []),
    ids(c, 'default'),
    'an empty --rule list means the profile',
  );
  assert.deepEqual(
    ids(c, 'default', undefined, ['ssh-protocol-2', 'ssh-protocol-2']),
    ['ssh-protocol-2'],
    'duplicates run once',
  );
});
