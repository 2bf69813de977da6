/** Every rule's fixtures: a passing example must pass, a failing one must fail (ESLint's check-rule-examples). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factSchemas, loadBuiltinContent } from '../src/content/load.js';
import { runFixture } from '../src/content/fixtures.js';
import { formatIssue } from '../src/core/errors.js';

const { catalogue, issues } = loadBuiltinContent();
const schemas = factSchemas();

test('built-in content is valid', () => {
  assert.deepEqual(issues.map(formatIssue), []);
});

// BULWARK_RULES=ssh,accounts limits the run to those areas (quick iteration while writing rules).
const areas = process.env['BULWARK_RULES']?.split(',').filter(Boolean);
for (const rule of [...catalogue.rules.values()]
  .filter((r) => !areas || areas.includes(r.area))
  .sort((a, b) => a.id.localeCompare(b.id))) {
  test(`rule ${rule.id}`, async (t) => {
    const cases = [
      // An informational rule reports `informational` where another would pass.
      ...rule.fixtures.pass.map((f, i) => ({ f, want: rule.informational ? 'informational' : 'pass', i })),
      ...rule.fixtures.fail.map((f, i) => ({ f, want: 'fail', i })),
      ...(rule.fixtures.not_applicable ?? []).map((f, i) => ({ f, want: 'not_applicable', i })),
    ];
    for (const c of cases) {
      await t.test(`${c.want} #${c.i + 1}${c.f.name ? ': ' + c.f.name : ''}`, async () => {
        const got = await runFixture(rule, c.f, schemas);
        assert.equal(
          got.status,
          c.want,
          `${rule.id} fixture ${c.want} #${c.i + 1} gave ${got.status}: ${got.message}`,
        );
      });
    }
  });
}
