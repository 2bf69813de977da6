/**
 * XCCDF evaluation with OpenSCAP's semantics: selection, CPE applicability (rule, its groups and the
 * benchmark), role, check choice (complex-check, then the first check of a supported system matching the
 * selector), OVAL definition result → XCCDF result (class-aware, negate), multi-check, complex-check
 * truth tables, and the default and flat scoring models. Pure: OVAL comes through `OvalBackend` and the
 * target only through the probers it is given.
 */
import type { OvalProber } from './oval/types.js';
import type { ResolvedDoc, ScapSource } from './source.js';
import type {
  Benchmark,
  ResolvedProfile,
  XccdfCheck,
  XccdfComplexCheck,
  XccdfGroup,
  XccdfRole,
  XccdfRule,
  XccdfSeverity,
} from './xccdf.js';
import { NS, kids, type XmlElement } from './xml.js';
import { CpeEvaluator } from './cpe.js';

export const OVAL_SYSTEM = NS.ovalDef;
export const OCIL_SYSTEM = 'http://scap.nist.gov/schema/ocil/2';
export const SCE_SYSTEM = 'http://open-scap.org/page/SCE';

/** The OVAL evaluator as the oval module provides it (src/scap/oval/index.ts). */
export type OvalResult = 'true' | 'false' | 'error' | 'unknown' | 'not evaluated' | 'not applicable';
export interface DefinitionOutcome {
  id: string;
  result: OvalResult;
  messages: string[];
}
export interface OvalDocumentLike {
  file: string;
  definitionIds(): string[];
  hasDefinition(id: string): boolean;
}
export interface OvalEvaluatorLike {
  evaluateDefinition(id: string): Promise<DefinitionOutcome>;
  resultsXml(opts?: { directives?: 'full' | 'thin' }): string;
  timings(): { collectMs: number; evaluateMs: number };
}
export interface OvalBackend {
  loadOvalDocument(root: XmlElement, file: string): OvalDocumentLike;
  createOvalEvaluator(
    doc: OvalDocumentLike,
    opts: { probers: OvalProber[]; externalVariables?: Map<string, string[]> },
  ): OvalEvaluatorLike;
}

export type XccdfResult =
  | 'pass'
  | 'fail'
  | 'error'
  | 'unknown'
  | 'notapplicable'
  | 'notchecked'
  | 'notselected'
  | 'informational'
  | 'fixed';

/** The check as reported in a rule-result. */
export interface ReportedCheck {
  system: string;
  negate: boolean;
  multiCheck?: boolean;
  exports: { exportName: string; valueId: string }[];
  /** The href as the content wrote it, the document key, and the definition evaluated (multi-check). */
  ref: { href: string; name: string | null; docKey: string | null } | null;
  /** For complex checks, the nested ones. */
  complex?: { operator: 'AND' | 'OR'; negate: boolean; children: ReportedCheck[] };
}

export interface RuleOutcome {
  rule: XccdfRule;
  result: XccdfResult;
  severity: XccdfSeverity;
  role: XccdfRole;
  weight: number;
  time: string;
  check: ReportedCheck | null;
  messages: string[];
}

export interface OvalDocRun {
  key: string;
  href: string;
  evaluator: OvalEvaluatorLike;
  /** True for the CPE dictionary's OVAL. */
  cpe: boolean;
}

export interface XccdfEvaluation {
  benchmark: Benchmark;
  profile: ResolvedProfile;
  startTime: string;
  endTime: string;
  outcomes: RuleOutcome[];
  /** Platforms (as idrefs) found applicable. */
  applicablePlatforms: string[];
  scores: { system: string; score: number; maximum: number }[];
  ovalRuns: OvalDocRun[];
  warnings: string[];
  timings: { collectMs: number; evaluateMs: number; totalMs: number };
}

