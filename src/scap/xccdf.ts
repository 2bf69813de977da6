/**
 * XCCDF 1.2 (and 1.1) Benchmarks as a model: Groups, Rules, Values, Profiles, platform specifications;
 * profile resolution (extends, select, refine-value, refine-rule, set-value) and XCCDF Tailoring. Pure.
 */
import { BulwarkError } from '../core/errors.js';
import { NS, kid, kids, textContent, where, type XmlElement } from './xml.js';

export type XccdfRole = 'full' | 'unscored' | 'unchecked';
export type XccdfSeverity = 'unknown' | 'info' | 'low' | 'medium' | 'high';

export interface CheckExport {
  exportName: string;
  valueId: string;
}
export interface CheckContentRef {
  href: string;
  name: string | null;
}
export interface XccdfCheck {
  kind: 'check';
  system: string;
  selector: string;
  negate: boolean;
  multiCheck: boolean;
  exports: CheckExport[];
  refs: CheckContentRef[];
  /** Inline check-content (unsupported: reported notchecked). */
  hasInlineContent: boolean;
  el: XmlElement;
}
export interface XccdfComplexCheck {
  kind: 'complex';
  operator: 'AND' | 'OR';
  negate: boolean;
  children: (XccdfCheck | XccdfComplexCheck)[];
  el: XmlElement;
}

interface ItemBase {
  id: string;
  title: string;
  selected: boolean;
  weight: number;
  platforms: string[];
  parent: XccdfGroup | null;
  hidden: boolean;
  abstract: boolean;
  /** <requires idref="a b">: one of a, b must be selected (each element must hold). */
  requires: string[][];
  /** <conflicts idref="x">: deselected when x is selected. */
  conflicts: string[];
  el: XmlElement;
}
export interface XccdfRule extends ItemBase {
  type: 'rule';
  severity: XccdfSeverity;
  role: XccdfRole;
  /** Checks directly under the Rule (alternatives by system and selector). */
  checks: XccdfCheck[];
  complexCheck: XccdfComplexCheck | null;
  idents: { system: string; value: string }[];
  description: string;
}
export interface XccdfGroup extends ItemBase {
  type: 'group';
  children: (XccdfGroup | XccdfRule)[];
}
export interface XccdfValue {
  id: string;
  title: string;
  type: 'string' | 'number' | 'boolean';
  operator: string;
  /** selector ('' for the default) → value. */
  values: Map<string, string>;
}
export interface XccdfProfile {
  id: string;
  title: string;
  extends: string | null;
  abstract: boolean;
  /** In document order: select / refine-value / set-value / refine-rule, as written. */
  selects: { idref: string; selected: boolean }[];
  refineValues: { idref: string; selector: string | null; operator: string | null }[];
  setValues: { idref: string; value: string }[];
  refineRules: {
    idref: string;
    weight: number | null;
    severity: XccdfSeverity | null;
    role: XccdfRole | null;
    selector: string | null;
  }[];
  /** Where it came from: the benchmark, or a tailoring file. */
  origin: string;
}

export interface Benchmark {
  id: string;
  version: string;
  title: string;
  ns: string;
  platforms: string[];
  /** Top-level items in document order. */
  items: (XccdfGroup | XccdfRule)[];
  rules: Map<string, XccdfRule>;
  groups: Map<string, XccdfGroup>;
  values: Map<string, XccdfValue>;
  profiles: Map<string, XccdfProfile>;
  /** cpe-lang platform id → its <platform> element. */
  platformSpecs: Map<string, XmlElement>;
  /** Rules in document order. */
  ruleOrder: XccdfRule[];
  el: XmlElement;
  warnings: string[];
}

const SEVERITIES: readonly XccdfSeverity[] = ['unknown', 'info', 'low', 'medium', 'high'];
const ROLES: readonly XccdfRole[] = ['full', 'unscored', 'unchecked'];

