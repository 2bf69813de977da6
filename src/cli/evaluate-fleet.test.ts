/**
 * The fleet evaluator remembers verdicts by the content of the facts each rule reads. Whatever it remembers,
 * every verdict must be exactly the one a plain evaluation of the whole snapshot gives: checked here over real
 * snapshots (fixture roots of every rule, scanned by the real collectors) mutated in the ways fleets differ.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Fact, Row } from '../core/types.js';
import { loadCatalogue } from '../content/load.js';
import { buildFixtureRoot } from '../content/fixtures.js';
import { resolveProfile } from '../engine/profile.js';
import { evaluateSelections, runScan } from '../scan/run.js';
import { FsTarget } from '../targets/target.js';
import { encodeSnapshot } from '../store/snapshot.js';
import { prng } from '../core/prng.js';
import { select, snapshotEvaluator } from './evaluate-fleet.js';
import { assessor } from './evaluate-assess.js';

const catalogue = loadCatalogue();
let bases: Fact[][] = [];
const roots: string[] = [];

/** A root holding the first fixture of one kind of every rule of a profile (the first file of a path wins). */
async function fixtureRoot(kind: 'pass' | 'fail', profile: string): Promise<string> {
  const files: Record<string, unknown> = {};
  const packages = new Map<string, unknown>();
  for (const { rule } of resolveProfile(catalogue, profile)) {
    const fx = rule.fixtures?.[kind]?.[0];
    if (!fx) continue;
    for (const [p, spec] of Object.entries(fx.files ?? {})) if (!(p in files)) files[p] = spec;
    for (const p of fx.packages ?? []) {
      const name = typeof p === 'string' ? p : p.name;
      if (!packages.has(name)) packages.set(name, p);
    }
  }
  const root = await buildFixtureRoot({ files, packages: [...packages.values()] } as Parameters<
    typeof buildFixtureRoot
  >[0]);
  roots.push(root);
  return root;
}

before(async () => {
  for (const [kind, profile] of [
    ['fail', 'default'],
    ['pass', 'default'],
    ['fail', 'ot-workstation'],
  ] as const) {
    const out = await runScan(await FsTarget.mounted(await fixtureRoot(kind, profile)), {
      catalogue,
      profile: 'ot-workstation',
    });
    bases.push(out.facts);
  }
});
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  bases = [];
});

/** A variant of a snapshot: the ways hosts of a fleet differ, and facts that went missing or failed. */
function mutate(facts: readonly Fact[], i: number, rnd: () => number): Fact[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: Fact[] = [];
  for (const f of facts) {
    const r = rnd();
    if (f.key !== 'os' && r < 0.01) continue; // not collected by that scan at all
    if (f.key !== 'os' && r < 0.02) {
      out.push({ ...f, status: pick(['not_collected', 'error', 'incomplete'] as const), reason: 'test' });
      continue;
    }
    const rows = f.rows;
    const change = (fn: (row: Row) => Row): Fact => ({ ...f, rows: rows.map(fn) });
    switch (f.name) {
      case 'os':
        out.push(
          change((row) => ({
            ...row,
            hostname: `host-${i}`,
            machine_id: i.toString(16).padStart(32, '0'),
            // A few hosts are another OS: every platform-limited rule must see it.
            ...(i % 11 === 5 ? { id: 'rhel', id_like: 'fedora', pretty_name: 'Red Hat' } : {}),
          })),
        );
        break;
      case 'packages':
        out.push({
          ...f,
          rows: [
            ...rows.filter(() => rnd() > 0.1),
            ...(rnd() < 0.5
              ? [{ ...(rows[0] ?? {}), name: pick(['telnetd', 'nis', 'auditd', 'aide', 'sudo']), line: null }]
              : []),
          ],
        });
        break;
      case 'sshd':
        out.push(
          rnd() < 0.5
            ? f
            : change((row) =>
                rnd() < 0.3
                  ? { ...row, value: pick(['yes', 'no', '3', '10', 'INFO']), is_default: false }
                  : row,
              ),
        );
        break;
      case 'sysctl':
      case 'sysctl_live':
        out.push(
          rnd() < 0.5 ? f : change((row) => (rnd() < 0.2 ? { ...row, value: pick(['0', '1', '2']) } : row)),
        );
        break;
      case 'users':
      case 'shadow':
      case 'services':
      case 'login_defs':
        out.push(
          rnd() < 0.5
            ? f
            : {
                ...f,
                rows: rows.filter(() => rnd() > 0.15).map((row) => (rnd() < 0.1 ? { ...row, uid: 0 } : row)),
              },
        );
        break;
      default:
        out.push(f);
    }
  }
  return out;
}