export interface EvaluateOptions {
  backend: OvalBackend;
  probers: OvalProber[];
  now?: () => Date;
  onProgress?: (done: number, total: number) => void;
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** OVAL definition result → XCCDF result, as OpenSCAP's oval_agent does (vulnerability/patch invert). */
export function ovalToXccdf(r: OvalResult, defClass: string | null): XccdfResult {
  const inverted = defClass === 'vulnerability' || defClass === 'patch';
  switch (r) {
    case 'true':
      return inverted ? 'fail' : 'pass';
    case 'false':
      return inverted ? 'pass' : 'fail';
    case 'error':
      return 'error';
    case 'unknown':
      return 'unknown';
    case 'not evaluated':
      return 'notchecked';
    case 'not applicable':
      return 'notapplicable';
  }
}

export function negateResult(r: XccdfResult): XccdfResult {
  return r === 'pass' ? 'fail' : r === 'fail' ? 'pass' : r;
}

const RANK_N = new Set<XccdfResult>(['notapplicable', 'notchecked', 'notselected', 'informational']);

/** XCCDF 1.2 complex-check AND (spec table 28). */
export function andResult(a: XccdfResult, b: XccdfResult): XccdfResult {
  const norm = (x: XccdfResult): XccdfResult => (x === 'fixed' ? 'pass' : x);
  a = norm(a);
  b = norm(b);
  if (a === 'fail' || b === 'fail') return 'fail';
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  if (a === 'error' || b === 'error') return 'error';
  if (a === 'pass' || b === 'pass') return 'pass';
  if (RANK_N.has(a) && RANK_N.has(b)) return a === b ? a : 'notchecked';
  return a;
}

/** XCCDF 1.2 complex-check OR (spec table 29). */
export function orResult(a: XccdfResult, b: XccdfResult): XccdfResult {
  const norm = (x: XccdfResult): XccdfResult => (x === 'fixed' ? 'pass' : x);
  a = norm(a);
  b = norm(b);
  if (a === 'pass' || b === 'pass') return 'pass';
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  if (a === 'error' || b === 'error') return 'error';
  if (a === 'fail' || b === 'fail') return 'fail';
  if (RANK_N.has(a) && RANK_N.has(b)) return a === b ? a : 'notchecked';
  return a;
}

/** The OVAL documents of a run, each evaluated once with the external variables its checks export. */
export class OvalSession {
  private readonly docs = new Map<
    string,
    { run: OvalDocRun; doc: OvalDocumentLike; classes: Map<string, string> }
  >();
  readonly runs: OvalDocRun[] = [];
  constructor(
    private readonly backend: OvalBackend,
    private readonly probers: OvalProber[],
    private readonly variables: Map<string, Map<string, string[]>>,
  ) {}

