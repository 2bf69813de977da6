/**
 * OpenSCAP results → imported results: an XCCDF 1.2 results file (a Benchmark holding a TestResult, or a bare
 * TestResult) or an ARF report collection (`oscap … --results-arf`), whose xccdf report holds the TestResult
 * and whose report request carries the datastream with the rule titles.
 *
 * The XML is read safely: a document type declaration is refused before parsing (no DTD, so no external or
 * custom entities: XXE and "billion laughs" never get a chance), only the five predefined entities and
 * character references are decoded, nesting is bounded, and the size is capped (MAX_IMPORT_BYTES).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ResultStatus, Severity } from '../core/types.js';
import {
  MAX_IMPORT_BYTES,
  invalid,
  isoTime,
  type ImportedIdentity,
  type ImportedResult,
  type ImportedScan,
} from './types.js';

type Node = Record<string, unknown>;

/** Elements that may repeat, so they are always arrays (local names: namespace prefixes are removed). */
const REPEATED = new Set([
  'TestResult',
  'rule-result',
  'Rule',
  'Group',
  'Value',
  'Profile',
  'fact',
  'target-address',
  'ident',
  'message',
  'report',
  'asset',
  'connection',
  'component',
  'title',
  'score',
  'instance',
  'override',
  'check',
  'ip-v4',
  'ip-v6',
  'mac-address',
]);

const HINT =
  'give the XCCDF results (`oscap xccdf eval --results r.xml`) or the ARF (`--results-arf arf.xml`) file, complete and unmodified';

/** XCCDF result values → Bulwark statuses (`notselected` is not imported). See docs/report.md, "Import". */
const STATUS: Record<string, { status: ResultStatus; note?: string }> = {
  pass: { status: 'pass' },
  fail: { status: 'fail' },
  error: { status: 'error' },
  unknown: { status: 'error', note: 'OpenSCAP could not decide (result "unknown")' },
  notapplicable: { status: 'not_applicable' },
  notchecked: { status: 'not_checked' },
  informational: { status: 'informational' },
  fixed: { status: 'pass', note: 'fixed by OpenSCAP remediation during the scan (result "fixed")' },
};

/** XCCDF severities → Bulwark's; `unknown` (or none) counts as medium so an unrated failure still weighs. */
const SEVERITY: Record<string, Severity> = { info: 'info', low: 'low', medium: 'medium', high: 'high' };

const arr = (v: unknown): Node[] =>
  Array.isArray(v) ? (v as Node[]) : v === undefined || v === null ? [] : [v as Node];

/** The text of an element that may be a string or an object with attributes and `#text` (mixed content). */
function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(text).join(' ');
  if (typeof v === 'object') {
    return Object.entries(v as Node)
      .filter(([k]) => !k.startsWith('@_'))
      .map(([, x]) => text(x))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
  }
  return '';
}

const attr = (n: Node | undefined, name: string): string | undefined => {
  const v = n?.[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
};

/** Parses XML text safely, or throws BW_IMPORT_INVALID. */
export function parseXml(xml: string, file: string): Node {
  if (xml.length > MAX_IMPORT_BYTES)
    throw invalid(file, `larger than ${MAX_IMPORT_BYTES} bytes`, 'import a smaller report');
  // No DTD processing at all: XCCDF and ARF never carry one, and a DTD is how XXE and entity bombs arrive.
  if (/<!DOCTYPE/i.test(xml))
    throw invalid(
      file,
      'has a document type declaration (<!DOCTYPE …>), which is refused: no DTD or entity is ever processed',
      HINT,
    );
  // The validator fast-xml-parser v5 ships (deprecated in favour of a separate package that pulls in more
  // dependencies): the parser alone accepts a truncated document, the validator does not.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const v = XMLValidator.validate(xml);
  if (v !== true)
    throw invalid(
      file,
      `is not well-formed XML: ${v.err.msg} (line ${v.err.line}, column ${v.err.col})`,
      HINT,
    );
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: 200,
    // OVAL definitions and results are large and not needed: keep them as unparsed text.
    stopNodes: ['*.oval_results', '*.oval_definitions', '*.ocil', '*.cpe-list'],
    isArray: (name) => REPEATED.has(name),
  });
  try {
    return parser.parse(xml) as Node;
  } catch (e) {
    throw invalid(file, `cannot be parsed as XML: ${e instanceof Error ? e.message : String(e)}`, HINT, e);
  }
}

