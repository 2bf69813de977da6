/**
 * XCCDF 1.2 results of Bulwark's own rules: a Benchmark listing the rules (title, severity, rationale, fix
 * text, references) and a TestResult per asset with a rule-result per rule. Minimal, but valid against the
 * XCCDF 1.2 schema (`oscap xccdf validate`), so SCAP tools can read Bulwark's verdicts.
 */
import type { ResultStatus } from '../core/types.js';
import { escapeXml, type AssetReport, type Renderer, type ReportMeta, type RuleInfo } from './model.js';

const NS = 'io.bulwark';
/** An XCCDF id part: letters, digits and . _ - only (rule ids are already that; imported ids may not be). */
const part = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
export const xccdfRuleId = (id: string): string => `xccdf_${NS}_rule_${part(id)}`;

const RESULT: Record<ResultStatus, string> = {
  pass: 'pass',
  fail: 'fail',
  error: 'error',
  not_applicable: 'notapplicable',
  not_checked: 'notchecked',
  manual: 'notchecked',
  informational: 'informational',
};

function ruleXml(r: RuleInfo): string {
  const refs = Object.entries(r.references).flatMap(([k, v]) =>
    typeof v === 'string'
      ? [`${k} ${v}`]
      : Array.isArray(v)
        ? (v as string[]).map((x) => `${k} ${x}`)
        : Object.entries(v as Record<string, string>).map(([b, n]) => `${k} ${b} ${n}`),
  );
  return (
    `  <Rule id="${xccdfRuleId(r.id)}" selected="true" severity="${r.severity === 'critical' ? 'high' : r.severity}">\n` +
    `    <title>${escapeXml(r.title)}</title>\n` +
    `    <description>${escapeXml(r.description)}</description>\n` +
    refs.map((x) => `    <reference>${escapeXml(x)}</reference>\n`).join('') +
    `    <rationale>${escapeXml(r.rationale)}</rationale>\n` +
    `    <fixtext>${escapeXml(r.fix.description)}</fixtext>\n` +
    `  </Rule>\n`
  );
}

export function xccdfRenderer(meta: ReportMeta): Renderer {
  const rules = [...meta.rules.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    begin() {
      return (
        `<?xml version="1.0" encoding="UTF-8"?>\n` +
        `<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_${NS}_benchmark_bulwark" resolved="1" xml:lang="en" style="SCAP_1.2">\n` +
        `  <status>accepted</status>\n` +
        `  <title>Bulwark rules</title>\n` +
        `  <description>The rules Bulwark evaluated, with their verdicts (${escapeXml(meta.scope.kind)} ${escapeXml(meta.scope.label)}).</description>\n` +
        `  <version>${escapeXml(meta.version)}</version>\n` +
        rules.map(ruleXml).join('')
      );
    },
    asset(a: AssetReport) {
      const results = a.results
        .map(
          (r) =>
            `    <rule-result idref="${xccdfRuleId(r.rule)}" severity="${r.severity === 'critical' ? 'high' : r.severity}" time="${escapeXml(a.scan.finished_at)}">\n` +
            `      <result>${RESULT[r.status]}</result>\n` +
            (r.message ? `      <message severity="info">${escapeXml(r.message)}</message>\n` : '') +
            `    </rule-result>\n`,
        )
        .join('');
      const counts = a.results.reduce(
        (acc, r) => {
          if (r.status === 'pass') acc.pass++;
          if (r.status === 'pass' || r.status === 'fail') acc.total++;
          return acc;
        },
        { pass: 0, total: 0 },
      );
      return (
        `  <TestResult id="xccdf_${NS}_testresult_${part(a.scan.id)}" start-time="${escapeXml(a.scan.started_at)}" end-time="${escapeXml(a.scan.finished_at)}" test-system="bulwark-${escapeXml(a.scan.bulwark_version)}" version="${escapeXml(meta.version)}">\n` +
        `    <title>Bulwark scan ${escapeXml(a.scan.id)} of ${escapeXml(a.asset.name)} (profile ${escapeXml(a.scan.profile)})</title>\n` +
        `    <target>${escapeXml(a.asset.hostname ?? a.asset.name)}</target>\n` +
        `    <target-facts>\n` +
        `      <fact name="urn:xccdf:fact:asset:identifier" type="string">${escapeXml(a.asset.id)}</fact>\n` +
        `    </target-facts>\n` +
        results +
        (a.scan.score === null
          ? ''
          : `    <score system="urn:bulwark:scoring:weighted" maximum="100">${a.scan.score}</score>\n`) +
        `    <score system="urn:xccdf:scoring:flat-unweighted" maximum="${counts.total}">${counts.pass}</score>\n` +
        `  </TestResult>\n`
      );
    },
    end: () => '</Benchmark>\n',
  };
}
