/**
 * Sustaining the hardening: waivers (accepted, owned, time-limited deviations), `bulwark results` with the
 * waived verdicts, baselines and drift. Thin: validation and queries are the store's, the fact diff is pure.
 */
import { Command, Option } from 'commander';
import { BulwarkError } from '../core/errors.js';
import { formatScope, isCalendarDate, parseScope, today, type Waiver } from '../core/waiver.js';
import { canonicalRuleId, requireRuleId, type Catalogue } from '../engine/profile.js';
import { diffFacts, type FactDrift } from '../report/drift.js';
import { loadWithPolicies, table, withStore } from './common.js';
import { fmtToolScore } from './continuity.js';
import type { StoredScan, Store } from '../store/db.js';

const DB_HELP = 'database: SQLite file or postgres:// connection string';
const FORMAT = () =>
  new Option('--format <format>', 'what to print').choices(['text', 'json']).default('text');

function checkDate(d: string | undefined, flag: string): string {
  if (d === undefined) return today();
  if (!isCalendarDate(d))
    throw new BulwarkError('BW_USAGE', `${flag} ${d} is not a date`, 'write dates as YYYY-MM-DD');
  return d;
}

const canon = (cat: Catalogue) => (id: string) => canonicalRuleId(cat, id);

interface AddFlags {
  rule: string;
  scope: string;
  owner: string;
  justification: string;
  compensatingControl: string;
  expires: string;
  approver: string;
  db?: string;
  policy?: string[];
}

async function addWaiver(o: AddFlags): Promise<Waiver> {
  const { catalogue } = await loadWithPolicies(o.policy ?? []);
  const rule = requireRuleId(catalogue, o.rule);
  const scope = parseScope(o.scope);
  if (!scope)
    throw new BulwarkError(
      'BW_WAIVER_INVALID',
      `--scope ${o.scope} is not a scope`,
      'use asset:ID|NAME, tag:T, zone:Z or all',
    );
  return withStore(o.db, async (store) => {
    const value = scope.kind === 'asset' ? (await store.findAsset(scope.value!)).id : scope.value;
    const added = await store.addWaiver({
      rule_id: rule,
      scope_kind: scope.kind,
      scope_value: value,
      owner: o.owner,
      justification: o.justification,
      compensating_control: o.compensatingControl,
      expires: o.expires,
      approver: o.approver,
    });
    // --- audit log (src/remediate/store.ts)
    await (
      await import('../remediate/store.js')
    ).audit(
      store,
      'waiver.add',
      added.id,
      { rule, scope: o.scope, expires: o.expires, approver: o.approver },
      o.owner,
    );
    return added;
  });
}

const waiverRows = (ws: Waiver[], date: string): string[][] => [
  ['ID', 'RULE', 'SCOPE', 'OWNER', 'APPROVER', 'EXPIRES', 'STATE'],
  ...ws.map((w) => [
    w.id,
    w.rule_id,
    formatScope(w),
    w.owner,
    w.approver,
    w.expires,
    w.revoked_at ? `revoked by ${w.revoked_by ?? '?'}` : w.expires < date ? 'expired' : 'active',
  ]),
];

/** The scans `results` shows: a scan id, the latest scan of an asset, or the latest scan of every asset. */
async function scansFor(store: Store, ref: string | undefined): Promise<StoredScan[]> {
  if (ref !== undefined) {
    try {
      return [await store.findScan(ref)];
    } catch (e) {
      if (!(e instanceof BulwarkError) || e.code !== 'BW_SCAN_NOT_FOUND') throw e;
    }
    const asset = await store.findAsset(ref);
    const latest = await store.latestScans([asset.id]);
    if (latest.length === 0)
      throw new BulwarkError(
        'BW_SCAN_NOT_FOUND',
        `the asset ${asset.name} has no stored scan`,
        'scan it first',
      );
    return [await store.findScan(latest[0]!.id)];
  }
  return Promise.all((await store.latestScans()).map((s) => store.findScan(s.id)));
}

interface WaivedResult {
  rule: string;
  severity: string;
  /** The verdict: `waived` when a waiver in force covers a failing rule, else the rule's own. */
  status: string;
  /** The rule's own verdict, whatever the waiver. */
  underlying: string;
  message: string;
  waiver: { id: string; owner: string; expires: string; compensating_control: string } | null;
}

