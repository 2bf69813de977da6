/**
 * SCAP source content: a source datastream (SCAP 1.2/1.3 data-stream-collection) or a plain XCCDF 1.2 (or
 * 1.1) Benchmark with its OVAL and CPE files beside it. Pure: the caller hands over the text of the main
 * file and a `readSibling` function for plain XCCDF (the CLI confines it to the XCCDF file's directory).
 *
 * A datastream names its checklists (XCCDF), checks (OVAL, OCIL) and dictionaries (CPE) through
 * component-refs whose xlink:href is `#<component id>`; a checklist's catalog maps the file names its
 * check-content-refs use (`ssg-debian11-oval.xml`) to `#<component-ref id>`.
 */
import { BulwarkError } from '../core/errors.js';
import { NS, kid, kids, parseXml, where, type XmlElement } from './xml.js';

/** A document a check-content-ref or CPE check points at. */
export interface ResolvedDoc {
  /** Stable key for the document (component id or file name), to share one evaluator per document. */
  key: string;
  /** The name used in results (the href as written). */
  href: string;
  root: XmlElement;
}

export interface ScapSource {
  file: string;
  kind: 'datastream' | 'xccdf';
  text: string;
  /** Datastream id and checklist component-ref id, for a datastream. */
  datastreamId: string | null;
  checklistRefId: string | null;
  benchmark: XmlElement;
  /** Resolves a check-content-ref href of the benchmark (undefined when absent). */
  resolveCheck(href: string): ResolvedDoc | undefined;
  /** CPE dictionaries (cpe-list roots), each with its resolver for its checks' hrefs. */
  dictionaries: { list: XmlElement; resolve(href: string): ResolvedDoc | undefined }[];
  /** Check documents the datastream lists (for `scap info`). */
  checkComponents: { refId: string; root: XmlElement }[];
  warnings: string[];
}

export interface LoadSourceOptions {
  /** Pick this data-stream (by id) when the collection has several. */
  datastreamId?: string;
  /** Pick the checklist whose Benchmark (or component-ref) has this id. */
  benchmarkId?: string;
  /** Reads a file beside a plain XCCDF file (already confined by the caller); undefined when absent. */
  readSibling?: (name: string) => string | undefined;
  /** A CPE dictionary given apart (`--cpe`, as oscap's), for plain XCCDF. */
  cpeDictionary?: ScapSource['dictionaries'][number];
}

/** A CPE dictionary file whose checks' hrefs are files beside it (read through `readSibling`). */
export function loadCpeDictionary(
  text: string,
  file: string,
  readSibling: (name: string) => string | undefined,
): ScapSource['dictionaries'][number] {
  const list = parseXml(text, { fileName: file });
  if (list.name !== 'cpe-list' || list.ns !== NS.cpeDict)
    throw new BulwarkError(
      'BW_CONTENT_INVALID',
      `${where(file, list)}: <${list.name}> is not a CPE 2.x dictionary (cpe-list)`,
      'give the …-cpe-dictionary.xml file',
    );
  const docs = new Map<string, ResolvedDoc | undefined>();
  return {
    list,
    resolve: (h) => {
      if (!docs.has(h)) {
        const t = isSiblingName(h) ? readSibling(h) : undefined;
        docs.set(
          h,
          t === undefined ? undefined : { key: `cpe:${h}`, href: h, root: parseXml(t, { fileName: h }) },
        );
      }
      return docs.get(h);
    },
  };
}

function missing(file: string, what: string): BulwarkError {
  return new BulwarkError(
    'BW_SCAP_COMPONENT_MISSING',
    `${file}: ${what}`,
    'the datastream is incomplete or was edited by hand: obtain it again from its publisher (or rebuild it with `oscap ds sds-compose`)',
  );
}

const href = (el: XmlElement): string => el.attrs['xlink:href'] ?? el.attrs['href'] ?? '';

/** Loads a source datastream or a plain XCCDF file from its text. */
export function loadSource(text: string, file: string, opts: LoadSourceOptions = {}): ScapSource {
  const root = parseXml(text, { fileName: file });
  if (root.name === 'data-stream-collection' && root.ns === NS.ds)
    return loadDatastream(root, text, file, opts);
  if (root.name === 'Benchmark' && (root.ns === NS.xccdf12 || root.ns === NS.xccdf11))
    return loadPlainXccdf(root, text, file, opts);
  throw new BulwarkError(
    'BW_CONTENT_INVALID',
    `${where(file, root)}: <${root.name}> (${root.ns || 'no namespace'}) is neither a SCAP source datastream nor an XCCDF Benchmark`,
    'give a source datastream (…-ds.xml) or an XCCDF 1.2 file (…-xccdf.xml)',
  );
}

