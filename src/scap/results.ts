/**
 * Evaluation → XML that OpenSCAP reads: an XCCDF 1.2 TestResult, the results document (the benchmark as
 * given with the TestResult appended, like `oscap xccdf eval --results`), and an ARF 1.1 report collection
 * (the source content as the report request, the asset, the TestResult and each OVAL document's results,
 * like `--results-arf`). Pure: strings in, strings out.
 */
import type { ReportedCheck, RuleOutcome, XccdfEvaluation } from './engine.js';
import type { ScapSource } from './source.js';
import { NS, escapeXml as x } from './xml.js';

export interface TargetIdentity {
  /** Host name (the image's /etc/hostname offline), or 'unknown'. */
  hostname: string;
  fqdn?: string;
  /** What was assessed, e.g. `chroot:///mnt/img` or `local`. */
  identifier: string;
  ips: string[];
  macs: string[];
}

export interface ResultsOptions {
  /** Path of the source content, as given (the benchmark href). */
  sourceHref: string;
  scanner: { name: string; version: string };
  target: TargetIdentity;
  /** Check-content-ref href rewriting (ARF points at its OVAL reports). */
  hrefFor?: (docKey: string | null, href: string) => string;
}

const f6 = (n: number): string => n.toFixed(6);

/** An IPv6 address with all eight groups written out, as the ARF asset-identification schema wants it. */
export function expandIpv6(a: string): string {
  let s = a.split('%')[0]!;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [b1, b2, b3, b4] = v4.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4.index)}${((b1 << 8) | b2).toString(16)}:${((b3 << 8) | b4).toString(16)}`;
  }
  const [head, rest] = s.includes('::') ? (s.split('::') as [string, string]) : [s, null];
  const h = head ? head.split(':') : [];
  const r = rest ? rest.split(':') : [];
  const fill = rest === null ? [] : Array<string>(Math.max(0, 8 - h.length - r.length)).fill('0');
  return [...h, ...fill, ...r].map((g) => g.padStart(4, '0')).join(':');
}

function checkXml(c: ReportedCheck, o: ResultsOptions, ind: string): string {
  if (c.complex)
    return (
      `${ind}<complex-check operator="${c.complex.operator}"${c.complex.negate ? ' negate="true"' : ''}>\n` +
      c.complex.children.map((ch) => checkXml(ch, o, ind + '  ')).join('') +
      `${ind}</complex-check>\n`
    );
  const exports = c.exports
    .map((e) => `${ind}  <check-export export-name="${x(e.exportName)}" value-id="${x(e.valueId)}"/>\n`)
    .join('');
  const ref = c.ref
    ? `${ind}  <check-content-ref${c.ref.name !== null ? ` name="${x(c.ref.name)}"` : ''} href="${x(o.hrefFor ? o.hrefFor(c.ref.docKey, c.ref.href) : c.ref.href)}"/>\n`
    : '';
  return `${ind}<check system="${x(c.system)}"${c.negate ? ' negate="true"' : ''}${c.multiCheck ? ' multi-check="true"' : ''}>\n${exports}${ref}${ind}</check>\n`;
}

function ruleResultXml(r: RuleOutcome, o: ResultsOptions, ind: string): string {
  const idents = r.rule.idents
    .map((i) => `${ind}  <ident system="${x(i.system)}">${x(i.value)}</ident>\n`)
    .join('');
  const messages =
    r.result === 'notselected'
      ? ''
      : r.messages
          .slice(0, 20)
          .map((m) => `${ind}  <message severity="info">${x(m)}</message>\n`)
          .join('');
  return (
    `${ind}<rule-result idref="${x(r.rule.id)}" role="${r.role}" time="${r.time}" severity="${r.severity}" weight="${f6(r.weight)}">\n` +
    `${ind}  <result>${r.result}</result>\n` +
    messages +
    (r.result === 'notselected' ? '' : idents) +
    (r.check ? checkXml(r.check, o, ind + '  ') : '') +
    `${ind}</rule-result>\n`
  );
}

/** The TestResult element, in the XCCDF 1.2 namespace (declared on it when `declareNs`). */
export function testResultXml(
  ev: XccdfEvaluation,
  o: ResultsOptions,
  declareNs: boolean,
  ind = '  ',
): string {
  const p = ev.profile;
  const t = o.target;
  const suffix = (p.id ?? 'default').replace(/[^A-Za-z0-9_.-]/g, '_');
  const facts: [string, string][] = [
    ['urn:xccdf:fact:scanner:name', o.scanner.name],
    ['urn:xccdf:fact:scanner:version', o.scanner.version],
    ['urn:xccdf:fact:identifier', t.identifier],
    ['urn:xccdf:fact:asset:identifier:host_name', t.hostname],
    ...(t.fqdn ? ([['urn:xccdf:fact:asset:identifier:fqdn', t.fqdn]] as [string, string][]) : []),
    ...t.macs.map((m): [string, string] => ['urn:xccdf:fact:ethernet:MAC', m]),
    ...t.ips.map((a): [string, string] => [
      a.includes(':') ? 'urn:xccdf:fact:asset:identifier:ipv6' : 'urn:xccdf:fact:asset:identifier:ipv4',
      a,
    ]),
  ];
  const i2 = ind + '  ';
  return (
    `${ind}<TestResult${declareNs ? ` xmlns="${NS.xccdf12}"` : ''} id="xccdf_org.bulwark_testresult_${x(suffix)}" start-time="${ev.startTime}" end-time="${ev.endTime}" version="${x(ev.benchmark.version)}" test-system="cpe:/a:bulwark:bulwark:${x(o.scanner.version)}">\n` +
    `${i2}<benchmark href="${x(o.sourceHref)}" id="${x(ev.benchmark.id)}"/>\n` +
    `${i2}<title>Bulwark Scan Result</title>\n` +
    (p.id ? `${i2}<profile idref="${x(p.id)}"/>\n` : '') +
    `${i2}<target>${x(t.hostname)}</target>\n` +
    t.ips.map((a) => `${i2}<target-address>${x(a)}</target-address>\n`).join('') +
    `${i2}<target-facts>\n` +
    facts.map(([n, v]) => `${i2}  <fact name="${x(n)}" type="string">${x(v)}</fact>\n`).join('') +
    `${i2}</target-facts>\n` +
    ev.applicablePlatforms.map((pl) => `${i2}<platform idref="${x(pl)}"/>\n`).join('') +
    [...p.values].map(([id, v]) => `${i2}<set-value idref="${x(id)}">${x(v)}</set-value>\n`).join('') +
    ev.outcomes.map((r) => ruleResultXml(r, o, i2)).join('') +
    ev.scores
      .filter((s) => s.system === 'urn:xccdf:scoring:default')
      .map((s) => `${i2}<score system="${s.system}" maximum="${f6(s.maximum)}">${f6(s.score)}</score>\n`)
      .join('') +
    `${ind}</TestResult>\n`
  );
}

/** Offset just past the end of the start tag beginning at `start` (quotes respected). */
function startTagEnd(text: string, start: number): number {
  let q: string | null = null;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '>') return i + 1;
  }
  return text.length;
}

/**
 * The benchmark exactly as the source has it (namespace declarations in scope added to its start tag, so it
 * stands alone) with the TestResult before its end tag: what `oscap xccdf eval --results` writes.
 */
export function resultsDocument(src: ScapSource, ev: XccdfEvaluation, o: ResultsOptions): string {
  const el = ev.benchmark.el;
  const start = el.start ?? 0;
  const end = el.end ?? src.text.length;
  const text = src.text.slice(start, end);
  const tagEnd = startTagEnd(text, 0);
  let tag = text.slice(0, tagEnd);
  const declared = new Set([...tag.matchAll(/\sxmlns(?::([\w.-]+))?\s*=/g)].map((m) => m[1] ?? ''));
  const extra = Object.entries(el.nsScope)
    .filter(([pfx]) => !declared.has(pfx) && pfx !== 'xml' && pfx !== 'xmlns')
    .map(([pfx, uri]) => ` ${pfx ? `xmlns:${pfx}` : 'xmlns'}="${x(uri)}"`)
    .join('');
  const selfClosing = tag.endsWith('/>');
  tag = selfClosing ? tag.slice(0, -2) + extra + '>' : tag.slice(0, -1) + extra + '>';
  const body = selfClosing ? '' : text.slice(tagEnd, text.lastIndexOf('</'));
  const close = selfClosing
    ? `</${/^<([^\s/>]+)/.exec(tag)?.[1] ?? 'Benchmark'}>`
    : text.slice(text.lastIndexOf('</'));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${tag}${body}${testResultXml(ev, o, true)}${close}\n`;
}