  /** The evaluator of a resolved document (created on first use). */
  get(resolved: ResolvedDoc, cpe: boolean) {
    let d = this.docs.get(resolved.key);
    if (!d) {
      const doc = this.backend.loadOvalDocument(resolved.root, resolved.href);
      const vars = this.variables.get(resolved.key);
      const evaluator = this.backend.createOvalEvaluator(doc, {
        probers: this.probers,
        ...(vars && vars.size > 0 ? { externalVariables: vars } : {}),
      });
      const classes = new Map<string, string>();
      const defs = kids(resolved.root, 'definitions')[0];
      if (defs)
        for (const def of defs.children) if (def.attrs.id) classes.set(def.attrs.id, def.attrs.class ?? '');
      const run: OvalDocRun = { key: resolved.key, href: resolved.href, evaluator, cpe };
      d = { run, doc, classes };
      this.docs.set(resolved.key, d);
      this.runs.push(run);
    }
    return d;
  }
}

/** Evaluates the selected rules of a benchmark under a resolved profile. */
export async function evaluateBenchmark(
  src: ScapSource,
  bench: Benchmark,
  prof: ResolvedProfile,
  opts: EvaluateOptions,
): Promise<XccdfEvaluation> {
  const now = opts.now ?? (() => new Date());
  const t0 = Date.now();
  const startTime = iso(now());
  const warnings = [...prof.warnings];

  // External variables per OVAL document, from the check-exports of the rules that will run.
  const variables = new Map<string, Map<string, string[]>>();
  const exportConflicts = new Set<string>();
  const visitChecks = (c: XccdfCheck | XccdfComplexCheck, f: (c: XccdfCheck) => void): void => {
    if (c.kind === 'check') f(c);
    else for (const x of c.children) visitChecks(x, f);
  };
  for (const r of bench.ruleOrder) {
    if (!prof.selected.has(r.id)) continue;
    const all = [...r.checks, ...(r.complexCheck ? [r.complexCheck] : [])];
    for (const c of all)
      visitChecks(c, (chk) => {
        if (chk.system !== OVAL_SYSTEM) return;
        for (const ref of chk.refs) {
          let doc: ResolvedDoc | undefined;
          try {
            doc = src.resolveCheck(ref.href);
          } catch {
            doc = undefined;
          }
          if (!doc) continue;
          let m = variables.get(doc.key);
          if (!m) variables.set(doc.key, (m = new Map<string, string[]>()));
          for (const e of chk.exports) {
            const v = prof.values.get(e.valueId);
            if (v === undefined) continue;
            const prev = m.get(e.exportName);
            if (prev && prev[0] !== v && !exportConflicts.has(e.exportName)) {
              exportConflicts.add(e.exportName);
              warnings.push(
                `OVAL variable ${e.exportName} is bound to different values by different rules; the first is used`,
              );
            }
            if (!prev) m.set(e.exportName, [v]);
          }
        }
      });
  }
  const session = new OvalSession(opts.backend, opts.probers, variables);
  const cpe = new CpeEvaluator(bench, src, session);

  const itemApplicable = new Map<string, Promise<boolean>>();
  const applicable = (it: XccdfGroup | XccdfRule): Promise<boolean> => {
    let p = itemApplicable.get(it.id);
    if (!p) {
      p = (async () => {
        if (it.parent && !(await applicable(it.parent))) return false;
        return cpe.anyApplicable(it.platforms);
      })();
      itemApplicable.set(it.id, p);
    }
    return p;
  };
  const benchApplicable = await cpe.anyApplicable(bench.platforms);

  const outcomes: RuleOutcome[] = [];
  const total = bench.ruleOrder.length;
  let done = 0;
  for (const rule of bench.ruleOrder) {
    const severity = prof.severity.get(rule.id) ?? rule.severity;
    const role = prof.role.get(rule.id) ?? rule.role;
    const weight = prof.weight.get(rule.id) ?? rule.weight;
    const base = { rule, severity, role, weight, messages: [] as string[] };
    const out = (result: XccdfResult, check: ReportedCheck | null, messages: string[] = []): RuleOutcome => ({
      ...base,
      result,
      check,
      messages,
      time: iso(now()),
    });
    if (!prof.selected.has(rule.id)) outcomes.push(out('notselected', null));
    else if (!benchApplicable || !(await applicable(rule))) outcomes.push(out('notapplicable', null));
    else if (role === 'unchecked') outcomes.push(out('notchecked', null, ['the rule has role="unchecked"']));
    else {
      const rs = await evaluateRule(rule, prof, src, session, out);
      // OpenSCAP reports an evaluated rule of role "unscored" as informational.
      if (role === 'unscored')
        for (const r of rs)
          if (['pass', 'fail', 'error', 'unknown'].includes(r.result)) r.result = 'informational';
      outcomes.push(...rs);
    }
    opts.onProgress?.(++done, total);
  }
  const endTime = iso(now());
  let collectMs = 0;
  let evaluateMs = 0;
  for (const r of session.runs) {
    const t = r.evaluator.timings();
    collectMs += t.collectMs;
    evaluateMs += t.evaluateMs;
  }
  return {
    benchmark: bench,
    profile: prof,
    startTime,
    endTime,
    outcomes,
    applicablePlatforms: cpe.applicableNames(),
    scores: [scoreDefault(bench, outcomes), scoreFlat(outcomes)],
    ovalRuns: session.runs,
    warnings: [...warnings, ...cpe.warnings],
    timings: { collectMs, evaluateMs, totalMs: Date.now() - t0 },
  };
}

type Out = (result: XccdfResult, check: ReportedCheck | null, messages?: string[]) => RuleOutcome;

async function evaluateRule(
  rule: XccdfRule,
  prof: ResolvedProfile,
  src: ScapSource,
  session: OvalSession,
  out: Out,
): Promise<RuleOutcome[]> {
  if (rule.complexCheck) {
    const { result, check, messages } = await evaluateComplex(rule.complexCheck, src, session);
    return [out(result, check, messages)];
  }
  const selector = prof.checkSelector.get(rule.id) ?? '';
  let candidates = rule.checks.filter((c) => c.selector === selector);
  if (candidates.length === 0) candidates = rule.checks.filter((c) => c.selector === '');
  const chosen = candidates.find((c) => c.system === OVAL_SYSTEM);
  if (!chosen) {
    // OpenSCAP's words; OCIL questionnaires and SCE scripts are not run (oscap without them does the same).
    return [out('notchecked', null, ['No candidate or applicable check found.'])];
  }
  if (chosen.multiCheck && chosen.refs.some((r) => r.name === null)) {
    const ref = chosen.refs.find((r) => r.name === null)!;
    const doc = safeResolve(src, ref.href);
    if (!doc)
      return [
        out('notchecked', reported(chosen, ref, null), [
          'None of the check-content-ref elements was resolvable.',
        ]),
      ];
    const d = session.get(doc, false);
    const outs: RuleOutcome[] = [];
    // OpenSCAP reports the instances in reverse document order.
    for (const id of [...d.doc.definitionIds()].reverse()) {
      const o = await d.run.evaluator.evaluateDefinition(id);
      let res = ovalToXccdf(o.result, d.classes.get(id) ?? null);
      if (chosen.negate) res = negateResult(res);
      outs.push(
        out(
          res,
          { ...reported(chosen, { href: ref.href, name: id }, doc.key), multiCheck: true },
          o.messages,
        ),
      );
    }
    return outs;
  }
  const r = await evaluateSimple(chosen, src, session);
  return [out(r.result, r.check, r.messages)];
}

function safeResolve(src: ScapSource, href: string): ResolvedDoc | undefined {
  try {
    return src.resolveCheck(href);
  } catch {
    return undefined;
  }
}

function reported(
  c: XccdfCheck,
  ref: { href: string; name: string | null } | null,
  docKey: string | null,
): ReportedCheck {
  return {
    system: c.system,
    negate: c.negate,
    exports: c.exports,
    ref: ref ? { href: ref.href, name: ref.name, docKey } : null,
  };
}

async function evaluateSimple(
  c: XccdfCheck,
  src: ScapSource,
  session: OvalSession,
): Promise<{ result: XccdfResult; check: ReportedCheck; messages: string[] }> {
  if (c.system !== OVAL_SYSTEM)
    return {
      result: 'notchecked',
      check: reported(c, c.refs[0] ?? null, null),
      messages: [`check system ${c.system} is not supported`],
    };
  // The first check-content-ref that resolves is used (XCCDF 1.2 §7.2.3.3.2).
  for (const ref of c.refs) {
    const doc = safeResolve(src, ref.href);
    if (!doc) continue;
    const d = session.get(doc, false);
    let ids: string[];
    if (ref.name !== null) {
      if (!d.doc.hasDefinition(ref.name)) continue;
      ids = [ref.name];
    } else ids = d.doc.definitionIds();
    let res: XccdfResult | null = null;
    const messages: string[] = [];
    for (const id of ids) {
      const o = await d.run.evaluator.evaluateDefinition(id);
      messages.push(...o.messages);
      const x = ovalToXccdf(o.result, d.classes.get(id) ?? null);
      res = res === null ? x : andResult(res, x);
    }
    res ??= 'unknown';
    if (c.negate) res = negateResult(res);
    return { result: res, check: reported(c, ref, doc.key), messages };
  }
  const ref = c.refs[0] ?? null;
  return {
    result: 'notchecked',
    check: reported(c, ref, null),
    // OpenSCAP's words.
    messages: ['None of the check-content-ref elements was resolvable.'],
  };
}

async function evaluateComplex(
  cc: XccdfComplexCheck,
  src: ScapSource,
  session: OvalSession,
): Promise<{ result: XccdfResult; check: ReportedCheck; messages: string[] }> {
  let res: XccdfResult | null = null;
  const children: ReportedCheck[] = [];
  const messages: string[] = [];
  for (const ch of cc.children) {
    const r =
      ch.kind === 'complex'
        ? await evaluateComplex(ch, src, session)
        : await evaluateSimple(ch, src, session);
    children.push(r.check);
    messages.push(...r.messages);
    res =
      res === null ? r.result : cc.operator === 'AND' ? andResult(res, r.result) : orResult(res, r.result);
  }
  res ??= 'unknown';
  if (cc.negate) res = negateResult(res);
  return {
    result: res,
    check: {
      system: '',
      negate: cc.negate,
      exports: [],
      ref: null,
      complex: { operator: cc.operator, negate: cc.negate, children },
    },
    messages,
  };
}

/**
 * XCCDF's default scoring model (urn:xccdf:scoring:default) over the benchmark's tree, as OpenSCAP computes
 * it: in single precision, with the weights the Benchmark gives (a profile's refine-rule weight is reported
 * in the rule-result but not used by OpenSCAP's score), a multi-check rule scored by its first instance,
 * error and unknown counted as 0.
 */
export function scoreDefault(
  bench: Benchmark,
  outcomes: RuleOutcome[],
): { system: string; score: number; maximum: number } {
  const f = Math.fround;
  const first = new Map<string, RuleOutcome>();
  for (const o of outcomes) if (!first.has(o.rule.id)) first.set(o.rule.id, o);
  const SKIP = new Set<XccdfResult>(['notselected', 'notapplicable', 'informational', 'notchecked']);
  type S = { score: number; count: number; weight: number };
  const item = (it: XccdfGroup | XccdfRule): S | null => {
    if (it.type === 'rule') {
      const o = first.get(it.id);
      if (!o || SKIP.has(o.result) || o.role === 'unscored') return null;
      return { score: o.result === 'pass' || o.result === 'fixed' ? 100 : 0, count: 1, weight: f(it.weight) };
    }
    return group(it.children, f(it.weight));
  };
  const group = (children: (XccdfGroup | XccdfRule)[], weight: number): S => {
    let acc = 0;
    let wsum = 0;
    let count = 0;
    for (const c of children) {
      const s = item(c);
      if (!s || s.count === 0) continue;
      acc = f(acc + f(s.score * s.weight));
      wsum = f(wsum + s.weight);
      count++;
    }
    return { score: count > 0 && wsum > 0 ? f(acc / wsum) : 0, count, weight };
  };
  const s = group(bench.items, 1);
  return { system: 'urn:xccdf:scoring:default', score: s.score, maximum: 100 };
}

/** XCCDF's flat model: the weights of passing rules over the weights of scored rules. */
export function scoreFlat(outcomes: RuleOutcome[]): { system: string; score: number; maximum: number } {
  let score = 0;
  let max = 0;
  const SKIP = new Set<XccdfResult>(['notselected', 'notapplicable', 'informational', 'notchecked']);
  for (const o of outcomes) {
    if (SKIP.has(o.result) || o.role === 'unscored') continue;
    max += o.weight;
    if (o.result === 'pass' || o.result === 'fixed') score += o.weight;
  }
  return { system: 'urn:xccdf:scoring:flat', score, maximum: max };
}
