/** The check engine: operators by field type, expect/if_empty semantics, fact statuses, combinators, validation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fact, FactSchemas, FactStatus, FieldType, Row, ScanMode } from '../core/types.js';
import { factKey } from '../core/types.js';
import { evaluateCheck, validateCheck, type EvalEnv } from './check.js';
import { applyOperator, type OpContext, type Resolved } from './operators.js';
import type { Check, Operator } from './rule.js';

const schemas: FactSchemas = {
  file: {
    fields: {
      path: 'string',
      exists: 'bool',
      mode: 'mode',
      uid: 'int',
      owner: 'string',
      group: 'string',
      size: 'int',
    },
    params: { path: { required: true } },
  },
  packages: { fields: { name: 'string', version: 'evr', manager: 'string', installed: 'bool' } },
  sockets: { fields: { local: 'ip', port: 'int', process: 'string' }, liveOnly: true },
  users: { fields: { name: 'string', uid: 'int', groups: 'string_list', shell: 'string', locked: 'bool' } },
};

function fact(
  name: string,
  rows: Row[],
  status: FactStatus = 'complete',
  args: Record<string, string> = {},
  reason?: string,
): Fact {
  const f: Fact = {
    key: factKey({ name, args }),
    name,
    args,
    status,
    rows,
    provenance: { collector: name, sources: [], mode: 'offline', at: '2026-01-01T00:00:00Z' },
  };
  if (reason !== undefined) f.reason = reason;
  return f;
}
function env(facts: Fact[], opts: { params?: Record<string, unknown>; mode?: ScanMode } = {}): EvalEnv {
  return {
    facts: new Map(facts.map((f) => [f.key, f])),
    schemas,
    params: opts.params ?? {},
    mode: opts.mode ?? 'offline',
  };
}
const status = (c: Check, e: EvalEnv) => evaluateCheck(c, e).status;

const op = (
  o: Operator,
  actual: Parameters<typeof applyOperator>[1],
  expected: Resolved,
  type: FieldType | undefined,
  scheme: OpContext['scheme'] = 'dpkg',
) => applyOperator(o, actual, expected, { type, scheme });

test('mode operators compare bits, never decimals', () => {
  assert.equal(
    op('at_most', 0o477, '0640', 'mode'),
    false,
    "0477 grants group/other access beyond 0640 (Trivy's KCV-0060 bug)",
  );
  assert.equal(op('at_most', 0o640, '0640', 'mode'), true);
  assert.equal(op('at_most', 0o600, '0640', 'mode'), true);
  assert.equal(op('at_most', 0o4750, '0750', 'mode'), false);
  assert.equal(op('at_most', null, '0640', 'mode'), false, 'no mode (missing file) is not compliant');
  assert.equal(op('eq', 0o640, '0640', 'mode'), true);
  assert.equal(op('eq', 0o640, '640', 'mode'), true);
  assert.equal(op('eq', 416, '0640', 'mode'), true, '416 is 0o640');
  assert.equal(op('eq', 0o640, '0644', 'mode'), false);
  assert.equal(op('ne', 0o640, '0644', 'mode'), true);
  assert.equal(op('in', 0o600, ['0600', '0640'], 'mode'), true);
  assert.equal(op('not_in', 0o644, ['0600', '0640'], 'mode'), true);
});

test('int operators', () => {
  assert.equal(op('eq', 0, 0, 'int'), true);
  assert.equal(op('eq', 0, '0', 'int'), true);
  assert.equal(op('eq', 10, 9, 'int'), false);
  assert.equal(op('lt', 9, 10, 'int'), true, 'numbers, not text ("9" > "10")');
  assert.equal(op('ge', 10, 10, 'int'), true);
  assert.equal(op('gt', 10, 10, 'int'), false);
  assert.equal(op('le', null, 10, 'int'), false, 'a missing value satisfies no comparison');
  assert.equal(op('in', 22, [22, 2222], 'int'), true);
  assert.equal(op('exists', 0, true, 'int'), true, '0 is a value');
  assert.equal(op('exists', null, false, 'int'), true);
});

test('string operators', () => {
  assert.equal(op('eq', 'no', 'no', 'string'), true);
  assert.equal(op('eq', 'No', 'no', 'string'), false);
  assert.equal(op('ne', 'yes', 'no', 'string'), true);
  assert.equal(op('in', 'shadow', ['root', 'shadow'], 'string'), true);
  assert.equal(op('not_in', 'bob', ['root', 'shadow'], 'string'), true);
  assert.equal(op('matches', 'PermitRootLogin yes', '^PermitRootLogin\\s+yes', 'string'), true);
  assert.equal(op('matches', 'permitrootlogin YES', '(?i)^permitrootlogin\\s+yes', 'string'), true);
  assert.equal(op('not_matches', 'x', '^y', 'string'), true);
  assert.equal(op('matches', null, '.*', 'string'), false);
  assert.equal(op('contains', 'aes256-ctr,3des-cbc', '3des', 'string'), true);
  assert.equal(op('not_contains', 'aes256-ctr', '3des', 'string'), true);
  assert.equal(op('starts_with', '/usr/sbin/nologin', '/usr/sbin', 'string'), true);
  assert.equal(op('ends_with', '/usr/sbin/nologin', 'nologin', 'string'), true);
  assert.equal(op('empty', '', true, 'string'), true);
  assert.equal(op('empty', null, true, 'string'), true);
  assert.equal(op('empty', 'x', false, 'string'), true);
  assert.equal(op('lt', '9', '10', 'string'), true, 'numeric text compares as numbers');
  assert.equal(op('lt', 'abc', '10', 'string'), false);
  assert.equal(op('subset_of', 'a', ['a', 'b'], 'string'), true);
});

test('bool operators', () => {
  assert.equal(op('eq', true, true, 'bool'), true);
  assert.equal(op('eq', false, true, 'bool'), false);
  assert.equal(op('eq', true, 'true', 'bool'), true);
  assert.equal(op('ne', false, true, 'bool'), true);
  assert.equal(op('eq', null, false, 'bool'), false, 'null is not false');
});

test('evr operators: dpkg or rpm by the row manager', () => {
  assert.equal(op('lt', '1:9.2p1-2+deb12u2', '1:9.2p1-2+deb12u3', 'evr'), true);
  assert.equal(op('ge', '1.0', '1.0~rc1', 'evr'), true);
  assert.equal(op('lt', '1.0~rc1', '1.0', 'evr', 'rpm'), true);
  assert.equal(op('gt', '1.0^git1', '1.0', 'evr', 'rpm'), true);
  assert.equal(op('eq', '1.0-1', '1.0-1', 'evr'), true);
  assert.equal(op('eq', '1.010', '1.10', 'evr'), true, 'versions, not text');
  assert.equal(op('lt', '1.10', '1.9', 'evr'), false);
  assert.equal(op('lt', null, '1.0', 'evr'), false);
});

test('ip operators', () => {
  assert.equal(op('eq', '::ffff:127.0.0.1', '127.0.0.1', 'ip'), true);
  assert.equal(op('eq', '::1', '0:0:0:0:0:0:0:1', 'ip'), true);
  assert.equal(op('ip_in', '10.0.0.5', ['10.0.0.0/8', '192.168.0.0/16'], 'ip'), true);
  assert.equal(op('ip_in', '0.0.0.0', ['127.0.0.0/8', '::1'], 'ip'), false);
  assert.equal(op('not_ip_in', '0.0.0.0', ['127.0.0.0/8', '::1'], 'ip'), true);
  assert.equal(op('ip_in', null, ['0.0.0.0/0'], 'ip'), false);
  assert.equal(op('in', '::ffff:10.0.0.1', ['10.0.0.1'], 'ip'), true);
});

test('string_list operators', () => {
  assert.equal(op('contains', ['sudo', 'adm'], 'sudo', 'string_list'), true);
  assert.equal(op('not_contains', ['adm'], 'sudo', 'string_list'), true);
  assert.equal(op('contains', ['sudoers'], 'sudo', 'string_list'), false, 'element, not substring');
  assert.equal(op('subset_of', ['a', 'b'], ['a', 'b', 'c'], 'string_list'), true);
  assert.equal(op('subset_of', ['a', 'x'], ['a', 'b'], 'string_list'), false);
  assert.equal(op('subset_of', [], ['a'], 'string_list'), true);
  assert.equal(op('empty', [], true, 'string_list'), true);
  assert.equal(op('empty', ['a'], false, 'string_list'), true);
  assert.equal(op('matches', ['x', 'wheel'], '^whe', 'string_list'), true);
  assert.equal(op('eq', ['a', 'b'], ['a', 'b'], 'string_list'), true);
  assert.equal(op('eq', ['a', 'b'], ['b', 'a'], 'string_list'), false);
});

const shadow = (rows: Row[], st: FactStatus = 'complete', reason?: string) =>
  fact('file', rows, st, { path: '/etc/shadow' }, reason);
const shadowRow = (mode: number | null, owner = 'root'): Row => ({
  path: '/etc/shadow',
  exists: mode !== null,
  mode,
  uid: 0,
  owner,
  group: 'shadow',
  size: 10,
});
const shadowCheck: Check = {
  fact: 'file',
  args: { path: '/etc/shadow' },
  where: { exists: true },
  test: { mode: { at_most: '0640' }, owner: 'root', group: { in: ['root', 'shadow'] } },
};

test('a leaf: mode 0477 fails at_most 0640; 0640 passes; evidence names file, field, actual, expected', () => {
  const v = evaluateCheck(shadowCheck, env([shadow([shadowRow(0o477)])]));
  assert.equal(v.status, 'fail');
  assert.equal(v.evidence[0]?.path, '/etc/shadow');
  assert.equal(v.evidence[0]?.field, 'mode');
  assert.equal(v.evidence[0]?.actual, 0o477);
  assert.match(v.message, /0477/);
  assert.match(v.message, /0640/);
  assert.equal(status(shadowCheck, env([shadow([shadowRow(0o640)])])), 'pass');
  assert.equal(status(shadowCheck, env([shadow([shadowRow(0o640, 'bob')])])), 'fail');
});

test('expect all / any / none and if_empty', () => {
  const users = fact('users', [
    { name: 'root', uid: 0, groups: ['root'], shell: '/bin/bash', locked: false },
    { name: 'daemon', uid: 1, groups: [], shell: '/usr/sbin/nologin', locked: true },
    { name: 'bob', uid: 1000, groups: ['sudo'], shell: '/bin/bash', locked: false },
  ]);
  const e = env([users]);
  // all: every selected row must satisfy test
  assert.equal(
    status(
      {
        fact: 'users',
        where: { uid: { lt: 1000 }, not: { name: 'root' } },
        test: { shell: { ends_with: 'nologin' } },
      },
      e,
    ),
    'pass',
  );
  assert.equal(status({ fact: 'users', test: { shell: { ends_with: 'nologin' } } }, e), 'fail');
  // all with nothing selected → if_empty (default fail)
  assert.equal(status({ fact: 'users', where: { uid: { gt: 60000 } }, test: { locked: true } }, e), 'fail');
  assert.equal(
    status({ fact: 'users', where: { uid: { gt: 60000 } }, test: { locked: true }, if_empty: 'pass' }, e),
    'pass',
  );
  assert.equal(
    status(
      { fact: 'users', where: { uid: { gt: 60000 } }, test: { locked: true }, if_empty: 'not_applicable' },
      e,
    ),
    'not_applicable',
  );
  // any
  assert.equal(status({ fact: 'users', expect: 'any', test: { groups: { contains: 'sudo' } } }, e), 'pass');
  assert.equal(status({ fact: 'users', expect: 'any', test: { groups: { contains: 'wheel' } } }, e), 'fail');
  assert.equal(status({ fact: 'users', expect: 'any', where: { name: 'bob' } }, e), 'pass');
  assert.equal(status({ fact: 'users', expect: 'any', where: { name: 'eve' } }, e), 'fail');
  assert.equal(status({ fact: 'users', expect: 'any', where: { name: 'eve' }, if_empty: 'pass' }, e), 'pass');
  // none
  assert.equal(
    status({ fact: 'users', expect: 'none', where: { uid: 0 }, test: { not: { name: 'root' } } }, e),
    'pass',
  );
  assert.equal(status({ fact: 'users', expect: 'none', where: { name: 'bob' } }, e), 'fail');
  assert.equal(status({ fact: 'users', expect: 'none', where: { name: 'eve' } }, e), 'pass');
  const none = evaluateCheck({ fact: 'users', expect: 'none', where: { locked: false } }, e);
  assert.equal(none.status, 'fail');
  assert.equal(none.evidence.length, 2);
  // condition combinators inside where/test
  assert.equal(
    status({ fact: 'users', expect: 'any', where: { any: [{ name: 'eve' }, { name: 'daemon' }] } }, e),
    'pass',
  );
  assert.equal(
    status({ fact: 'users', expect: 'any', where: { all: [{ name: 'root' }, { uid: 1 }] } }, e),
    'fail',
  );
});

test('fact statuses: not_collected → not_checked, error → error, incomplete never passes, absent is evidence', () => {
  const c: Check = { fact: 'users', expect: 'none', where: { uid: 0, not: { name: 'root' } } };
  assert.equal(status(c, env([])), 'not_checked', 'a fact that is not there at all');
  assert.equal(status(c, env([fact('users', [], 'not_collected', {}, 'offline')])), 'not_checked');
  const err = evaluateCheck(c, env([fact('users', [], 'error', {}, '/etc/passwd is binary')]));
  assert.equal(err.status, 'error');
  assert.match(err.message, /binary/);
  const inc = fact(
    'users',
    [{ name: 'root', uid: 0, groups: [], shell: '/bin/sh', locked: false }],
    'incomplete',
    {},
    'truncated',
  );
  assert.equal(status(c, env([inc])), 'not_checked', 'incomplete + would-pass → not_checked');
  assert.equal(status({ fact: 'users', expect: 'any', where: { name: 'root' } }, env([inc])), 'not_checked');
  assert.equal(
    status({ fact: 'users', where: { name: 'eve' }, test: { locked: true }, if_empty: 'pass' }, env([inc])),
    'not_checked',
  );
  assert.equal(
    status({ fact: 'users', expect: 'none', where: { name: 'root' } }, env([inc])),
    'fail',
    'incomplete evidence of a failure is still a failure',
  );
  // absent file: a row with exists=false; the rule decides
  assert.equal(status(shadowCheck, env([shadow([shadowRow(null)], 'complete')])), 'fail');
  assert.equal(
    status({ ...shadowCheck, if_empty: 'pass' } as Check, env([shadow([shadowRow(null)])])),
    'pass',
  );
  assert.equal(status(shadowCheck, env([shadow([], 'absent')])), 'fail');
});

test('live_only leaves are skipped offline; a check of only skipped leaves is skip', () => {
  const live: Check = { fact: 'sockets', live_only: true, expect: 'none', where: { port: 23 } };
  assert.equal(status(live, env([])), 'skip');
  assert.equal(
    status(
      live,
      env([fact('sockets', [{ local: '0.0.0.0', port: 23, process: 'telnetd' }])], { mode: 'live' }),
    ),
    'fail',
  );
  assert.equal(status({ all: [live] }, env([])), 'skip');
  const users = fact('users', [{ name: 'root', uid: 0, groups: [], shell: '/bin/sh', locked: false }]);
  assert.equal(
    status({ all: [live, { fact: 'users', expect: 'any', where: { name: 'root' } }] }, env([users])),
    'pass',
    'the offline part decides',
  );
});

test('all / any / not with mixed statuses', () => {
  const users = fact('users', [{ name: 'root', uid: 0, groups: [], shell: '/bin/sh', locked: false }]);
  const P: Check = { fact: 'users', expect: 'any', where: { name: 'root' } };
  const F: Check = { fact: 'users', expect: 'any', where: { name: 'eve' } };
  const NC: Check = { fact: 'packages', expect: 'any', where: { name: 'x' } };
  const E: Check = { fact: 'file', args: { path: '/x' }, expect: 'any' };
  const NA: Check = { fact: 'users', where: { name: 'eve' }, test: { uid: 0 }, if_empty: 'not_applicable' };
  const M: Check = { manual: 'ask the operator' };
  const e = env([users, fact('file', [], 'error', { path: '/x' }, 'boom')]);
  assert.equal(status({ all: [P, P] }, e), 'pass');
  assert.equal(status({ all: [P, F] }, e), 'fail');
  assert.equal(status({ all: [P, NC] }, e), 'not_checked', 'all: unknown part → cannot pass');
  assert.equal(status({ all: [F, NC] }, e), 'fail', 'all: a known failure fails regardless');
  assert.equal(status({ all: [P, E] }, e), 'error');
  assert.equal(status({ all: [E, NC] }, e), 'error');
  assert.equal(status({ all: [P, NA] }, e), 'pass');
  assert.equal(status({ all: [NA, NA] }, e), 'not_applicable');
  assert.equal(
    status({ all: [P, M] }, e),
    'manual',
    'all: a part a person must verify cannot be passed automatically',
  );
  assert.equal(status({ all: [F, M] }, e), 'fail');
  assert.equal(status({ any: [F, P] }, e), 'pass');
  assert.equal(status({ any: [F, F] }, e), 'fail');
  assert.equal(status({ any: [F, NC] }, e), 'not_checked', 'any: an unknown part could have passed');
  assert.equal(status({ any: [P, NC] }, e), 'pass');
  assert.equal(status({ any: [F, E] }, e), 'error');
  assert.equal(status({ any: [F, M] }, e), 'manual');
  assert.equal(status({ not: P }, e), 'fail');
  assert.equal(status({ not: F }, e), 'pass');
  assert.equal(status({ not: NC }, e), 'not_checked');
  assert.equal(status({ not: E }, e), 'error');
  assert.equal(status({ not: { not: P } }, e), 'pass');
  assert.equal(status(M, e), 'manual');
});

test('parameter references resolve from the selection', () => {
  const users = fact('users', [
    { name: 'bob', uid: 1000, groups: ['sudo'], shell: '/bin/bash', locked: false },
  ]);
  const c: Check = {
    fact: 'users',
    where: { uid: { ge: { param: 'uid_min' } } },
    test: { groups: { subset_of: { param: 'allowed_groups' } } },
  };
  assert.equal(status(c, env([users], { params: { uid_min: 1000, allowed_groups: ['users'] } })), 'fail');
  assert.equal(
    status(c, env([users], { params: { uid_min: 1000, allowed_groups: ['users', 'sudo'] } })),
    'pass',
  );
  assert.equal(
    status(c, env([users], { params: { uid_min: 5000, allowed_groups: [] } })),
    'fail',
    'nothing selected → if_empty fail',
  );
  const m: Check = {
    fact: 'file',
    args: { path: '/etc/shadow' },
    test: { mode: { at_most: { param: 'max_mode' } } },
  };
  assert.equal(status(m, env([shadow([shadowRow(0o640)])], { params: { max_mode: '0600' } })), 'fail');
  assert.equal(status(m, env([shadow([shadowRow(0o600)])], { params: { max_mode: '0600' } })), 'pass');
});

test('validateCheck reports unknown facts, fields, operators, args, bad operands, vacuous checks', () => {
  const codes = (c: unknown, params: string[] = []) =>
    validateCheck(c, schemas, new Set(params)).map((i) => `${i.code}@${i.path.join('.')}`);
  assert.deepEqual(codes({ fact: 'nope' }), ['unknown_fact@check.fact']);
  assert.deepEqual(codes({ fact: 'users', test: { shel: '/bin/sh' } }), ['unknown_field@check.test.shel']);
  assert.deepEqual(codes({ fact: 'users', test: { shell: { equals: '/bin/sh' } } }), [
    'unknown_operator@check.test.shell.equals',
  ]);
  assert.deepEqual(codes({ fact: 'file', args: { path: '/x' }, test: { mode: { at_most: 640 } } }), [
    'mode_not_octal@check.test.mode.at_most',
  ]);
  assert.deepEqual(codes({ fact: 'file', args: { path: '/x' }, test: { mode: 416 } }), [
    'mode_not_octal@check.test.mode',
  ]);
  assert.deepEqual(codes({ fact: 'file', args: { path: '/x' }, test: { mode: { in: ['0600', 640] } } }), [
    'mode_not_octal@check.test.mode.in',
  ]);
  assert.deepEqual(codes({ fact: 'file', args: { path: '/x' }, test: { mode: { at_most: '0640' } } }), []);
  assert.deepEqual(codes({ fact: 'file', args: { path: '/x' }, test: { owner: { at_most: '0640' } } }), [
    'operator_type@check.test.owner.at_most',
  ]);
  assert.deepEqual(codes({ fact: 'users', test: { shell: { matches: '([a-z' } } }), [
    'invalid_regex@check.test.shell.matches',
  ]);
  assert.deepEqual(codes({ fact: 'users', test: { shell: { matches: '(?i)^/BIN/' } } }), []);
  assert.deepEqual(codes({ fact: 'users', test: { shell: { in: '/bin/sh' } } }), [
    'invalid_operand@check.test.shell.in',
  ]);
  assert.deepEqual(codes({ fact: 'users', test: { uid: { ge: { param: 'uid_min' } } } }), [
    'unknown_param@check.test.uid.ge',
  ]);
  assert.deepEqual(codes({ fact: 'users', test: { uid: { ge: { param: 'uid_min' } } } }, ['uid_min']), []);
  assert.deepEqual(codes({ fact: 'users', test: { uid: { ge: { param: 'uid_min', x: 1 } } } }, ['uid_min']), [
    'invalid_operand@check.test.uid.ge',
  ]);
  assert.deepEqual(codes({ fact: 'file' }), ['missing_arg@check.args']);
  assert.deepEqual(codes({ fact: 'file', args: { path: '/x', mode: 'y' } }), ['unknown_arg@check.args.mode']);
  assert.deepEqual(codes({ fact: 'users', where: { name: 'root' } }), ['vacuous_check@check']);
  assert.deepEqual(codes({ fact: 'users', expect: 'any', where: { name: 'root' } }), []);
  assert.deepEqual(
    codes({ all: [{ fact: 'users', expect: 'none', where: { nam: 'x' } }, { not: { fact: 'nope' } }] }),
    ['unknown_field@check.all.0.where.nam', 'unknown_fact@check.all.1.not.fact'],
  );
  assert.deepEqual(codes({ fact: 'users', test: { any: [{ shell: 'x' }, { not: { shel: 'y' } }] } }), [
    'unknown_field@check.test.any.1.not.shel',
  ]);
  assert.deepEqual(codes({ fact: 'users', test: 'x' }), ['invalid_condition@check.test']);
  assert.deepEqual(codes({ fact: 'users', test: { port: { ip_in: ['10.0.0.0/8'] } } }), [
    'unknown_field@check.test.port',
  ]);
  assert.deepEqual(codes({ fact: 'users', test: { locked: { lt: 1 } } }), [
    'operator_type@check.test.locked.lt',
  ]);
});

test('validateCheck: exists/empty take true or false, not text', () => {
  const codes = (c: unknown) =>
    validateCheck(c, schemas, new Set()).map((i) => `${i.code}@${i.path.join('.')}`);
  assert.deepEqual(codes({ fact: 'users', test: { shell: { exists: true } } }), []);
  // YAML 1.2 reads `exists: no` as the string "no", which is truthy.
  assert.deepEqual(codes({ fact: 'users', test: { shell: { exists: 'no' } } }), [
    'invalid_operand@check.test.shell.exists',
  ]);
  assert.deepEqual(codes({ fact: 'users', test: { groups: { empty: 'false' } } }), [
    'invalid_operand@check.test.groups.empty',
  ]);
});

test('validateCheck: a list compared with eq on a scalar field asks for `in`', () => {
  const codes = (c: unknown) =>
    validateCheck(c, schemas, new Set()).map((i) => `${i.code}@${i.path.join('.')}`);
  assert.deepEqual(codes({ fact: 'users', test: { shell: ['/bin/sh', '/bin/bash'] } }), [
    'invalid_operand@check.test.shell',
  ]);
  assert.deepEqual(codes({ fact: 'users', test: { groups: ['a', 'b'] } }), []);
  assert.deepEqual(codes({ fact: 'users', test: { uid: { lt: 'many' } } }), [
    'invalid_operand@check.test.uid.lt',
  ]);
});
