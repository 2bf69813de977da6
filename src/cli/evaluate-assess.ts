/**
 * The reporting half of `bulwark evaluate`: one stored scan, the verdicts its snapshot gives now, and the
 * verdicts stored with it → that asset's entry of the report (a JSON line of the `assets` array, or a text
 * block). It runs where the evaluation ran (a worker thread for a fleet), so the main thread only reads the
 * store and writes. The results array is assembled from JSON fragments kept with each remembered verdict: a
 * fleet's 10,000 × 263 results are not re-serialised one field at a time.
 */
import type { ResultStatus } from '../core/types.js';
import type { Waiver } from '../core/waiver.js';
import { waiverIndex } from '../core/waiver.js';
import type { RankedScan } from '../store/db.js';
import { parseVerdicts } from '../store/verdicts.js';
import type { Selected, SnapshotVerdicts, Verdict } from './evaluate-fleet.js';

export const fmtScore = (s: number | null) => (s === null ? 'n/a' : String(s));
export const fmtDelta = (d: number | null) =>
  d === null ? '-' : d > 0 ? `+${d}` : d === 0 ? '±0' : String(d);

interface Change {
  rule: string;
  was: string;
  now: ResultStatus;
}

export interface AssetEvaluation {
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
  /** The stored snapshot could not be read (every rule is then `error`); null when it was read. */
  snapshot_error: string | null;
  /** Rules answered by a verdict remembered from an earlier snapshot whose facts they read had the same content. */
  reused: number;
  /** Time to evaluate the rules over the snapshot, decoding the facts they read on demand. */
  duration_ms: number;
  /** Time to read the snapshot from the store and open its index. */
  load_ms: number;
}

/** One asset to report on: its latest scan, that scan's snapshot and stored verdicts, the waivers covering it. */
export interface AssessJob {
  scan: RankedScan;
  /** The compressed snapshot; undefined for a scan without one (an import). */
  facts: Uint8Array | undefined;
  /** The stored verdicts: a JSON object rule id → status (Store.snapshotsOf). */
  verdicts: string;
  /** Waivers in force today that cover the asset. */
  waivers: Waiver[];
  /** Time spent reading this scan's rows from the store. */
  readMs: number;
}

/**
 * An assessor: job + its verdicts → the asset's entry, as one JSON line (without the separator) or a text block.
 */
export function assessor(
  selected: Selected,
  format: 'json' | 'text',
): (job: AssessJob, v: SnapshotVerdicts | undefined) => string {
  const { selections } = selected;
  const canonical = (id: string) => selected.canonical(id) ?? id;
  // A rule's stored verdict is under its id, or under an alias when it was stored before a rename.
  const storedIds = selections.map((s) => [s.rule.id, ...(s.rule.aliases ?? [])]);
  const noSnapshot: Verdict[] = selections.map(() => ({
    status: 'not_checked',
    message: 'the stored scan has no fact snapshot',
  }));
  /** `{"rule":…,"severity":…,"status":…,"message":…` of a verdict of rule i (kept with the verdict). */
  const fragment = (v: Verdict, i: number) =>
    (v.json ??= `{"rule":${JSON.stringify(selections[i]!.rule.id)},"severity":${JSON.stringify(selections[i]!.severity)},"status":${JSON.stringify(v.status)},"message":${JSON.stringify(v.message)}`);
  return (job, v) => {
    const { scan } = job;
    const verdicts = v?.verdicts ?? noSnapshot;
    const before = parseVerdicts(job.verdicts) ?? new Map<string, string>();
    const waiverFor = job.waivers.length > 0 ? waiverIndex(job.waivers, canonical) : undefined;
    const changes: Change[] = [];
    let compared = 0;
    const waived: AssetEvaluation['waived'] = [];
    const waiverIds: (string | null)[] = [];
    for (let i = 0; i < selections.length; i++) {
      const id = selections[i]!.rule.id;
      const now = verdicts[i]!.status;
      let was: string | undefined;
      for (const stored of storedIds[i]!) {
        const x = before.get(stored);
        if (x !== undefined) {
          was = x;
          break;
        }
      }
      if (was !== undefined) {
        compared++;
        if (was !== now) changes.push({ rule: id, was, now });
      }
      const w = now === 'fail' ? waiverFor?.(id) : undefined;
      waiverIds.push(w?.id ?? null);
      if (w) waived.push({ rule: id, waiver: w.id, expires: w.expires });
    }
    const score = v?.score ?? null;
    const head = {
      asset: { id: scan.asset_id, name: scan.asset_name },
      scan: {
        id: scan.id,
        started_at: scan.started_at,
        mode: scan.mode,
        profile: scan.profile,
        score: scan.score,
      },
      score,
      score_change: score === null || scan.score === null ? null : Math.round((score - scan.score) * 10) / 10,
      counts: v?.counts ?? { not_checked: selections.length },
      compared,
      newly_failing: changes.filter((c) => c.now === 'fail'),
      newly_passing: changes.filter((c) => c.now === 'pass' && c.was === 'fail'),
      other_changes: changes.filter((c) => c.now !== 'fail' && !(c.now === 'pass' && c.was === 'fail')),
      missing_facts: (v?.missing ?? []).map(([i, facts]) => ({ rule: selections[i]!.rule.id, facts })),
    };
    const tail = {
      waived,
      snapshot_error: v?.error ?? null,
      reused: v?.reused ?? 0,
      duration_ms: Math.round((v?.evalMs ?? 0) * 100) / 100,
      load_ms: Math.round((job.readMs + (v?.loadMs ?? 0)) * 100) / 100,
    };
    if (format === 'text') {
      const results = verdicts.map((x, i) => ({
        rule: selections[i]!.rule.id,
        severity: selections[i]!.severity,
        status: x.status,
        message: x.message,
        waiver: waiverIds[i]!,
      }));
      return textOf({ ...head, results, ...tail });
    }
    let results = '';
    for (let i = 0; i < verdicts.length; i++)
      results += `${i === 0 ? '' : ','}${fragment(verdicts[i]!, i)},"waiver":${waiverIds[i] === null ? 'null' : JSON.stringify(waiverIds[i])}}`;
    const h = JSON.stringify(head);
    return `${h.slice(0, -1)},"results":[${results}],${JSON.stringify(tail).slice(1)}`;
  };
}

export function textOf(e: AssetEvaluation): string {
  const c = e.counts;
  const out: string[] = [
    `${e.asset.name} (${e.asset.id})`,
    ...(e.snapshot_error === null ? [] : [`  error      ${e.snapshot_error}`]),
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
  ];
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
  out.push(
    `  evaluated in ${e.duration_ms} ms${e.reused > 0 ? ` (${e.reused} of ${e.results.length} verdicts reused from snapshots with the same facts)` : ''}`,
    '',
    '',
  );
  return out.join('\n');
}
