/**
 * The "Zones and conduits" section of the HTML report — the diagram (src/zones/svg.ts), the findings table and
 * the SL gap table of a `zones check` — and the self-contained page `bulwark zones check --html` writes around
 * it (inline CSS, no script, a Content-Security-Policy forbidding every request). Pure: strings in, string out.
 */
import { escapeXml as esc } from '../scap/xml.js';
import type { ZonesReport } from './report.js';

const SEV_COLOUR: Record<string, string> = {
  critical: '#b00020',
  high: '#d9480f',
  medium: '#e67700',
  low: '#5c7cfa',
  info: '#868e96',
};

/** CSS for the section's own classes (the report's page styles tables, sections and badges already). */
export const ZONES_CSS =
  '#zones .diagram{overflow:auto;border:1px solid #ddd;background:#fff;padding:4px}#zones .diagram svg{max-width:none}' +
  '#zones .sev{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px}' +
  '#zones td.gap{font-weight:bold;color:#b00020}#zones td.ok{color:#2e7d32}';

export function zonesSectionHtml(rep: ZonesReport, svg: string): string {
  const sev = (s: string) =>
    `<span class="sev" style="background:${SEV_COLOUR[s] ?? '#868e96'}">${esc(s)}</span>`;
  const counts = Object.entries(rep.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const findings = rep.findings.length
    ? `<table id="zone-findings"><tr><th>#</th><th>severity</th><th>finding</th><th>zones / conduit</th><th>assets</th><th>evidence</th><th>fix</th></tr>` +
      rep.findings
        .map(
          (f, i) =>
            `<tr data-check="${esc(f.id)}"><td>${i + 1}</td><td>${sev(f.severity)}</td><td><b>${esc(f.title)}</b><br>${esc(f.message)}</td><td>${esc(f.zones.join(', '))}${f.conduit ? `<br>conduit ${esc(f.conduit)}` : ''}</td><td>${esc(f.assets.slice(0, 10).join(', '))}${f.assets.length > 10 ? ` … (${f.assets.length})` : ''}</td><td>${f.evidence
              .slice(0, 5)
              .map((e) => esc(e.text))
              .join('<br>')}</td><td>${esc(f.fix)}</td></tr>`,
        )
        .join('\n') +
      '</table>'
    : '<p class="muted">No finding: the traffic and inventory given agree with the zone model.</p>';
  const gapRows = rep.sl_gap.flatMap((z) =>
    z.frs.map(
      (fr) =>
        `<tr data-zone="${esc(z.zone)}"><td>${esc(z.name)} (${esc(z.zone)})</td><td>${esc(fr.fr)}</td><td>${fr.target}</td><td>${fr.achieved}</td><td class="${fr.gap > 0 ? 'gap' : 'ok'}">${fr.gap}</td><td>${fr.missing
          .slice(0, 6)
          .map((m) => `${esc(m.id)} ${esc(m.status.replace('_', ' '))}`)
          .join(
            '<br>',
          )}${fr.missing.length > 6 ? `<br>… ${fr.missing.length - 6} more` : ''}</td><td>${fr.compensated
          .map((m) => esc(`${m.id}: ${m.compensating.join('; ')}`))
          .join('<br>')}</td></tr>`,
    ),
  );
  const gaps = gapRows.length
    ? `<table id="zone-sl-gap"><tr><th>zone</th><th>FR</th><th>SL-T</th><th>SL-A (estimate)</th><th>gap</th><th>requirements not met or without evidence</th><th>compensated</th></tr>${gapRows.join('\n')}</table>`
    : '<p class="muted">No zone with a target security level.</p>';
  return (
    `<section id="zones"><h2>Zones and conduits</h2>` +
    `<p>Plant ${esc(rep.model.plant)} — model <code>${esc(rep.model.file)}</code>; ${rep.zones.length} zone(s), ${rep.assets.length} asset(s); ` +
    `${rep.captures.length ? `traffic from ${esc(rep.captures.join(', '))}` : 'no capture given (traffic checks not run)'}; ${rep.findings.length} finding(s)${counts ? ` (${esc(counts)})` : ''}.</p>` +
    `<div class="diagram">${svg}</div>` +
    `<h3>Findings</h3>${findings}` +
    `<h3>Security level gap (IEC 62443-3-3, per zone and foundational requirement)</h3>${gaps}` +
    (rep.notes.length
      ? `<ul class="muted">${rep.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`
      : '') +
    `</section>\n`
  );
}

/** A whole page around the section: `bulwark zones check --html`. */
export function zonesPageHtml(
  rep: ZonesReport,
  svg: string,
  meta: { version: string; generated_at: string },
): string {
  const title = `Bulwark zones and conduits — ${rep.model.plant}`;
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<meta name="generator" content="Bulwark ${esc(meta.version)}"><title>${esc(title)}</title><style>` +
    'body{font:14px/1.45 system-ui,"DejaVu Sans",sans-serif;margin:0;color:#1b1b1b;background:#fafafa}header{background:#263238;color:#fff;padding:12px 24px}' +
    'header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#cfd8dc}main{padding:12px 24px}section{background:#fff;border:1px solid #ddd;padding:12px 16px}' +
    'table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3}.muted{color:#666}' +
    ZONES_CSS +
    `</style></head><body>\n<header><h1>${esc(title)}</h1><p>Generated ${esc(meta.generated_at)} by Bulwark ${esc(meta.version)} · self-contained: no network needed</p></header>\n<main>\n` +
    zonesSectionHtml(rep, svg) +
    `</main>\n</body></html>\n`
  );
}
