/**
 * A small namespace-aware XML tree for SCAP content (XCCDF, OVAL, CPE, datastreams, ARF), parsed with
 * saxes. Hostile XML is refused before any tree exists: a document type declaration (so no DTD, no
 * external entity, no entity-expansion bomb), and any entity other than the five predefined ones. Errors
 * carry file:line:column. Nothing here reads files or the network: the caller passes the text.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { BulwarkError } from '../core/errors.js';

export interface XmlElement {
  /** Namespace URI ('' when none). */
  ns: string;
  /** Local name, without prefix. */
  name: string;
  /** Attributes by local name (namespaced attributes other than xml:/xmlns: keep `prefix:local`). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element (not its children). */
  text: string;
  /** 1-based line and column of the start tag, for error messages. */
  line: number;
  column: number;
  /** Namespace prefixes in scope at this element (prefix → URI), for QName-valued attributes. */
  nsScope: Record<string, string>;
  parent: XmlElement | null;
  /** Offsets (UTF-16 code units) of the element's first and one-past-last character in the parsed text. */
  start?: number;
  end?: number;
}

export const NS = {
  xccdf12: 'http://checklists.nist.gov/xccdf/1.2',
  xccdf11: 'http://checklists.nist.gov/xccdf/1.1',
  ds: 'http://scap.nist.gov/schema/scap/source/1.2',
  oval: 'http://oval.mitre.org/XMLSchema/oval-common-5',
  ovalDef: 'http://oval.mitre.org/XMLSchema/oval-definitions-5',
  ovalRes: 'http://oval.mitre.org/XMLSchema/oval-results-5',
  ovalSc: 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5',
  cpeDict: 'http://cpe.mitre.org/dictionary/2.0',
  cpeLang: 'http://cpe.mitre.org/language/2.0',
  xlink: 'http://www.w3.org/1999/xlink',
  arf: 'http://scap.nist.gov/schema/asset-reporting-format/1.1',
  core: 'http://scap.nist.gov/schema/reporting-core/1.1',
  ai: 'http://scap.nist.gov/schema/asset-identification/1.1',
  catalog: 'urn:oasis:names:tc:entity:xmlns:xml:catalog',
} as const;

export interface ParseXmlOptions {
  /** Shown in error messages. */
  fileName?: string;
}

/**
 * Parses `text` into an element tree. Throws BW_CONTENT_INVALID with file:line:column on malformed XML,
 * a DOCTYPE, or an undeclared entity.
 */
export function parseXml(text: string, opts: ParseXmlOptions = {}): XmlElement {
  const file = opts.fileName ?? '<xml>';
  const parser = new SaxesParser({ xmlns: true, position: true, fileName: file });
  let root: XmlElement | null = null;
  const stack: XmlElement[] = [];
  const textParts: string[][] = [];
  const fail = (what: string, hint: string): never => {
    throw new BulwarkError(
      'BW_CONTENT_INVALID',
      `${file}:${String(parser.line)}:${String(parser.column)}: ${what}`,
      hint,
    );
  };
  parser.on('doctype', () =>
    fail(
      'has a document type declaration (<!DOCTYPE …>), which is refused: no DTD or entity is ever processed',
      'SCAP content never needs a DTD; remove the DOCTYPE or obtain the content from its publisher again.',
    ),
  );
  parser.on('error', (e) =>
    fail(
      `is not well-formed XML: ${e.message.replace(/^.*?:\d+:\d+: /, '')}`,
      'Check that the file is complete.',
    ),
  );
  parser.on('opentag', (tag: SaxesTagNS) => {
    const parent = stack[stack.length - 1] ?? null;
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs[a.prefix && a.prefix !== 'xml' ? `${a.prefix}:${a.local}` : a.local] = a.value;
    }
    const scope =
      tag.ns && Object.keys(tag.ns).length > 0
        ? { ...(parent?.nsScope ?? {}), ...tag.ns }
        : (parent?.nsScope ?? {});
    const el: XmlElement = {
      ns: tag.uri,
      name: tag.local,
      attrs,
      children: [],
      text: '',
      line: parser.line,
      column: parser.column,
      nsScope: scope,
      parent,
      // A '<' cannot occur inside a start tag, so the last one before the parser's position opens it.
      start: text.lastIndexOf('<', parser.position - 1),
    };
    if (parent) parent.children.push(el);
    else if (root) fail('has more than one root element', 'Check that the file is complete.');
    else root = el;
    stack.push(el);
    textParts.push([]);
  });
  const onText = (t: string): void => {
    const parts = textParts[textParts.length - 1];
    if (parts) parts.push(t);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const el = stack.pop();
    if (el) el.end = parser.position;
    const parts = textParts.pop();
    if (el && parts && parts.length > 0) el.text = parts.length === 1 ? (parts[0] ?? '') : parts.join('');
  });
  // saxes itself resolves only the five predefined entities and character references; any other
  // entity is a well-formedness error (reported through 'error' above), never an expansion.
  parser.write(text).close();
  if (!root) return fail('has no root element', 'Check that the file is complete.');
  return root;
}

/** Child elements, optionally filtered by local name (and namespace). */
export function kids(el: XmlElement, name?: string, ns?: string): XmlElement[] {
  if (name === undefined) return el.children;
  return el.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** The first child element with this local name (and namespace), or undefined. */
export function kid(el: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** Every descendant (depth-first, document order) with this local name (and namespace). */
export function descendants(el: XmlElement, name: string, ns?: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (c.name === name && (ns === undefined || c.ns === ns)) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

/** All text inside the element, its descendants' included, in document order. */
export function textContent(el: XmlElement): string {
  if (el.children.length === 0) return el.text;
  // Mixed content order is not kept in the tree; for SCAP's rare mixed content (XHTML descriptions)
  // own text followed by children's text is good enough.
  return el.text + el.children.map(textContent).join('');
}

/** Resolves a QName-valued attribute (e.g. xsi:type="ind:textfilecontent54_object") to {ns, local}. */
export function resolveQName(el: XmlElement, qname: string): { ns: string; local: string } {
  const i = qname.indexOf(':');
  const prefix = i < 0 ? '' : qname.slice(0, i);
  const local = i < 0 ? qname : qname.slice(i + 1);
  return { ns: el.nsScope[prefix] ?? '', local };
}

/** `file:line:column` of an element, for messages. */
export function where(file: string, el: XmlElement): string {
  return `${file}:${String(el.line)}:${String(el.column)}`;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Escapes text or attribute values for XML output. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c] ?? c);
}
