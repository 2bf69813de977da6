/**
 * History and re-evaluation: `bulwark evaluate` re-evaluates stored fact snapshots against a profile without
 * rescanning (a what-if: nothing is written), `bulwark history` shows scores over time per asset and for the
 * fleet. Thin: the evaluation is the scan's own (evaluateSelections), the queries are the store's.
 */
import { Command, Option } from 'commander';
import { BulwarkError } from '../core/errors.js';
import { DEVICE_CLASSES } from '../core/asset.js';
import { factKey, type Fact, type ResultStatus } from '../core/types.js';
import { canonicalRuleId } from '../engine/profile.js';
import { today } from '../core/waiver.js';
import { requiredFacts } from '../engine/evaluate.js';
import { summarise } from '../engine/score.js';
import { factSchemas } from '../collect/registry.js';
import { evaluateSelections, selectRules } from '../scan/run.js';
import { loadWithPolicies, table, withStore } from './common.js';
import type { RankedScan, Store } from '../store/db.js';

const DB_HELP = 'database: SQLite file or postgres:// connection string';

/** `all`, an asset id or name, `tag:T`, `zone:Z` or `class:C` → the ids of the assets it selects. */
async function selectAssets(store: Store, selector: string): Promise<string[]> {
  const [kind, ...rest] = selector.split(':');
  const value = rest.join(':');
  if (selector === 'all') return (await store.listAssets()).map((a) => a.id);
  if (rest.length > 0 && (kind === 'tag' || kind === 'zone' || kind === 'class')) {
    if (kind === 'class' && !(DEVICE_CLASSES as readonly string[]).includes(value))
      throw new BulwarkError(
        'BW_USAGE',
        `"${value}" is not a device class`,
        `use one of: ${DEVICE_CLASSES.join(', ')}`,
      );
    const filter =
      kind === 'tag' ? { tag: value } : kind === 'zone' ? { zone: value } : { deviceClass: value };
    return (await store.listAssets(filter)).map((a) => a.id);
  }
  return [(await store.findAsset(selector)).id];
}

const fmtScore = (s: number | null) => (s === null ? 'n/a' : String(s));
const fmtDelta = (d: number | null) => (d === null ? '-' : d > 0 ? `+${d}` : d === 0 ? '±0' : String(d));

interface Change {
  rule: string;
  was: string;
  now: ResultStatus;
}

interface AssetEvaluation {
  asset: { id: string; name: string };
  scan: { id: string; started_at: string; mode: string; profile: string; score: number | null };
  score: number | null;
  /** Score change against the stored scan (over different rule sets when the profiles differ). */
  score_change: number | null;
  counts: Record<string, number>;
  /** Rules evaluated now and present in the stored results too. */
  compared: number;
  newly_failing: Change[];
  newly_passing: Change[];
  /** Every other change of verdict among the compared rules. */
  other_changes: Change[];
  /** Rules `not_checked` because the snapshot lacks facts they need (a rescan would collect them). */
  missing_facts: { rule: string; facts: string[] }[];
  results: {
    rule: string;
    severity: string;
    status: ResultStatus;
    message: string;
    /** The waiver in force today that covers this failing rule (the status stays the rule's own verdict). */
    waiver: string | null;
  }[];
  /** Failing rules covered by a waiver in force today. */
  waived: { rule: string; waiver: string; expires: string }[];
  /** Time to evaluate the rules over the snapshot (loading and decompressing it not included). */
  duration_ms: number;
  load_ms: number;
}

interface EvaluateFlags {
  profile: string;
  tailoring?: string;
  policy?: string[];
  assets: string;
  db?: string;
  format: 'text' | 'json';
}