async function resultsCommand(ref: string | undefined, o: { db?: string; date?: string; format: string }) {
  const date = checkDate(o.date, '--date');
  const { catalogue } = await loadWithPolicies([]);
  const out = await withStore(o.db, async (store) => {
    const res = [];
    for (const scan of await scansFor(store, ref)) {
      const asset = await store.findAsset(scan.asset_id);
      const { active, expired } = await store.waiversFor(asset, date);
      const { waiverIndex } = await import('../core/waiver.js');
      const lookup = waiverIndex(active, canon(catalogue));
      const expiredLookup = waiverIndex(expired, canon(catalogue));
      const results: WaivedResult[] = (await store.loadResults(scan.id)).map((r) => {
        const w = r.status === 'fail' || r.status === 'error' ? lookup(r.rule_id) : undefined;
        return {
          rule: r.rule_id,
          severity: r.severity,
          status: w ? 'waived' : r.status,
          underlying: r.status,
          message: r.message,
          waiver: w
            ? { id: w.id, owner: w.owner, expires: w.expires, compensating_control: w.compensating_control }
            : null,
        };
      });
      const expiredShown = expired.filter((w) => results.some((r) => expiredLookup(r.rule)?.id === w.id));
      res.push({ scan, results, expired_waivers: expiredShown });
    }
    return res;
  });
  if (o.format === 'json') {
    process.stdout.write(JSON.stringify({ schema: 'bulwark/results@1', date, scans: out }, null, 2) + '\n');
    return;
  }
  const lines: string[] = [];
  for (const s of out) {
    const waived = s.results.filter((r) => r.waiver).length;
    lines.push(
      `${s.scan.asset_name} (${s.scan.asset_id}): scan ${s.scan.id} of ${s.scan.started_at}, profile ${s.scan.profile}; ${waived} waived on ${date}`,
      `score ${s.scan.score ?? 'n/a'} (Bulwark's formula)${s.scan.tool_score ? `; the tool's own score ${fmtToolScore(s.scan.tool_score)}` : ''}`,
      table([
        ['RULE', 'SEVERITY', 'STATUS', 'WAIVED', 'MESSAGE'],
        ...s.results.map((r) => [
          r.rule,
          r.severity,
          r.status === 'waived' ? `waived (${r.underlying})` : r.status,
          r.waiver ? `${r.waiver.id} until ${r.waiver.expires}` : '-',
          r.message,
        ]),
      ]),
    );
    if (s.expired_waivers.length > 0)
      lines.push(
        'expired — no longer applied:',
        ...s.expired_waivers.map(
          (w) => `  ${w.id}  ${w.rule_id}  ${formatScope(w)}  owner ${w.owner}  expired ${w.expires}`,
        ),
        '',
      );
  }
  if (out.length === 0) lines.push('no stored scan', '');
  process.stdout.write(lines.join('\n'));
}

interface VerdictChange {
  rule: string;
  was: string | null;
  now: string | null;
}
interface AssetDrift {
  asset: { id: string; name: string };
  baseline: {
    scan: string;
    started_at: string;
    approved_by: string;
    approved_at: string;
    note: string | null;
  };
  latest: { scan: string; started_at: string };
  new_failures: VerdictChange[];
  new_passes: VerdictChange[];
  other_changes: VerdictChange[];
  facts: FactDrift;
  drift: boolean;
}

async function driftOne(store: Store, cat: Catalogue, assetId: string): Promise<AssetDrift | string> {
  const asset = await store.findAsset(assetId);
  const base = await store.baselineFor(asset.id);
  if (!base)
    return `${asset.name} (${asset.id}): no approved baseline (bulwark baseline approve SCAN --by NAME)`;
  const latest = (await store.latestScans([asset.id]))[0]!;
  const c = canon(cat);
  const byRule = (m: Map<string, string>) => new Map([...m].map(([k, v]) => [c(k) ?? k, v]));
  const was = byRule(await store.loadResultStatuses(base.scan_id));
  const now = byRule(await store.loadResultStatuses(latest.id));
  const changes: VerdictChange[] = [];
  for (const rule of [...new Set([...was.keys(), ...now.keys()])].sort()) {
    const a = was.get(rule) ?? null;
    const b = now.get(rule) ?? null;
    if (a !== b) changes.push({ rule, was: a, now: b });
  }
  const facts = diffFacts(
    (await store.loadFacts(base.scan_id)) ?? [],
    (await store.loadFacts(latest.id)) ?? [],
  );
  const newFail = changes.filter((x) => x.now === 'fail');
  const newPass = changes.filter((x) => x.now === 'pass' && x.was === 'fail');
  const other = changes.filter((x) => !newFail.includes(x) && !newPass.includes(x));
  return {
    asset: { id: asset.id, name: asset.name },
    baseline: {
      scan: base.scan_id,
      started_at: base.scan.started_at,
      approved_by: base.approved_by,
      approved_at: base.approved_at,
      note: base.note,
    },
    latest: { scan: latest.id, started_at: latest.started_at },
    new_failures: newFail,
    new_passes: newPass,
    other_changes: other,
    facts,
    drift: changes.length > 0 || facts.rows.length > 0 || facts.facts.length > 0,
  };
}

