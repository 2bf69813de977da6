/**
 * SARIF 2.1.0 for pipelines (GitHub code scanning, GitLab, Azure DevOps, DefectDojo). One run; the driver
 * lists the rules with their metadata; a result per failed rule per asset (errors and manual checks as
 * `review`), located at the file and line the evidence names, inside the assessed system (uriBaseId
 * ROOT). A failure covered by a waiver is kept with an accepted external suppression. partialFingerprints
 * are a hash of rule, asset and location: the same finding keeps its fingerprint from scan to scan.
 */
import type { Severity } from '../core/types.js';
import {
  flatReferences,
  locationOf,
  sha256,
  type AssetReport,
  type Renderer,
  type ReportMeta,
  type ReportResult,
  type RuleInfo,
} from './model.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
/** GitHub's `security-severity` (0–10) per severity. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '7.5',
  medium: '5.0',
  low: '3.0',
  info: '0.0',
};

function ruleDescriptor(r: RuleInfo) {
  const help = `${r.rationale}\n\nFix (${r.fix.impact}): ${r.fix.description}`;
  const helpMd =
    `${r.rationale}\n\n**Fix** (${r.fix.impact}): ${r.fix.description}` +
    (r.fix.shell ? `\n\n\`\`\`sh\n${r.fix.shell.trimEnd()}\n\`\`\`` : '');
  return {
    id: r.id,
    name: r.id.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, c: string) => c.toUpperCase()),
    shortDescription: { text: r.title },
    fullDescription: { text: r.description || r.title },
    help: { text: help, markdown: helpMd },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: {
      severity: r.severity,
      'security-severity': SECURITY_SEVERITY[r.severity],
      tags: ['security', 'hardening', r.area],
      area: r.area,
      fix_impact: r.fix.impact,
      references: flatReferences(r.references),
    },
  };
}

function sarifResult(a: AssetReport, r: ReportResult, ruleIndex: number | undefined) {
  const loc = locationOf(r);
  const kind = r.status === 'fail' ? 'fail' : 'review';
  const level = r.status === 'fail' ? LEVEL[r.severity] : 'note';
  const logical = [{ name: a.asset.name, fullyQualifiedName: `asset:${a.asset.id}`, kind: 'asset' }];
  const location = loc
    ? {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(loc.path.replace(/^\/+/, '')), uriBaseId: 'ROOT' },
          ...(loc.line ? { region: { startLine: loc.line } } : {}),
        },
        logicalLocations: logical,
      }
    : { logicalLocations: logical };
  const out: Record<string, unknown> = {
    ruleId: r.rule,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    kind,
    level,
    message: { text: `${r.message} (${a.asset.name})` },
    locations: [location],
    partialFingerprints: {
      'bulwarkFinding/v1': sha256(`${r.rule}\0${a.asset.id}\0${loc?.path ?? ''}`),
    },
    properties: {
      asset: a.asset.name,
      asset_id: a.asset.id,
      scan: a.scan.id,
      status: r.status,
      severity: r.severity,
      evidence: r.evidence.map((e) => ({ ...e })),
    },
  };
  if (r.waiver)
    out['suppressions'] = [
      {
        kind: 'external',
        status: 'accepted',
        justification: `waiver ${r.waiver.id} by ${r.waiver.owner}, approved by ${r.waiver.approver}, until ${r.waiver.expires}: ${r.waiver.justification} (compensating control: ${r.waiver.compensating_control})`,
      },
    ];
  return out;
}

/** Which results SARIF carries: failures (waived ones suppressed), errors and manual checks. */
export const inSarif = (r: ReportResult): boolean =>
  r.status === 'fail' || r.status === 'error' || r.status === 'manual';

export function sarifRenderer(meta: ReportMeta): Renderer {
  const rules = [...meta.rules.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  let first = true;
  return {
    begin() {
      const head = {
        $schema: SARIF_SCHEMA_URI,
        version: '2.1.0',
        runs: [
          {
            tool: {
              driver: {
                name: 'Bulwark',
                semanticVersion: meta.version,
                version: meta.version,
                informationUri: 'https://bulwark.invalid/docs/reports',
                rules: rules.map(ruleDescriptor),
              },
            },
            automationDetails: { id: `bulwark/${meta.scope.kind}/${meta.scope.label}` },
            originalUriBaseIds: {
              ROOT: { uri: 'file:///', description: { text: 'the root of the assessed system' } },
            },
            invocations: [{ executionSuccessful: true, endTimeUtc: meta.generated_at }],
            results: [],
          },
        ],
      };
      const text = JSON.stringify(head);
      // Everything up to the (empty) results array; results are streamed into it.
      return text.slice(0, text.length - '[]}]}'.length) + '[\n';
    },
    asset(a) {
      const parts: string[] = [];
      for (const r of a.results) {
        if (!inSarif(r)) continue;
        parts.push((first ? '' : ',\n') + JSON.stringify(sarifResult(a, r, index.get(r.rule))));
        first = false;
      }
      return parts.join('');
    },
    end() {
      return '\n]}]}\n';
    },
  };
}
