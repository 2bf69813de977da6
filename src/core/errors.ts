/** Errors are values: a stable code, what went wrong, and what to do about it. */
export type ErrorCode =
  | 'BW_TARGET_NOT_FOUND'
  | 'BW_TARGET_NOT_DIR'
  | 'BW_PATH_ESCAPE'
  | 'BW_SYMLINK_LOOP'
  | 'BW_CONTENT_INVALID'
  | 'BW_POLICY_INVALID'
  | 'BW_TAILORING_INVALID'
  | 'BW_PROFILE_NOT_FOUND'
  | 'BW_RULE_NOT_FOUND'
  | 'BW_FILE_UNREADABLE'
  | 'BW_DB_OPEN'
  | 'BW_DB_LOCKED'
  | 'BW_DB_CORRUPT'
  | 'BW_DB_TOO_NEW'
  | 'BW_DB_BACKUP'
  | 'BW_OUTPUT_EXISTS'
  | 'BW_WRITE_INSIDE_TARGET'
  | 'BW_ASSET_NOT_FOUND'
  | 'BW_ASSET_AMBIGUOUS'
  | 'BW_ASSET_INVALID'
  | 'BW_WAIVER_INVALID'
  | 'BW_WAIVER_NOT_FOUND'
  | 'BW_SCAN_NOT_FOUND'
  | 'BW_BASELINE_NOT_FOUND'
  | 'BW_IMPORT_INVALID'
  | 'BW_ZONES_INVALID'
  | 'BW_CAPTURE_NOT_FOUND'
  | 'BW_CAPTURE_UNREADABLE'
  | 'BW_FRAMEWORK_NOT_FOUND'
  | 'BW_EVIDENCE_INVALID'
  | 'BW_REPORT_RENDER'
  | 'BW_SCAP_COMPONENT_MISSING'
  | 'BW_USAGE'
  | 'BW_PLAN_INVALID'
  | 'BW_PLAN_STALE'
  | 'BW_CHANGE_NOT_FOUND'
  | 'BW_CHANGE_STATE'
  | 'BW_FOUR_EYES'
  | 'BW_OUTSIDE_WINDOW'
  | 'BW_GUARD_ROOT_LOGIN'
  | 'BW_GUARD_NO_AUTHORIZED_KEYS'
  | 'BW_GUARD_PAM_INVALID'
  | 'BW_GUARD_SUDOERS_INVALID'
  | 'BW_GUARD_SSHD_INVALID'
  | 'BW_GUARD_FIREWALL_SESSION'
  | 'BW_GUARD_LEGACY_ASSET'
  | 'BW_LIVE_NEEDS_YES'
  | 'BW_VERIFY_FAILED'
  | 'BW_AUDIT_TAMPERED'
  | 'BW_INTERNAL';

export interface Issue {
  /** Machine-readable kind of problem, e.g. `unknown_key`. */
  code: string;
  /** Where: file path, and line/column when the input is a text file. */
  file?: string;
  line?: number;
  column?: number;
  /** Path to the offending key inside the document, e.g. `check.where.uid`. */
  path?: string;
  message: string;
}

export class BulwarkError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly issues: readonly Issue[];

  constructor(
    code: ErrorCode,
    message: string,
    hint: string,
    opts: { cause?: unknown; issues?: Issue[] } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BulwarkError';
    this.code = code;
    this.hint = hint;
    this.issues = opts.issues ?? [];
  }
}

export function formatIssue(i: Issue): string {
  const where = [i.file, i.line, i.column].filter((x) => x !== undefined).join(':');
  const key = i.path ? ` [${i.path}]` : '';
  return `${where ? where + ': ' : ''}${i.message}${key} (${i.code})`;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
