/**
 * History and re-evaluation: `bulwark evaluate` re-evaluates stored fact snapshots against a profile without
 * rescanning (a what-if: nothing is written), `bulwark history` shows scores over time per asset and for the
 * fleet. Thin: the evaluation is the scan's own (evaluateSelections, through evaluate-fleet.ts: in worker threads
 * for a fleet), the queries are the store's. A fleet is read a batch of snapshots at a time and its report
 * written as it is produced: memory does not grow with the number of assets.
 */
import { Command, Option } from 'commander';
import { BulwarkError } from '../core/errors.js';
import { DEVICE_CLASSES, type Asset } from '../core/asset.js';
import { canonicalRuleId } from '../engine/profile.js';
import { isExpired, today, type Waiver } from '../core/waiver.js';
import { loadWithPolicies, table, withStore } from './common.js';
import { makeEvaluator, select, type SelectionSpec } from './evaluate-fleet.js';
import { fmtDelta, fmtScore } from './evaluate-assess.js';
import type { RankedScan, Store, ToolScore } from '../store/db.js';

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

/** Another tool's own score, with its scale and system: `70.8/100 (OpenSCAP xccdf default)`. */
export function fmtToolScore(t: ToolScore | null): string {
  if (t === null) return '-';
  const system =
    t.system === 'lynis:hardening_index'
      ? 'Lynis hardening index'
      : t.system.startsWith('urn:xccdf:scoring:')
        ? `OpenSCAP ${t.system.slice('urn:xccdf:scoring:'.length)}`
        : t.system;
  return `${t.value}/${t.maximum} (${system})`;
}
interface EvaluateFlags {
  profile: string;
  tailoring?: string;
  policy?: string[];
  assets: string;
  db?: string;
  format: 'text' | 'json';
}

/** Waivers in force on `date` that cover an asset: its id, one of its tags, its zone, or all (not revoked). */
function waiversCovering(asset: Asset, waivers: readonly Waiver[], date: string): Waiver[] {
  return waivers.filter(
    (w) =>
      w.revoked_at === null &&
      !isExpired(w, date) &&
      (w.scope_kind === 'all' ||
        (w.scope_kind === 'asset' && w.scope_value === asset.id) ||
        (w.scope_kind === 'zone' && asset.zone !== null && w.scope_value === asset.zone) ||
        (w.scope_kind === 'tag' && w.scope_value !== null && asset.tags.includes(w.scope_value))),
  );
}

/** Snapshots read from the store per query, and evaluated at most this many at once (bounds memory). */
const BATCH = 100;

/**
 * stdout, waiting when the pipe is full: a fleet's report is written as it is produced, never held whole. In
 * JSON each asset is one line of the `assets` array (a fleet's report stays greppable and half the size).
 */