async function driftCommand(ref: string | undefined, o: { db?: string; format: string }): Promise<boolean> {
  const { catalogue } = await loadWithPolicies([]);
  const found = await withStore(o.db, async (store) => {
    const ids =
      ref !== undefined ? [(await store.findAsset(ref)).id] : (await store.listAssets()).map((a) => a.id);
    const out: (AssetDrift | string)[] = [];
    for (const id of ids) out.push(await driftOne(store, catalogue, id));
    return out;
  });
  const drifts = found.filter((x): x is AssetDrift => typeof x !== 'string');
  const missing = found.filter((x): x is string => typeof x === 'string');
  if (ref !== undefined && drifts.length === 0)
    throw new BulwarkError(
      'BW_BASELINE_NOT_FOUND',
      missing[0] ?? `no baseline for ${ref}`,
      'approve one with `bulwark baseline approve SCAN --by NAME`',
    );
  const any = drifts.some((d) => d.drift);
  if (o.format === 'json') {
    process.stdout.write(
      JSON.stringify(
        { schema: 'bulwark/drift@1', drift: any, assets: drifts, without_baseline: missing },
        null,
        2,
      ) + '\n',
    );
    return any;
  }
  const lines: string[] = [];
  for (const d of drifts) {
    lines.push(
      `${d.asset.name} (${d.asset.id}): ${d.drift ? 'DRIFT' : 'no drift'} since the baseline scan ${d.baseline.scan} of ${d.baseline.started_at} (approved by ${d.baseline.approved_by}); latest scan ${d.latest.scan} of ${d.latest.started_at}`,
      ...d.new_failures.map((x) => `  new failure   ${x.rule} (was ${x.was ?? 'not evaluated'})`),
      ...d.new_passes.map((x) => `  new pass      ${x.rule} (was ${x.was ?? 'not evaluated'})`),
      ...d.other_changes.map(
        (x) => `  changed       ${x.rule} (${x.was ?? 'not evaluated'} → ${x.now ?? 'not evaluated'})`,
      ),
      ...d.facts.facts.map(
        (f) =>
          `  fact          ${f.fact}: ${f.from ?? 'not in the baseline'} → ${f.to ?? 'not collected now'}`,
      ),
      ...d.facts.rows.slice(0, 200).map((r) => `  ${r.kind.padEnd(13)} ${r.text}`),
      ...(d.facts.rows.length > 200
        ? [`  … and ${d.facts.rows.length - 200} more fact change(s) (--format json lists all)`]
        : []),
      '',
    );
  }
  if (ref === undefined) lines.push(...missing, ...(missing.length ? [''] : []));
  process.stdout.write(lines.join('\n'));
  return any;
}