const bool = (v: string | undefined, dflt: boolean): boolean =>
  v === undefined ? dflt : v === 'true' || v === '1';

/** Elements Bulwark reads or knowingly ignores (descriptive text, fixes, references…). */
const KNOWN_ITEM_CHILDREN = new Set([
  'status',
  'dc-status',
  'version',
  'title',
  'description',
  'warning',
  'question',
  'reference',
  'metadata',
  'rationale',
  'platform',
  'ident',
  'profile-note',
  'fixtext',
  'fix',
  'check',
  'complex-check',
  'requires',
  'conflicts',
  'signature',
  'impact-metric',
  'Rule',
  'Group',
  'Value',
  'choices',
  'value',
  'default',
  'match',
  'lower-bound',
  'upper-bound',
  'complex-value',
  'complex-default',
  'source',
  'notice',
  'front-matter',
  'rear-matter',
  'plain-text',
  'model',
  'Profile',
  'TestResult',
  'platform-specification',
]);

function titleOf(el: XmlElement): string {
  const t = kid(el, 'title');
  return t ? textContent(t).replace(/\s+/g, ' ').trim() : '';
}

function parseCheck(el: XmlElement): XccdfCheck {
  const exports = kids(el, 'check-export').map((e) => ({
    exportName: e.attrs['export-name'] ?? '',
    valueId: e.attrs['value-id'] ?? '',
  }));
  const refs = kids(el, 'check-content-ref').map((r) => ({
    href: r.attrs.href ?? '',
    name: r.attrs.name ?? null,
  }));
  return {
    kind: 'check',
    system: el.attrs.system ?? '',
    selector: el.attrs.selector ?? '',
    negate: bool(el.attrs.negate, false),
    multiCheck: bool(el.attrs['multi-check'], false),
    exports,
    refs,
    hasInlineContent: kid(el, 'check-content') !== undefined,
    el,
  };
}

function parseComplex(el: XmlElement): XccdfComplexCheck {
  return {
    kind: 'complex',
    operator: el.attrs.operator === 'OR' ? 'OR' : 'AND',
    negate: bool(el.attrs.negate, false),
    children: el.children.flatMap((c): (XccdfCheck | XccdfComplexCheck)[] =>
      c.name === 'check' ? [parseCheck(c)] : c.name === 'complex-check' ? [parseComplex(c)] : [],
    ),
    el,
  };
}

function platformsOf(el: XmlElement): string[] {
  return kids(el, 'platform').map((p) => p.attrs.idref ?? '');
}

