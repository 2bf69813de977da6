/** Domain types shared by every module. No I/O here. */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** What a rule concluded on one asset. `waived` and `fixed` are added by later stages (waivers, remediation). */
export const RESULT_STATUSES = [
  'pass',
  'fail',
  'error',
  'not_applicable',
  'not_checked',
  'manual',
  'informational',
] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** How complete a collected fact is. `absent` is evidence (the thing does not exist), not a skip. */
export const FACT_STATUSES = ['complete', 'incomplete', 'absent', 'not_collected', 'error'] as const;
export type FactStatus = (typeof FACT_STATUSES)[number];

export type ScanMode = 'live' | 'offline';

/**
 * Field types of fact rows. They choose the comparator: a `mode` is compared bitwise,
 * an `evr` as a dpkg or rpm version, never as text or decimal numbers.
 */
export const FIELD_TYPES = ['string', 'int', 'bool', 'mode', 'evr', 'string_list', 'ip'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A value in a fact row. Modes are integers (0o640), versions strings, lists are string arrays. */
export type Scalar = string | number | boolean | null;
export type FieldValue = Scalar | readonly string[];
export type Row = Readonly<Record<string, FieldValue>>;

export interface Provenance {
  /** Collector that produced the fact. */
  collector: string;
  /** Files read (paths inside the target), or `/proc/...` sources when live. */
  sources: string[];
  mode: ScanMode;
  /** ISO time of collection. */
  at: string;
}

/** One collected observation: a table of typed rows, with status and provenance. */
export interface Fact {
  /** `name` or `name(arg=value,…)` for parameterised facts such as `file(path=/etc/shadow)`. */
  key: string;
  name: string;
  args: Readonly<Record<string, string>>;
  status: FactStatus;
  rows: Row[];
  provenance: Provenance;
  /** Why the fact is not_collected / incomplete / error. */
  reason?: string;
}

export interface FactRequest {
  name: string;
  args: Readonly<Record<string, string>>;
}

export function factKey(req: FactRequest): string {
  const names = Object.keys(req.args).sort();
  if (names.length === 0) return req.name;
  return `${req.name}(${names.map((k) => `${k}=${req.args[k] ?? ''}`).join(',')})`;
}

export interface Evidence {
  /** Fact key the evidence comes from. */
  fact: string;
  /** File and line inside the target, when the fact row carries them. */
  path?: string;
  line?: number;
  field?: string;
  actual?: FieldValue;
  expected?: string;
  message: string;
}

export interface RuleResult {
  rule: string;
  title: string;
  severity: Severity;
  status: ResultStatus;
  /** One sentence: what is wrong / why it could not be decided. */
  message: string;
  evidence: Evidence[];
}

/** What the engine knows of a fact kind without touching a collector: its columns and parameters. */
export interface FactSchema {
  fields: Readonly<Record<string, FieldType>>;
  params?: Readonly<Record<string, { required: boolean }>>;
  liveOnly?: boolean;
}
export type FactSchemas = Readonly<Record<string, FactSchema>>;

/** Byte-order comparison for ids and paths (no locale collator: ids are ASCII, and ICU start-up costs tens of ms). */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
