/**
 * CPE applicability as OpenSCAP decides it: a platform idref is either `#<id>` of a cpe-lang platform in
 * the benchmark's platform-specification (logical tests with fact-refs and check-fact-refs, AND/OR,
 * negate) or a CPE name looked up in the CPE dictionaries, whose items name an OVAL definition; the name
 * applies when one of its checks evaluates `true`. A name in no dictionary does not apply. Pure.
 */
import type { OvalSession } from './engine.js';
import type { ResolvedDoc, ScapSource } from './source.js';
import type { Benchmark } from './xccdf.js';
import { NS, kids, type XmlElement } from './xml.js';

interface DictCheck {
  system: string;
  href: string;
  name: string;
  resolve: (href: string) => ResolvedDoc | undefined;
}

/** CPE 2.2 URI components (part, vendor, product, version, update, edition, language), unescaped lowercase. */
function cpeParts(name: string): string[] | null {
  if (!name.toLowerCase().startsWith('cpe:/')) return null;
  return name
    .slice(5)
    .split(':')
    .map((p) => decodeURIComponent(p).toLowerCase());
}

/** Does the dictionary item `item` match the platform name `want` (CPE 2.2: want's components are a prefix)? */
export function cpeMatches(want: string, item: string): boolean {
  if (want === item) return true;
  const w = cpeParts(want);
  const i = cpeParts(item);
  if (!w || !i) return false;
  while (w.length > 0 && w[w.length - 1] === '') w.pop();
  if (w.length > i.length) return false;
  return w.every((c, k) => c === '' || c === i[k]);
}

export class CpeEvaluator {
  readonly warnings: string[] = [];
  private readonly items: { name: string; checks: DictCheck[] }[] = [];
  private readonly names = new Map<string, Promise<boolean>>();
  private readonly specs = new Map<string, Promise<boolean>>();
  private readonly applicable = new Set<string>();

  constructor(
    private readonly bench: Benchmark,
    private readonly src: ScapSource,
    private readonly session: OvalSession,
  ) {
    for (const d of src.dictionaries)
      for (const it of kids(d.list, 'cpe-item', NS.cpeDict)) {
        const name = it.attrs.name;
        if (!name) continue;
        this.items.push({
          name,
          checks: kids(it, 'check', NS.cpeDict).map((c) => ({
            system: c.attrs.system ?? '',
            href: c.attrs.href ?? '',
            name: c.text.trim(),
            resolve: d.resolve,
          })),
        });
      }
  }

  /** Platform idrefs found applicable so far, in the order first decided. */
  applicableNames(): string[] {
    return [...this.applicable];
  }

  /** An item with no platform applies; otherwise one applicable platform suffices. */
  async anyApplicable(platforms: string[]): Promise<boolean> {
    if (platforms.length === 0) return true;
    for (const p of platforms) if (await this.platform(p)) return true;
    return false;
  }

  platform(idref: string): Promise<boolean> {
    let p = this.specs.get(idref);
    if (!p) {
      p = (async () => {
        const id = idref.startsWith('#') ? idref.slice(1) : idref;
        const spec = this.bench.platformSpecs.get(id);
        let ok: boolean;
        if (spec) {
          const test = kids(spec, 'logical-test', NS.cpeLang)[0];
          ok = test ? await this.logicalTest(test) : false;
        } else if (idref.startsWith('#')) {
          this.warnings.push(
            `platform ${idref} is not in the benchmark's platform-specification: not applicable`,
          );
          ok = false;
        } else ok = await this.name(idref);
        if (ok) this.applicable.add(idref);
        return ok;
      })();
      this.specs.set(idref, p);
    }
    return p;
  }

  private async logicalTest(el: XmlElement): Promise<boolean> {
    const and = (el.attrs.operator ?? 'AND').toUpperCase() !== 'OR';
    const negate = el.attrs.negate === 'true' || el.attrs.negate === '1';
    let res = and;
    for (const c of el.children) {
      let v: boolean;
      if (c.name === 'logical-test') v = await this.logicalTest(c);
      else if (c.name === 'fact-ref') v = await this.name(c.attrs.name ?? '');
      else if (c.name === 'check-fact-ref') {
        const href = c.attrs.href ?? '';
        v = await this.check({
          system: c.attrs.system ?? '',
          href,
          name: c.attrs['id-ref'] ?? '',
          resolve: (h) =>
            this.src.dictionaries.map((d) => d.resolve(h)).find((x) => x) ?? this.src.resolveCheck(h),
        });
      } else continue;
      if (and && !v) res = false;
      if (!and && v) res = true;
    }
    return negate ? !res : res;
  }

  name(cpe: string): Promise<boolean> {
    let p = this.names.get(cpe);
    if (!p) {
      p = (async () => {
        const items = this.items.filter((i) => cpeMatches(cpe, i.name));
        if (items.length === 0) {
          this.warnings.push(`CPE ${cpe} is in no CPE dictionary: not applicable`);
          return false;
        }
        for (const it of items) for (const c of it.checks) if (await this.check(c)) return true;
        return false;
      })();
      this.names.set(cpe, p);
    }
    return p;
  }

  private async check(c: DictCheck): Promise<boolean> {
    if (c.system !== NS.ovalDef) return false;
    let doc: ResolvedDoc | undefined;
    try {
      doc = c.resolve(c.href);
    } catch (e) {
      this.warnings.push(e instanceof Error ? e.message : String(e));
      return false;
    }
    if (!doc) {
      this.warnings.push(`CPE check ${c.href} not found: not applicable`);
      return false;
    }
    const d = this.session.get(doc, true);
    if (!d.doc.hasDefinition(c.name)) {
      this.warnings.push(`CPE check definition ${c.name} is not in ${c.href}: not applicable`);
      return false;
    }
    const o = await d.run.evaluator.evaluateDefinition(c.name);
    return o.result === 'true';
  }
}
