import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareValues, debianEvrCompare, rpmEvrCompare } from './compare.js';
import type { OvalDatatype, OvalOperation } from './types.js';

type Row = [state: string, sys: string, dt: OvalDatatype, op: OvalOperation, expected: string];
const run = (rows: Row[]): void => {
  for (const [state, sys, dt, op, exp] of rows)
    assert.equal(
      compareValues(state, sys, dt, op),
      exp,
      `${dt} ${JSON.stringify(sys)} ${op} ${JSON.stringify(state)}`,
    );
};

test('string: equality, ASCII case folding, pattern match; ordering operations are invalid', () => {
  run([
    ['abc', 'abc', 'string', 'equals', 'true'],
    ['abc', 'ABC', 'string', 'equals', 'false'],
    ['abc', 'ABC', 'string', 'case insensitive equals', 'true'],
    ['abc', 'ABD', 'string', 'case insensitive not equal', 'true'],
    ['abc', 'abd', 'string', 'not equal', 'true'],
    ['^a.c$', 'abc', 'string', 'pattern match', 'true'],
    ['^a.c$', 'abcd', 'string', 'pattern match', 'false'],
    ['(?R)', 'x', 'string', 'pattern match', 'error'],
    ['a', 'b', 'string', 'greater than', 'error'],
    ['a', 'b', 'string', 'bitwise and', 'error'],
  ]);
});

test('int: 64-bit decimal with sign and leading blanks; bitwise and/or; garbage is error', () => {
  run([
    ['5', '5', 'int', 'equals', 'true'],
    ['5', ' +5', 'int', 'equals', 'true'],
    ['5', '6', 'int', 'greater than', 'true'],
    ['5', '5', 'int', 'greater than or equal', 'true'],
    ['5', '4', 'int', 'less than', 'true'],
    ['-1', '-2', 'int', 'less than or equal', 'true'],
    ['9223372036854775807', '9223372036854775807', 'int', 'equals', 'true'],
    ['9223372036854775808', '1', 'int', 'equals', 'error'],
    ['0x10', '16', 'int', 'equals', 'error'],
    ['5', '5a', 'int', 'equals', 'error'],
    ['5', '', 'int', 'equals', 'error'],
    ['18', '0750', 'int', 'bitwise and', 'false'],
    ['2', '3', 'int', 'bitwise and', 'true'],
    ['7', '5', 'int', 'bitwise or', 'true'],
    ['4', '5', 'int', 'bitwise or', 'false'],
    ['4', '5', 'int', 'pattern match', 'error'],
  ]);
});

test('float: relative tolerance, strtod forms', () => {
  run([
    ['1.5', '1.5', 'float', 'equals', 'true'],
    ['1.0', '1.0000000001', 'float', 'equals', 'true'],
    ['1.0', '1.1', 'float', 'greater than', 'true'],
    ['1e3', '1000', 'float', 'equals', 'true'],
    ['x', '1', 'float', 'equals', 'error'],
    ['1', '1', 'float', 'bitwise and', 'error'],
  ]);
});

test('boolean: true/1 are true, anything else false (OpenSCAP); only equals/not equal', () => {
  run([
    ['true', '1', 'boolean', 'equals', 'true'],
    ['false', '0', 'boolean', 'equals', 'true'],
    ['true', 'TRUE', 'boolean', 'equals', 'false'],
    ['1', '0', 'boolean', 'not equal', 'true'],
    ['1', '0', 'boolean', 'greater than', 'error'],
  ]);
});

test('binary: hex, case-insensitive equality', () => {
  run([
    ['DEADbeef', 'deadBEEF', 'binary', 'equals', 'true'],
    ['00', '01', 'binary', 'not equal', 'true'],
    ['00', '01', 'binary', 'less than', 'error'],
  ]);
});

