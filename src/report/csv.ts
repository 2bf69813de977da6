/**
 * CSV, one row per rule per asset (RFC 4180: CRLF, fields quoted when they hold a comma, quote or line
 * break, quotes doubled). Safe to open in a spreadsheet: a cell starting with = + - @ (or a tab or carriage
 * return) is prefixed with ' so that it is never taken for a formula (CSV injection).
 */
import { evidenceText, locationOf, type AssetReport, type Renderer } from './model.js';

export const CSV_COLUMNS = [
  'asset',
  'asset_id',
  'scan',
  'scanned_at',
  'rule',
  'title',
  'area',
  'severity',
  'status',
  'shown_status',
  'message',
  'location',
  'evidence',
  'waiver',
  'waiver_expires',
  'waiver_kind',
] as const;

export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (cells: readonly (string | number | null | undefined)[]): string =>
  cells.map(csvCell).join(',') + '\r\n';

export function csvRenderer(): Renderer {
  return {
    begin: () => csvRow(CSV_COLUMNS),
    asset(a: AssetReport) {
      return a.results
        .map((r) => {
          const loc = locationOf(r);
          return csvRow([
            a.asset.name,
            a.asset.id,
            a.scan.id,
            a.scan.started_at,
            r.rule,
            r.title,
            r.area,
            r.severity,
            r.status,
            r.shown,
            r.message,
            loc ? `${loc.path}${loc.line ? `:${loc.line}` : ''}` : '',
            r.evidence.map(evidenceText).join('\n'),
            r.waiver?.id ?? '',
            r.waiver?.expires ?? '',
            r.waiver?.kind ?? (r.waiver ? 'waiver' : ''),
          ]);
        })
        .join('');
    },
    end: () => '',
  };
}