function loadDatastream(root: XmlElement, text: string, file: string, opts: LoadSourceOptions): ScapSource {
  const warnings: string[] = [];
  const components = new Map<string, XmlElement>();
  for (const c of root.children)
    if ((c.name === 'component' || c.name === 'extended-component') && c.ns === NS.ds && c.attrs.id)
      components.set(c.attrs.id, c);
  const streams = kids(root, 'data-stream', NS.ds);
  const stream = opts.datastreamId ? streams.find((s) => s.attrs.id === opts.datastreamId) : streams[0];
  if (!stream)
    throw opts.datastreamId
      ? new BulwarkError(
          'BW_CONTENT_INVALID',
          `${file}: no data-stream "${opts.datastreamId}" (present: ${streams.map((s) => s.attrs.id ?? '?').join(', ') || 'none'})`,
          'see `bulwark scap info`',
        )
      : missing(file, 'holds no <ds:data-stream>');
  const refsIn = (section: string): XmlElement[] => {
    const sec = kid(stream, section, NS.ds);
    return sec ? kids(sec, 'component-ref', NS.ds) : [];
  };
  const crefs = new Map<string, XmlElement>();
  for (const section of ['checklists', 'checks', 'dictionaries', 'extended-components'])
    for (const r of refsIn(section)) if (r.attrs.id) crefs.set(r.attrs.id, r);

  /** The content element of the component a component-ref points at. */
  const componentOf = (ref: XmlElement): XmlElement => {
    const h = href(ref);
    if (!h.startsWith('#'))
      throw missing(
        file,
        `${where(file, ref)}: component-ref ${ref.attrs.id ?? '?'} points outside the datastream (${h}); Bulwark never fetches remote or external content`,
      );
    const comp = components.get(h.slice(1));
    if (!comp)
      throw missing(
        file,
        `${where(file, ref)}: component ${h} referenced by ${ref.attrs.id ?? '?'} is missing`,
      );
    const content = comp.children[0];
    if (!content) throw missing(file, `${where(file, comp)}: component ${h} is empty`);
    return content;
  };
  /** A resolver for the hrefs used inside a component, through its component-ref's catalog. */
  const resolverFor = (ref: XmlElement) => {
    const catalog = kid(ref, 'catalog', NS.catalog);
    const uris = new Map<string, string>();
    if (catalog)
      for (const u of kids(catalog, 'uri', NS.catalog))
        if (u.attrs.name) uris.set(u.attrs.name, u.attrs.uri ?? '');
    const cache = new Map<string, ResolvedDoc | undefined>();
    return (h: string): ResolvedDoc | undefined => {
      if (cache.has(h)) return cache.get(h);
      let out: ResolvedDoc | undefined;
      const target = uris.get(h) ?? (h.startsWith('#') ? h : undefined);
      if (target?.startsWith('#')) {
        const cref = crefs.get(target.slice(1));
        if (cref) out = { key: cref.attrs.id ?? target, href: h, root: componentOf(cref) };
        else {
          // A catalog may also point straight at a component.
          const comp = components.get(target.slice(1));
          const content = comp?.children[0];
          if (content) out = { key: target.slice(1), href: h, root: content };
          else throw missing(file, `the catalog maps ${h} to ${target}, which is not in the datastream`);
        }
      }
      cache.set(h, out);
      return out;
    };
  };

  const checklists = refsIn('checklists');
  let checklist: { ref: XmlElement; benchmark: XmlElement } | undefined;
  for (const ref of checklists) {
    const content = componentOf(ref);
    if (content.name !== 'Benchmark') {
      if (content.name !== 'Tailoring')
        warnings.push(`${where(file, content)}: checklist <${content.name}> ignored`);
      continue;
    }
    if (!opts.benchmarkId || content.attrs.id === opts.benchmarkId || ref.attrs.id === opts.benchmarkId) {
      checklist = { ref, benchmark: content };
      break;
    }
  }
  if (!checklist)
    throw opts.benchmarkId
      ? new BulwarkError(
          'BW_CONTENT_INVALID',
          `${file}: no Benchmark "${opts.benchmarkId}" in data-stream ${stream.attrs.id ?? ''}`,
          'see `bulwark scap info`',
        )
      : missing(file, `data-stream ${stream.attrs.id ?? ''} has no XCCDF Benchmark checklist`);

  const dictionaries = refsIn('dictionaries').flatMap((ref) => {
    const list = componentOf(ref);
    if (list.name !== 'cpe-list') {
      warnings.push(
        `${where(file, list)}: dictionary <${list.name}> ignored (only CPE 2.x dictionaries are read)`,
      );
      return [];
    }
    return [{ list, resolve: resolverFor(ref) }];
  });
  // Every component the data-stream lists must be there: a missing one is a broken datastream.
  const checkComponents = refsIn('checks').map((ref) => ({
    refId: ref.attrs.id ?? '',
    root: componentOf(ref),
  }));
  return {
    file,
    kind: 'datastream',
    text,
    datastreamId: stream.attrs.id ?? null,
    checklistRefId: checklist.ref.attrs.id ?? null,
    benchmark: checklist.benchmark,
    resolveCheck: resolverFor(checklist.ref),
    dictionaries,
    checkComponents,
    warnings,
  };
}

/** A file name safe to look up beside the XCCDF file: no directories, no parent references. */
export function isSiblingName(name: string): boolean {
  return /^[A-Za-z0-9._+-]+$/.test(name) && name !== '.' && name !== '..';
}

function loadPlainXccdf(root: XmlElement, text: string, file: string, opts: LoadSourceOptions): ScapSource {
  const warnings: string[] = [];
  const docs = new Map<string, ResolvedDoc | undefined>();
  const read = (h: string): ResolvedDoc | undefined => {
    if (docs.has(h)) return docs.get(h);
    let out: ResolvedDoc | undefined;
    if (!isSiblingName(h))
      warnings.push(`check href "${h}" is not a plain file name beside ${file}: not read`);
    else {
      const t = opts.readSibling?.(h);
      if (t !== undefined) out = { key: h, href: h, root: parseXml(t, { fileName: h }) };
    }
    docs.set(h, out);
    return out;
  };
  // As oscap: no CPE dictionary unless one is given (--cpe); SSG's …-cpe-dictionary.xml is not picked up
  // by itself, so without it the benchmark's platform does not apply and every rule is notapplicable.
  const dictionaries: ScapSource['dictionaries'] = opts.cpeDictionary ? [opts.cpeDictionary] : [];
  return {
    file,
    kind: 'xccdf',
    text,
    datastreamId: null,
    checklistRefId: null,
    benchmark: root,
    resolveCheck: read,
    dictionaries,
    checkComponents: [],
    warnings,
  };
}