/** Parses a Benchmark element. Unknown elements are reported in `warnings`. */
export function parseBenchmark(el: XmlElement, file: string): Benchmark {
  const warnings: string[] = [];
  const b: Benchmark = {
    id: el.attrs.id ?? '',
    version: kid(el, 'version')?.text.trim() ?? '',
    title: titleOf(el),
    ns: el.ns,
    platforms: platformsOf(el),
    items: [],
    rules: new Map(),
    groups: new Map(),
    values: new Map(),
    profiles: new Map(),
    platformSpecs: new Map(),
    ruleOrder: [],
    el,
    warnings,
  };
  const unknown = (c: XmlElement, inside: string): void => {
    if (!KNOWN_ITEM_CHILDREN.has(c.name))
      warnings.push(`${where(file, c)}: unknown element <${c.name}> in ${inside} ignored`);
  };
  const walk = (parent: XmlElement, group: XccdfGroup | null, into: (XccdfGroup | XccdfRule)[]): void => {
    for (const c of parent.children) {
      if (c.ns !== el.ns) {
        if (c.name === 'platform-specification' && c.ns === NS.cpeLang)
          for (const p of kids(c, 'platform', NS.cpeLang)) if (p.attrs.id) b.platformSpecs.set(p.attrs.id, p);
        continue;
      }
      if (c.name === 'Group' || c.name === 'Rule') {
        const base = {
          id: c.attrs.id ?? '',
          title: titleOf(c),
          selected: bool(c.attrs.selected, true),
          weight: c.attrs.weight === undefined ? 1 : Number(c.attrs.weight),
          platforms: platformsOf(c),
          parent: group,
          hidden: bool(c.attrs.hidden, false),
          abstract: bool(c.attrs.abstract, false),
          requires: kids(c, 'requires').map((x) => (x.attrs.idref ?? '').split(/\s+/).filter(Boolean)),
          conflicts: kids(c, 'conflicts').map((x) => x.attrs.idref ?? ''),
          el: c,
        };
        if (!Number.isFinite(base.weight) || base.weight < 0) {
          warnings.push(
            `${where(file, c)}: weight "${c.attrs.weight ?? ''}" is not a non-negative number; 1 used`,
          );
          base.weight = 1;
        }
        if (c.name === 'Group') {
          const g: XccdfGroup = { ...base, type: 'group', children: [] };
          b.groups.set(g.id, g);
          into.push(g);
          walk(c, g, g.children);
        } else {
          const sev = (c.attrs.severity ?? 'unknown') as XccdfSeverity;
          const role = (c.attrs.role ?? 'full') as XccdfRole;
          const cc = kid(c, 'complex-check');
          const r: XccdfRule = {
            ...base,
            type: 'rule',
            severity: SEVERITIES.includes(sev) ? sev : 'unknown',
            role: ROLES.includes(role) ? role : 'full',
            checks: kids(c, 'check').map(parseCheck),
            complexCheck: cc ? parseComplex(cc) : null,
            idents: kids(c, 'ident').map((i) => ({ system: i.attrs.system ?? '', value: i.text.trim() })),
            description: '',
          };
          b.rules.set(r.id, r);
          b.ruleOrder.push(r);
          into.push(r);
          for (const x of c.children) if (x.ns === el.ns) unknown(x, `Rule ${r.id}`);
        }
      } else if (c.name === 'Value') {
        const values = new Map<string, string>();
        for (const v of kids(c, 'value')) {
          const sel = v.attrs.selector ?? '';
          if (!values.has(sel)) values.set(sel, v.text);
        }
        const type = c.attrs.type === 'number' || c.attrs.type === 'boolean' ? c.attrs.type : 'string';
        b.values.set(c.attrs.id ?? '', {
          id: c.attrs.id ?? '',
          title: titleOf(c),
          type,
          operator: c.attrs.operator ?? 'equals',
          values,
        });
      } else if (c.name === 'Profile' && parent === el) {
        const p = parseProfile(c, file);
        b.profiles.set(p.id, p);
      } else unknown(c, group ? `Group ${group.id}` : 'Benchmark');
    }
  };
  walk(el, null, b.items);
  return b;
}

export function parseProfile(c: XmlElement, origin: string): XccdfProfile {
  const num = (v: string | undefined): number | null => {
    if (v === undefined) return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  };
  return {
    id: c.attrs.id ?? '',
    title: titleOf(c),
    extends: c.attrs.extends ?? null,
    abstract: bool(c.attrs.abstract, false),
    selects: kids(c, 'select').map((s) => ({
      idref: s.attrs.idref ?? '',
      selected: bool(s.attrs.selected, true),
    })),
    refineValues: kids(c, 'refine-value').map((s) => ({
      idref: s.attrs.idref ?? '',
      selector: s.attrs.selector ?? null,
      operator: s.attrs.operator ?? null,
    })),
    setValues: kids(c, 'set-value').map((s) => ({ idref: s.attrs.idref ?? '', value: s.text })),
    refineRules: kids(c, 'refine-rule').map((s) => ({
      idref: s.attrs.idref ?? '',
      weight: num(s.attrs.weight),
      severity: SEVERITIES.includes(s.attrs.severity as XccdfSeverity)
        ? (s.attrs.severity as XccdfSeverity)
        : null,
      role: ROLES.includes(s.attrs.role as XccdfRole) ? (s.attrs.role as XccdfRole) : null,
      selector: s.attrs.selector ?? null,
    })),
    origin,
  };
}

