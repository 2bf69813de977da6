/** `bulwark scap info`: what a datastream or XCCDF file holds. Pure. */
import type { ScapSource } from './source.js';
import { resolveProfile, type Benchmark } from './xccdf.js';
import { kids, type XmlElement } from './xml.js';

export interface ScapInfo {
  file: string;
  kind: 'datastream' | 'xccdf';
  datastreamId: string | null;
  benchmark: { id: string; title: string; version: string; rules: number; groups: number; values: number };
  profiles: { id: string; title: string; rules: number; origin: string }[];
  checkSystems: { system: string; rules: number }[];
  checkDocuments: { name: string; kind: string; definitions: number; tests: number; objects: number }[];
  cpeNames: number;
  warnings: string[];
}

function countOval(root: XmlElement): { definitions: number; tests: number; objects: number } {
  const n = (name: string): number => {
    const sec = kids(root, name)[0];
    return sec ? sec.children.length : 0;
  };
  return { definitions: n('definitions'), tests: n('tests'), objects: n('objects') };
}

export function scapInfo(src: ScapSource, b: Benchmark): ScapInfo {
  const systems = new Map<string, number>();
  for (const r of b.ruleOrder) {
    const seen = new Set<string>();
    for (const c of r.checks) seen.add(c.system);
    if (r.complexCheck) seen.add('complex-check');
    for (const s of seen) systems.set(s, (systems.get(s) ?? 0) + 1);
  }
  const docs: ScapInfo['checkDocuments'] = [];
  if (src.kind === 'datastream')
    for (const c of src.checkComponents) {
      const o =
        c.root.name === 'oval_definitions' ? countOval(c.root) : { definitions: 0, tests: 0, objects: 0 };
      docs.push({ name: c.refId, kind: c.root.name, ...o });
    }
  else {
    const hrefs = new Set<string>();
    for (const r of b.ruleOrder) for (const c of r.checks) for (const ref of c.refs) hrefs.add(ref.href);
    for (const h of hrefs) {
      const d = src.resolveCheck(h);
      if (d)
        docs.push({
          name: h,
          kind: d.root.name,
          ...(d.root.name === 'oval_definitions'
            ? countOval(d.root)
            : { definitions: 0, tests: 0, objects: 0 }),
        });
    }
  }
  return {
    file: src.file,
    kind: src.kind,
    datastreamId: src.datastreamId,
    benchmark: {
      id: b.id,
      title: b.title,
      version: b.version,
      rules: b.rules.size,
      groups: b.groups.size,
      values: b.values.size,
    },
    profiles: [...b.profiles.values()].map((p) => ({
      id: p.id,
      title: p.title,
      rules: resolveProfile(b, p.id).selected.size,
      origin: 'benchmark',
    })),
    checkSystems: [...systems]
      .map(([system, rules]) => ({ system, rules }))
      .sort((x, y) => y.rules - x.rules),
    checkDocuments: docs,
    cpeNames: src.dictionaries.reduce((n, d) => n + kids(d.list, 'cpe-item').length, 0),
    warnings: [...src.warnings, ...b.warnings],
  };
}