export function register(program: Command, setExit: (code: number) => void): void {
  const waivers = program
    .command('waivers')
    .description('accepted deviations: rule × scope, owned, justified, time-limited');
  waivers
    .command('add')
    .description('record a waiver (an expiry in the past is refused)')
    .requiredOption('--rule <id>', 'the rule (an id or an old alias)')
    .requiredOption('--scope <scope>', 'asset:ID|NAME, tag:T, zone:Z or all')
    .requiredOption('--owner <name>', 'who owns the deviation')
    .requiredOption('--justification <text>', 'why it is accepted')
    .requiredOption('--compensating-control <text>', 'what mitigates it instead')
    .requiredOption('--expires <YYYY-MM-DD>', 'the last day it applies')
    .requiredOption('--approver <name>', 'who approved it')
    .option('--policy <file...>', "rules of a plant's or vendor's own policy files")
    .option('--db <path|url>', DB_HELP)
    .action(async (o: AddFlags) => {
      const w = await addWaiver(o);
      process.stdout.write(`waiver ${w.id}: ${w.rule_id} on ${formatScope(w)} until ${w.expires}\n`);
      setExit(0);
    });
  waivers
    .command('list')
    .description('waivers in force (--all: with revoked and expired ones; --expired: only expired ones)')
    .option('--all', 'include revoked and expired waivers')
    .option('--expired', 'only waivers past their expiry (no longer applied)')
    .option('--db <path|url>', DB_HELP)
    .addOption(FORMAT())
    .action(async (o: { all?: boolean; expired?: boolean; db?: string; format: string }) => {
      const date = today();
      const ws = await withStore(o.db, (s) =>
        s.listWaivers({ ...(o.all ? { all: true } : {}), ...(o.expired ? { expired: true } : {}), date }),
      );
      if (o.format === 'json') process.stdout.write(JSON.stringify(ws, null, 2) + '\n');
      else process.stdout.write(table(waiverRows(ws, date)) + `${ws.length} waiver(s)\n`);
      setExit(0);
    });
  waivers
    .command('revoke <id>')
    .description('revoke a waiver: it stops applying at once (it stays listed with --all)')
    .requiredOption('--by <name>', 'who revokes it')
    .option('--db <path|url>', DB_HELP)
    .action(async (id: string, o: { by: string; db?: string }) => {
      const w = await withStore(o.db, async (s) => {
        const revoked = await s.revokeWaiver(id, o.by);
        // --- audit log
        await (
          await import('../remediate/store.js')
        ).audit(s, 'waiver.revoke', revoked.id, { rule: revoked.rule_id }, o.by);
        return revoked;
      });
      process.stdout.write(`revoked ${w.id} (${w.rule_id} on ${formatScope(w)})\n`);
      setExit(0);
    });

  program
    .command('results [scan-or-asset]')
    .description(
      "a scan's results (a scan id, or an asset's latest scan; all assets' latest scans without one) with waivers applied",
    )
    .option('--date <YYYY-MM-DD>', 'apply the waivers in force on this day (default today)')
    .option('--db <path|url>', DB_HELP)
    .addOption(FORMAT())
    .action(async (ref: string | undefined, o: { db?: string; date?: string; format: string }) => {
      await resultsCommand(ref, o);
      setExit(0);
    });

  const baseline = program.command('baseline').description('approved scans that drift is measured against');
  baseline
    .command('approve <scan-id>')
    .description("approve a scan as its asset's baseline (replacing the active one)")
    .requiredOption('--by <name>', 'who approves it')
    .option('--note <text>', 'why, or what it records')
    .option('--db <path|url>', DB_HELP)
    .action(async (scanId: string, o: { by: string; note?: string; db?: string }) => {
      const b = await withStore(o.db, async (s) => {
        const approved = await s.approveBaseline(scanId, o.by, o.note);
        // --- audit log
        await (
          await import('../remediate/store.js')
        ).audit(s, 'baseline.approve', approved.id, { asset: approved.asset_id, scan: scanId }, o.by);
        return approved;
      });
      process.stdout.write(
        `baseline of ${b.scan.asset_name} (${b.asset_id}): scan ${b.scan_id} of ${b.scan.started_at}, approved by ${b.approved_by}\n`,
      );
      setExit(0);
    });
  baseline
    .command('show <asset>')
    .description("an asset's active baseline")
    .option('--db <path|url>', DB_HELP)
    .addOption(FORMAT())
    .action(async (ref: string, o: { db?: string; format: string }) => {
      const b = await withStore(o.db, async (s) => {
        const a = await s.findAsset(ref);
        const found = await s.baselineFor(a.id);
        if (!found)
          throw new BulwarkError(
            'BW_BASELINE_NOT_FOUND',
            `${a.name} (${a.id}) has no approved baseline`,
            'approve one with `bulwark baseline approve SCAN --by NAME`',
          );
        return found;
      });
      if (o.format === 'json') process.stdout.write(JSON.stringify(b, null, 2) + '\n');
      else
        process.stdout.write(
          `${b.scan.asset_name} (${b.asset_id})\n  scan        ${b.scan_id} of ${b.scan.started_at} (profile ${b.scan.profile}, score ${b.scan.score ?? 'n/a'})\n  approved    by ${b.approved_by} at ${b.approved_at}\n${b.note ? `  note        ${b.note}\n` : ''}`,
        );
      setExit(0);
    });

  program
    .command('drift [asset]')
    .description(
      "compare each asset's latest scan with its baseline: verdict and fact changes (exit 0 none, 1 drift, 2 usage)",
    )
    .option('--db <path|url>', DB_HELP)
    .addOption(FORMAT())
    .action(async (ref: string | undefined, o: { db?: string; format: string }) => {
      setExit((await driftCommand(ref, o)) ? 1 : 0);
    });
}
