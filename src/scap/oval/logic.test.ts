import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggFlag, byCheck, byExistence, byOperator, negate, setFlag } from './logic.js';
import type { OvalResult } from './compare.js';

const T: OvalResult = 'true';
const F: OvalResult = 'false';
const E: OvalResult = 'error';
const U: OvalResult = 'unknown';
const NE: OvalResult = 'not evaluated';
const NA: OvalResult = 'not applicable';

test('operators: AND, OR, ONE, XOR truth tables (OVAL 5.11 / OpenSCAP)', () => {
  const rows: Array<[OvalResult[], OvalResult, OvalResult, OvalResult, OvalResult]> = [
    // inputs, AND, OR, ONE, XOR
    [[T, T], T, T, F, F],
    [[T, F], F, T, T, T],
    [[F, F], F, F, F, F],
    [[T, E], E, T, E, E],
    [[F, E], F, E, E, E],
    [[T, U], U, T, U, U],
    [[F, U], F, U, U, U],
    [[E, U], E, E, E, E],
    [[T, NE], NE, T, NE, NE],
    [[T, NA], T, T, T, T],
    [[F, NA], F, F, F, F],
    [[NA, NA], NA, NA, NA, NA],
    [[], U, U, U, U],
    [[T, T, T], T, T, F, T],
    [[T, T, E], E, T, F, E],
  ];
  for (const [ins, and, or, one, xor] of rows) {
    assert.equal(byOperator(ins, 'AND'), and, `AND ${ins.join(',')}`);
    assert.equal(byOperator(ins, 'OR'), or, `OR ${ins.join(',')}`);
    assert.equal(byOperator(ins, 'ONE'), one, `ONE ${ins.join(',')}`);
    assert.equal(byOperator(ins, 'XOR'), xor, `XOR ${ins.join(',')}`);
  }
});

test('checks: all, at least one, none satisfy (and deprecated none exist), only one', () => {
  const rows: Array<[OvalResult[], OvalResult, OvalResult, OvalResult, OvalResult]> = [
    // inputs, all, at least one, none satisfy, only one
    [[T, T], T, T, F, F],
    [[T, F], F, T, F, T],
    [[F, F], F, F, T, F],
    [[F, E], F, E, E, E],
    [[T, E], E, T, F, E],
    [[F, U], F, E, U, U],
    [[U], U, U, U, U],
    [[NE, F], F, E, NE, NE],
    [[NA], NA, NA, NA, NA],
    [[], U, U, U, U],
  ];
  for (const [ins, all, one, none, only] of rows) {
    assert.equal(byCheck(ins, 'all'), all, `all ${ins.join(',')}`);
    assert.equal(byCheck(ins, 'at least one'), one, `at least one ${ins.join(',')}`);
    assert.equal(byCheck(ins, 'none satisfy'), none, `none satisfy ${ins.join(',')}`);
    assert.equal(byCheck(ins, 'none exist'), none, `none exist ${ins.join(',')}`);
    assert.equal(byCheck(ins, 'only one'), only, `only one ${ins.join(',')}`);
  }
});

test('check_existence over item counts (exists, error)', () => {
  const rows: Array<[number, number, OvalResult, OvalResult, OvalResult, OvalResult, OvalResult]> = [
    // exists, errors, all_exist, any_exist, at_least_one_exists, none_exist, only_one_exists
    [0, 0, F, T, F, T, F],
    [1, 0, T, T, T, F, T],
    [2, 0, T, T, T, F, F],
    [0, 1, E, E, E, E, E],
    [1, 1, E, T, T, E, E],
    [2, 1, E, T, T, E, F],
  ];
  for (const [ex, er, all, any, one, none, only] of rows) {
    assert.equal(byExistence('all_exist', ex, er), all);
    assert.equal(byExistence('any_exist', ex, er), any);
    assert.equal(byExistence('at_least_one_exists', ex, er), one);
    assert.equal(byExistence('none_exist', ex, er), none);
    assert.equal(byExistence('only_one_exists', ex, er), only);
  }
});

test('negation swaps only true and false', () => {
  assert.equal(negate(T, true), F);
  assert.equal(negate(F, true), T);
  for (const r of [E, U, NE, NA]) assert.equal(negate(r, true), r);
  assert.equal(negate(T, false), T);
});

test('flag aggregation: error > not applicable > not collected > does not exist > incomplete > complete', () => {
  assert.equal(aggFlag('unknown', 'complete'), 'complete');
  assert.equal(aggFlag('complete', 'incomplete'), 'incomplete');
  assert.equal(aggFlag('does not exist', 'incomplete'), 'does not exist');
  assert.equal(aggFlag('does not exist', 'not collected'), 'not collected');
  assert.equal(aggFlag('not applicable', 'not collected'), 'not applicable');
  assert.equal(aggFlag('not applicable', 'error'), 'error');
});

test('set flags: union, intersection, complement', () => {
  assert.equal(setFlag('UNION', 'complete', 'does not exist'), 'complete');
  assert.equal(setFlag('UNION', 'complete', 'incomplete'), 'incomplete');
  assert.equal(setFlag('UNION', 'does not exist', 'does not exist'), 'does not exist');
  assert.equal(setFlag('UNION', 'complete', 'error'), 'error');
  assert.equal(setFlag('INTERSECTION', 'complete', 'does not exist'), 'does not exist');
  assert.equal(setFlag('INTERSECTION', 'complete', 'incomplete'), 'incomplete');
  assert.equal(setFlag('COMPLEMENT', 'complete', 'does not exist'), 'complete');
  assert.equal(setFlag('COMPLEMENT', 'complete', 'incomplete'), 'error');
  assert.equal(setFlag('COMPLEMENT', 'does not exist', 'complete'), 'does not exist');
  assert.equal(setFlag('COMPLEMENT', 'incomplete', 'complete'), 'incomplete');
  assert.equal(setFlag('UNION', 'complete', undefined), 'complete');
});
