/**
 * Lynis `report.dat` → imported results. The report is `key=value` lines; `key[]=` lines repeat.
 *
 * Mapped (see docs/report.md, "Import"):
 * - `warning[]=TEST-ID|text|details|solution` → rule `lynis-<TEST-ID>`, status `fail`, severity medium;
 * - `suggestion[]=TEST-ID|text|details|solution` of a test with no warning → `informational`, severity low
 *   (Lynis suggests, it does not judge: a suggestion is advice, not a failed requirement); the suggestions of a
 *   test that also warned are added to its `fail` message;
 * - a test listed in `tests_executed=` with neither → `pass`, severity medium (so the score is the weighted share
 *   of executed tests without a warning);
 * - tests in `tests_skipped=` are not imported (counted as skipped), nor are `manual[]`, `details[]`,
 *   `exception_event[]` and the inventory keys;
 * - identity: `hostname=` (+ `domainname=`), `network_mac_address[]=`, `network_ipv4_address[]=`/`ipv6`,
 *   `os_fullname=`; times: `report_datetime_start=`/`_end=` (Lynis writes local time without a zone: read as
 *   UTC); `hardening_index=` is kept as the tool's score.
 */
import type { ImportedResult, ImportedScan } from './types.js';
import { MAX_IMPORT_BYTES, invalid, isoTime } from './types.js';

const HINT = 'give the report Lynis writes (`lynis audit system` → /var/log/lynis-report.dat), complete';
const TEST_ID = /^[A-Z][A-Z0-9]*-[0-9A-Z]+$/;

interface Finding {
  text: string;
  details: string;
  solution: string;
}

const clean = (s: string | undefined) => (s === undefined || s === '-' ? '' : s.trim());

export function parseLynis(text: string, file: string): ImportedScan {
  if (text.length > MAX_IMPORT_BYTES)
    throw invalid(file, `larger than ${MAX_IMPORT_BYTES} bytes`, 'import a smaller report');
  if (text.includes('\0')) throw invalid(file, 'is binary, not a Lynis report.dat', HINT);
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  let lines = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 1) continue;
    lines++;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key.endsWith('[]')) {
      const k = key.slice(0, -2);
      multi.set(k, [...(multi.get(k) ?? []), value]);
    } else single.set(key, value);
  }
  if (!single.has('report_version_major') && !single.has('lynis_version'))
    throw invalid(
      file,
      lines === 0
        ? 'has no key=value lines'
        : 'is not a Lynis report.dat (no report_version_major= or lynis_version=)',
      HINT,
    );
  const lynisTime = (v: string | undefined) => (v ? isoTime(`${v.trim().replace(' ', 'T')}Z`) : undefined);
  const end = lynisTime(single.get('report_datetime_end'));
  const start = lynisTime(single.get('report_datetime_start'));
  if (!end)
    throw invalid(
      file,
      'has no report_datetime_end=: the audit did not finish or the file is truncated',
      HINT,
    );

  const notes: string[] = [];
  const byTest = (key: string) => {
    const m = new Map<string, Finding[]>();
    for (const v of multi.get(key) ?? []) {
      const [id, t, details, solution] = v.split('|');
      const test = clean(id);
      if (!test) continue;
      m.set(test, [
        ...(m.get(test) ?? []),
        { text: clean(t), details: clean(details), solution: clean(solution) },
      ]);
    }
    return m;
  };
  const warnings = byTest('warning');
  const suggestions = byTest('suggestion');
  const list = (key: string) =>
    (single.get(key) ?? '')
      .split('|')
      .map((s) => s.trim())
      .filter(Boolean);
  const executed = list('tests_executed');
  const skipped = list('tests_skipped');
  if (executed.length === 0)
    notes.push('no tests_executed= list: only warnings and suggestions are imported');

  const describe = (f: Finding) =>
    [f.text, f.details && `(${f.details})`, f.solution && `solution: ${f.solution}`]
      .filter(Boolean)
      .join(' ');
  const results: ImportedResult[] = [];
  const ids = new Set([...warnings.keys(), ...suggestions.keys(), ...executed]);
  for (const test of [...ids].sort()) {
    const w = warnings.get(test) ?? [];
    const s = suggestions.get(test) ?? [];
    const rule = `lynis-${test}`;
    if (!TEST_ID.test(test) && test !== 'LYNIS') notes.push(`unusual test id "${test}" imported as is`);
    if (w.length > 0)
      results.push({
        rule,
        title: w[0]!.text || `Lynis test ${test}`,
        severity: 'medium',
        status: 'fail',
        message: [
          `Lynis warning: ${w.map(describe).join('; ')}`,
          ...(s.length ? [`suggestions: ${s.map(describe).join('; ')}`] : []),
        ].join('. '),
      });
    else if (s.length > 0)
      results.push({
        rule,
        title: s[0]!.text || `Lynis test ${test}`,
        severity: 'low',
        status: 'informational',
        message: `Lynis suggestion: ${s.map(describe).join('; ')}`,
      });
    else
      results.push({
        rule,
        title: `Lynis test ${test}`,
        severity: 'medium',
        status: 'pass',
        message: 'Lynis ran this test and reported no warning or suggestion',
      });
  }
  const hostname = single.get('hostname')?.trim() || null;
  const domain = single.get('domainname')?.trim();
  const index = Number(single.get('hardening_index'));
  return {
    tool: 'lynis',
    profile: 'import:lynis',
    startedAt: start ?? end,
    finishedAt: end,
    identity: {
      hostname,
      fqdn: hostname && domain ? `${hostname}.${domain}` : null,
      machineId: null,
      macs: [...new Set((multi.get('network_mac_address') ?? []).map((m) => m.trim().toLowerCase()))]
        .filter((m) => m && m !== '00:00:00:00:00:00')
        .sort(),
      ips: [...(multi.get('network_ipv4_address') ?? []), ...(multi.get('network_ipv6_address') ?? [])]
        .map((x) => x.trim())
        .filter(Boolean)
        .sort(),
      os: single.get('os_fullname')?.trim() || single.get('os_name')?.trim() || null,
    },
    results,
    toolScore: single.has('hardening_index') && Number.isFinite(index) ? index : null,
    toolScoreSystem: single.has('hardening_index') && Number.isFinite(index) ? 'lynis:hardening_index' : null,
    toolScoreMax: single.has('hardening_index') && Number.isFinite(index) ? 100 : null,
    skipped: skipped.length,
    notes,
  };
}
