/** What an import of another tool's results yields, before it becomes a stored scan. Pure: no I/O. */
import { BulwarkError } from '../core/errors.js';
import type { ResultStatus, Severity } from '../core/types.js';

export interface ImportedResult {
  rule: string;
  title: string;
  severity: Severity;
  status: ResultStatus;
  message: string;
}

/** The host the imported report is about, as the report names it. */
export interface ImportedIdentity {
  hostname: string | null;
  fqdn: string | null;
  /** A systemd machine id (32 hex digits) when the report carries one. */
  machineId: string | null;
  macs: string[];
  ips: string[];
  /** Operating system as the report names it (free text), when present. */
  os: string | null;
}

export interface ImportedScan {
  tool: 'openscap' | 'lynis';
  /** The profile as stored: `import:openscap:<profile id>` or `import:lynis`. */
  profile: string;
  startedAt: string;
  finishedAt: string;
  identity: ImportedIdentity;
  results: ImportedResult[];
  /** The tool's own score (OpenSCAP's XCCDF score, Lynis's hardening index), for the summary only. */
  toolScore: number | null;
  /** The scoring system of toolScore: an XCCDF scoring model URI, or `lynis:hardening_index`. */
  toolScoreSystem: string | null;
  /** The best score possible in that system (XCCDF `maximum`, 100 when absent; Lynis 100). */
  toolScoreMax: number | null;
  /** Results not imported (OpenSCAP `notselected`). */
  skipped: number;
  /** Whatever was noticed while reading: several TestResults, unknown result values… */
  notes: string[];
}

/** Imported files are read whole; beyond this they are refused (an ARF with full OVAL results is ~10 MB). */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

export function invalid(file: string, message: string, hint: string, cause?: unknown): BulwarkError {
  return new BulwarkError(
    'BW_IMPORT_INVALID',
    `${file}: ${message}`,
    hint,
    cause === undefined ? {} : { cause },
  );
}

/** A time as ISO 8601 UTC, or undefined when it does not parse. */
export function isoTime(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
