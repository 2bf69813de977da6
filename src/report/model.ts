/**
 * What every report renderer reads: stored scans with their results, one asset at a time, and the rule
 * metadata from the catalogue. Renderers are streams of text: `begin()`, then `asset()` once per asset
 * (each call returns the text for that asset only), then `end()`. A fleet of any size is written without
 * holding more than one asset's results at a time; what a renderer keeps across assets is bounded by the
 * number of rules (aggregates), never by the number of assets × results.
 *
 * Pure: no I/O. node:crypto is used only for hashing (stable ids).
 */
import { createHash } from 'node:crypto';
import type { Evidence, FactStatus, ResultStatus, Severity } from '../core/types.js';
import type { ScoreSummary } from '../engine/score.js';

/** The status a report shows: the rule's own verdict, or `waived` for a failure covered by a waiver in force. */
export type ShownStatus = ResultStatus | 'waived';
export const SHOWN_STATUSES: readonly ShownStatus[] = [
  'fail',
  'error',
  'waived',
  'manual',
  'not_checked',
  'not_applicable',
  'informational',
  'pass',
];

export type References = Readonly<
  Record<string, string | readonly string[] | Readonly<Record<string, string>>>
>;

/** A rule as reports describe it (from the catalogue). Results of imported rules have none. */
export interface RuleInfo {
  id: string;
  title: string;
  area: string;
  severity: Severity;
  description: string;
  rationale: string;
  fix: { impact: 'safe' | 'disruptive' | 'manual'; description: string; shell?: string; ansible?: string };
  references: References;
}

export interface WaiverInfo {
  id: string;
  owner: string;
  justification: string;
  compensating_control: string;
  expires: string;
  approver: string;
  /** `compensating-control` when the waiver was recorded by `bulwark fix compensate` (the audit log says so). */
  kind?: 'compensating-control';
}

/** A change request (src/remediate) on an asset in the report's scope. */
export interface ChangeInfo {
  id: string;
  title: string;
  status: string;
  asset: string | null;
  requester: string;
  approver: string | null;
  window_start: string | null;
  window_end: string | null;
  rules: string[];
  updated_at: string;
}

export interface ReportResult {
  rule: string;
  title: string;
  area: string;
  severity: Severity;
  /** The rule's own verdict, as stored (never rewritten by a waiver). */
  status: ResultStatus;
  /** What the report shows: `waived` when a failure is covered by a waiver in force on the report date. */
  shown: ShownStatus;
  message: string;
  evidence: Evidence[];
  waiver: WaiverInfo | null;
}

export interface AssetInfo {
  id: string;
  name: string;
  kind: string;
  hostname: string | null;
  machine_id: string | null;
  zone: string | null;
  site: string | null;
  owner: string | null;
  criticality: string | null;
  device_class: string | null;
  tags: string[];
}

export interface ScanInfo {
  id: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  mode: string;
  target_kind: string;
  target_root: string;
  profile: string;
  tailoring: string | null;
  policies: string[];
  bulwark_version: string;
  score: number | null;
  counts: Record<string, number>;
}

export interface AssetReport {
  asset: AssetInfo;
  scan: ScanInfo;
  /** By rule id. */
  results: ReportResult[];
  /** The asset's scores over time, oldest first (for the trend chart); may be empty. */
  history?: { scan: string; at: string; score: number | null }[];
  /** The score explained (the scan's own verdicts; waivers do not change it). */
  summary: ScoreExplained;
  /** The facts the scan was evaluated from, summarised (loaded for the JSON report and evidence packs). */
  facts?: FactSummary[];
}

/** The score with how it was reached: the engine's summary, as stored with the scan. */
export type ScoreExplained = ScoreSummary;

export interface FactSummary {
  key: string;
  status: FactStatus;
  reason?: string;
  rows: number;
  sources: string[];
}

export interface ReportMeta {
  version: string;
  generated_at: string;
  /** What the report covers: one scan, one asset's latest scan, or the fleet's latest scans. */
  scope: { kind: 'scan' | 'asset' | 'fleet'; label: string };
  /** The date waivers were applied on (YYYY-MM-DD). */
  waiver_date: string;
  rules: ReadonlyMap<string, RuleInfo>;
  /** The fleet's average score per day, oldest first (fleet reports). */
  trend?: { at: string; score: number | null; assets: number }[];
  /** The change requests of the assets in scope, oldest first (absent: not read). */
  changes?: ChangeInfo[];
}

/** A streaming renderer: the concatenation of begin, every asset, and end is the document. */
export interface Renderer {
  begin(): string;
  /** `pass` counts from 0 for renderers that read the assets more than once. */
  asset(a: AssetReport, pass?: number): string;
  end(): string;
  /** Renderers that need several passes over the assets (the POA&M): how many, and the text before pass n ≥ 1. */
  passes?: number;
  between?(pass: number): string;
}

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Where a result failed: the first evidence with a path, else undefined. */
export function locationOf(r: Pick<ReportResult, 'evidence'>): { path: string; line?: number } | undefined {
  const e = r.evidence.find((x) => typeof x.path === 'string' && x.path.length > 0);
  if (!e?.path) return undefined;
  return e.line !== undefined && e.line > 0 ? { path: e.path, line: e.line } : { path: e.path };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Namespace of Bulwark's name-based UUIDs (itself a v5 UUID of "bulwark" in the URL namespace). */
const NS_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
const nsBytes = (u: string) => Buffer.from(u.replace(/-/g, ''), 'hex');

/** RFC 9562 version-5 UUID (SHA-1, name-based): the same name always gives the same id, so re-exports diff cleanly. */
export function uuidV5(name: string, namespace = BULWARK_NS): string {
  const h = createHash('sha1').update(nsBytes(namespace)).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
export const BULWARK_NS: string = uuidV5('https://bulwark.invalid/ns', NS_URL);

export function escapeXml(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped (evidence can hold control characters).
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[<>&"']/g, (c) => {
    switch (c) {
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '&':
        return '&amp;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

/** Evidence as one line of text: `path:line field=actual (expected …): message`. */
export function evidenceText(e: Evidence): string {
  const at = e.path ? `${e.path}${e.line ? `:${e.line}` : ''} ` : '';
  const actual =
    e.actual === undefined
      ? ''
      : ` ${e.field ?? 'value'}=${Array.isArray(e.actual) ? e.actual.join(',') : String(e.actual)}`;
  const expected = e.expected ? ` (expected ${e.expected})` : '';
  return `${at}[${e.fact}]${actual}${expected}: ${e.message}`;
}

/** References as flat `key value` strings (`cis debian12 5.1.4`, `nist_800_53 AC-3`). */
export function flatReferences(refs: References): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(refs)) {
    if (typeof v === 'string') out.push(`${k} ${v}`);
    else if (Array.isArray(v)) for (const x of v as readonly string[]) out.push(`${k} ${x}`);
    else for (const [b, n] of Object.entries(v as Record<string, string>)) out.push(`${k} ${b} ${n}`);
  }
  return out;
}

export function countShown(results: readonly ReportResult[]): Record<ShownStatus, number> {
  const c = Object.fromEntries(SHOWN_STATUSES.map((s) => [s, 0])) as Record<ShownStatus, number>;
  for (const r of results) c[r.shown]++;
  return c;
}