/** Every Rule under a Benchmark, at any depth of Groups: id → title. */
function ruleTitles(bench: Node | undefined, into: Map<string, string>): void {
  if (!bench) return;
  for (const r of arr(bench['Rule'])) {
    const id = attr(r, 'id');
    const t = arr(r['title'])[0];
    if (id && t !== undefined) into.set(id, text(t));
  }
  for (const g of arr(bench['Group'])) ruleTitles(g, into);
}

/** Finds the Benchmarks inside an ARF's report requests (datastream components) or reports. */
function benchmarksIn(node: unknown, out: Node[], depth = 0): void {
  if (depth > 12 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) benchmarksIn(x, out, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(node as Node)) {
    if (k.startsWith('@_') || k === '#text') continue;
    if (k === 'Benchmark') out.push(...arr(v));
    else if (k !== 'TestResult') benchmarksIn(v, out, depth + 1);
  }
}

function identityFrom(tr: Node, device: Node | undefined): ImportedIdentity {
  const facts = arr((tr['target-facts'] as Node | undefined)?.['fact']).map((f) => ({
    name: attr(f, 'name') ?? '',
    value: text(f),
  }));
  const fact = (suffix: string) => facts.filter((f) => f.name.endsWith(suffix)).map((f) => f.value);
  const macs = new Set<string>();
  for (const m of [...fact(':asset:identifier:mac'), ...fact(':ethernet:MAC')]) macs.add(m.toLowerCase());
  const ips = new Set<string>([...fact(':ipv4'), ...fact(':ipv6')]);
  let hostname = fact(':asset:identifier:host_name')[0] ?? (text(arr(tr['target'])[0]) || null);
  let fqdn = fact(':asset:identifier:fqdn')[0] ?? null;
  if (device) {
    for (const c of arr((device['connections'] as Node | undefined)?.['connection'])) {
      for (const m of arr(c['mac-address'])) macs.add(text(m).toLowerCase());
      const ip = c['ip-address'] as Node | undefined;
      for (const a of [...arr(ip?.['ip-v4']), ...arr(ip?.['ip-v6'])]) ips.add(text(a));
    }
    hostname ??= text(device['hostname']) || null;
    fqdn ??= text(device['fqdn']) || null;
  }
  const mid =
    facts
      .find((f) => /machine[-_]?id$/i.test(f.name))
      ?.value.trim()
      .toLowerCase() ?? '';
  return {
    hostname,
    fqdn,
    machineId: /^[0-9a-f]{32}$/.test(mid) ? mid : null,
    macs: [...macs].filter((m) => m && m !== '00:00:00:00:00:00').sort(),
    ips: [...ips].filter(Boolean).sort(),
    os: null,
  };
}