let pipeWatched = false;
async function emit(text: string | Uint8Array): Promise<void> {
  if (!pipeWatched) {
    pipeWatched = true;
    // The reader went away (`| head`): stop writing, quietly, as other command-line tools do.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  if (!process.stdout.write(text))
    await new Promise<void>((resolve) =>
      process.stdout.once('drain', () => {
        resolve();
      }),
    );
}

async function evaluateCommand(o: EvaluateFlags, profileExplicit: boolean): Promise<void> {
  const spec: SelectionSpec = {
    profile: o.profile,
    profileExplicit,
    policies: o.policy ?? [],
    ...(o.tailoring ? { tailoring: o.tailoring } : {}),
  };
  const selected = await select(spec);
  const { selections, profile } = selected;
  const date = today();
  const json = o.format === 'json';
  const unscanned: { id: string; name: string }[] = [];
  let evaluated = 0;
  await withStore(o.db, async (store) => {
    const ids = await selectAssets(store, o.assets);
    const latest = await store.latestScans(ids);
    const scanned = new Set(latest.map((s) => s.asset_id));
    const assets = new Map((await store.listAssets()).map((a) => [a.id, a]));
    for (const id of ids) if (!scanned.has(id)) unscanned.push({ id, name: assets.get(id)?.name ?? id });
    const waivers = (await store.listWaivers({ all: true })).filter((w) => w.revoked_at === null);
    await emit(
      json
        ? `{\n  "schema": "bulwark/evaluate@1",\n  "profile": ${JSON.stringify(profile)},\n  "tailoring": ${JSON.stringify(o.tailoring ?? null)},\n  "policies": ${JSON.stringify(o.policy ?? [])},\n  "rules": ${selections.length},\n  "assets": [`
        : `What-if: ${selections.length} rule(s) of ${profile}${o.tailoring ? ` tailored by ${o.tailoring}` : ''} over the latest stored snapshot of ${latest.length} asset(s); nothing is stored.\n\n`,
    );
    const evaluator = makeEvaluator(spec, selected, latest.length, json ? 'json' : 'text');
    try {
      const load = async (batch: RankedScan[]) => {
        const l0 = performance.now();
        const rows = await store.snapshotsOf(batch.map((s) => s.id));
        return { batch, rows, ms: (performance.now() - l0) / Math.max(1, batch.length) };
      };
      let next = latest.length > 0 ? load(latest.slice(0, BATCH)) : undefined;
      for (let i = 0; next; i += BATCH) {
        const { batch, rows, ms } = await next;
        // The whole batch goes to the workers at once; the next batch is read while they evaluate it.
        const runs = batch.map((scan) => {
          const row = rows.get(scan.id);
          const asset = assets.get(scan.asset_id);
          return evaluator.run({
            scan,
            facts: row?.facts,
            verdicts: row?.verdicts ?? '{}',
            waivers: asset ? waiversCovering(asset, waivers, date) : [],
            readMs: ms,
          });
        });
        next = i + BATCH < latest.length ? load(latest.slice(i + BATCH, i + 2 * BATCH)) : undefined;
        for (const run of runs) {
          if (json) await emit(evaluated === 0 ? '\n    ' : ',\n    ');
          await emit(await run);
          evaluated++;
        }
      }
    } finally {
      await evaluator.close();
    }
  });

  if (json) {
    await emit(`${evaluated === 0 ? '' : '\n  '}],\n  "unscanned": ${JSON.stringify(unscanned)}\n}\n`);
    return;
  }
  const out: string[] = [];
  for (const u of unscanned) out.push(`${u.name} (${u.id}): no stored scan`, '');
  if (evaluated === 0 && unscanned.length === 0) out.push('no asset selected', '');
  await emit(out.join('\n'));
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
              tool_score: s.tool_score,
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
    // Imported scans carry the other tool's own score: a column of its own, never mixed with Bulwark's.
    const withTool = scans.some((s) => s.tool_score !== null);
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
          [
            'DATE',
            'SCAN',
            'PROFILE',
            'MODE',
            'SCORE',
            ...(withTool ? ["TOOL'S OWN SCORE"] : []),
            'PASS',
            'FAIL',
            'CHANGE',
          ],
          ...scans.map((s) => [
            s.started_at,
            s.id,
            s.profile,
            s.mode,
            fmtScore(s.score),
            ...(withTool ? [fmtToolScore(s.tool_score)] : []),
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
            tool_score: f.tool_score,
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
  const fleetTool = fleet.some((f) => f.tool_score !== null);
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
      [
        'ASSET',
        'ID',
        'SCANS',
        'LAST SCAN',
        'PROFILE',
        'SCORE',
        ...(fleetTool ? ["TOOL'S OWN SCORE"] : []),
        'PASS',
        'FAIL',
        'TREND',
      ],
      ...fleet.map((f) => [
        f.asset_name,
        f.asset_id,
        String(f.scans),
        f.started_at,
        f.profile,
        fmtScore(f.score),
        ...(fleetTool ? [fmtToolScore(f.tool_score)] : []),
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
