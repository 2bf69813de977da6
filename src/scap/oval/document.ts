/**
 * Loading an OVAL 5.11 definitions document (an <oval_definitions> element from parseXml) into an
 * indexed model: definitions, tests, objects, states and variables by id. Structural errors (a missing
 * id, an invalid enumeration value, a duplicate id) throw BW_CONTENT_INVALID with file:line:column;
 * unknown elements are collected as warnings. References between parts are checked lazily: a dangling
 * reference makes the definitions using it `error`, the rest of the document still evaluates.
 */
import { BulwarkError } from '../../core/errors.js';
import { NS, where, type XmlElement } from '../xml.js';
import type { OvalDatatype, OvalOperation } from './types.js';

export type Check = 'all' | 'at least one' | 'none satisfy' | 'only one' | 'none exist';
export type Existence = 'all_exist' | 'any_exist' | 'at_least_one_exists' | 'none_exist' | 'only_one_exists';
export type Operator = 'AND' | 'OR' | 'ONE' | 'XOR';
export type Family = string;

const DEF = NS.ovalDef;

const DATATYPES = new Set<string>([
  'binary',
  'boolean',
  'evr_string',
  'debian_evr_string',
  'fileset_revision',
  'float',
  'ios_version',
  'int',
  'ipv4_address',
  'ipv6_address',
  'string',
  'version',
  'record',
]);
const OPERATIONS = new Set<string>([
  'equals',
  'not equal',
  'case insensitive equals',
  'case insensitive not equal',
  'greater than',
  'less than',
  'greater than or equal',
  'less than or equal',
  'bitwise and',
  'bitwise or',
  'pattern match',
  'subset of',
  'superset of',
]);
const CHECKS = new Set<string>(['all', 'at least one', 'none satisfy', 'only one', 'none exist']);
const EXISTENCES = new Set<string>([
  'all_exist',
  'any_exist',
  'at_least_one_exists',
  'none_exist',
  'only_one_exists',
]);
const OPERATORS = new Set<string>(['AND', 'OR', 'ONE', 'XOR']);

export interface EntityDef {
  name: string;
  value: string;
  datatype: OvalDatatype;
  operation: OvalOperation;
  varRef?: string;
  varCheck: Check;
  entityCheck: Check;
  checkExistence: Existence;
  nil: boolean;
  /** Record fields (state entities of datatype record). */
  fields: EntityDef[];
}

export interface FilterDef {
  action: 'include' | 'exclude';
  stateRef: string;
}

export interface SetDef {
  operator: 'UNION' | 'INTERSECTION' | 'COMPLEMENT';
  objectRefs: string[];
  filters: FilterDef[];
  sets: SetDef[];
}

export interface ObjectDef {
  id: string;
  version: string;
  /** Local name, e.g. textfilecontent54_object. */
  type: string;
  family: Family;
  comment?: string;
  deprecated: boolean;
  entities: EntityDef[];
  behaviors: Record<string, string>;
  set?: SetDef;
  filters: FilterDef[];
  el: XmlElement;
}

export interface StateDef {
  id: string;
  version: string;
  type: string;
  family: Family;
  operator: Operator;
  entities: EntityDef[];
  el: XmlElement;
}

export interface TestDef {
  id: string;
  version: string;
  type: string;
  family: Family;
  check: Check;
  checkExistence: Existence;
  stateOperator: Operator;
  objectRef?: string;
  stateRefs: string[];
  comment?: string;
  deprecated: boolean;
  el: XmlElement;
}

export type CriteriaNode =
  | {
      kind: 'criteria';
      operator: Operator;
      negate: boolean;
      applicabilityCheck?: boolean;
      children: CriteriaNode[];
    }
  | { kind: 'criterion'; testRef: string; negate: boolean; applicabilityCheck?: boolean }
  | { kind: 'extend'; definitionRef: string; negate: boolean; applicabilityCheck?: boolean };

export interface DefinitionDef {
  id: string;
  version: string;
  class: string;
  title: string;
  deprecated: boolean;
  criteria?: CriteriaNode;
  el: XmlElement;
}

export type Component =
  | { kind: 'literal'; value: string; datatype: OvalDatatype }
  | { kind: 'object'; objectRef: string; itemField: string; recordField?: string }
  | { kind: 'variable'; varRef: string }
  | { kind: 'function'; fn: string; attrs: Record<string, string>; args: Component[]; where: string };

export interface PossibleRestriction {
  operator: Operator;
  restrictions: Array<{ operation: OvalOperation; value: string }>;
}