/** Reads an XCCDF 1.2 results document or an ARF report collection. */
export function parseOpenScap(xml: string, file: string): ImportedScan {
  const doc = parseXml(xml, file);
  const notes: string[] = [];
  const titles = new Map<string, string>();
  let testResults: Node[] = [];
  let device: Node | undefined;
  const arf = doc['asset-report-collection'] as Node | undefined;
  if (arf) {
    const benches: Node[] = [];
    benchmarksIn(arf['report-requests'], benches);
    for (const rep of arr((arf['reports'] as Node | undefined)?.['report'])) {
      const content = rep['content'] as Node | undefined;
      if (!content) continue;
      testResults.push(...arr(content['TestResult']));
      const b = arr(content['Benchmark']);
      benches.push(...b);
      for (const x of b) testResults.push(...arr(x['TestResult']));
    }
    for (const b of benches) ruleTitles(b, titles);
    device = arr((arf['assets'] as Node | undefined)?.['asset'])[0]?.['computing-device'] as Node | undefined;
  } else if (doc['Benchmark']) {
    const b = arr(doc['Benchmark'])[0]!;
    ruleTitles(b, titles);
    testResults = arr(b['TestResult']);
  } else if (doc['TestResult']) {
    testResults = arr(doc['TestResult']);
  } else {
    const root = Object.keys(doc).find((k) => !k.startsWith('?')) ?? '(none)';
    throw invalid(file, `is not an XCCDF results or ARF document (root element <${root}>)`, HINT);
  }
  if (testResults.length === 0)
    throw invalid(
      file,
      'holds no XCCDF TestResult (a benchmark or datastream alone has no results)',
      `evaluate it first: oscap xccdf eval --profile … --results r.xml <datastream>; then ${HINT}`,
    );
  if (testResults.length > 1) notes.push(`${testResults.length} TestResults found: the last one is imported`);
  const tr = testResults[testResults.length - 1]!;
  const profileId = attr(arr(tr['profile'])[0], 'idref') ?? attr(tr['profile'] as Node, 'idref') ?? 'default';
  const started = isoTime(attr(tr, 'start-time'));
  const finished = isoTime(attr(tr, 'end-time'));
  if (!finished)
    throw invalid(
      file,
      'the TestResult has no valid end-time',
      'OpenSCAP always writes one: is the file complete?',
    );
  const results: ImportedResult[] = [];
  let skipped = 0;
  const unknownValues = new Set<string>();
  for (const rr of arr(tr['rule-result'])) {
    const idref = attr(rr, 'idref');
    const value = text(rr['result']).trim();
    if (!idref) continue;
    if (value === 'notselected') {
      skipped++;
      continue;
    }
    const map = STATUS[value];
    if (!map) unknownValues.add(value);
    const { status, note } = map ?? {
      status: 'error' as const,
      note: `unrecognised XCCDF result "${value}"`,
    };
    const sev = attr(rr, 'severity') ?? 'unknown';
    const idents = arr(rr['ident']).map(text).filter(Boolean);
    const messages = arr(rr['message']).map(text).filter(Boolean);
    results.push({
      rule: idref,
      title: titles.get(idref) ?? idref,
      severity: SEVERITY[sev] ?? 'medium',
      status,
      message: [
        `OpenSCAP result: ${value}${sev === 'unknown' || !SEVERITY[sev] ? ` (severity ${sev}: imported as medium)` : ''}`,
        note,
        idents.length ? `idents ${idents.join(', ')}` : undefined,
        ...messages,
      ]
        .filter(Boolean)
        .join('; '),
    });
  }
  if (unknownValues.size)
    notes.push(`unrecognised result values imported as error: ${[...unknownValues].join(', ')}`);
  const scoreNode =
    arr(tr['score']).find((s) => attr(s, 'system') === 'urn:xccdf:scoring:default') ?? arr(tr['score'])[0];
  const score = scoreNode ? Number(text(scoreNode)) : NaN;
  return {
    tool: 'openscap',
    profile: `import:openscap:${profileId}`,
    startedAt: started ?? finished,
    finishedAt: finished,
    identity: identityFrom(tr, device),
    results,
    toolScore: Number.isFinite(score) ? Math.round(score * 10) / 10 : null,
    toolScoreSystem: Number.isFinite(score) ? attr(scoreNode, 'system') || 'urn:xccdf:scoring:default' : null,
    toolScoreMax: Number.isFinite(score)
      ? Number.isFinite(Number(attr(scoreNode, 'maximum') || '100'))
        ? Number(attr(scoreNode, 'maximum') || '100')
        : 100
      : null,
    skipped,
    notes,
  };
}
