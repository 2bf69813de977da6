/**
 * A minimal self-contained HTML page of an XCCDF evaluation (`bulwark scap eval --report`): the target,
 * profile, score, counts and one row per rule-result. No script, no external resource. Pure.
 */
import type { XccdfEvaluation, XccdfResult } from './engine.js';
import { escapeXml as e } from './xml.js';

const ORDER: XccdfResult[] = [
  'fail',
  'error',
  'unknown',
  'notchecked',
  'pass',
  'notapplicable',
  'informational',
  'fixed',
];
const COLOUR: Partial<Record<XccdfResult, string>> = {
  pass: '#2e7d32',
  fail: '#c62828',
  error: '#ef6c00',
  unknown: '#ef6c00',
  notchecked: '#6d6d6d',
  notapplicable: '#6d6d6d',
};

export function htmlReport(
  ev: XccdfEvaluation,
  o: { source: string; target: string; scanner: string },
): string {
  const shown = ev.outcomes.filter((r) => r.result !== 'notselected');
  const counts = new Map<XccdfResult, number>();
  for (const r of shown) counts.set(r.result, (counts.get(r.result) ?? 0) + 1);
  const rows = [...shown]
    .sort((a, b) => ORDER.indexOf(a.result) - ORDER.indexOf(b.result) || a.rule.id.localeCompare(b.rule.id))
    .map(
      (r) =>
        `<tr><td style="color:${COLOUR[r.result] ?? '#000'};font-weight:bold">${e(r.result)}</td><td>${e(r.severity)}</td><td>${e(r.rule.title)}<br><code>${e(r.rule.id)}</code>${r.check?.ref?.name ? `<br><small>${e(r.check.ref.name)}</small>` : ''}${r.messages.length && r.result !== 'pass' && r.result !== 'fail' ? `<br><small>${e(r.messages.slice(0, 3).join('; '))}</small>` : ''}</td></tr>`,
    )
    .join('\n');
  const score = ev.scores.find((s) => s.system === 'urn:xccdf:scoring:default');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SCAP results: ${e(ev.benchmark.title)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px;text-align:left;vertical-align:top}code{font-size:85%}</style></head>
<body>
<h1>${e(ev.benchmark.title)}</h1>
<p>Benchmark <code>${e(ev.benchmark.id)}</code> ${e(ev.benchmark.version)} from <code>${e(o.source)}</code><br>
Profile: ${e(ev.profile.title)} <code>${e(ev.profile.id ?? '(default)')}</code><br>
Target: ${e(o.target)}<br>
Evaluated by ${e(o.scanner)} from ${e(ev.startTime)} to ${e(ev.endTime)}</p>
<p><strong>Score ${score ? score.score.toFixed(2) : 'n/a'} / ${score ? score.maximum.toFixed(0) : '100'}</strong> (urn:xccdf:scoring:default) —
${ORDER.filter((k) => counts.get(k))
  .map((k) => `${k} ${String(counts.get(k))}`)
  .join(' · ')}</p>
<table><thead><tr><th>Result</th><th>Severity</th><th>Rule</th></tr></thead><tbody>
${rows}
</tbody></table>
</body></html>
`;
}
