/**
 * OSCAL: assessment results (one `result` per asset's scan: an observation per evaluated rule, a finding and
 * a risk per failure) and a plan of action and milestones (a POA&M item per open finding). Every UUID is a
 * version-5 UUID of the ids it stands for (scan, asset, rule), so exporting the same scans again gives the
 * same document apart from its last-modified time: re-exports diff cleanly.
 *
 * Streaming: AR writes each asset's result as it arrives. The POA&M has three arrays (observations, risks,
 * poam-items) that refer to each other; it is written in three passes over the assets, one array per pass.
 */
import {
  evidenceText,
  flatReferences,
  uuidV5,
  type AssetReport,
  type Renderer,
  type ReportMeta,
  type ReportResult,
} from './model.js';

export const OSCAL_VERSION = '1.1.2';

const ns = 'https://bulwark.invalid/ns/oscal';

function metadata(meta: ReportMeta, title: string) {
  return {
    title,
    'last-modified': meta.generated_at,
    version: meta.version,
    'oscal-version': OSCAL_VERSION,
    props: [{ name: 'scope', ns, value: `${meta.scope.kind}:${meta.scope.label}` }],
    roles: [{ id: 'assessor', title: 'Assessor' }],
    parties: [{ uuid: toolParty, type: 'organization', name: `Bulwark ${meta.version}` }],
  };
}
const toolParty = uuidV5('party:bulwark');
const assetUuid = (a: AssetReport) => uuidV5(`asset:${a.asset.id}`);
const obsUuid = (a: AssetReport, r: ReportResult) => uuidV5(`observation:${a.scan.id}:${r.rule}`);
const riskUuid = (a: AssetReport, r: ReportResult) => uuidV5(`risk:${a.scan.id}:${r.rule}`);
const findingUuid = (a: AssetReport, r: ReportResult) => uuidV5(`finding:${a.scan.id}:${r.rule}`);
const poamUuid = (a: AssetReport, r: ReportResult) => uuidV5(`poam-item:${a.asset.id}:${r.rule}`);
const origins = [{ actors: [{ type: 'tool', 'actor-uuid': toolParty }] }];
/** OSCAL prop values must not start or end with whitespace, nor be empty. */
const val = (s: string) => s.trim() || '-';

function inventoryItem(a: AssetReport) {
  const props = [
    { name: 'asset-id', ns, value: a.asset.id },
    ...(a.asset.hostname ? [{ name: 'fqdn', value: val(a.asset.hostname) }] : []),
    ...(a.asset.machine_id ? [{ name: 'machine-id', ns, value: a.asset.machine_id }] : []),
    ...(a.asset.zone ? [{ name: 'zone', ns, value: val(a.asset.zone) }] : []),
    ...(a.asset.device_class ? [{ name: 'device-class', ns, value: a.asset.device_class }] : []),
  ];
  return { uuid: assetUuid(a), description: `${a.asset.name} (${a.asset.kind})`, props };
}

function observation(a: AssetReport, r: ReportResult, meta: ReportMeta) {
  const rule = meta.rules.get(r.rule);
  return {
    uuid: obsUuid(a, r),
    title: `${r.rule}: ${r.status}`,
    description: `${r.title}. ${r.message}`,
    props: [
      { name: 'rule', ns, value: r.rule },
      { name: 'result', ns, value: r.status },
      { name: 'severity', ns, value: r.severity },
      ...(rule ? flatReferences(rule.references).map((x) => ({ name: 'reference', ns, value: val(x) })) : []),
    ],
    methods: ['TEST'],
    types: r.status === 'fail' ? ['finding'] : ['control-objective'],
    origins,
    subjects: [{ 'subject-uuid': assetUuid(a), type: 'inventory-item', title: a.asset.name }],
    ...(r.evidence.length
      ? { 'relevant-evidence': r.evidence.slice(0, 20).map((e) => ({ description: evidenceText(e) })) }
      : {}),
    collected: a.scan.finished_at,
  };
}

function risk(a: AssetReport, r: ReportResult, meta: ReportMeta) {
  const rule = meta.rules.get(r.rule);
  return {
    uuid: riskUuid(a, r),
    title: `${r.title} (${a.asset.name})`,
    description: rule?.rationale || r.message,
    statement: `${r.message} Severity ${r.severity}.`,
    props: [
      { name: 'rule', ns, value: r.rule },
      { name: 'severity', ns, value: r.severity },
    ],
    status: r.waiver ? 'deviation-approved' : 'open',
    origins,
    ...(r.waiver ? { deadline: `${r.waiver.expires}T23:59:59Z` } : {}),
    ...(rule
      ? {
          remediations: [
            {
              uuid: uuidV5(`remediation:${a.scan.id}:${r.rule}`),
              lifecycle: 'recommendation',
              title: `Fix (${rule.fix.impact})`,
              description: rule.fix.description,
            },
          ],
        }
      : {}),
    ...(r.waiver
      ? {
          'mitigating-factors': [
            {
              uuid: uuidV5(`mitigation:${r.waiver.id}:${a.asset.id}:${r.rule}`),
              description: `Waiver ${r.waiver.id} (owner ${r.waiver.owner}, approved by ${r.waiver.approver}, until ${r.waiver.expires}): ${r.waiver.justification}. Compensating control: ${r.waiver.compensating_control}`,
            },
          ],
        }
      : {}),
    'related-observations': [{ 'observation-uuid': obsUuid(a, r) }],
  };
}

const evaluated = (r: ReportResult) => r.status === 'pass' || r.status === 'fail';