async function evaluateCommand(o: EvaluateFlags, profileExplicit: boolean): Promise<void> {
  const { catalogue, policyRules } = await loadWithPolicies(o.policy ?? []);
  const tailoring = o.tailoring
    ? (await import('../content/load.js')).loadTailoring(o.tailoring, catalogue)
    : undefined;
  const selections = selectRules({
    catalogue,
    profile: o.profile,
    profileExplicit,
    ...(tailoring ? { tailoring } : {}),
    policyRules,
  });
  const profile = policyRules.length && !profileExplicit ? 'policy' : (tailoring?.extends ?? o.profile);
  const schemas = factSchemas();
  const needs = new Map(
    selections.map((s) => [s.rule.id, [...new Set(requiredFacts([s]).map((r) => factKey(r)))]]),
  );
  const evaluations: AssetEvaluation[] = [];
  const unscanned: { id: string; name: string }[] = [];
  await withStore(o.db, async (store) => {
    const ids = await selectAssets(store, o.assets);
    const latest = await store.latestScans(ids);
    const scanned = new Set(latest.map((s) => s.asset_id));
    for (const id of ids)
      if (!scanned.has(id)) unscanned.push({ id, name: (await store.findAsset(id)).name });
    for (const scan of latest) evaluations.push(await evaluateOne(store, scan));
  });

  async function evaluateOne(store: Store, scan: RankedScan): Promise<AssetEvaluation> {
    const l0 = performance.now();
    const facts: Fact[] = (await store.loadFacts(scan.id)) ?? [];
    const stored = await store.loadResultStatuses(scan.id);
    const waiverFor = await store.activeWaivers(await store.findAsset(scan.asset_id), today(), (id) =>
      canonicalRuleId(catalogue, id),
    );
    const byKey = new Map(facts.map((f) => [f.key, f]));
    const load = performance.now() - l0;
    const t0 = performance.now();
    const results = evaluateSelections(
      selections,
      byKey,
      scan.mode === 'live' ? 'live' : 'offline',
      undefined,
      schemas,
    );
    const summary = summarise(results);
    const duration = performance.now() - t0;
    // Stored verdicts by today's rule ids: a rule renamed since keeps its history through its alias.
    const before = new Map<string, string>();
    for (const [id, status] of stored) before.set(canonicalRuleId(catalogue, id) ?? id, status);
    const changes: Change[] = [];
    let compared = 0;
    for (const r of results) {
      const was = before.get(r.rule);
      if (was === undefined) continue;
      compared++;
      if (was !== r.status) changes.push({ rule: r.rule, was, now: r.status });
    }
    const missing = results
      .filter((r) => r.status === 'not_checked')
      .map((r) => ({ rule: r.rule, facts: (needs.get(r.rule) ?? []).filter((k) => !byKey.has(k)) }))
      .filter((m) => m.facts.length > 0);
    return {
      asset: { id: scan.asset_id, name: scan.asset_name },
      scan: {
        id: scan.id,
        started_at: scan.started_at,
        mode: scan.mode,
        profile: scan.profile,
        score: scan.score,
      },
      score: summary.score,
      score_change:
        summary.score === null || scan.score === null
          ? null
          : Math.round((summary.score - scan.score) * 10) / 10,
      counts: summary.counts,
      compared,
      newly_failing: changes.filter((c) => c.now === 'fail'),
      newly_passing: changes.filter((c) => c.now === 'pass' && c.was === 'fail'),
      other_changes: changes.filter((c) => c.now !== 'fail' && !(c.now === 'pass' && c.was === 'fail')),
      missing_facts: missing,
      results: results.map((r) => ({
        rule: r.rule,
        severity: r.severity,
        status: r.status,
        message: r.message,
        waiver: r.status === 'fail' ? (waiverFor(r.rule)?.id ?? null) : null,
      })),
      waived: results.flatMap((r) => {
        const w = r.status === 'fail' ? waiverFor(r.rule) : undefined;
        return w ? [{ rule: r.rule, waiver: w.id, expires: w.expires }] : [];
      }),
      duration_ms: Math.round(duration * 100) / 100,
      load_ms: Math.round(load * 100) / 100,
    };
  }

  if (o.format === 'json') {
    process.stdout.write(
      JSON.stringify(
        {
          schema: 'bulwark/evaluate@1',
          profile,
          tailoring: o.tailoring ?? null,
          policies: o.policy ?? [],
          rules: selections.length,
          assets: evaluations,
          unscanned,
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const out: string[] = [
    `What-if: ${selections.length} rule(s) of ${profile}${o.tailoring ? ` tailored by ${o.tailoring}` : ''} over the latest stored snapshot of ${evaluations.length} asset(s); nothing is stored.`,
    '',
  ];
  for (const e of evaluations) {
    const c = e.counts;
    out.push(
      `${e.asset.name} (${e.asset.id})`,
      `  snapshot   scan ${e.scan.id} of ${e.scan.started_at} (${e.scan.mode}, profile ${e.scan.profile}, score ${fmtScore(e.scan.score)})`,
      `  score      ${fmtScore(e.score)}${e.score_change === null ? '' : ` (${fmtDelta(e.score_change)} against the stored scan)`}`,
      `  results    ${Object.entries(c)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}`,
      `  compared   ${e.compared} rule(s) present in both: ${e.newly_failing.length} newly failing, ${e.newly_passing.length} newly passing, ${e.other_changes.length} other change(s)`,
      ...e.newly_failing.map(
        (x) =>
          `    newly failing  ${x.rule} (was ${x.was})${e.waived.some((w) => w.rule === x.rule) ? ' — waived' : ''}`,
      ),
      ...e.newly_passing.map((x) => `    newly passing  ${x.rule} (was ${x.was})`),
      ...e.other_changes.map((x) => `    changed        ${x.rule} (${x.was} → ${x.now})`),
    );
    if (e.missing_facts.length > 0)
      out.push(
        `  not checked ${e.missing_facts.length} rule(s): the snapshot lacks facts they need (a scan with this profile would collect them):`,
        ...e.missing_facts.slice(0, 20).map((m) => `    ${m.rule}: ${m.facts.join(', ')}`),
        ...(e.missing_facts.length > 20 ? [`    … and ${e.missing_facts.length - 20} more`] : []),
      );
    if (e.waived.length > 0)
      out.push(
        `  waived     ${e.waived.length} failing rule(s) covered by a waiver in force today (the verdict underneath is fail):`,
        ...e.waived.map((w) => `    waived (fail)  ${w.rule}: ${w.waiver} until ${w.expires}`),
      );
    out.push(`  evaluated in ${e.duration_ms} ms`, '');
  }
  for (const u of unscanned) out.push(`${u.name} (${u.id}): no stored scan`, '');
  if (evaluations.length === 0 && unscanned.length === 0) out.push('no asset selected', '');
  process.stdout.write(out.join('\n'));
}

async function historyCommand(
  ref: string | undefined,
  o: { db?: string; limit: string; format: 'text' | 'json' },
): Promise<void> {
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new BulwarkError(
      'BW_USAGE',
      `--limit ${o.limit} is not a positive whole number`,
      'e.g. --limit 20',
    );
  const count = (r: RankedScan, k: string) => String(r.counts[k] ?? 0);
  if (ref !== undefined) {
    const { catalogue } = await loadWithPolicies([]);
    const { asset, scans, waived } = await withStore(o.db, async (store) => {
      const asset = await store.findAsset(ref);
      const scans = await store.assetHistory(asset.id, limit);
      // The latest scan's failing rules that a waiver in force today covers (the verdicts stay as stored).
      const waiverFor = await store.activeWaivers(asset, today(), (id) => canonicalRuleId(catalogue, id));
      const waived = scans[0]
        ? [...(await store.loadResultStatuses(scans[0].id))].filter(
            ([rule, status]) => status === 'fail' && waiverFor(rule) !== undefined,
          ).length
        : 0;
      return { asset, scans, waived };
    });
    if (o.format === 'json') {
      process.stdout.write(
        JSON.stringify(
          {
            asset: { id: asset.id, name: asset.name },
            scans: scans.map((s) => ({
              id: s.id,
              started_at: s.started_at,
              mode: s.mode,
              profile: s.profile,
              tailoring: s.tailoring,
              score: s.score,
              counts: s.counts,
              change: s.delta,
            })),
            total_scans: scans[0]?.scans ?? 0,
            latest_waived: waived,
          },
          null,
          2,
        ) + '\n',
      );
      return;
    }
    const head = `${asset.name} (${asset.id}): ${scans[0]?.scans ?? 0} scan(s)${scans.length < (scans[0]?.scans ?? 0) ? `, the latest ${scans.length} shown` : ''}\n`;
    if (scans.length === 0) {
      process.stdout.write(head);
      return;
    }
    process.stdout.write(
      head +
        (waived > 0
          ? `${waived} failing rule(s) of the latest scan waived (fail underneath; see \`bulwark results ${asset.name}\`)\n`
          : '') +
        table([
          ['DATE', 'SCAN', 'PROFILE', 'MODE', 'SCORE', 'PASS', 'FAIL', 'CHANGE'],
          ...scans.map((s) => [
            s.started_at,
            s.id,
            s.profile,
            s.mode,
            fmtScore(s.score),
            count(s, 'pass'),
            count(s, 'fail'),
            fmtDelta(s.delta),
          ]),
        ]),
    );
    return;
  }
  const fleet = (await withStore(o.db, (store) => store.fleetHistory())).slice(0, limit);
  if (o.format === 'json') {
    process.stdout.write(
      JSON.stringify(
        fleet.map((f) => ({
          asset: { id: f.asset_id, name: f.asset_name },
          scans: f.scans,
          last_scan: {
            id: f.id,
            started_at: f.started_at,
            profile: f.profile,
            score: f.score,
            counts: f.counts,
          },
          previous_score: f.previous_score,
          change: f.delta,
        })),
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const trend = (f: (typeof fleet)[number]) =>
    f.scans === 1
      ? 'first scan'
      : f.delta === null
        ? 'n/a'
        : f.delta > 0
          ? `up ${fmtDelta(f.delta)}`
          : f.delta < 0
            ? `down ${fmtDelta(f.delta)}`
            : 'steady';
  process.stdout.write(
    table([
      ['ASSET', 'ID', 'SCANS', 'LAST SCAN', 'PROFILE', 'SCORE', 'PASS', 'FAIL', 'TREND'],
      ...fleet.map((f) => [
        f.asset_name,
        f.asset_id,
        String(f.scans),
        f.started_at,
        f.profile,
        fmtScore(f.score),
        count(f, 'pass'),
        count(f, 'fail'),
        trend(f),
      ]),
    ]) + `${fleet.length} asset(s) with scans\n`,
  );
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('evaluate')
    .description(
      're-evaluate the latest stored fact snapshot of each selected asset against a profile, without rescanning (a what-if: nothing is stored)',
    )
    .option('--profile <name>', 'profile to apply', 'default')
    .option('--tailoring <file>', 'tailoring file: select/unselect rules, set parameters and severities')
    .option('--policy <file...>', "a plant's or vendor's own rules (YAML, same format as built-in rules)")
    .option('--assets <selector>', 'which assets: all, an asset id or name, tag:T, zone:Z or class:C', 'all')
    .option('--db <path|url>', DB_HELP)
    .addOption(new Option('--format <format>', 'what to print').choices(['text', 'json']).default('text'))
    .action(async (o: EvaluateFlags, cmd: Command) => {
      await evaluateCommand(o, cmd.getOptionValueSource('profile') === 'cli');
      setExit(0);
    });
  program
    .command('history [asset]')
    .description(
      "an asset's scans over time with the change of score, or (without an asset) the fleet: each asset's last score and trend",
    )
    .option('--db <path|url>', DB_HELP)
    .option('--limit <n>', 'at most this many scans (of the asset) or assets (of the fleet)', '20')
    .addOption(new Option('--format <format>', 'what to print').choices(['text', 'json']).default('text'))
    .action(async (ref: string | undefined, o: { db?: string; limit: string; format: 'text' | 'json' }) => {
      await historyCommand(ref, o);
      setExit(0);
    });
}