const stripDecl = (s: string): string => s.replace(/^\uFEFF?\s*<\?xml[^?]*\?>\s*/, '');

/** An ARF 1.1 asset-report-collection (what `oscap xccdf eval --results-arf` writes). */
export function arfDocument(src: ScapSource, ev: XccdfEvaluation, o: ResultsOptions): string {
  const runs = ev.ovalRuns;
  const reportId = new Map(runs.map((r, i) => [r.key, `oval${String(i)}`]));
  const oo: ResultsOptions = {
    ...o,
    hrefFor: (key, href) => (key !== null && reportId.has(key) ? `#${reportId.get(key)!}` : href),
  };
  const t = o.target;
  const conns =
    t.ips.length + t.macs.length > 0
      ? '        <ai:connections>\n' +
        t.ips
          .map(
            (a) =>
              `          <ai:connection>\n            <ai:ip-address>\n              <ai:${a.includes(':') ? 'ip-v6' : 'ip-v4'}>${x(a.includes(':') ? expandIpv6(a) : a)}</ai:${a.includes(':') ? 'ip-v6' : 'ip-v4'}>\n            </ai:ip-address>\n          </ai:connection>\n`,
          )
          .join('') +
        t.macs
          .map(
            (m) =>
              `          <ai:connection>\n            <ai:mac-address>${x(m)}</ai:mac-address>\n          </ai:connection>\n`,
          )
          .join('') +
        '        </ai:connections>\n'
      : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<arf:asset-report-collection xmlns:arf="${NS.arf}" xmlns:core="${NS.core}" xmlns:ai="${NS.ai}">\n` +
    `  <core:relationships xmlns:arfvocab="http://scap.nist.gov/specifications/arf/vocabulary/relationships/1.0#">\n` +
    `    <core:relationship type="arfvocab:createdFor" subject="xccdf1">\n      <core:ref>collection1</core:ref>\n    </core:relationship>\n` +
    `    <core:relationship type="arfvocab:isAbout" subject="xccdf1">\n      <core:ref>asset0</core:ref>\n    </core:relationship>\n` +
    `  </core:relationships>\n` +
    `  <arf:report-requests>\n    <arf:report-request id="collection1">\n      <arf:content>\n` +
    stripDecl(src.text) +
    `\n      </arf:content>\n    </arf:report-request>\n  </arf:report-requests>\n` +
    `  <arf:assets>\n    <arf:asset id="asset0">\n      <ai:computing-device>\n` +
    conns +
    (t.fqdn ? `        <ai:fqdn>${x(t.fqdn)}</ai:fqdn>\n` : '') +
    `        <ai:hostname>${x(t.hostname)}</ai:hostname>\n` +
    `      </ai:computing-device>\n    </arf:asset>\n  </arf:assets>\n` +
    `  <arf:reports>\n    <arf:report id="xccdf1">\n      <arf:content>\n` +
    testResultXml(ev, oo, true, '        ') +
    `      </arf:content>\n    </arf:report>\n` +
    runs
      .map(
        (r) =>
          `    <arf:report id="${reportId.get(r.key)!}">\n      <arf:content>\n` +
          stripDecl(r.evaluator.resultsXml({ directives: 'full' })) +
          `\n      </arf:content>\n    </arf:report>\n`,
      )
      .join('') +
    `  </arf:reports>\n</arf:asset-report-collection>\n`
  );
}
