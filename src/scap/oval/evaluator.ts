/**
 * The OVAL 5.11 evaluator: definitions → criteria → tests → objects (collected by probes through the
 * OvalProber contract, or here for variable_object) → items compared with states. Pure: it never reads
 * the target itself. Semantics follow the OVAL specification as OpenSCAP implements it (see
 * docs/scap.md, "OVAL"). Objects are collected once per evaluator; variables are computed once.
 */
import { BulwarkError, errorMessage } from '../../core/errors.js';
import type {
  CollectedFlag,
  ItemEntity,
  ObjectEntity,
  OvalDatatype,
  OvalItem,
  OvalProber,
  ProbeRequest,
} from './types.js';
import type {
  Component,
  CriteriaNode,
  EntityDef,
  FilterDef,
  ObjectDef,
  OvalDocument,
  SetDef,
  StateDef,
  TestDef,
  VariableDef,
} from './document.js';
import { compareValues, type OvalResult } from './compare.js';
import {
  aggFlag,
  byCheck,
  byExistence,
  byOperator,
  hasValues,
  negate,
  setFlag,
  type AggFlag,
} from './logic.js';
import { compileOvalRegex } from './pcre.js';
import { globToRegex, timeDifference } from './functions.js';
import { writeResults, type ResultsData } from './results.js';

export interface DefinitionOutcome {
  id: string;
  result: OvalResult;
  messages: string[];
}

export interface SystemInfo {
  osName: string;
  osVersion: string;
  architecture: string;
  hostName: string;
}

export interface OvalEvaluatorOptions {
  probers: OvalProber[];
  externalVariables?: Map<string, string[]>;
  /** Shown in the results' system_info (OpenSCAP writes "Unknown" offline). */
  systemInfo?: SystemInfo;
}

export interface OvalEvaluator {
  evaluateDefinition(id: string): Promise<DefinitionOutcome>;
  /** oval_results 5.11 document (XML text) of everything evaluated so far, with system characteristics, for ARF. */
  resultsXml(opts?: { directives?: 'full' | 'thin' }): string;
  /** per-phase time (ms): collect (in probes), evaluate. */
  timings(): { collectMs: number; evaluateMs: number };
}

interface Value {
  v: string;
  dt: OvalDatatype;
}
export interface VarResult {
  flag: AggFlag;
  values: Value[];
  messages: string[];
}
export interface StoredItem {
  id: number;
  item: OvalItem;
}
export interface Collected {
  flag: CollectedFlag;
  items: StoredItem[];
  messages: string[];
  /** Variables the object's entities referenced, with their values (variable_value in results). */
  bindings: Map<string, string[]>;
}
export interface TestOutcome {
  result: OvalResult;
  items: Array<{ id: number; result: OvalResult }>;
  bindings: Map<string, string[]>;
  messages: string[];
}
export type CriteriaOutcome =
  | {
      kind: 'criteria';
      node: CriteriaNode & { kind: 'criteria' };
      result: OvalResult;
      children: CriteriaOutcome[];
    }
  | { kind: 'criterion'; node: CriteriaNode & { kind: 'criterion' }; result: OvalResult; version: string }
  | { kind: 'extend'; node: CriteriaNode & { kind: 'extend' }; result: OvalResult; version: string };
export interface DefinitionState {
  outcome: DefinitionOutcome;
  criteria?: CriteriaOutcome;
}

const PROBE_FAMILIES = new Set(['independent', 'unix', 'linux']);

class ContentError extends Error {}