for (const profile of ['default', 'ot-workstation', 'minimal']) {
  test(`remembered verdicts are the plain evaluation's, profile ${profile}`, async () => {
    const { selections } = await select({ profile, profileExplicit: true, policies: [] });
    const evaluate = snapshotEvaluator(selections);
    let reused = 0;
    let compared = 0;
    for (let i = 0; i < 90; i++) {
      const facts = mutate(bases[i % bases.length]!, i, prng(i + 1));
      const mode = i % 7 === 3 ? 'live' : 'offline';
      // Both formats: format 1 snapshots (before migration 0008) go through the same memory.
      const blob = i % 5 === 4 ? gzipSync(JSON.stringify(facts)) : encodeSnapshot(facts);
      const got = evaluate(blob, mode);
      const want = evaluateSelections(selections, new Map(facts.map((f) => [f.key, f])), mode);
      assert.equal(got.verdicts.length, want.length);
      want.forEach((w, j) => {
        const g = got.verdicts[j]!;
        assert.deepEqual(
          { rule: w.rule, status: g.status, message: g.message },
          { rule: w.rule, status: w.status, message: w.message },
          `snapshot ${i} (${mode})`,
        );
        compared++;
      });
      reused += got.reused;
    }
    assert.ok(compared > 90 * 60);
    // The memory is used (most of a fleet's facts are shared), not only correct.
    assert.ok(reused > compared / 3, `${reused} of ${compared} verdicts reused`);
  });
}

test('hosts that differ only in name and machine-id share every verdict; another OS shares none of the platform-bound', async () => {
  const { selections } = await select({ profile: 'default', profileExplicit: true, policies: [] });
  const evaluate = snapshotEvaluator(selections);
  const base = bases[0]!;
  const renamed = (i: number, id = 'debian') =>
    base.map((f) =>
      f.key === 'os'
        ? { ...f, rows: f.rows.map((r) => ({ ...r, hostname: `h${i}`, machine_id: `${i}`, id })) }
        : f,
    );
  const first = evaluate(encodeSnapshot(renamed(1)), 'offline');
  assert.equal(first.reused, 0);
  const second = evaluate(encodeSnapshot(renamed(2)), 'offline');
  assert.equal(second.reused, selections.length, 'a new hostname changes no verdict');
  assert.deepEqual(
    second.verdicts.map((v) => v.status),
    first.verdicts.map((v) => v.status),
  );
  const other = evaluate(encodeSnapshot(renamed(3, 'rhel')), 'offline');
  const platformBound = selections.filter((s) => !s.rule.platforms.includes('linux')).length;
  assert.ok(platformBound > 0);
  assert.ok(other.reused <= selections.length - platformBound, 'a different OS is re-decided');
  // Live and offline are remembered apart (live_only checks differ).
  const live = evaluate(encodeSnapshot(renamed(4)), 'live');
  assert.ok(live.reused < selections.length);
});

test('a damaged snapshot gives every rule `error` with the reason, and the evaluator goes on', async () => {
  const { selections } = await select({ profile: 'minimal', profileExplicit: true, policies: [] });
  const evaluate = snapshotEvaluator(selections);
  const bad = evaluate(Buffer.from('BWS2\u00ff\u00ff\u00ff\u00ffgarbage'), 'offline');
  assert.ok(bad.error?.includes('BW_DB_CORRUPT'), bad.error);
  assert.ok(bad.verdicts.every((v) => v.status === 'error' && v.message.includes('could not be read')));
  const good = evaluate(encodeSnapshot(bases[0]!), 'offline');
  assert.equal(good.error, undefined);
  assert.ok(good.verdicts.some((v) => v.status === 'fail'));
});

test('the report compares with the stored verdicts, a renamed rule through its alias', async () => {
  const sel = await select({ profile: 'minimal', profileExplicit: true, policies: [] });
  const renamed = sel.selections.map((s, i) =>
    i === 0 ? { ...s, rule: { ...s.rule, aliases: ['the-old-name'] } } : s,
  );
  const selected = { ...sel, selections: renamed };
  const evaluate = snapshotEvaluator(renamed);
  const v = evaluate(encodeSnapshot(bases[0]!), 'offline');
  const first = renamed[0]!.rule.id;
  const now = v.verdicts[0]!.status;
  const was = now === 'fail' ? 'pass' : 'fail';
  const second = renamed[1]!.rule.id;
  const scan = {
    id: 's1',
    asset_id: 'a1',
    asset_name: 'plc-gw',
    started_at: '2026-01-01T00:00:00Z',
    mode: 'offline',
    profile: 'minimal',
    tailoring: null,
    score: 50,
    counts: {},
    tool_score: null,
    rank: 1,
    scans: 1,
  };
  const line = assessor(selected, 'json')(
    {
      scan,
      facts: undefined,
      // The first rule's verdict stored under its old name; a verdict of a rule no longer selected; junk.
      verdicts: JSON.stringify({ 'the-old-name': was, [second]: v.verdicts[1]!.status, gone: 'fail', x: 1 }),
      waivers: [],
      readMs: 0,
    },
    v,
  );
  const e = JSON.parse(line) as {
    compared: number;
    newly_failing: { rule: string }[];
    newly_passing: { rule: string }[];
    other_changes: { rule: string }[];
    results: { rule: string; status: string }[];
  };
  assert.equal(e.compared, 2);
  const changed = [...e.newly_failing, ...e.newly_passing, ...e.other_changes].map((c) => c.rule);
  assert.deepEqual(changed, [first]);
  assert.equal(e.results.length, renamed.length);
  assert.equal(e.results[0]!.status, now);
  // Stored verdicts that are not a JSON object compare with nothing (and do not fail the asset).
  const broken = JSON.parse(
    assessor(selected, 'json')({ scan, facts: undefined, verdicts: '[1,2', waivers: [], readMs: 0 }, v),
  ) as { compared: number };
  assert.equal(broken.compared, 0);
});