/** An XCCDF Tailoring document: its profiles, which may extend the benchmark's. */
export function parseTailoring(root: XmlElement, file: string): XccdfProfile[] {
  if (root.name !== 'Tailoring' || (root.ns !== NS.xccdf12 && root.ns !== NS.xccdf11))
    throw new BulwarkError(
      'BW_TAILORING_INVALID',
      `${where(file, root)}: <${root.name}> is not an XCCDF Tailoring document`,
      'give an XCCDF 1.2 <Tailoring> file (as written by SCAP Workbench or autotailor)',
    );
  return kids(root, 'Profile').map((p) => parseProfile(p, file));
}

/** What a profile makes of the benchmark. */
export interface ResolvedProfile {
  id: string | null;
  title: string;
  /** Rule ids that are selected (the rule and all its ancestor groups selected). */
  selected: Set<string>;
  /** Value id → the value in force. */
  values: Map<string, string>;
  weight: Map<string, number>;
  severity: Map<string, XccdfSeverity>;
  role: Map<string, XccdfRole>;
  /** Check selector per rule (refine-rule selector). */
  checkSelector: Map<string, string>;
  warnings: string[];
}

/**
 * Resolves `profileId` (null: the benchmark's defaults) over the benchmark, with profiles from a tailoring
 * file taking precedence. `onlyRules` (the CLI's --rule) leaves only those rules selected.
 */