export type VariableDef =
  | {
      kind: 'constant';
      id: string;
      version: string;
      datatype: OvalDatatype;
      values: string[];
      el: XmlElement;
    }
  | {
      kind: 'external';
      id: string;
      version: string;
      datatype: OvalDatatype;
      possibleValues: string[];
      possibleRestrictions: PossibleRestriction[];
      el: XmlElement;
    }
  | {
      kind: 'local';
      id: string;
      version: string;
      datatype: OvalDatatype;
      component?: Component;
      el: XmlElement;
    };

export interface OvalDocument {
  file: string;
  root: XmlElement;
  definitionIds(): string[];
  hasDefinition(id: string): boolean;
  definitions: Map<string, DefinitionDef>;
  tests: Map<string, TestDef>;
  objects: Map<string, ObjectDef>;
  states: Map<string, StateDef>;
  variables: Map<string, VariableDef>;
  /** Unknown or unsupported elements met while loading (file:line:col: message). */
  warnings: string[];
}

function familyOf(ns: string): Family {
  const i = ns.indexOf('#');
  return i < 0 ? '' : ns.slice(i + 1);
}

export function loadOvalDocument(root: XmlElement, file: string): OvalDocument {
  const warnings: string[] = [];
  const fail = (el: XmlElement, msg: string): never => {
    throw new BulwarkError(
      'BW_CONTENT_INVALID',
      `${where(file, el)}: ${msg}`,
      'The OVAL definitions do not follow the OVAL 5.11 schema; obtain the content from its publisher again or correct it.',
    );
  };
  if (root.name !== 'oval_definitions' || root.ns !== DEF)
    fail(root, `expected <oval_definitions> in ${DEF}, found <${root.name}> in ${root.ns || 'no namespace'}`);

  const need = (el: XmlElement, attr: string): string => {
    const v = el.attrs[attr];
    if (v === undefined || v === '') return fail(el, `<${el.name}> has no ${attr} attribute`);
    return v;
  };
  const en = <T extends string>(el: XmlElement, attr: string, allowed: Set<string>, dflt: T): T => {
    const v = el.attrs[attr];
    if (v === undefined) return dflt;
    if (!allowed.has(v))
      fail(el, `<${el.name}> has an invalid ${attr}="${v}" (allowed: ${[...allowed].join(', ')})`);
    return v as T;
  };
  const bool = (el: XmlElement, attr: string): boolean => {
    const v = el.attrs[attr];
    if (v === undefined) return false;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    return fail(el, `<${el.name}> has an invalid boolean ${attr}="${v}"`);
  };
  const optBool = (el: XmlElement, attr: string): boolean | undefined =>
    el.attrs[attr] === undefined ? undefined : bool(el, attr);

  const definitions = new Map<string, DefinitionDef>();
  const tests = new Map<string, TestDef>();
  const objects = new Map<string, ObjectDef>();
  const states = new Map<string, StateDef>();
  const variables = new Map<string, VariableDef>();
  const seen = new Set<string>();
  const unique = (el: XmlElement, id: string): void => {
    if (seen.has(id)) fail(el, `the id ${id} is defined twice`);
    seen.add(id);
  };

  const parseEntity = (el: XmlElement, inState: boolean): EntityDef => {
    const datatype = en<OvalDatatype>(el, 'datatype', DATATYPES, 'string');
    const e: EntityDef = {
      name: el.name,
      value: el.text,
      datatype,
      operation: en<OvalOperation>(el, 'operation', OPERATIONS, 'equals'),
      varCheck: en<Check>(el, 'var_check', CHECKS, 'all'),
      entityCheck: en<Check>(el, 'entity_check', CHECKS, 'all'),
      checkExistence: en<Existence>(el, 'check_existence', EXISTENCES, 'at_least_one_exists'),
      nil: el.attrs['xsi:nil'] === 'true' || el.attrs.nil === 'true',
      fields: [],
    };
    const vr = el.attrs.var_ref;
    if (vr) e.varRef = vr;
    if (datatype === 'record') {
      for (const f of el.children) {
        if (f.name !== 'field') {
          warnings.push(`${where(file, f)}: unexpected <${f.name}> inside record entity <${el.name}>`);
          continue;
        }
        const fe = parseEntity(f, inState);
        fe.name = need(f, 'name');
        e.fields.push(fe);
      }
    } else if (el.children.length > 0) {
      warnings.push(`${where(file, el)}: entity <${el.name}> has unexpected child elements`);
    }
    return e;
  };

  const parseFilter = (el: XmlElement): FilterDef => ({
    action: en<'include' | 'exclude'>(el, 'action', new Set(['include', 'exclude']), 'exclude'),
    stateRef: el.text.trim() || fail(el, '<filter> has no state id'),
  });

  const parseSet = (el: XmlElement): SetDef => {
    const s: SetDef = {
      operator: en<SetDef['operator']>(
        el,
        'set_operator',
        new Set(['UNION', 'INTERSECTION', 'COMPLEMENT']),
        'UNION',
      ),
      objectRefs: [],
      filters: [],
      sets: [],
    };
    for (const c of el.children) {
      if (c.name === 'object_reference') s.objectRefs.push(c.text.trim());
      else if (c.name === 'filter') s.filters.push(parseFilter(c));
      else if (c.name === 'set') s.sets.push(parseSet(c));
      else warnings.push(`${where(file, c)}: unknown element <${c.name}> inside <set>`);
    }
    if (s.sets.length === 0 && s.objectRefs.length === 0)
      fail(el, '<set> has neither object_reference nor set');
    if (s.sets.length > 2 || s.objectRefs.length > 2) fail(el, '<set> has more than two operands');
    if (s.operator === 'COMPLEMENT' && s.sets.length + s.objectRefs.length !== 2)
      fail(el, 'a COMPLEMENT <set> needs exactly two operands');
    return s;
  };

  const parseComponent = (el: XmlElement): Component => {
    switch (el.name) {
      case 'literal_component':
        return {
          kind: 'literal',
          value: el.text,
          datatype: en<OvalDatatype>(el, 'datatype', DATATYPES, 'string'),
        };
      case 'object_component': {
        const c: Component = {
          kind: 'object',
          objectRef: need(el, 'object_ref'),
          itemField: need(el, 'item_field'),
        };
        if (el.attrs.record_field) c.recordField = el.attrs.record_field;
        return c;
      }
      case 'variable_component':
        return { kind: 'variable', varRef: need(el, 'var_ref') };
      case 'arithmetic':
      case 'begin':
      case 'concat':
      case 'end':
      case 'escape_regex':
      case 'split':
      case 'substring':
      case 'time_difference':
      case 'regex_capture':
      case 'unique':
      case 'count':
      case 'glob_to_regex': {
        const args = el.children.filter((c) => c.ns === DEF).map(parseComponent);
        if (args.length === 0) fail(el, `<${el.name}> has no component`);
        if (el.name === 'arithmetic')
          en(el, 'arithmetic_operation', new Set(['add', 'multiply', 'subtract', 'divide']), 'add');
        return { kind: 'function', fn: el.name, attrs: el.attrs, args, where: where(file, el) };
      }
      default:
        return fail(el, `unknown variable component <${el.name}>`);
    }
  };

  const parseCriteria = (el: XmlElement): CriteriaNode => {
    const ac = optBool(el, 'applicability_check');
    const withAc = <T extends CriteriaNode>(n: T): T => {
      if (ac !== undefined) n.applicabilityCheck = ac;
      return n;
    };
    if (el.name === 'criteria') {
      const children: CriteriaNode[] = [];
      for (const c of el.children) {
        if (c.name === 'criteria' || c.name === 'criterion' || c.name === 'extend_definition')
          children.push(parseCriteria(c));
        else warnings.push(`${where(file, c)}: unknown element <${c.name}> inside <criteria>`);
      }
      if (children.length === 0) fail(el, '<criteria> is empty');
      return withAc({
        kind: 'criteria',
        operator: en<Operator>(el, 'operator', OPERATORS, 'AND'),
        negate: bool(el, 'negate'),
        children,
      });
    }
    if (el.name === 'criterion')
      return withAc({ kind: 'criterion', testRef: need(el, 'test_ref'), negate: bool(el, 'negate') });
    return withAc({ kind: 'extend', definitionRef: need(el, 'definition_ref'), negate: bool(el, 'negate') });
  };

  for (const section of root.children) {
    if (section.ns !== DEF) {
      warnings.push(`${where(file, section)}: unknown element <${section.name}> (${section.ns})`);
      continue;
    }
    switch (section.name) {
      case 'generator':
        break;
      case 'definitions':
        for (const d of section.children) {
          if (d.name !== 'definition') {
            warnings.push(`${where(file, d)}: unknown element <${d.name}> in <definitions>`);
            continue;
          }
          const id = need(d, 'id');
          unique(d, id);
          const meta = d.children.find((c) => c.name === 'metadata');
          const title = meta?.children.find((c) => c.name === 'title')?.text ?? '';
          const crit = d.children.find((c) => c.name === 'criteria');
          const def: DefinitionDef = {
            id,
            version: need(d, 'version'),
            class: d.attrs.class ?? '',
            title,
            deprecated: bool(d, 'deprecated'),
            el: d,
          };
          if (crit) def.criteria = parseCriteria(crit);
          definitions.set(id, def);
        }
        break;
      case 'tests':
        for (const t of section.children) {
          const id = need(t, 'id');
          unique(t, id);
          const objEl = t.children.find((c) => c.name === 'object');
          const test: TestDef = {
            id,
            version: need(t, 'version'),
            type: t.name,
            family: familyOf(t.ns),
            check: en<Check>(t, 'check', CHECKS, 'all'),
            checkExistence: en<Existence>(t, 'check_existence', EXISTENCES, 'at_least_one_exists'),
            stateOperator: en<Operator>(t, 'state_operator', OPERATORS, 'AND'),
            stateRefs: t.children.filter((c) => c.name === 'state').map((c) => need(c, 'state_ref')),
            deprecated: bool(t, 'deprecated'),
            el: t,
          };
          if (objEl) test.objectRef = need(objEl, 'object_ref');
          if (t.attrs.comment !== undefined) test.comment = t.attrs.comment;
          tests.set(id, test);
        }
        break;
      case 'objects':
        for (const o of section.children) {
          const id = need(o, 'id');
          unique(o, id);
          const obj: ObjectDef = {
            id,
            version: need(o, 'version'),
            type: o.name,
            family: familyOf(o.ns),
            deprecated: bool(o, 'deprecated'),
            entities: [],
            behaviors: {},
            filters: [],
            el: o,
          };
          if (o.attrs.comment !== undefined) obj.comment = o.attrs.comment;
          for (const c of o.children) {
            if (c.ns === DEF) {
              if (c.name === 'set') obj.set = parseSet(c);
              else if (c.name === 'filter') obj.filters.push(parseFilter(c));
              else if (c.name !== 'notes' && c.name !== 'Signature')
                warnings.push(`${where(file, c)}: unknown element <${c.name}> in object ${id}`);
            } else if (c.name === 'behaviors') {
              Object.assign(obj.behaviors, c.attrs);
            } else obj.entities.push(parseEntity(c, false));
          }
          objects.set(id, obj);
        }
        break;
      case 'states':
        for (const s of section.children) {
          const id = need(s, 'id');
          unique(s, id);
          states.set(id, {
            id,
            version: need(s, 'version'),
            type: s.name,
            family: familyOf(s.ns),
            operator: en<Operator>(s, 'operator', OPERATORS, 'AND'),
            entities: s.children.filter((c) => c.ns !== DEF).map((c) => parseEntity(c, true)),
            el: s,
          });
        }
        break;
      case 'variables':
        for (const v of section.children) {
          const id = need(v, 'id');
          unique(v, id);
          const datatype = en<OvalDatatype>(v, 'datatype', DATATYPES, 'string');
          if (!v.attrs.datatype) fail(v, `<${v.name}> has no datatype attribute`);
          const version = need(v, 'version');
          if (v.name === 'constant_variable') {
            const values = v.children.filter((c) => c.name === 'value').map((c) => c.text);
            if (values.length === 0) fail(v, '<constant_variable> has no <value>');
            variables.set(id, { kind: 'constant', id, version, datatype, values, el: v });
          } else if (v.name === 'external_variable') {
            const possibleValues = v.children.filter((c) => c.name === 'possible_value').map((c) => c.text);
            const possibleRestrictions = v.children
              .filter((c) => c.name === 'possible_restriction')
              .map((pr) => ({
                operator: en<Operator>(pr, 'operator', OPERATORS, 'AND'),
                restrictions: pr.children
                  .filter((r) => r.name === 'restriction')
                  .map((r) => ({
                    operation: en<OvalOperation>(r, 'operation', OPERATIONS, 'equals'),
                    value: r.text,
                  })),
              }));
            variables.set(id, {
              kind: 'external',
              id,
              version,
              datatype,
              possibleValues,
              possibleRestrictions,
              el: v,
            });
          } else if (v.name === 'local_variable') {
            const comps = v.children.filter(
              (c) => c.ns === DEF && c.name !== 'notes' && c.name !== 'Signature',
            );
            const first = comps[0];
            if (!first) fail(v, '<local_variable> has no component');
            variables.set(id, {
              kind: 'local',
              id,
              version,
              datatype,
              component: parseComponent(first!),
              el: v,
            });
          } else warnings.push(`${where(file, v)}: unknown variable type <${v.name}>`);
        }
        break;
      default:
        warnings.push(`${where(file, section)}: unknown element <${section.name}>`);
    }
  }
  const ids = [...definitions.keys()];
  return {
    file,
    root,
    definitionIds: () => ids,
    hasDefinition: (id) => definitions.has(id),
    definitions,
    tests,
    objects,
    states,
    variables,
    warnings,
  };
}
