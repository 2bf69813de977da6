/**
 * The oval_results 5.11 document of an evaluation: generator, directives, a copy of the definitions,
 * and one <system> with definition and test results and the system characteristics (collected objects
 * and items). Shaped like OpenSCAP's output so that `oscap oval validate --results` and ARF consumers
 * accept it.
 */
import { escapeXml as escapeAll, type XmlElement } from '../xml.js';

const SPECIAL = /[&<>"']/;
/** escapeXml with a fast path for the common text that needs none. */
function escapeXml(s: string): string {
  return SPECIAL.test(s) ? escapeAll(s) : s;
}
import type { ItemEntity } from './types.js';
import type { OvalDocument } from './document.js';
import type {
  Collected,
  CriteriaOutcome,
  DefinitionState,
  StoredItem,
  SystemInfo,
  TestOutcome,
  VarResult,
} from './evaluator.js';

export interface ResultsData {
  doc: OvalDocument;
  definitions: Map<string, DefinitionState>;
  tests: Map<string, TestOutcome>;
  objects: Map<string, Collected>;
  items: StoredItem[];
  variables: Map<string, Promise<VarResult>>;
  systemInfo: SystemInfo | undefined;
}

const RES = 'http://oval.mitre.org/XMLSchema/oval-results-5';
const COMMON = 'http://oval.mitre.org/XMLSchema/oval-common-5';
const SC = 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const SC_PREFIX: Record<string, string> = { independent: 'ind-sys', unix: 'unix-sys', linux: 'lin-sys' };

function timestamp(): string {
  const d = new Date();
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${String(d.getFullYear())}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const attr = (name: string, v: string | undefined): string =>
  v === undefined ? '' : ` ${name}="${escapeXml(v)}"`;

const prefixCache = new WeakMap<Record<string, string>, Map<string, string | undefined>>();
function prefixOf(scope: Record<string, string>, ns: string): string | undefined {
  if (ns === '') return '';
  let m = prefixCache.get(scope);
  if (!m) {
    m = new Map();
    prefixCache.set(scope, m);
  }
  if (m.has(ns)) return m.get(ns);
  let p: string | undefined;
  if (scope[''] === ns) p = '';
  else
    for (const [k, v] of Object.entries(scope))
      if (v === ns) {
        p = k;
        break;
      }
  m.set(ns, p);
  return p;
}

/** Serializes a parsed element tree back to XML, declaring the namespaces it uses. */
export function serializeElement(
  el: XmlElement,
  out: string[],
  parentScope: Record<string, string> | null,
  indent: string,
): void {
  const pfx = prefixOf(el.nsScope, el.ns);
  let decl = '';
  if (parentScope === null || parentScope !== el.nsScope) {
    for (const [k, v] of Object.entries(el.nsScope)) {
      if (parentScope?.[k] === v) continue;
      decl += k === '' ? ` xmlns="${escapeXml(v)}"` : ` xmlns:${k}="${escapeXml(v)}"`;
    }
  }
  if (pfx === undefined && el.ns !== '') decl += ` xmlns="${escapeXml(el.ns)}"`;
  const qname = pfx ? `${pfx}:${el.name}` : el.name;
  let attrs = '';
  for (const [k, v] of Object.entries(el.attrs)) attrs += ` ${k}="${escapeXml(v)}"`;
  const text = el.text.trim() === '' && el.children.length > 0 ? '' : el.text;
  if (el.children.length === 0 && text === '') {
    out.push(`${indent}<${qname}${decl}${attrs}/>`);
    return;
  }
  if (el.children.length === 0) {
    out.push(`${indent}<${qname}${decl}${attrs}>${escapeXml(text)}</${qname}>`);
    return;
  }
  out.push(`${indent}<${qname}${decl}${attrs}>${escapeXml(text)}`);
  for (const c of el.children) serializeElement(c, out, el.nsScope, indent + '  ');
  out.push(`${indent}</${qname}>`);
}

function criteriaXml(c: CriteriaOutcome, out: string[], indent: string): void {
  const n = c.node;
  const neg = n.negate ? ' negate="true"' : '';
  const ac =
    n.applicabilityCheck === undefined ? '' : ` applicability_check="${String(n.applicabilityCheck)}"`;
  if (c.kind === 'criterion') {
    out.push(
      `${indent}<criterion${ac} test_ref="${escapeXml(c.node.testRef)}" version="${escapeXml(c.version)}"${neg} result="${c.result}"/>`,
    );
    return;
  }
  if (c.kind === 'extend') {
    out.push(
      `${indent}<extend_definition${ac} definition_ref="${escapeXml(c.node.definitionRef)}" version="${escapeXml(c.version)}"${neg} result="${c.result}"/>`,
    );
    return;
  }
  out.push(`${indent}<criteria${ac} operator="${c.node.operator}"${neg} result="${c.result}">`);
  for (const k of c.children) criteriaXml(k, out, indent + '  ');
  out.push(`${indent}</criteria>`);
}

function entityXml(prefix: string, name: string, e: ItemEntity, indent: string): string {
  const dt = e.datatype === 'string' ? '' : ` datatype="${e.datatype}"`;
  const st = e.status && e.status !== 'exists' ? ` status="${e.status}"` : '';
  if (e.datatype === 'record') {
    let out = `${indent}<${prefix}:${name}${dt}${st}>\n`;
    for (const f of e.fields ?? []) {
      const fdt = f.datatype === 'string' ? '' : ` datatype="${f.datatype}"`;
      const fst = f.status && f.status !== 'exists' ? ` status="${f.status}"` : '';
      out += `${indent}  <field name="${escapeXml(f.name ?? '')}"${fdt}${fst}>${escapeXml(f.value)}</field>\n`;
    }
    return `${out}${indent}</${prefix}:${name}>\n`;
  }
  return `${indent}<${prefix}:${name}${dt}${st}>${escapeXml(e.value)}</${prefix}:${name}>\n`;
}

/** The definitions copy of a document, serialized once. */
const definitionsCopy = new WeakMap<OvalDocument, string>();

export function writeResults(data: ResultsData, directives: 'full' | 'thin'): string {
  const { doc } = data;
  const o: string[] = [];
  const ts = timestamp();
  o.push('<?xml version="1.0" encoding="UTF-8"?>');
  o.push(
    `<oval_results xmlns="${RES}" xmlns:oval="${COMMON}" xmlns:xsi="${XSI}" xsi:schemaLocation="${RES} oval-results-schema.xsd ${COMMON} oval-common-schema.xsd">`,
  );
  o.push('  <generator>');
  o.push('    <oval:product_name>Bulwark</oval:product_name>');
  o.push('    <oval:schema_version>5.11.1</oval:schema_version>');
  o.push(`    <oval:timestamp>${ts}</oval:timestamp>`);
  o.push('  </generator>');
  o.push('  <directives>');
  for (const k of ['true', 'false', 'unknown', 'error', 'not_evaluated', 'not_applicable'])
    o.push(`    <definition_${k} reported="true" content="${directives}"/>`);
  o.push('  </directives>');
  let copy = definitionsCopy.get(doc);
  if (copy === undefined) {
    const parts: string[] = [];
    serializeElement(doc.root, parts, null, '  ');
    copy = parts.join('\n');
    definitionsCopy.set(doc, copy);
  }
  o.push(copy);
  o.push('  <results>');
  o.push('    <system>');
  if (data.definitions.size > 0) {
    o.push('      <definitions>');
    for (const [id, d] of data.definitions) {
      const def = doc.definitions.get(id);
      const head = `        <definition definition_id="${escapeXml(id)}" result="${d.outcome.result}" version="${escapeXml(def?.version ?? '0')}"`;
      const msgs = d.outcome.result === 'error' ? d.outcome.messages : [];
      if (msgs.length === 0 && (directives === 'thin' || !d.criteria)) {
        o.push(head + '/>');
        continue;
      }
      o.push(head + '>');
      for (const m of msgs) o.push(`          <message level="error">${escapeXml(m)}</message>`);
      if (directives === 'full' && d.criteria) criteriaXml(d.criteria, o, '          ');
      o.push('        </definition>');
    }
    o.push('      </definitions>');
  }
  // Thin results carry no tests (the results schematron forbids them without full definition content).
  if (data.tests.size > 0 && directives === 'full') {
    o.push('      <tests>');
    for (const [id, t] of data.tests) {
      const def = doc.tests.get(id);
      let a = `test_id="${escapeXml(id)}" version="${escapeXml(def?.version ?? '0')}"`;
      if (def && def.checkExistence !== 'at_least_one_exists')
        a += ` check_existence="${def.checkExistence}"`;
      a += ` check="${def?.check ?? 'all'}"`;
      if (def && def.stateOperator !== 'AND') a += ` state_operator="${def.stateOperator}"`;
      a += ` result="${t.result}"`;
      const bindings = [...t.bindings].flatMap(([vid, vals]) => vals.map((v) => [vid, v] as const));
      const msgs = t.result === 'error' || t.result === 'unknown' ? t.messages : [];
      if (t.items.length === 0 && bindings.length === 0 && msgs.length === 0) {
        o.push(`        <test ${a}/>`);
        continue;
      }
      o.push(`        <test ${a}>`);
      for (const m of msgs)
        o.push(
          `          <message level="${t.result === 'error' ? 'error' : 'info'}">${escapeXml(m)}</message>`,
        );
      for (const it of t.items)
        o.push(`          <tested_item item_id="${String(it.id)}" result="${it.result}"/>`);
      for (const [vid, v] of bindings)
        o.push(
          `          <tested_variable variable_id="${escapeXml(vid)}">${escapeXml(v)}</tested_variable>`,
        );
      o.push('        </test>');
    }
    o.push('      </tests>');
  }
  const ns = Object.entries(SC_PREFIX)
    .map(([fam, p]) => ` xmlns:${p}="${SC}#${fam}"`)
    .join('');
  o.push(`      <oval_system_characteristics xmlns="${SC}" xmlns:oval="${COMMON}"${ns}>`);
  o.push('        <generator>');
  o.push('          <oval:product_name>Bulwark</oval:product_name>');
  o.push('          <oval:schema_version>5.11.1</oval:schema_version>');
  o.push(`          <oval:timestamp>${ts}</oval:timestamp>`);
  o.push('        </generator>');
  const si = data.systemInfo;
  o.push('        <system_info>');
  o.push(`          <os_name>${escapeXml(si?.osName ?? 'Unknown')}</os_name>`);
  o.push(`          <os_version>${escapeXml(si?.osVersion ?? 'Unknown')}</os_version>`);
  o.push(`          <architecture>${escapeXml(si?.architecture ?? 'Unknown')}</architecture>`);
  o.push(`          <primary_host_name>${escapeXml(si?.hostName ?? 'Unknown')}</primary_host_name>`);
  o.push('          <interfaces/>');
  o.push('        </system_info>');
  const usedItems = new Set<number>();
  if (data.objects.size > 0) {
    o.push('        <collected_objects>');
    for (const [id, c] of data.objects) {
      const def = doc.objects.get(id);
      const head = `          <object id="${escapeXml(id)}" version="${escapeXml(def?.version ?? '0')}"${attr('comment', def?.comment)} flag="${c.flag}"`;
      const bindings = [...c.bindings].flatMap(([vid, vals]) => vals.map((v) => [vid, v] as const));
      if (c.messages.length === 0 && bindings.length === 0 && c.items.length === 0) {
        o.push(head + '/>');
        continue;
      }
      o.push(head + '>');
      for (const m of c.messages) o.push(`            <message level="info">${escapeXml(m)}</message>`);
      for (const [vid, v] of bindings)
        o.push(
          `            <variable_value variable_id="${escapeXml(vid)}">${escapeXml(v)}</variable_value>`,
        );
      const refs = new Set<number>();
      for (const it of c.items) {
        if (refs.has(it.id)) continue;
        refs.add(it.id);
        usedItems.add(it.id);
        o.push(`            <reference item_ref="${String(it.id)}"/>`);
      }
      o.push('          </object>');
    }
    o.push('        </collected_objects>');
  }
  const items = data.items.filter((x) => usedItems.has(x.id));
  if (items.length > 0) {
    o.push('        <system_data>');
    for (const { id, item } of items) {
      const p = SC_PREFIX[item.family] ?? 'ind-sys';
      let x = `          <${p}:${item.type} id="${String(id)}" status="${item.status}">\n`;
      for (const m of item.messages ?? [])
        x += `            <message level="info">${escapeXml(m)}</message>\n`;
      for (const name in item.entities)
        for (const e of item.entities[name]!) x += entityXml(p, name, e, '            ');
      o.push(`${x}          </${p}:${item.type}>`);
    }
    o.push('        </system_data>');
  }
  o.push('      </oval_system_characteristics>');
  o.push('    </system>');
  o.push('  </results>');
  o.push('</oval_results>');
  return o.join('\n') + '\n';
}
