/**
 * Test and benchmark support for the OVAL probes: ProbeRequests built straight from the objects
 * of a small OVAL definitions file (literal values only, no variables), with a plain comparison
 * standing in for the evaluator's, and the system-characteristics items of an oscap results file,
 * normalised so both sides compare as strings.
 */
import type {
  ObjectEntity,
  OvalDatatype,
  OvalItem,
  OvalOperation,
  ProbeRequest,
} from '../../scap/oval/types.js';
import { kids, parseXml, type XmlElement } from '../../scap/xml.js';

const FAMILY: Record<string, ProbeRequest['family']> = {
  'http://oval.mitre.org/XMLSchema/oval-definitions-5#independent': 'independent',
  'http://oval.mitre.org/XMLSchema/oval-definitions-5#unix': 'unix',
  'http://oval.mitre.org/XMLSchema/oval-definitions-5#linux': 'linux',
};

const regexCache = new Map<string, RegExp>();
function cachedRegex(p: string): RegExp {
  let re = regexCache.get(p);
  if (!re) {
    re = new RegExp(p);
    regexCache.set(p, re);
  }
  return re;
}

function compare(e: ObjectEntity, v: string): boolean {
  const one = (x: string): boolean => {
    const num = e.datatype === 'int';
    const a = num ? Number(v) : v;
    const b = num ? Number(x) : x;
    switch (e.operation) {
      case 'equals':
        return a === b;
      case 'not equal':
        return a !== b;
      case 'case insensitive equals':
        return v.toLowerCase() === x.toLowerCase();
      case 'case insensitive not equal':
        return v.toLowerCase() !== x.toLowerCase();
      case 'pattern match':
        return cachedRegex(x).test(v);
      case 'greater than':
        return a > b;
      case 'less than':
        return a < b;
      case 'greater than or equal':
        return a >= b;
      case 'less than or equal':
        return a <= b;
      default:
        throw new Error(`operation ${e.operation} is not supported by the test matcher`);
    }
  };
  return e.values.some(one);
}

/** A state (literal values, equals / not equal / pattern match) against an item: the stand-in evaluator of filters. */
function stateMatches(state: XmlElement, it: OvalItem): boolean {
  const results = kids(state).map((c) => {
    const vals = it.entities[c.name];
    if (!vals || vals.length === 0) return false;
    const ent: ObjectEntity = {
      name: c.name,
      values: [c.text],
      datatype: (c.attrs.datatype ?? 'string') as OvalDatatype,
      operation: (c.attrs.operation ?? 'equals') as OvalOperation,
      varCheck: 'all',
      nil: false,
    };
    return vals.every((v) => compare(ent, v.value));
  });
  return (state.attrs.operator ?? 'AND') === 'OR' ? results.some(Boolean) : results.every(Boolean);
}

/** Requests for every object of a definitions file (filters included, as `keep`): id → request. */
export function requestsFromDefinitions(text: string): Map<string, ProbeRequest> {
  const root = parseXml(text, { fileName: 'defs.xml' });
  const objects = kids(root, 'objects')[0];
  const states = new Map<string, XmlElement>();
  for (const st of kids(kids(root, 'states')[0] ?? root)) if (st.attrs.id) states.set(st.attrs.id, st);
  const out = new Map<string, ProbeRequest>();
  for (const o of objects ? kids(objects) : []) {
    const family = FAMILY[o.ns];
    if (!family) continue;
    const entities: Record<string, ObjectEntity> = {};
    let behaviors: Record<string, string> = {};
    for (const c of kids(o)) {
      if (c.name === 'behaviors') {
        behaviors = { ...c.attrs };
        continue;
      }
      if (c.name === 'filter' || c.name === 'set') continue;
      const nil = c.attrs['xsi:nil'] === 'true';
      entities[c.name] = {
        name: c.name,
        values: nil ? [] : [c.text],
        datatype: (c.attrs.datatype ?? 'string') as OvalDatatype,
        operation: (c.attrs.operation ?? 'equals') as OvalOperation,
        varCheck: 'all',
        nil,
      };
    }
    const id = o.attrs.id ?? '';
    const filters = kids(o)
      .filter((c) => c.name === 'filter')
      .map((c) => ({ action: c.attrs.action ?? 'exclude', state: states.get(c.text.trim()) }));
    const keep =
      filters.length === 0
        ? undefined
        : (it: OvalItem): boolean =>
            filters.every((f) => {
              if (!f.state) throw new Error(`${id}: filter state not found`);
              const hit = stateMatches(f.state, it);
              return f.action === 'include' ? hit : !hit;
            });
    out.set(id, {
      ...(keep ? { keep } : {}),
      type: o.name,
      family,
      id,
      entities,
      behaviors,
      matches(entityName: string, candidate: string): boolean {
        const e = entities[entityName];
        return e === undefined || e.nil || compare(e, candidate);
      },
      regex(pattern: string, flags?: string): RegExp {
        // Stand-in for the evaluator's PCRE translation: inline (?i)…(?-i) widened to the whole pattern.
        if (/\(\?-?i\)/.test(pattern))
          return new RegExp(pattern.replace(/\(\?-?i\)/g, ''), (flags ?? '') + 'i');
        return new RegExp(pattern, flags);
      },
    });
  }
  return out;
}

/** One item as a comparable string: entity name, values in order, datatype when not string, status when not exists. */
export function itemKey(type: string, entities: [string, string, string, string][]): string {
  const parts = entities.map(
    ([n, v, dt, st]) =>
      `${n}=${JSON.stringify(v)}${dt && dt !== 'string' ? `[${dt}]` : ''}${st && st !== 'exists' ? `<${st}>` : ''}`,
  );
  return `${type} ${parts.join(' ')}`;
}

export function bulwarkItemKey(it: OvalItem): string {
  const rows: [string, string, string, string][] = [];
  for (const [name, vals] of Object.entries(it.entities))
    for (const v of vals) rows.push([name, v.value, v.datatype, v.status ?? 'exists']);
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return itemKey(it.type, rows);
}

export interface OscapObject {
  flag: string;
  messages: string[];
  items: string[];
}

/** Collected objects of an oscap results file (`oval eval --results`): id → flag and item keys. */
export function oscapCollected(resultsXml: string): Map<string, OscapObject> {
  const root = parseXml(resultsXml, { fileName: 'results.xml' });
  const all: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    all.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  const items = new Map<string, XmlElement>();
  for (const sd of all.filter((e) => e.name === 'system_data'))
    for (const it of kids(sd)) items.set(it.attrs.id ?? '', it);
  const out = new Map<string, OscapObject>();
  for (const co of all.filter((e) => e.name === 'collected_objects'))
    for (const o of kids(co, 'object')) {
      const keys: string[] = [];
      for (const ref of kids(o, 'reference')) {
        const it = items.get(ref.attrs.item_ref ?? '');
        if (!it) continue;
        const rows: [string, string, string, string][] = kids(it).map((c) => [
          c.name,
          c.text,
          c.attrs.datatype ?? 'string',
          c.attrs.status ?? 'exists',
        ]);
        rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        keys.push(itemKey(it.name, rows));
      }
      out.set(o.attrs.id ?? '', {
        flag: o.attrs.flag ?? '',
        messages: kids(o, 'message').map((m) => m.text),
        items: keys.sort(),
      });
    }
  return out;
}
