/**
 * JUnit XML for CI dashboards: a testsuite per asset, a testcase per rule. A failure carries the message
 * and the evidence; a rule that was not evaluated (not applicable, not checked, manual) or whose failure is
 * waived is `skipped` with the reason; a rule that could not be evaluated is an `error`.
 */
import { escapeXml, evidenceText, type AssetReport, type Renderer, type ReportMeta } from './model.js';

const attr = (s: string | number) => escapeXml(String(s));

export function junitRenderer(meta: ReportMeta): Renderer {
  return {
    begin() {
      return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${attr(`Bulwark ${meta.scope.kind} ${meta.scope.label}`)}" timestamp="${attr(meta.generated_at)}">\n`;
    },
    asset(a: AssetReport) {
      let failures = 0;
      let errors = 0;
      let skipped = 0;
      const cases: string[] = [];
      for (const r of a.results) {
        const head = `    <testcase classname="${attr(`bulwark.${r.area}`)}" name="${attr(`${r.rule}: ${r.title}`)}" time="0"`;
        let body = '';
        if (r.shown === 'fail') {
          failures++;
          body = `<failure message="${attr(r.message)}" type="${attr(r.severity)}">${escapeXml(
            [`severity: ${r.severity}`, r.message, ...r.evidence.map(evidenceText)].join('\n'),
          )}</failure>`;
        } else if (r.shown === 'error') {
          errors++;
          body = `<error message="${attr(r.message)}" type="error">${escapeXml(r.evidence.map(evidenceText).join('\n'))}</error>`;
        } else if (r.shown === 'waived' && r.waiver) {
          skipped++;
          body = `<skipped message="${attr(`waived (${r.waiver.id}, ${r.waiver.owner}, until ${r.waiver.expires}): ${r.waiver.justification}; failure: ${r.message}`)}"/>`;
        } else if (r.shown === 'not_applicable' || r.shown === 'not_checked' || r.shown === 'manual') {
          skipped++;
          body = `<skipped message="${attr(`${r.shown.replace('_', ' ')}: ${r.message}`)}"/>`;
        }
        cases.push(body ? `${head}>${body}</testcase>` : `${head}/>`);
      }
      const props = [
        ['asset_id', a.asset.id],
        ['scan', a.scan.id],
        ['profile', a.scan.profile],
        ['mode', a.scan.mode],
        ['score', a.scan.score === null ? 'n/a' : String(a.scan.score)],
      ]
        .map(([k, v]) => `      <property name="${attr(k!)}" value="${attr(v!)}"/>`)
        .join('\n');
      return (
        `  <testsuite name="${attr(a.asset.name)}" tests="${a.results.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" timestamp="${attr(a.scan.started_at.replace(/Z$/, ''))}" hostname="${attr(a.asset.hostname ?? a.asset.name)}" time="${(a.scan.duration_ms / 1000).toFixed(3)}">\n` +
        `    <properties>\n${props}\n    </properties>\n${cases.join('\n')}\n  </testsuite>\n`
      );
    },
    end() {
      return '</testsuites>\n';
    },
  };
}
