/**
 * The HTML report: one self-contained file (inline CSS, inline SVG charts drawn here, a little inline
 * script for filters and search; no font, image, script or style from anywhere else, and a
 * Content-Security-Policy that forbids any request). It opens from a USB stick on an air-gapped machine.
 *
 * Streaming: the details (one asset's results, or a fleet's asset rows) are written as assets arrive; the
 * summary, the charts, the per-rule table of a fleet, the waivers and the compliance view are written at
 * the end and shown first (CSS order), so nothing grows with the fleet but what is on screen anyway.
 */
import { ZONES_CSS } from '../zones/html.js';
import type { Severity } from '../core/types.js';
import type { ComplianceAccumulator, ComplianceReport } from './compliance.js';
import {
  SEVERITY_ORDER,
  SHOWN_STATUSES,
  countShown,
  flatReferences,
  locationOf,
  type AssetReport,
  type Renderer,
  type ReportMeta,
  type ReportResult,
  type ShownStatus,
  type WaiverInfo,
} from './model.js';

const esc = (s: string | number | null | undefined): string =>
  String(s ?? '').replace(/[<>&"']/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&#39;',
  );

const STATUS_COLOR: Record<ShownStatus, string> = {
  fail: '#c62828',
  error: '#6a1b9a',
  waived: '#8d6e63',
  manual: '#1565c0',
  not_checked: '#757575',
  not_applicable: '#9e9e9e',
  informational: '#00838f',
  pass: '#2e7d32',
};
const SEVERITY_COLOR: Record<Severity, string> = {
  critical: '#7f0000',
  high: '#c62828',
  medium: '#ef6c00',
  low: '#f9a825',
  info: '#78909c',
};
const FRAMEWORK_KEYS: Record<string, string> = {
  cis: 'CIS',
  stig: 'DISA STIG',
  nist_800_53: 'NIST 800-53',
  iec62443_3_3: 'IEC 62443-3-3',
  iec62443_4_2: 'IEC 62443-4-2',
  pci_dss_4: 'PCI DSS 4',
  hipaa: 'HIPAA',
  soc2: 'SOC 2',
  cra: 'EU CRA',
  etsi_en_303_645: 'ETSI EN 303 645',
};

// ---------------------------------------------------------------- charts (inline SVG, drawn here)

interface Bar {
  label: string;
  value: number;
  color: string;
}

/** Horizontal bars with labels and values. */
export function barChart(id: string, title: string, bars: readonly Bar[]): string {
  const rowH = 22;
  const labelW = 130;
  const barW = 260;
  const h = Math.max(1, bars.length) * rowH + 28;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rows = bars
    .map((b, i) => {
      const y = 24 + i * rowH;
      const w = b.value === 0 ? 0 : Math.max(2, Math.round((barW * b.value) / max));
      return (
        `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>` +
        `<rect class="bar" x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 6}" fill="${b.color}"><title>${esc(b.label)}: ${b.value}</title></rect>` +
        `<text x="${labelW + w + 6}" y="${y + 14}">${b.value}</text>`
      );
    })
    .join('');
  return `<svg class="chart" id="${esc(id)}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${labelW + barW + 60} ${h}" width="${labelW + barW + 60}" height="${h}" xmlns="http://www.w3.org/2000/svg"><text class="ct" x="0" y="14">${esc(title)}</text>${rows}</svg>`;
}

/** Pass/fail stacked horizontally per label (areas, frameworks). */
export function stackedChart(
  id: string,
  title: string,
  rows: readonly { label: string; pass: number; fail: number }[],
): string {
  const rowH = 22;
  const labelW = 130;
  const barW = 260;
  const h = Math.max(1, rows.length) * rowH + 44;
  const max = Math.max(1, ...rows.map((r) => r.pass + r.fail));
  const body = rows
    .map((r, i) => {
      const y = 24 + i * rowH;
      const wp = Math.round((barW * r.pass) / max);
      const wf = Math.round((barW * r.fail) / max);
      return (
        `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(r.label)}</text>` +
        `<rect class="bar" x="${labelW}" y="${y + 3}" width="${Math.max(wp, r.pass ? 1 : 0)}" height="${rowH - 6}" fill="${STATUS_COLOR.pass}"><title>${esc(r.label)}: ${r.pass} passed</title></rect>` +
        `<rect class="bar" x="${labelW + wp}" y="${y + 3}" width="${Math.max(wf, r.fail ? 1 : 0)}" height="${rowH - 6}" fill="${STATUS_COLOR.fail}"><title>${esc(r.label)}: ${r.fail} failed</title></rect>` +
        `<text x="${labelW + wp + wf + 6}" y="${y + 14}">${r.fail}/${r.pass + r.fail}</text>`
      );
    })
    .join('');
  const ly = 24 + rows.length * rowH + 10;
  const legend = `<rect x="${labelW}" y="${ly}" width="10" height="10" fill="${STATUS_COLOR.pass}"/><text x="${labelW + 14}" y="${ly + 9}">passed</text><rect x="${labelW + 70}" y="${ly}" width="10" height="10" fill="${STATUS_COLOR.fail}"/><text x="${labelW + 84}" y="${ly + 9}">failed</text>`;
  return `<svg class="chart" id="${esc(id)}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${labelW + barW + 70} ${h}" width="${labelW + barW + 70}" height="${h}" xmlns="http://www.w3.org/2000/svg"><text class="ct" x="0" y="14">${esc(title)}</text>${body}${legend}</svg>`;
}

/** Score over time (0–100). */
export function trendChart(
  id: string,
  title: string,
  points: readonly { at: string; score: number | null }[],
): string {
  const w = 450;
  const h = 180;
  const left = 34;
  const top = 24;
  const plotW = w - left - 12;
  const plotH = h - top - 30;
  const pts = points.filter((p): p is { at: string; score: number } => p.score !== null);
  const x = (i: number) => left + (pts.length <= 1 ? plotW / 2 : (plotW * i) / (pts.length - 1));
  const y = (s: number) => top + plotH - (plotH * s) / 100;
  const grid = [0, 50, 100]
    .map(
      (s) =>
        `<line x1="${left}" x2="${left + plotW}" y1="${y(s)}" y2="${y(s)}" stroke="#ddd"/><text x="${left - 4}" y="${y(s) + 4}" text-anchor="end">${s}</text>`,
    )
    .join('');
  const line =
    pts.length > 1
      ? `<polyline class="line" fill="none" stroke="#1565c0" stroke-width="2" points="${pts.map((p, i) => `${x(i).toFixed(1)},${y(p.score).toFixed(1)}`).join(' ')}"/>`
      : '';
  const dots = pts
    .map(
      (p, i) =>
        `<circle cx="${x(i).toFixed(1)}" cy="${y(p.score).toFixed(1)}" r="3.5" fill="#1565c0"><title>${esc(p.at)}: ${p.score}</title></circle>`,
    )
    .join('');
  const labels =
    pts.length > 0
      ? `<text x="${left}" y="${h - 8}">${esc(pts[0]!.at.slice(0, 10))}</text><text x="${left + plotW}" y="${h - 8}" text-anchor="end">${esc(pts[pts.length - 1]!.at.slice(0, 10))}</text>`
      : `<text x="${left + 10}" y="${top + plotH / 2}">no scored scans yet</text>`;
  return `<svg class="chart" id="${esc(id)}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg"><text class="ct" x="0" y="14">${esc(title)}</text>${grid}${line}${dots}${labels}</svg>`;
}

// ---------------------------------------------------------------- page

const CSS = `
:root{--fg:#1d1d1f;--muted:#5f6368;--line:#e0e0e0;--bg:#fafafa}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:16px 24px;background:#263238;color:#fff}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#cfd8dc}
main{display:flex;flex-direction:column;gap:16px;padding:16px 24px;max-width:1200px;margin:auto}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 16px}
#summary{order:-4}#charts{order:-3}#compliance{order:-2}#fleet-rules{order:-1}
h2{font-size:17px;margin:4px 0 10px}h3{font-size:15px;margin:10px 0 6px}h4{font-size:13px;margin:10px 0 4px;color:var(--muted)}
.kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:110px}.kpi b{display:block;font-size:22px}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.chart{max-width:100%;height:auto;font:12px system-ui,sans-serif}.chart .ct{font-weight:600}
.badge{display:inline-block;min-width:86px;text-align:center;border-radius:4px;padding:1px 6px;color:#fff;font-size:12px;margin-right:6px}
.sev{display:inline-block;min-width:58px;font-size:12px;font-weight:600}
.controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0 10px}.controls input{min-width:240px}
.controls select,.controls input{padding:4px 6px;border:1px solid #bbb;border-radius:4px;font:inherit}
details.row{border-top:1px solid var(--line);padding:6px 2px}details.row>summary{cursor:pointer;list-style-position:outside}
details.row .body{padding:6px 0 6px 18px}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3}
code,pre{font:12px ui-monospace,"DejaVu Sans Mono",monospace}pre{background:#f6f8fa;padding:8px;overflow:auto;white-space:pre-wrap}
.muted{color:var(--muted)}.waiver{border-left:4px solid #8d6e63;padding:4px 10px;background:#efebe9}.waiver.compensating{border-left-color:#00695c;background:#e0f2f1}
.hidden{display:none!important}
@media print{header{background:#fff;color:#000;border-bottom:2px solid #000}header p{color:#333}.controls{display:none}
body{background:#fff}section{border:none;padding:0;break-inside:auto}details.row,tr{break-inside:avoid}main{max-width:none;padding:0 8mm}
.badge{border:1px solid #000;color:#000!important;background:#fff!important}pre{white-space:pre-wrap}.hidden{display:revert!important}}
`;

const SCRIPT = `
(function(){
  function apply(scope){
    var rows=scope.querySelectorAll('.row');var f={};
    scope.querySelectorAll('[data-f]').forEach(function(c){f[c.getAttribute('data-f')]=c.value.trim().toLowerCase();});
    var shown=0;
    rows.forEach(function(r){
      var ok=(!f.status||r.getAttribute('data-status')===f.status)&&(!f.severity||r.getAttribute('data-severity')===f.severity)&&(!f.area||r.getAttribute('data-area')===f.area)&&(!f.q||r.textContent.toLowerCase().indexOf(f.q)>=0);
      r.classList.toggle('hidden',!ok);if(ok)shown++;
    });
    var n=scope.querySelector('.shown');if(n)n.textContent=shown+' of '+rows.length+' shown';
  }
  document.querySelectorAll('[data-scope]').forEach(function(scope){
    var area=scope.querySelector('select[data-f=area]');
    if(area){var seen={};scope.querySelectorAll('.row').forEach(function(r){seen[r.getAttribute('data-area')]=1;});
      Object.keys(seen).sort().forEach(function(a){var o=document.createElement('option');o.value=a;o.textContent=a;area.appendChild(o);});}
    scope.querySelectorAll('[data-f]').forEach(function(c){c.addEventListener('input',function(){apply(scope);});c.addEventListener('change',function(){apply(scope);});});
    apply(scope);
  });
  window.addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.setAttribute('data-was',d.open?'1':'');d.open=true;});});
  window.addEventListener('afterprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=d.getAttribute('data-was')==='1';});});
})();
`;

function controls(withArea: boolean, statuses: readonly string[]): string {
  const opt = (v: string, label = v) => `<option value="${esc(v)}">${esc(label)}</option>`;
  return (
    `<div class="controls"><label>Status <select data-f="status">${opt('', 'all')}${statuses.map((s) => opt(s, s.replace('_', ' '))).join('')}</select></label>` +
    `<label>Severity <select data-f="severity">${opt('', 'all')}${SEVERITY_ORDER.map((s) => opt(s)).join('')}</select></label>` +
    (withArea ? `<label>Area <select data-f="area">${opt('', 'all')}</select></label>` : '') +
    `<input type="search" data-f="q" placeholder="Search rules, messages, evidence…" aria-label="search"><span class="shown muted"></span></div>`
  );
}

const badge = (s: ShownStatus) =>
  `<span class="badge" style="background:${STATUS_COLOR[s]}">${esc(s.replace('_', ' '))}</span>`;
const sevTag = (s: Severity) => `<span class="sev" style="color:${SEVERITY_COLOR[s]}">${esc(s)}</span>`;

function waiverHtml(w: WaiverInfo): string {
  if (w.kind === 'compensating-control')
    return `<div class="waiver compensating"><b>Mitigated by compensating control:</b> ${esc(w.compensating_control)}<br>Recorded with <code>bulwark fix compensate</code> as waiver <code>${esc(w.id)}</code> — owner ${esc(w.owner)}, approved by ${esc(w.approver)}, review by ${esc(w.expires)}. The finding is mitigated, not fixed.</div>`;
  return `<div class="waiver"><b>Waived</b> by waiver <code>${esc(w.id)}</code> — owner ${esc(w.owner)}, approved by ${esc(w.approver)}, until ${esc(w.expires)}.<br>Justification: ${esc(w.justification)}<br>Compensating control: ${esc(w.compensating_control)}</div>`;
}

const SHOWN_RANK = new Map(SHOWN_STATUSES.map((s, i) => [s, i]));
const SEV_RANK = new Map(SEVERITY_ORDER.map((s, i) => [s, i]));

function resultHtml(r: ReportResult, meta: ReportMeta): string {
  const rule = meta.rules.get(r.rule);
  const loc = locationOf(r);
  const ev = r.evidence.length
    ? `<h4>Evidence</h4><table><tr><th>fact</th><th>where</th><th>field</th><th>found</th><th>expected</th><th>note</th></tr>${r.evidence
        .map(
          (e) =>
            `<tr><td><code>${esc(e.fact)}</code></td><td>${e.path ? `<code>${esc(e.path)}${e.line ? `:${e.line}` : ''}</code>` : ''}</td><td>${esc(e.field)}</td><td>${e.actual === undefined ? '' : `<code>${esc(Array.isArray(e.actual) ? e.actual.join(', ') : String(e.actual))}</code>`}</td><td>${esc(e.expected)}</td><td>${esc(e.message)}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  const info = rule
    ? `<h4>Why it matters</h4><p>${esc(rule.rationale)}</p>` +
      `<h4>Fix — impact: ${esc(rule.fix.impact)}</h4><p>${esc(rule.fix.description)}</p>` +
      (rule.fix.shell ? `<pre>${esc(rule.fix.shell.trimEnd())}</pre>` : '') +
      (Object.keys(rule.references).length
        ? `<h4>References</h4><p class="muted">${esc(flatReferences(rule.references).join(' · '))}</p>`
        : '')
    : '<p class="muted">Imported result: Bulwark has no rationale or fix for this rule.</p>';
  return (
    `<details class="row" data-status="${r.shown}" data-severity="${r.severity}" data-area="${esc(r.area)}"><summary>${badge(r.shown)}${sevTag(r.severity)}<code>${esc(r.rule)}</code> — ${esc(r.title)} <span class="muted">[${esc(r.area)}]${loc ? ` ${esc(loc.path)}${loc.line ? `:${loc.line}` : ''}` : ''}</span></summary>` +
    `<div class="body"><p>${esc(r.message)}</p>${r.waiver ? waiverHtml(r.waiver) : ''}${ev}${info}</div></details>\n`
  );
}

interface RuleAgg {
  rule: string;
  title: string;
  area: string;
  severity: Severity;
  counts: Record<ShownStatus, number>;
  failing: string[];
}

export interface HtmlOptions {
  compliance?: ComplianceAccumulator;
  /** The "Zones and conduits" section, rendered by src/zones/html.ts (`report --zones`). */
  zones?: string;
}

export function htmlRenderer(meta: ReportMeta, opts: HtmlOptions = {}): Renderer {
  const fleet = meta.scope.kind === 'fleet';
  const totals = Object.fromEntries(SHOWN_STATUSES.map((s) => [s, 0])) as Record<ShownStatus, number>;
  const failedBySeverity = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  const byArea = new Map<string, { pass: number; fail: number }>();
  const byFramework = new Map<string, { pass: number; fail: number }>();
  const waivers = new Map<string, WaiverInfo & { rules: Set<string>; assets: Set<string> }>();
  const rules = new Map<string, RuleAgg>();
  const scores: number[] = [];
  let assets = 0;
  let single: AssetReport | undefined;

  function tally(a: AssetReport) {
    assets++;
    if (a.scan.score !== null) scores.push(a.scan.score);
    for (const r of a.results) {
      totals[r.shown]++;
      if (r.shown === 'fail') failedBySeverity[r.severity]++;
      if (r.shown === 'pass' || r.shown === 'fail') {
        const k = r.shown;
        const ar = byArea.get(r.area) ?? { pass: 0, fail: 0 };
        ar[k]++;
        byArea.set(r.area, ar);
        for (const key of Object.keys(meta.rules.get(r.rule)?.references ?? {})) {
          if (!FRAMEWORK_KEYS[key]) continue;
          const f = byFramework.get(key) ?? { pass: 0, fail: 0 };
          f[k]++;
          byFramework.set(key, f);
        }
      }
      if (r.waiver) {
        const w = waivers.get(r.waiver.id) ?? { ...r.waiver, rules: new Set(), assets: new Set() };
        w.rules.add(r.rule);
        w.assets.add(a.asset.name);
        waivers.set(r.waiver.id, w);
      }
      if (fleet) {
        let g = rules.get(r.rule);
        if (!g) {
          g = {
            rule: r.rule,
            title: r.title,
            area: r.area,
            severity: r.severity,
            counts: Object.fromEntries(SHOWN_STATUSES.map((s) => [s, 0])) as Record<ShownStatus, number>,
            failing: [],
          };
          rules.set(r.rule, g);
        }
        g.counts[r.shown]++;
        if (r.shown === 'fail' && g.failing.length < 10) g.failing.push(a.asset.name);
      }
    }
    opts.compliance?.add(a);
  }

  function summary(): string {
    const evaluated = totals.pass + totals.fail;
    let head: string;
    if (single) {
      const s = single.summary;
      const costliest = s.costliest.slice(0, 10);
      head =
        `<div class="kpis"><div class="kpi">Score<b id="score">${s.score === null ? 'n/a' : `${s.score}/100`}</b></div>` +
        SHOWN_STATUSES.filter((x) => totals[x] > 0)
          .map((x) => `<div class="kpi">${esc(x.replace('_', ' '))}<b>${totals[x]}</b></div>`)
          .join('') +
        `</div><h3>How the score is computed</h3><p>${esc(s.formula)}. ${totals.pass} rules passed and ${s.counts.fail} failed (waived failures still count: a waiver accepts a deviation, it does not remove it); every other status does not count.</p>` +
        (costliest.length
          ? `<table><tr><th>Costliest failures</th><th>severity</th><th>points lost</th></tr>${costliest.map((c) => `<tr><td><code>${esc(c.rule)}</code> ${esc(c.title)}</td><td>${esc(c.severity)}</td><td>−${c.points}</td></tr>`).join('')}</table>`
          : '') +
        `<h3>Asset and scan</h3><table>${[
          ['asset', `${single.asset.name} (${single.asset.id})`],
          ['hostname', single.asset.hostname ?? '-'],
          [
            'zone / site / owner',
            [single.asset.zone, single.asset.site, single.asset.owner].map((x) => x ?? '-').join(' / '),
          ],
          ['criticality / class', `${single.asset.criticality ?? '-'} / ${single.asset.device_class ?? '-'}`],
          ['scan', single.scan.id],
          [
            'scanned',
            `${single.scan.started_at} → ${single.scan.finished_at} (${(single.scan.duration_ms / 1000).toFixed(2)} s)`,
          ],
          ['mode / target', `${single.scan.mode} / ${single.scan.target_kind} ${single.scan.target_root}`],
          [
            'profile',
            `${single.scan.profile}${single.scan.tailoring ? ` tailored by ${single.scan.tailoring}` : ''}`,
          ],
          ['scanned by', `Bulwark ${single.scan.bulwark_version}`],
        ]
          .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
          .join('')}</table>`;
    } else {
      const avg = scores.length
        ? Math.round((10 * scores.reduce((x, y) => x + y, 0)) / scores.length) / 10
        : null;
      head =
        `<div class="kpis"><div class="kpi">Assets<b>${assets}</b></div><div class="kpi">Average score<b id="score">${avg === null ? 'n/a' : `${avg}/100`}</b></div>` +
        `<div class="kpi">Lowest score<b>${scores.length ? Math.min(...scores) : 'n/a'}</b></div>` +
        SHOWN_STATUSES.filter((x) => totals[x] > 0)
          .map((x) => `<div class="kpi">${esc(x.replace('_', ' '))}<b>${totals[x]}</b></div>`)
          .join('') +
        `</div><h3>How the score is computed</h3><p>Per asset: 100 × Σ weight(passed) / Σ weight(passed + failed), weights info 0, low 1, medium 3, high 6, critical 10, over its latest scan's own verdicts; the fleet's figure is the plain average over the ${scores.length} assets that have a score. ${evaluated} rule results passed or failed across the fleet.</p>`;
    }
    return `<section id="summary"><h2>Summary</h2>${head}</section>\n`;
  }

  function charts(): string {
    const sev = barChart(
      'chart-severity',
      'Failed rules by severity',
      SEVERITY_ORDER.map((s) => ({ label: s, value: failedBySeverity[s], color: SEVERITY_COLOR[s] })),
    );
    const status = barChart(
      'chart-status',
      'Results by status',
      SHOWN_STATUSES.map((s) => ({ label: s.replace('_', ' '), value: totals[s], color: STATUS_COLOR[s] })),
    );
    const area = stackedChart(
      'chart-area',
      'Results by area (failed/evaluated)',
      [...byArea].sort(([a], [b]) => (a < b ? -1 : 1)).map(([label, v]) => ({ label, ...v })),
    );
    const fw = stackedChart(
      'chart-framework',
      'Results by framework referenced',
      [...byFramework]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => ({ label: FRAMEWORK_KEYS[k] ?? k, ...v })),
    );
    const points = fleet
      ? (meta.trend ?? [])
      : (single?.history ?? []).map((h) => ({ at: h.at, score: h.score }));
    const trend = trendChart(
      'chart-trend',
      fleet ? 'Fleet average score by day' : 'Score across scans',
      points,
    );
    return `<section id="charts"><h2>Charts</h2><div class="charts">${status}${sev}${area}${fw}${trend}</div></section>\n`;
  }

  function waiverSection(): string {
    if (waivers.size === 0)
      return `<section id="waivers"><h2>Waivers</h2><p class="muted">No failure in this report is covered by a waiver in force on ${esc(meta.waiver_date)}.</p></section>\n`;
    return `<section id="waivers"><h2>Waivers in force on ${esc(meta.waiver_date)}</h2><table><tr><th>waiver</th><th>rules</th><th>assets</th><th>owner</th><th>approver</th><th>expires</th><th>justification</th><th>compensating control</th></tr>${[
      ...waivers.values(),
    ]
      .map(
        (w) =>
          `<tr><td><code>${esc(w.id)}</code>${w.kind === 'compensating-control' ? '<br><b>compensating control</b> (fix compensate)' : ''}</td><td>${esc([...w.rules].join(', '))}</td><td>${w.assets.size <= 5 ? esc([...w.assets].join(', ')) : w.assets.size}</td><td>${esc(w.owner)}</td><td>${esc(w.approver)}</td><td>${esc(w.expires)}</td><td>${esc(w.justification)}</td><td>${esc(w.compensating_control)}</td></tr>`,
      )
      .join('')}</table></section>\n`;
  }

  function changesSection(): string {
    const list = meta.changes;
    if (list === undefined) return '';
    if (list.length === 0)
      return `<section id="changes"><h2>Changes</h2><p class="muted">No change request was made through Bulwark for the assets in this report.</p></section>\n`;
    return (
      `<section id="changes"><h2>Changes</h2><table><tr><th>change</th><th>asset</th><th>status</th><th>requester</th><th>approver</th><th>window</th><th>rules</th></tr>` +
      list
        .map(
          (c) =>
            `<tr><td><code>${esc(c.id.slice(0, 8))}</code> ${esc(c.title)}</td><td>${esc(c.asset ?? '(mounted root)')}</td><td>${esc(c.status)}</td><td>${esc(c.requester)}</td><td>${esc(c.approver ?? '—')}</td><td>${c.window_start ? `${esc(c.window_start)} – ${esc(c.window_end ?? '')}` : '—'}</td><td>${c.rules.map((r) => `<code>${esc(r)}</code>`).join(' ')}</td></tr>`,
        )
        .join('\n') +
      `</table></section>\n`
    );
  }

  function fleetRules(): string {
    const list = [...rules.values()].sort(
      (a, b) =>
        b.counts.fail - a.counts.fail ||
        SEV_RANK.get(a.severity)! - SEV_RANK.get(b.severity)! ||
        (a.rule < b.rule ? -1 : 1),
    );
    return (
      `<section id="fleet-rules" data-scope><h2>Rules across the fleet</h2>${controls(true, ['fail', 'pass'])}<table><tr><th>rule</th><th>severity</th><th>area</th><th>failing</th><th>passing</th><th>waived</th><th>other</th><th>failing assets (first 10)</th></tr>` +
      list
        .map((g) => {
          const rule = meta.rules.get(g.rule);
          const other =
            g.counts.error +
            g.counts.manual +
            g.counts.not_checked +
            g.counts.not_applicable +
            g.counts.informational;
          return `<tr class="row" data-status="${g.counts.fail > 0 ? 'fail' : 'pass'}" data-severity="${g.severity}" data-area="${esc(g.area)}"><td><code>${esc(g.rule)}</code> ${esc(g.title)}${rule ? `<details><summary class="muted">why and fix</summary><p>${esc(rule.rationale)}</p><p><b>Fix (${esc(rule.fix.impact)}):</b> ${esc(rule.fix.description)}</p></details>` : ''}</td><td>${sevTag(g.severity)}</td><td>${esc(g.area)}</td><td>${g.counts.fail}</td><td>${g.counts.pass}</td><td>${g.counts.waived}</td><td>${other}</td><td>${esc(g.failing.join(', '))}</td></tr>`;
        })
        .join('\n') +
      `</table></section>\n`
    );
  }

  function rulesCell(rules: ComplianceReport['controls'][number]['rules']): string {
    const line = (t: (typeof rules)[number]) => `<code>${esc(t.rule)}</code> ${t.fail}/${t.pass}/${t.waived}`;
    if (rules.length <= 4) return rules.map(line).join('<br>');
    const failing = rules.filter((t) => t.fail > 0);
    return (
      failing.map(line).join('<br>') +
      `<details><summary class="muted">${rules.length} rules, ${failing.length} failing</summary>${rules.map(line).join('<br>')}</details>`
    );
  }

  function complianceSection(c: ComplianceReport): string {
    const color: Record<string, string> = {
      pass: STATUS_COLOR.pass,
      fail: STATUS_COLOR.fail,
      manual: STATUS_COLOR.manual,
      not_assessed: STATUS_COLOR.not_checked,
      not_applicable: STATUS_COLOR.not_applicable,
      not_covered: '#bdbdbd',
    };
    return (
      `<section id="compliance" data-scope><h2>${esc(c.framework.title)}${c.framework.version ? ` (${esc(c.framework.version)})` : ''}</h2>` +
      `<div class="kpis"><div class="kpi">Coverage<b id="coverage">${c.coverage.percent}%</b>${c.coverage.covered} of ${c.coverage.controls} controls</div>` +
      `<div class="kpi">Passing<b>${c.passing_percent === null ? 'n/a' : `${c.passing_percent}%`}</b>of assessed controls</div>` +
      Object.entries(c.counts)
        .map(([k, v]) => `<div class="kpi">${esc(k.replace('_', ' '))}<b>${v}</b></div>`)
        .join('') +
      `</div>${c.framework.notes ? `<p class="muted">${esc(c.framework.notes)}</p>` : ''}` +
      `<div class="controls"><label>Status <select data-f="status"><option value="">all</option>${Object.keys(
        c.counts,
      )
        .map((s) => `<option value="${s}">${s.replace('_', ' ')}</option>`)
        .join(
          '',
        )}</select></label><input type="search" data-f="q" placeholder="Search controls…" aria-label="search controls"><span class="shown muted"></span></div>` +
      `<table><tr><th>control</th><th>status</th><th>rules (fail/pass/waived)</th><th>evidence</th></tr>` +
      c.controls
        .map(
          (ctl) =>
            `<tr class="row" data-status="${ctl.status}" data-severity="" data-area=""><td><b>${esc(ctl.id)}</b> ${esc(ctl.title)}</td><td><span class="badge" style="background:${color[ctl.status] ?? '#999'}">${esc(ctl.status.replace('_', ' '))}</span></td><td>${rulesCell(ctl.rules)}</td><td>${ctl.manual ? `<i>manual:</i> ${esc(ctl.manual)}<br>` : ''}${ctl.evidence
              .slice(0, 5)
              .map((e) => esc(e))
              .join('<br>')}</td></tr>`,
        )
        .join('\n') +
      `</table></section>\n`
    );
  }

  return {
    begin() {
      const title =
        meta.scope.kind === 'fleet'
          ? 'Bulwark fleet report'
          : `Bulwark report — ${meta.scope.kind} ${meta.scope.label}`;
      return (
        `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">` +
        `<meta name="generator" content="Bulwark ${esc(meta.version)}"><title>${esc(title)}</title><style>${CSS}${opts.zones !== undefined ? ZONES_CSS : ''}</style></head><body>\n` +
        `<header><h1>${esc(title)}</h1><p>Generated ${esc(meta.generated_at)} by Bulwark ${esc(meta.version)} · waivers as of ${esc(meta.waiver_date)} · self-contained: no network needed</p></header>\n<main>\n` +
        (fleet
          ? `<section id="assets" data-scope><h2>Assets</h2>${controls(false, ['fail', 'pass'])}<table><tr><th>asset</th><th>score</th><th>failed</th><th>passed</th><th>waived</th><th>scan</th><th>failed rules</th></tr>\n`
          : `<section id="results" data-scope><h2>Results</h2>${controls(true, SHOWN_STATUSES)}<div class="rows">\n`)
      );
    },
    asset(a) {
      tally(a);
      if (!fleet) {
        single ??= a;
        const sorted = [...a.results].sort(
          (x, y) =>
            SHOWN_RANK.get(x.shown)! - SHOWN_RANK.get(y.shown)! ||
            SEV_RANK.get(x.severity)! - SEV_RANK.get(y.severity)! ||
            (x.rule < y.rule ? -1 : x.rule > y.rule ? 1 : 0),
        );
        return sorted.map((r) => resultHtml(r, meta)).join('');
      }
      const c = countShown(a.results);
      const failed = a.results.filter((r) => r.shown === 'fail');
      const worst = SEVERITY_ORDER.find((s) => failed.some((r) => r.severity === s)) ?? '';
      return `<tr class="row" data-status="${c.fail > 0 ? 'fail' : 'pass'}" data-severity="${worst}" data-area=""><td><b>${esc(a.asset.name)}</b><br><span class="muted">${esc(a.asset.zone ?? '')} ${esc(a.asset.tags.join(' '))}</span></td><td>${a.scan.score ?? 'n/a'}</td><td>${c.fail}</td><td>${c.pass}</td><td>${c.waived}</td><td><code>${esc(a.scan.id.slice(0, 8))}</code> ${esc(a.scan.started_at.slice(0, 16))}</td><td>${failed.length ? `<details><summary>${failed.length} failed</summary>${failed.map((r) => `<code>${esc(r.rule)}</code>`).join(' ')}</details>` : ''}</td></tr>\n`;
    },
    end() {
      return (
        (fleet ? '</table></section>\n' : '</div></section>\n') +
        summary() +
        charts() +
        (opts.compliance ? complianceSection(opts.compliance.result()) : '') +
        (fleet ? fleetRules() : '') +
        (opts.zones ?? '') +
        waiverSection() +
        changesSection() +
        `</main>\n<footer class="muted" style="padding:8px 24px">Bulwark ${esc(meta.version)} — results are the rules' own verdicts as stored; waived failures are shown as waived.</footer>\n<script>${SCRIPT}</script>\n</body></html>\n`
      );
    },
  };
}
