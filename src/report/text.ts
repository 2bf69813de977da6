/** The human summary printed after a scan. */
import { SEVERITIES, byText, severityRank, type ResultStatus } from '../core/types.js';
import type { Report } from './json.js';

const useColor = (stream: NodeJS.WriteStream) => stream.isTTY && !process.env['NO_COLOR'];

export function renderText(r: Report, opts: { color?: boolean; worst?: number } = {}): string {
  const c = opts.color ?? false;
  const paint = (code: string, s: string) => (c ? `\x1b[${code}m${s}\x1b[0m` : s);
  const sevColor: Record<string, string> = {
    critical: '1;31',
    high: '31',
    medium: '33',
    low: '36',
    info: '2',
  };
  const out: string[] = [];
  const target =
    r.scan.target.kind === 'live'
      ? `live host ${r.asset.hostname ?? ''}`.trim()
      : `offline root ${r.scan.target.root}`;
  out.push(
    paint('1', `Bulwark scan of ${target}`) +
      `  (${r.asset.os ?? 'unknown OS'}; profile ${r.scan.profile}; ${r.results.length} rules in ${(r.scan.duration_ms / 1000).toFixed(2)} s)`,
  );
  out.push('');
  out.push(
    `Score: ${paint('1', r.summary.score === null ? 'n/a' : `${r.summary.score}/100`)}   (${r.summary.formula})`,
  );
  const order: ResultStatus[] = [
    'pass',
    'fail',
    'error',
    'not_checked',
    'not_applicable',
    'manual',
    'informational',
  ];
  out.push('Results: ' + order.map((s) => `${s} ${r.summary.counts[s] ?? 0}`).join(' · '));
  out.push(
    'Failed by severity: ' +
      [...SEVERITIES]
        .reverse()
        .map((s) => paint(sevColor[s] ?? '0', `${s} ${r.summary.failed_by_severity[s] ?? 0}`))
        .join(' · '),
  );
  const failed = r.results
    .filter((x) => x.status === 'fail')
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || byText(a.rule, b.rule));
  const worst = failed.slice(0, opts.worst ?? 10);
  if (worst.length) {
    out.push('');
    out.push(paint('1', `Worst findings (${worst.length} of ${failed.length} failed):`));
    for (const f of worst) {
      const pts = r.summary.costliest.find((x) => x.rule === f.rule)?.points ?? 0;
      out.push(
        `  ${paint(sevColor[f.severity] ?? '0', f.severity.toUpperCase().padEnd(8))} ${f.rule}  (−${pts} points)`,
      );
      out.push(`           ${f.title}`);
      const ev = f.evidence.find((e) => e.path) ?? f.evidence[0];
      const at = ev?.path ? `${ev.path}${ev.line ? `:${ev.line}` : ''}` : '';
      out.push(`           found: ${f.message}${at && !f.message.includes(at) ? `  [${at}]` : ''}`);
      out.push(`           fix (${f.fix.impact}): ${f.fix.description}`);
    }
  }
  const errors = r.results.filter((x) => x.status === 'error');
  if (errors.length) {
    out.push('');
    out.push(paint('1', `Errors (${errors.length}) — these rules could not be evaluated:`));
    for (const e of errors.slice(0, 5)) out.push(`  ${e.rule}: ${e.message}`);
    if (errors.length > 5) out.push(`  … and ${errors.length - 5} more (see the JSON report)`);
  }
  out.push('');
  out.push(`Scan ${r.scan.id}${r.scan.stored_in ? ` stored in ${r.scan.stored_in}` : ' not stored'}.`);
  return out.join('\n') + '\n';
}

export { useColor };