/** Assessment results: one result per asset's scan. */
export function oscalArRenderer(meta: ReportMeta): Renderer {
  let first = true;
  return {
    begin() {
      const head = {
        'assessment-results': {
          uuid: uuidV5(`assessment-results:${meta.scope.kind}:${meta.scope.label}`),
          metadata: metadata(meta, `Bulwark assessment results — ${meta.scope.kind} ${meta.scope.label}`),
          'import-ap': {
            href: '#bulwark-assessment-plan',
            remarks:
              'No separate assessment plan: the plan is the Bulwark profile named in each result (its rules and parameters).',
          },
          results: [],
        },
      };
      const t = JSON.stringify(head);
      return t.slice(0, t.length - '[]}}'.length) + '[\n';
    },
    asset(a) {
      const failing = a.results.filter((r) => r.status === 'fail');
      const result = {
        uuid: uuidV5(`result:${a.scan.id}`),
        title: `Bulwark scan of ${a.asset.name} (profile ${a.scan.profile})`,
        description: `Scan ${a.scan.id}, ${a.scan.mode} mode, target ${a.scan.target_kind} ${a.scan.target_root}. Score ${a.scan.score ?? 'n/a'}/100 (100 × Σ weight(passed) / Σ weight(passed + failed)).`,
        start: a.scan.started_at,
        end: a.scan.finished_at,
        props: [
          { name: 'scan-id', ns, value: a.scan.id },
          { name: 'profile', ns, value: val(a.scan.profile) },
          ...(a.scan.score === null ? [] : [{ name: 'score', ns, value: String(a.scan.score) }]),
        ],
        'local-definitions': { 'inventory-items': [inventoryItem(a)] },
        'reviewed-controls': {
          description: 'The rules of the profile, each an objective of its own (rule ids).',
          'control-selections': [{ 'include-all': {} }],
        },
        ...(a.results.some(evaluated)
          ? { observations: a.results.filter(evaluated).map((r) => observation(a, r, meta)) }
          : {}),
        ...(failing.length ? { risks: failing.map((r) => risk(a, r, meta)) } : {}),
        ...(failing.length
          ? {
              findings: failing.map((r) => ({
                uuid: findingUuid(a, r),
                title: `${r.rule} not satisfied on ${a.asset.name}`,
                description: r.message,
                origins,
                target: {
                  type: 'objective-id',
                  'target-id': r.rule,
                  status: { state: 'not-satisfied' },
                },
                'related-observations': [{ 'observation-uuid': obsUuid(a, r) }],
                'related-risks': [{ 'risk-uuid': riskUuid(a, r) }],
              })),
            }
          : {}),
      };
      const out = (first ? '' : ',\n') + JSON.stringify(result);
      first = false;
      return out;
    },
    end: () => '\n]}}\n',
  };
}

/** The open findings: failures not covered by a waiver (waived ones are deviations, not plan items). */
const open = (r: ReportResult) => r.shown === 'fail';

/**
 * POA&M, in four passes over the assets: the first counts the open findings (arrays may not be empty), then
 * one pass per array: observations, risks, poam-items. With no open finding the plan has a single item
 * saying so.
 */
export function oscalPoamRenderer(
  meta: ReportMeta,
): Renderer & { passes: number; between(pass: number): string } {
  let first = true;
  let openFindings = 0;
  const head = () => {
    const h = {
      'plan-of-action-and-milestones': {
        uuid: uuidV5(`poam:${meta.scope.kind}:${meta.scope.label}`),
        metadata: metadata(
          meta,
          `Bulwark plan of action and milestones — ${meta.scope.kind} ${meta.scope.label}`,
        ),
        'system-id': { 'identifier-type': ns, id: `${meta.scope.kind}:${meta.scope.label}` },
        'poam-items': [],
      },
    };
    const t = JSON.stringify(h);
    // Up to the opening of the first streamed array.
    return t.slice(0, t.length - '"poam-items":[]}}'.length);
  };
  return {
    passes: 4,
    begin: () => '',
    between(pass: number) {
      first = true;
      if (pass === 1) return head() + (openFindings ? '"observations":[\n' : '');
      if (openFindings === 0) return '';
      return pass === 2 ? '\n],"risks":[\n' : '\n],"poam-items":[\n';
    },
    asset(a, pass = 0) {
      const parts: string[] = [];
      for (const r of a.results) {
        if (!open(r)) continue;
        if (pass === 0) {
          openFindings++;
          continue;
        }
        let item: unknown;
        if (pass === 1) item = observation(a, r, meta);
        else if (pass === 2) item = risk(a, r, meta);
        else {
          const rule = meta.rules.get(r.rule);
          item = {
            uuid: poamUuid(a, r),
            title: `${r.title} — ${a.asset.name}`,
            description: `${r.message}${rule ? ` Fix (${rule.fix.impact}): ${rule.fix.description}` : ''}`,
            props: [
              { name: 'rule', ns, value: r.rule },
              { name: 'severity', ns, value: r.severity },
              { name: 'asset-id', ns, value: a.asset.id },
            ],
            origins,
            'related-observations': [{ 'observation-uuid': obsUuid(a, r) }],
            'related-risks': [{ 'risk-uuid': riskUuid(a, r) }],
          };
        }
        parts.push((first ? '' : ',\n') + JSON.stringify(item));
        first = false;
      }
      return parts.join('');
    },
    end() {
      if (openFindings > 0) return '\n]}}\n';
      const none = {
        uuid: uuidV5(`poam-item:none:${meta.scope.kind}:${meta.scope.label}`),
        title: 'No open findings',
        description: `Every failing rule in scope (${meta.scope.kind} ${meta.scope.label}) is covered by a waiver in force on ${meta.waiver_date}, or nothing failed.`,
      };
      return `"poam-items":[${JSON.stringify(none)}]}}\n`;
    },
  };
}