export function createOvalEvaluator(doc: OvalDocument, opts: OvalEvaluatorOptions): OvalEvaluator {
  const ext = opts.externalVariables ?? new Map<string, string[]>();
  const defs = new Map<string, Promise<DefinitionState>>();
  const defDone = new Map<string, DefinitionState>();
  const inProgress = new Set<string>();
  const tests = new Map<string, Promise<TestOutcome>>();
  const testDone = new Map<string, TestOutcome>();
  const objects = new Map<string, Promise<Collected>>();
  const objectDone = new Map<string, Collected>();
  const vars = new Map<string, Promise<VarResult>>();
  const varDone = new Map<string, VarResult>();
  const allItems: StoredItem[] = [];
  let nextItemId = 1;
  let collectMs = 0;
  let totalMs = 0;
  let queue: Promise<void> = Promise.resolve();

  const fail = (msg: string): never => {
    throw new ContentError(msg);
  };

  // ------------------------------------------------------------------ items
  // Items get ids as they arrive (an item object seen again keeps its id). Content identity, which set
  // operations need, is computed lazily and only for the items of a set.
  const itemIds = new WeakMap<OvalItem, StoredItem>();
  const contentKeys = new WeakMap<StoredItem, string>();
  function store(item: OvalItem): StoredItem {
    const hit = itemIds.get(item);
    if (hit) return hit;
    const s = { id: nextItemId++, item };
    itemIds.set(item, s);
    allItems.push(s);
    return s;
  }
  function contentKey(s: StoredItem): string {
    let k = contentKeys.get(s);
    if (k === undefined) {
      k = JSON.stringify([s.item.type, s.item.family, s.item.status, s.item.entities]);
      contentKeys.set(s, k);
    }
    return k;
  }

  // ------------------------------------------------------------------ variables
  // Evaluation is serialized (see evaluateDefinition), so "in progress" means "on the current chain":
  // asking again for a variable or an object being computed is a reference cycle in the content.
  const varsInProgress = new Set<string>();
  const objectsInProgress = new Set<string>();

  function resolveVar(id: string): Promise<VarResult> {
    if (varsInProgress.has(id))
      return Promise.resolve({
        flag: 'error',
        values: [],
        messages: [`variable ${id} refers to itself (cycle)`],
      });
    let p = vars.get(id);
    if (!p) {
      varsInProgress.add(id);
      p = computeVar(id)
        .catch((e: unknown): VarResult => ({ flag: 'error', values: [], messages: [errorMessage(e)] }))
        .then((r) => {
          varsInProgress.delete(id);
          varDone.set(id, r);
          return r;
        });
      vars.set(id, p);
    }
    return p;
  }

  /** Resolves every variable a state refers to, so that comparing items with it is synchronous. */
  async function prepareState(st: StateDef): Promise<void> {
    for (const se of st.entities) {
      if (se.varRef) await resolveVar(se.varRef);
      for (const f of se.fields) if (f.varRef) await resolveVar(f.varRef);
    }
  }

  async function computeVar(id: string): Promise<VarResult> {
    const def = doc.variables.get(id);
    if (!def)
      return { flag: 'error', values: [], messages: [`variable ${id} is not defined in ${doc.file}`] };
    if (def.kind === 'constant')
      return { flag: 'complete', values: def.values.map((v) => ({ v, dt: def.datatype })), messages: [] };
    if (def.kind === 'external') return externalVar(def);
    if (!def.component)
      return { flag: 'error', values: [], messages: [`local variable ${id} has no component`] };
    const r = await component(def.component);
    if (!hasValues(r.flag)) return r;
    if (r.values.length === 0)
      return { flag: 'error', values: [], messages: [...r.messages, `local variable ${id} has no value`] };
    // OpenSCAP's cast only relabels values with the variable's datatype; comparisons catch bad values.
    return {
      flag: r.flag,
      values: r.values.map((x) => ({ v: x.v, dt: def.datatype })),
      messages: r.messages,
    };
  }

  function externalVar(def: VariableDef & { kind: 'external' }): VarResult {
    const values = ext.get(def.id);
    if (values === undefined)
      return {
        flag: 'not collected',
        values: [],
        messages: [`external variable ${def.id} has no value (none was supplied)`],
      };
    if (def.possibleValues.length > 0 || def.possibleRestrictions.length > 0) {
      for (const v of values) {
        const ok =
          def.possibleValues.includes(v) ||
          def.possibleRestrictions.some(
            (pr) =>
              byOperator(
                pr.restrictions.map((r) => compareValues(r.value, v, def.datatype, r.operation)),
                pr.operator,
              ) === 'true',
          );
        if (!ok)
          return {
            flag: 'does not exist',
            values: [],
            messages: [`external variable ${def.id}: the value "${v}" is not one of its possible values`],
          };
      }
    }
    return { flag: 'complete', values: values.map((v) => ({ v, dt: def.datatype })), messages: [] };
  }

  async function evalArgs(
    args: Component[],
  ): Promise<{ flag: AggFlag; lists: Value[][]; messages: string[] }> {
    let flag: AggFlag = 'unknown';
    const lists: Value[][] = [];
    const messages: string[] = [];
    for (const a of args) {
      const r = await component(a);
      flag = aggFlag(flag, r.flag);
      lists.push(r.values);
      messages.push(...r.messages);
    }
    return { flag, lists, messages };
  }

  /** strtoll / strtof / strtod prefix parsing, as OpenSCAP reads arithmetic operands (garbage → 0). */
  function numberOf(x: Value): number | undefined {
    if (x.dt === 'int') {
      const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(x.v);
      return m ? Number(m[1]) : 0;
    }
    if (x.dt === 'float' || x.dt === 'string') {
      const m = /^[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(x.v);
      return m ? Number(m[1]) : 0;
    }
    return undefined;
  }

  async function component(c: Component): Promise<VarResult> {
    switch (c.kind) {
      case 'literal':
        return { flag: 'complete', values: [{ v: c.value, dt: c.datatype }], messages: [] };
      case 'variable': {
        const r = await resolveVar(c.varRef);
        return hasValues(r.flag) ? r : { flag: r.flag, values: [], messages: r.messages };
      }
      case 'object': {
        const obj = doc.objects.get(c.objectRef);
        if (!obj) return { flag: 'error', values: [], messages: [`object ${c.objectRef} is not defined`] };
        const col = await collectObject(obj);
        const values: Value[] = [];
        for (const { item, id } of col.items) {
          const ents = item.entities[c.itemField];
          if (!ents || ents.length === 0)
            return {
              flag: 'error',
              values: [],
              messages: [
                `entity '${c.itemField}' has not been found in ${item.type} (id: ${id}) of object ${obj.id}`,
              ],
            };
          for (const e of ents) {
            if (e.datatype === 'record' && c.recordField === undefined)
              return {
                flag: 'error',
                values: [],
                messages: [`unexpected record in ${item.type} (id: ${id})`],
              };
            if (e.datatype !== 'record' && c.recordField !== undefined)
              return {
                flag: 'error',
                values: [],
                messages: [`expected a record in ${c.itemField} of ${item.type}`],
              };
            if (e.datatype === 'record') {
              const fs = (e.fields ?? []).filter((f) => f.name === c.recordField);
              if (fs.length === 0)
                return {
                  flag: 'error',
                  values: [],
                  messages: [
                    `record field '${c.recordField ?? ''}' has not been found in ${item.type} (id: ${id})`,
                  ],
                };
              for (const f of fs) values.push({ v: f.value, dt: f.datatype });
            } else values.push({ v: e.value, dt: e.datatype });
          }
        }
        return { flag: col.flag, values, messages: col.messages };
      }
      case 'function':
        return fn(c);
    }
  }

  async function fn(c: Component & { kind: 'function' }): Promise<VarResult> {
    const str = (v: string): Value => ({ v, dt: 'string' });
    const first = async (): Promise<VarResult> => component(c.args[0]!);
    switch (c.fn) {
      case 'concat': {
        const { flag, lists, messages } = await evalArgs(c.args);
        if (!hasValues(flag)) return { flag, values: [], messages };
        const used = lists.filter((l) => l.length > 0);
        const values = cartesianOdometer(used).map(str);
        return { flag, values, messages };
      }
      case 'arithmetic': {
        const op = c.attrs.arithmetic_operation ?? 'add';
        const lists: Value[][] = [];
        const messages: string[] = [];
        let lastFlag: AggFlag = 'error';
        for (const a of c.args) {
          const r = await component(a);
          lists.push(r.values);
          messages.push(...r.messages);
          lastFlag = r.flag;
        }
        if (op !== 'add' && op !== 'multiply')
          return {
            flag: 'error',
            values: [],
            messages: [...messages, `arithmetic_operation ${op} is not supported`],
          };
        // OpenSCAP walks the last component outermost and the first innermost.
        const order = [...lists].reverse();
        const out: Value[] = [];
        let bad = false;
        const rec = (k: number, acc: number, dt: OvalDatatype): void => {
          if (k === order.length) {
            // OpenSCAP prints int with %ld and float with %f; a string-typed first operand leaves its
            // output buffer unset, which comes out as an empty value.
            if (dt === 'float') out.push({ v: acc.toFixed(6), dt: 'float' });
            else if (dt === 'int') out.push({ v: String(Math.trunc(acc)), dt: 'int' });
            else out.push({ v: '', dt: 'string' });
            return;
          }
          for (const x of order[k]!) {
            const n = numberOf(x);
            if (n === undefined) {
              bad = true;
              return;
            }
            const next = k === 0 ? n : op === 'add' ? n + acc : n * acc;
            rec(k + 1, next, dt === 'float' || x.dt === 'float' ? 'float' : x.dt);
          }
        };
        rec(0, 0, 'int');
        if (bad)
          return {
            flag: 'error',
            values: [],
            messages: [...messages, 'arithmetic over a non-numeric value'],
          };
        const flag: AggFlag = (order[0]?.length ?? 0) > 0 ? 'complete' : lastFlag;
        return { flag, values: out, messages };
      }
      case 'count': {
        const { flag, lists, messages } = await evalArgs(c.args);
        const n = hasValues(flag) ? lists.reduce((s, l) => s + l.length, 0) : 0;
        return { flag, values: [{ v: String(n), dt: 'int' }], messages };
      }
      case 'unique': {
        const { flag, lists, messages } = await evalArgs(c.args);
        if (!hasValues(flag)) return { flag, values: [], messages };
        const set = new Set<string>();
        for (const l of lists) for (const x of l) set.add(x.v);
        const sorted = [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        return { flag, values: sorted.map(str), messages };
      }
      case 'begin':
      case 'end': {
        const ch = c.attrs.character ?? '';
        const r = await first();
        const values = r.values.map((x) =>
          str(c.fn === 'begin' ? (x.v.startsWith(ch) ? x.v : ch + x.v) : x.v.endsWith(ch) ? x.v : x.v + ch),
        );
        return { flag: r.flag, values, messages: r.messages };
      }
      case 'split': {
        const d = c.attrs.delimiter ?? '';
        const r = await first();
        const values: Value[] = [];
        for (const x of r.values)
          for (const part of d === '' ? Array.from(x.v) : x.v.split(d)) values.push(str(part));
        return { flag: r.flag, values, messages: r.messages };
      }
      case 'substring': {
        const start = Number.parseInt(c.attrs.substring_start ?? '1', 10);
        const len = Number.parseInt(c.attrs.substring_length ?? '-1', 10);
        const beg = start < 1 ? 0 : start - 1;
        const r = await first();
        let flag = r.flag;
        const values: Value[] = [];
        for (const x of r.values) {
          const sub = len < 0 || len > x.v.length ? x.v.length : len;
          if (beg < x.v.length) values.push(str(x.v.slice(beg, beg + sub)));
          else flag = 'error';
        }
        return { flag, values, messages: r.messages };
      }
      case 'escape_regex': {
        const r = await first();
        return {
          flag: r.flag,
          values: r.values.map((x) => str(x.v.replace(/[\^$\\.[\](){}*+?|]/g, '\\$&'))),
          messages: r.messages,
        };
      }
      case 'regex_capture': {
        const pattern = c.attrs.pattern ?? '';
        let re: RegExp;
        try {
          re = compileOvalRegex(pattern);
        } catch (e) {
          return { flag: 'error', values: [], messages: [errorMessage(e)] };
        }
        const r = await first();
        let flag = r.flag;
        const values: Value[] = [];
        for (const x of r.values) {
          re.lastIndex = 0;
          const m = re.exec(x.v);
          values.push(str(m && m.length > 1 && m[1] !== undefined ? m[1] : ''));
          flag = 'complete';
        }
        return { flag, values, messages: r.messages };
      }
      case 'glob_to_regex': {
        const noescape = c.attrs.glob_noescape === 'true' || c.attrs.glob_noescape === '1';
        const r = await first();
        let flag = r.flag;
        const values: Value[] = [];
        for (const x of r.values) {
          const g = globToRegex(x.v, noescape);
          if (g === undefined) {
            flag = 'error';
            break;
          }
          values.push(str(g));
        }
        return { flag, values, messages: r.messages };
      }
      case 'time_difference': {
        if (c.args.length > 2)
          return { flag: 'error', values: [], messages: ['time_difference takes at most two components'] };
        const rs: VarResult[] = [];
        for (const a of c.args) rs.push(await component(a));
        const f1 = c.attrs.format_1 ?? 'year_month_day';
        const f2 = c.attrs.format_2 ?? 'year_month_day';
        const values: Value[] = [];
        const firsts =
          rs.length === 1
            ? [{ v: String(Math.floor(Date.now() / 1000)), dt: 'int' as const }]
            : rs[0]!.values;
        const fmt1 = rs.length === 1 ? 'seconds_since_epoch' : f1;
        for (const a of firsts)
          for (const b of rs[rs.length - 1]!.values)
            values.push({ v: timeDifference(a.v, fmt1, b.v, f2), dt: 'int' });
        return { flag: rs[rs.length - 1]!.flag, values, messages: rs.flatMap((r) => r.messages) };
      }
      default:
        return { flag: 'error', values: [], messages: [`${c.where}: function ${c.fn} is not supported`] };
    }
  }

  // ------------------------------------------------------------------ objects
  function collectObject(obj: ObjectDef): Promise<Collected> {
    if (objectsInProgress.has(obj.id))
      return Promise.resolve({
        flag: 'error',
        items: [],
        messages: [`object ${obj.id} depends on itself (cycle)`],
        bindings: new Map<string, string[]>(),
      });
    let p = objects.get(obj.id);
    if (!p) {
      objectsInProgress.add(obj.id);
      p = doCollect(obj)
        .catch((e: unknown): Collected => ({
          flag: 'error',
          items: [],
          messages: [errorMessage(e)],
          bindings: new Map<string, string[]>(),
        }))
        .then((c) => {
          objectsInProgress.delete(obj.id);
          objectDone.set(obj.id, c);
          return c;
        });
      objects.set(obj.id, p);
    }
    return p;
  }

  function entityMatcher(ent: ObjectEntity): (candidate: string) => boolean {
    return (candidate: string) => {
      if (ent.values.length === 0) return false;
      const rs = ent.values.map((v) => compareValues(v, candidate, ent.datatype, ent.operation));
      return byCheck(rs, ent.varCheck) === 'true';
    };
  }

  async function doCollect(obj: ObjectDef): Promise<Collected> {
    const bindings = new Map<string, string[]>();
    if (obj.set) {
      const r = await evalSet(obj.set);
      return finish(r.flag, r.items, r.messages, bindings);
    }
    if (obj.type === 'variable_object' && obj.family === 'independent') {
      const ref = obj.entities.find((e) => e.name === 'var_ref');
      if (!ref)
        return { flag: 'error', items: [], messages: [`variable_object ${obj.id} has no var_ref`], bindings };
      const varId = ref.value.trim();
      const r = await resolveVar(varId);
      if (r.values.length > 0)
        bindings.set(
          varId,
          r.values.map((x) => x.v),
        );
      if (r.flag === 'does not exist')
        return {
          flag: 'does not exist',
          items: [],
          messages: [...r.messages, `Referenced variable has no values (${varId}).`],
          bindings,
        };
      if (!hasValues(r.flag) || r.values.length === 0)
        return {
          flag: 'error',
          items: [],
          messages: [...r.messages, `There was a problem processing referenced variable (${varId}).`],
          bindings,
        };
      // OpenSCAP 1.3 gives every variable_item of one variable the same item id, so only the first value
      // survives as an item (the others appear only as variable_value bindings); reproduced for identical verdicts.
      const first = r.values[0]!;
      const items = [
        store({
          type: 'variable_item',
          family: 'independent',
          status: 'exists',
          entities: {
            var_ref: [{ value: varId, datatype: 'string' }],
            value: [{ value: first.v, datatype: 'string' }],
          },
        }),
      ];
      return finish('complete', items, r.messages, bindings);
    }
    // Resolve entities.
    const entities: Record<string, ObjectEntity> = {};
    const messages: string[] = [];
    for (const e of obj.entities) {
      const oe: ObjectEntity = {
        name: e.name,
        values: [e.value],
        datatype: e.datatype,
        operation: e.operation,
        varCheck: e.varCheck === 'none exist' ? 'none satisfy' : e.varCheck,
        nil: e.nil,
      };
      if (e.varRef) {
        const r = await resolveVar(e.varRef);
        if (!hasValues(r.flag) || r.values.length === 0) {
          const msg =
            hasValues(r.flag) || r.flag === 'does not exist'
              ? `Referenced variable has no values (${e.varRef}).`
              : `There was a problem processing referenced variable (${e.varRef}).`;
          return { flag: 'does not exist', items: [], messages: [...r.messages, msg], bindings };
        }
        oe.values = r.values.map((x) => x.v);
        bindings.set(e.varRef, oe.values);
      }
      entities[e.name] = oe;
    }
    const prober = PROBE_FAMILIES.has(obj.family)
      ? opts.probers.find((p) => p.supports(obj.type, obj.family as ProbeRequest['family']))
      : undefined;
    if (!prober)
      return {
        flag: 'not collected',
        items: [],
        messages: [`no probe collects ${obj.family ? obj.family + ':' : ''}${obj.type} here`],
        bindings,
      };
    const matchers = new Map<string, (c: string) => boolean>();
    const req: ProbeRequest = {
      type: obj.type,
      family: obj.family as ProbeRequest['family'],
      id: obj.id,
      entities,
      behaviors: obj.behaviors,
      matches(name: string, candidate: string): boolean {
        let m = matchers.get(name);
        if (!m) {
          const ent = entities[name];
          if (!ent) return true;
          m = entityMatcher(ent);
          matchers.set(name, m);
        }
        return m(candidate);
      },
      regex: (pattern: string, flags?: string) => compileOvalRegex(pattern, flags),
    };
    // Probes that produce many items drop the ones the object's filters reject as they go.
    const keep = obj.filters.length > 0 ? await filterPredicate(obj.filters) : undefined;
    if (keep) req.keep = keep;
    const t0 = performance.now();
    let res;
    try {
      res = await prober.collect(req);
    } finally {
      collectMs += performance.now() - t0;
    }
    messages.push(...res.messages);
    // A probe may or may not have applied `keep`; applying it again is harmless (it is pure).
    const items = (keep ? res.items.filter(keep) : res.items).map(store);
    return finish(res.flag, items, messages, bindings);
  }

  function finish(
    flag: CollectedFlag,
    items: StoredItem[],
    messages: string[],
    bindings: Map<string, string[]>,
  ): Collected {
    const f: CollectedFlag = flag === 'complete' && items.length === 0 ? 'does not exist' : flag;
    return { flag: f, items, messages, bindings };
  }

  /** The filters of an object or a set as one synchronous predicate over items (true = keep). */
  async function filterPredicate(filters: FilterDef[]): Promise<(item: OvalItem) => boolean> {
    const prepared: Array<{ st: StateDef; exclude: boolean }> = [];
    for (const f of filters) {
      const st = doc.states.get(f.stateRef);
      if (!st) fail(`filter state ${f.stateRef} is not defined`);
      await prepareState(st!);
      prepared.push({ st: st!, exclude: f.action === 'exclude' });
    }
    return (item: OvalItem): boolean => {
      for (const { st, exclude } of prepared) {
        const r = filterItemAgainstState(item, st);
        if (exclude ? r === 'true' : r === 'false') return false;
      }
      return true;
    };
  }

  async function applyFilters(items: StoredItem[], filters: FilterDef[]): Promise<StoredItem[]> {
    const keep = await filterPredicate(filters);
    return items.filter((it) => keep(it.item));
  }

  async function evalSet(
    set: SetDef,
  ): Promise<{ flag: CollectedFlag; items: StoredItem[]; messages: string[] }> {
    const operands: Array<{ flag: CollectedFlag; items: StoredItem[] }> = [];
    const messages: string[] = [];
    for (const ref of set.objectRefs) {
      const o = doc.objects.get(ref);
      if (!o) fail(`set references the undefined object ${ref}`);
      const c = await collectObject(o!);
      messages.push(...c.messages);
      let items = c.items;
      if (set.filters.length > 0) items = await applyFilters(items, set.filters);
      operands.push({ flag: c.flag, items });
    }
    for (const s of set.sets) {
      const r = await evalSet(s);
      messages.push(...r.messages);
      operands.push(r);
    }
    const [a, b] = operands;
    if (!a) return { flag: 'error', items: [], messages: ['empty set'] };
    const flag = setFlag(set.operator, a.flag, b?.flag);
    let items: StoredItem[];
    if (!b) items = a.items;
    else if (set.operator === 'UNION') {
      const seen = new Set(a.items.map(contentKey));
      items = [...a.items];
      for (const x of b.items) {
        const k = contentKey(x);
        if (!seen.has(k)) {
          seen.add(k);
          items.push(x);
        }
      }
    } else {
      const inB = new Set(b.items.map(contentKey));
      items = a.items.filter((x) =>
        set.operator === 'INTERSECTION' ? inB.has(contentKey(x)) : !inB.has(contentKey(x)),
      );
    }
    return { flag: flag === 'complete' && items.length === 0 ? 'does not exist' : flag, items, messages };
  }

  // ------------------------------------------------------------------ states
  function entityAgainstItem(se: EntityDef, ie: ItemEntity): OvalResult {
    if ((ie.status ?? 'exists') === 'does not exist') return 'false';
    if (se.varRef) {
      const r = varDone.get(se.varRef);
      if (!r || !hasValues(r.flag)) return 'error';
      const rs = r.values.map((x) => compareValues(x.v, ie.value, x.dt, se.operation));
      return byCheck(rs, se.varCheck);
    }
    if (se.datatype === 'record') {
      if (se.operation !== 'equals') return 'error';
      const rec: OvalResult[] = [];
      for (const sf of se.fields) {
        const fr: OvalResult[] = [];
        let found = false;
        for (const f of ie.fields ?? []) {
          if (f.name !== sf.name) continue;
          found = true;
          fr.push(compareValues(sf.value, f.value, sf.datatype, 'equals'));
        }
        rec.push(found ? byCheck(fr, sf.entityCheck) : 'error');
      }
      return byOperator(rec, 'AND');
    }
    return compareValues(se.value, ie.value, se.datatype, se.operation);
  }

  /** A test's state against one item (OpenSCAP 1.3 eval_item: entity_check per entity, then the operator). */
  function evalItemAgainstState(item: OvalItem, st: StateDef): OvalResult {
    const results: OvalResult[] = [];
    for (const se of st.entities) {
      const name = se.name === 'line' && st.type === 'textfilecontent_state' ? 'text' : se.name;
      const rs: OvalResult[] = [];
      for (const ie of item.entities[name] ?? []) rs.push(entityAgainstItem(se, ie));
      results.push(byCheck(rs, se.entityCheck));
    }
    return byOperator(results, st.operator);
  }

  /**
   * A filter's state against one item, with the probe-side semantics OpenSCAP applies to filters: an
   * item entity in error is error, a datatype that differs from the state entity's is error, and a
   * state entity the item lacks counts as false.
   */
  function filterItemAgainstState(item: OvalItem, st: StateDef): OvalResult {
    const results: OvalResult[] = [];
    for (const se of st.entities) {
      const ents = item.entities[se.name] ?? [];
      if (ents.length === 0) {
        results.push('false');
        continue;
      }
      const rs: OvalResult[] = [];
      for (const ie of ents) {
        const status = ie.status ?? 'exists';
        if (status === 'does not exist') rs.push('false');
        else if (status !== 'exists') rs.push('error');
        else if (ie.datatype !== se.datatype) rs.push('error');
        else {
          const r = entityAgainstItem(se, ie);
          rs.push(r === 'not evaluated' ? 'error' : r);
        }
      }
      results.push(byCheck(rs, se.entityCheck));
    }
    return byOperator(results, st.operator);
  }

  // ------------------------------------------------------------------ tests
  function evaluateTest(id: string): Promise<TestOutcome> {
    let p = tests.get(id);
    if (!p) {
      p = doTest(id).catch((e: unknown) => ({
        result: 'error' as const,
        items: [],
        bindings: new Map<string, string[]>(),
        messages: [errorMessage(e)],
      }));
      p.then(
        (t) => testDone.set(id, t),
        () => undefined,
      );
      tests.set(id, p);
    }
    return p;
  }

  async function doTest(id: string): Promise<TestOutcome> {
    const test = doc.tests.get(id);
    if (!test)
      return {
        result: 'error',
        items: [],
        bindings: new Map(),
        messages: [`test ${id} is not defined in ${doc.file}`],
      };
    if (test.objectRef === undefined)
      return {
        result: 'unknown',
        items: [],
        bindings: new Map(),
        messages: [`test ${id} (${test.type}) has no object`],
      };
    const obj = doc.objects.get(test.objectRef);
    if (!obj)
      return {
        result: 'error',
        items: [],
        bindings: new Map(),
        messages: [`object ${test.objectRef} is not defined`],
      };
    const states: StateDef[] = [];
    for (const sr of test.stateRefs) {
      const st = doc.states.get(sr);
      if (!st)
        return { result: 'error', items: [], bindings: new Map(), messages: [`state ${sr} is not defined`] };
      states.push(st);
    }
    const col = await collectObject(obj);
    const out: TestOutcome = { result: 'error', items: [], bindings: new Map(), messages: [...col.messages] };
    const seen = new Set<number>();
    let exists = 0;
    let errors = 0;
    for (const it of col.items) {
      if (it.item.status === 'exists') exists++;
      if (it.item.status === 'error') errors++;
      if (seen.has(it.id)) continue;
      seen.add(it.id);
      out.items.push({ id: it.id, result: 'not evaluated' });
    }
    const hasState = states.length > 0;
    const ce = test.checkExistence;
    let result: OvalResult;
    switch (col.flag) {
      case 'error':
        result = ce === 'any_exist' && !hasState ? 'true' : 'error';
        break;
      case 'not collected':
        result = ce === 'any_exist' && !hasState ? 'true' : 'unknown';
        break;
      case 'not applicable':
        result = ce === 'any_exist' && !hasState ? 'true' : 'not applicable';
        break;
      case 'does not exist':
        result = ce === 'none_exist' || ce === 'any_exist' ? 'true' : 'false';
        break;
      case 'complete':
        result = byExistence(ce, exists, errors);
        if (result === 'true' && hasState) result = await checkStates(test, states, out, col);
        break;
      case 'incomplete':
        if (ce === 'any_exist') result = 'true';
        else if (ce === 'at_least_one_exists' && exists > 0) result = 'true';
        else if (ce === 'none_exist' && exists > 0) result = 'false';
        else if (ce === 'only_one_exists' && exists > 1) result = 'false';
        else result = 'unknown';
        if (result === 'true' && hasState) {
          result = await checkStates(test, states, out, col);
          if (result === 'true') {
            if (test.check !== 'at least one') result = 'unknown';
          } else if (result !== 'false') result = 'unknown';
        }
        break;
    }
    out.result = result;
    // Bindings: variables of the states, then those of the object not already listed.
    for (const st of states)
      for (const se of st.entities)
        for (const ref of [se.varRef, ...se.fields.map((f) => f.varRef)])
          if (ref && !out.bindings.has(ref)) {
            const r = await resolveVar(ref);
            out.bindings.set(
              ref,
              r.values.map((x) => x.v),
            );
          }
    for (const [k, v] of col.bindings) if (!out.bindings.has(k)) out.bindings.set(k, v);
    return out;
  }

  async function checkStates(
    test: TestDef,
    states: StateDef[],
    out: TestOutcome,
    col: Collected,
  ): Promise<OvalResult> {
    for (const st of states) await prepareState(st);
    const byId = new Map(col.items.map((x) => [x.id, x.item]));
    const itemResults: OvalResult[] = [];
    for (const ti of out.items) {
      const item = byId.get(ti.id)!;
      let r: OvalResult;
      if (item.status === 'error' || item.status === 'not collected') r = 'error';
      else if (item.status === 'does not exist') r = 'false';
      else {
        const rs: OvalResult[] = [];
        for (const st of states) rs.push(evalItemAgainstState(item, st));
        r = byOperator(rs, test.stateOperator);
      }
      ti.result = r;
      itemResults.push(r);
    }
    return byCheck(itemResults, test.check);
  }

  // ------------------------------------------------------------------ definitions
  async function criteria(node: CriteriaNode, messages: string[]): Promise<CriteriaOutcome> {
    if (node.kind === 'criterion') {
      const t = await evaluateTest(node.testRef);
      // Say why a test could not decide (error, or unknown such as an object no probe collects).
      if (t.result === 'error' || t.result === 'unknown')
        for (const m of t.messages) if (!messages.includes(m)) messages.push(m);
      return {
        kind: 'criterion',
        node,
        result: negate(t.result, node.negate),
        version: doc.tests.get(node.testRef)?.version ?? '0',
      };
    }
    if (node.kind === 'extend') {
      const d = await evalDefinition(node.definitionRef);
      if (d.outcome.result === 'error' || d.outcome.result === 'unknown')
        messages.push(...d.outcome.messages.filter((m) => !messages.includes(m)));
      return {
        kind: 'extend',
        node,
        result: negate(d.outcome.result, node.negate),
        version: doc.definitions.get(node.definitionRef)?.version ?? '0',
      };
    }
    const children: CriteriaOutcome[] = [];
    for (const c of node.children) children.push(await criteria(c, messages));
    return {
      kind: 'criteria',
      node,
      result: negate(
        byOperator(
          children.map((c) => c.result),
          node.operator,
        ),
        node.negate,
      ),
      children,
    };
  }

  function evalDefinition(id: string): Promise<DefinitionState> {
    if (inProgress.has(id))
      return Promise.resolve({
        outcome: { id, result: 'error', messages: [`definition ${id} extends itself (cycle)`] },
      });
    const hit = defs.get(id);
    if (hit) return hit;
    const p = (async (): Promise<DefinitionState> => {
      inProgress.add(id);
      try {
        const def = doc.definitions.get(id);
        if (!def)
          return {
            outcome: { id, result: 'error', messages: [`definition ${id} is not defined in ${doc.file}`] },
          };
        if (!def.criteria)
          return { outcome: { id, result: 'not evaluated', messages: ['the definition has no criteria'] } };
        const messages: string[] = [];
        try {
          const c = await criteria(def.criteria, messages);
          return { outcome: { id, result: c.result, messages }, criteria: c };
        } catch (e) {
          if (e instanceof ContentError || e instanceof BulwarkError)
            return { outcome: { id, result: 'error', messages: [...messages, errorMessage(e)] } };
          throw e;
        }
      } finally {
        inProgress.delete(id);
      }
    })();
    defs.set(id, p);
    p.then(
      (d) => defDone.set(id, d),
      () => undefined,
    );
    return p;
  }

  return {
    evaluateDefinition(id: string): Promise<DefinitionOutcome> {
      // Calls are serialized: concurrent callers queue, which keeps cycle detection exact and probes
      // from competing for the target.
      const run = queue.then(async () => {
        const t0 = performance.now();
        try {
          return (await evalDefinition(id)).outcome;
        } finally {
          totalMs += performance.now() - t0;
        }
      });
      queue = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
    resultsXml(o?: { directives?: 'full' | 'thin' }): string {
      const data: ResultsData = {
        doc,
        definitions: defDone,
        tests: testDone,
        objects: objectDone,
        items: allItems,
        variables: vars,
        systemInfo: opts.systemInfo,
      };
      return writeResults(data, o?.directives ?? 'full');
    },
    timings() {
      return { collectMs, evaluateMs: Math.max(0, totalMs - collectMs) };
    },
  };
}

/** Cartesian product of value lists, the first list varying fastest; values concatenated in list order. */
function cartesianOdometer(lists: Value[][]): string[] {
  if (lists.length === 0) return [''];
  let acc: string[][] = [[]];
  for (let k = lists.length - 1; k >= 0; k--) {
    const next: string[][] = [];
    for (const prefix of acc) for (const x of lists[k]!) next.push([x.v, ...prefix]);
    acc = next;
  }
  // acc: last list outermost, first list innermost (fastest)
  return acc.map((parts) => parts.join(''));
}