export function resolveProfile(
  b: Benchmark,
  profileId: string | null,
  opts: { tailoring?: XccdfProfile[]; onlyRules?: string[] } = {},
): ResolvedProfile {
  const profiles = new Map(b.profiles);
  for (const p of opts.tailoring ?? []) profiles.set(p.id, p);
  const chain: XccdfProfile[] = [];
  if (profileId !== null) {
    let p = profiles.get(profileId) ?? findByShortId(profiles, profileId);
    if (!p)
      throw new BulwarkError(
        'BW_PROFILE_NOT_FOUND',
        `no profile "${profileId}" in benchmark ${b.id}${opts.tailoring ? ' or the tailoring file' : ''}`,
        `profiles: ${[...profiles.keys()].join(', ') || 'none'} (see \`bulwark scap info\`)`,
      );
    const seen = new Set<string>();
    while (p) {
      if (seen.has(p.id))
        throw new BulwarkError(
          'BW_CONTENT_INVALID',
          `profile ${p.id} extends itself (loop)`,
          'fix the extends chain',
        );
      seen.add(p.id);
      chain.unshift(p);
      if (!p.extends) break;
      const parent: XccdfProfile | undefined =
        // A tailoring profile extending a profile of the same id means the benchmark's one.
        p.extends === p.id
          ? b.profiles.get(p.extends)
          : (profiles.get(p.extends) ?? b.profiles.get(p.extends));
      if (!parent)
        throw new BulwarkError(
          'BW_PROFILE_NOT_FOUND',
          `profile ${p.id} extends "${p.extends}", which does not exist`,
          'fix the extends attribute',
        );
      p = parent;
    }
  }
  const warnings: string[] = [];
  const itemSelected = new Map<string, boolean>();
  for (const g of b.groups.values()) itemSelected.set(g.id, g.selected);
  for (const r of b.rules.values()) itemSelected.set(r.id, r.selected);
  const valueSel = new Map<string, { selector: string } | { value: string }>();
  const weight = new Map<string, number>();
  const severity = new Map<string, XccdfSeverity>();
  const role = new Map<string, XccdfRole>();
  const checkSelector = new Map<string, string>();
  // Cluster ids: a select may name a cluster of items.
  const clusters = new Map<string, string[]>();
  for (const it of [...b.groups.values(), ...b.rules.values()]) {
    const cl = it.el.attrs['cluster-id'];
    if (cl) clusters.set(cl, [...(clusters.get(cl) ?? []), it.id]);
  }
  for (const p of chain) {
    for (const s of p.selects) {
      const ids = itemSelected.has(s.idref) ? [s.idref] : (clusters.get(s.idref) ?? []);
      if (ids.length === 0) warnings.push(`profile ${p.id}: select of unknown item ${s.idref} ignored`);
      for (const id of ids) itemSelected.set(id, s.selected);
    }
    for (const v of p.refineValues) if (v.selector !== null) valueSel.set(v.idref, { selector: v.selector });
    for (const v of p.setValues) valueSel.set(v.idref, { value: v.value });
    for (const r of p.refineRules) {
      const ids = b.rules.has(r.idref) || b.groups.has(r.idref) ? [r.idref] : (clusters.get(r.idref) ?? []);
      for (const id of ids) {
        if (r.weight !== null) weight.set(id, r.weight);
        if (r.severity !== null) severity.set(id, r.severity);
        if (r.role !== null) role.set(id, r.role);
        if (r.selector !== null) checkSelector.set(id, r.selector);
      }
    }
  }
  const selected = new Set<string>();
  const isSel = (it: XccdfGroup | XccdfRule): boolean =>
    (itemSelected.get(it.id) ?? it.selected) && (it.parent === null || isSel(it.parent));
  // requires / conflicts (XCCDF 1.2 §6.4.4.2): deselect until nothing changes.
  const items = [...b.groups.values(), ...b.rules.values()].filter(
    (it) => it.requires.length + it.conflicts.length > 0,
  );
  const byId = (id: string) => b.rules.get(id) ?? b.groups.get(id);
  const selById = (id: string): boolean => {
    const it = byId(id);
    return it ? isSel(it) : false;
  };
  for (let changed = true, round = 0; changed && round < 20; round++) {
    changed = false;
    for (const it of items) {
      if (!isSel(it)) continue;
      const unmet = it.requires.some((alts) => !alts.some(selById));
      const conflict = it.conflicts.some(selById);
      if (unmet || conflict) {
        itemSelected.set(it.id, false);
        changed = true;
      }
    }
  }
  const only = opts.onlyRules ? new Set(opts.onlyRules) : null;
  // As `oscap --rule`: the named rules are evaluated even when the profile (or their group) leaves them out.
  for (const r of b.ruleOrder) if (only ? only.has(r.id) : isSel(r)) selected.add(r.id);
  if (only)
    for (const id of only)
      if (!b.rules.has(id))
        throw new BulwarkError(
          'BW_RULE_NOT_FOUND',
          `no rule "${id}" in benchmark ${b.id}`,
          'see the rule ids in `bulwark scap info --rules`',
        );
  const values = new Map<string, string>();
  for (const v of b.values.values()) {
    const s = valueSel.get(v.id);
    let val: string | undefined;
    if (s && 'value' in s) val = s.value;
    else if (s) {
      val = v.values.get(s.selector);
      if (val === undefined)
        warnings.push(`value ${v.id}: no selector "${s.selector}"; its default is used (as OpenSCAP does)`);
    }
    val ??= v.values.get('') ?? v.values.values().next().value ?? '';
    values.set(v.id, val);
  }
  for (const id of valueSel.keys())
    if (!b.values.has(id)) warnings.push(`a profile refines unknown Value ${id}: ignored`);
  const last = chain[chain.length - 1];
  return {
    id: last?.id ?? null,
    title: last?.title ?? '(default)',
    selected,
    values,
    weight,
    severity,
    role,
    checkSelector,
    warnings,
  };
}

/** Profiles may be named by their full id or the part after `_profile_` (`standard`). */
function findByShortId(profiles: Map<string, XccdfProfile>, short: string): XccdfProfile | undefined {
  const hits = [...profiles.values()].filter((p) => p.id.endsWith(`_profile_${short}`));
  return hits.length === 1 ? hits[0] : undefined;
}