test('evr_string: rpmvercmp on epoch, version, release', () => {
  assert.equal(rpmEvrCompare('0:1.2-3', '0:1.2-3'), 0);
  assert.equal(rpmEvrCompare('1:1.0-1', '0:2.0-1'), 1);
  assert.equal(rpmEvrCompare('0:1.10-1', '0:1.9-1'), 1);
  assert.equal(rpmEvrCompare('0:1.0a-1', '0:1.0-1'), 1);
  assert.equal(rpmEvrCompare('0:1.0-1.el8', '0:1.0-1.el9'), -1);
  assert.equal(rpmEvrCompare('0:1.0', '0:1.0-1'), -1);
  run([
    ['0:2.4.6-17.el8', '0:2.4.6-18.el8', 'evr_string', 'greater than', 'true'],
    ['0:2.4.6-17.el8', '0:2.4.6-17.el8', 'evr_string', 'less than or equal', 'true'],
    ['0:2.4.6-17.el8', '0:2.4.6-17.el8', 'evr_string', 'pattern match', 'error'],
  ]);
});

test('debian_evr_string: dpkg ordering (tilde before anything, epochs, revisions)', () => {
  assert.ok(debianEvrCompare('1.0~rc1-1', '1.0-1')! < 0);
  assert.ok(debianEvrCompare('1:0.9-1', '2.0-1')! > 0);
  assert.ok(debianEvrCompare('1.0-1', '1.0-1')! === 0);
  assert.ok(debianEvrCompare('1.0-10', '1.0-9')! > 0);
  assert.ok(debianEvrCompare('1.0+b1', '1.0')! > 0);
  assert.ok(debianEvrCompare('1.0a', '1.0+')! < 0);
  run([
    ['0:7.88.1-10+deb12u5', '0:7.88.1-10+deb12u6', 'debian_evr_string', 'greater than', 'true'],
    ['1.2', '1.2', 'debian_evr_string', 'equals', 'true'],
  ]);
});

test('version: field-by-field numeric comparison', () => {
  run([
    ['1.2.3', '1.2.3', 'version', 'equals', 'true'],
    ['1.2.3', '1.10', 'version', 'greater than', 'true'],
    ['1.2', '1.2.0', 'version', 'equals', 'true'],
    ['2.0', '1.9.9', 'version', 'less than', 'true'],
    ['1.2', '1.2', 'version', 'pattern match', 'error'],
  ]);
});

test('ipv4_address and ipv6_address: CIDR equality, subset, superset, ordering', () => {
  run([
    ['10.0.0.0/8', '10.1.2.3/32', 'ipv4_address', 'subset of', 'true'],
    ['10.0.0.0/8', '11.1.2.3', 'ipv4_address', 'subset of', 'false'],
    ['10.1.0.0/16', '10.0.0.0/8', 'ipv4_address', 'superset of', 'true'],
    ['192.168.1.0/24', '192.168.1.77/24', 'ipv4_address', 'equals', 'true'],
    ['192.168.1.0/24', '192.168.1.0/25', 'ipv4_address', 'equals', 'false'],
    ['10.0.0.1', '10.0.0.2', 'ipv4_address', 'greater than', 'true'],
    ['10.0.0.1/24', '10.0.0.2/16', 'ipv4_address', 'greater than', 'error'],
    ['10.0.0.256', '10.0.0.2', 'ipv4_address', 'equals', 'error'],
    ['10.0.0.0/255.0.0.0', '10.9.9.9', 'ipv4_address', 'subset of', 'true'],
    ['2001:db8::/32', '2001:db8:1::1', 'ipv6_address', 'subset of', 'true'],
    ['::1', '0:0:0:0:0:0:0:1', 'ipv6_address', 'equals', 'true'],
    ['::1', '::2', 'ipv6_address', 'less than', 'false'],
    ['1::2::3', '::2', 'ipv6_address', 'equals', 'error'],
    ['::1', '::1', 'ipv6_address', 'pattern match', 'error'],
  ]);
});

test('unsupported datatypes are not evaluated; record compared directly is error', () => {
  run([
    ['1', '1', 'ios_version', 'equals', 'not evaluated'],
    ['1', '1', 'fileset_revision', 'equals', 'not evaluated'],
    ['1', '1', 'record', 'equals', 'error'],
  ]);
});
