/** Loads and validates content: rule files, profiles, and a plant's or vendor's policy files. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { BulwarkError, type Issue } from '../core/errors.js';
import type { FactSchemas } from '../core/types.js';
import { validateCheck } from '../engine/check.js';
import type { Catalogue, Tailoring } from '../engine/profile.js';
import { ProfileSchema, RuleSchema, type Profile, type Rule } from '../engine/rule.js';
import { SEVERITIES } from '../core/types.js';
import { factSchemas } from '../collect/registry.js';
import { contentDir } from './catalogue.js';
import { locate, parseYaml, zodIssues } from './yaml.js';
import { z } from 'zod';

export { contentDir } from './catalogue.js';
export { factSchemas } from '../collect/registry.js';

const MAX_CONTENT_BYTES = 1024 * 1024;

function readContent(file: string, code: 'BW_CONTENT_INVALID' | 'BW_POLICY_INVALID' | 'BW_TAILORING_INVALID'): string {
  let st;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new BulwarkError('BW_FILE_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'check the path and its permissions', { cause: e });
  }
  if (!st.isFile()) throw new BulwarkError('BW_FILE_UNREADABLE', `${file} is not a regular file`, 'give the path of a YAML file');
  if (st.size > MAX_CONTENT_BYTES) throw new BulwarkError(code, `${file} is ${st.size} bytes; content files are limited to 1 MiB`, 'split the file');
  const buf = fs.readFileSync(file);
  if (buf.subarray(0, 8192).includes(0)) throw new BulwarkError(code, `${file} is binary, not YAML`, 'give a YAML text file');
  return buf.toString('utf8');
}

function ruleIssues(raw: unknown, file: string, doc: Document, lines: LineCounter, schemas: FactSchemas, prefix: (string | number)[]): { rule?: Rule; issues: Issue[] } {
  const parsed = RuleSchema.safeParse(raw);
  if (!parsed.success) return { issues: zodIssues(parsed.error, file, doc, lines, prefix) };
  const rule = parsed.data;
  const params = new Set(Object.keys(rule.parameters ?? {}));
  const checkIssues = [...validateCheck(rule.check, schemas, params, ['check']), ...(rule.applies_if ? validateCheck(rule.applies_if, schemas, params, ['applies_if']) : [])];
  const issues: Issue[] = checkIssues.map((c) => {
    const at = locate(doc, lines, [...prefix, ...c.path]);
    return { code: c.code, file, ...(at ? { line: at.line, column: at.column } : {}), path: [...prefix, ...c.path].join('.'), message: c.message };
  });
  for (const [name, p] of Object.entries(rule.parameters ?? {})) {
    if (!paramValueOk(p.type, p.default)) {
      const at = locate(doc, lines, [...prefix, 'parameters', name, 'default']);
      issues.push({ code: 'param_type', file, ...(at ? { line: at.line, column: at.column } : {}), path: [...prefix, 'parameters', name].join('.'), message: `default does not match type ${p.type}` });
    }
  }
  return issues.length ? { issues } : { rule, issues };
}

export function paramValueOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'string_list':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'int_list':
      return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x));
    default:
      return false;
  }
}

export interface LoadedRule {
  rule: Rule;
  file: string;
}

function listYaml(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

export interface ContentLoad {
  catalogue: Catalogue;
  files: Map<string, string>;
  issues: Issue[];
}

/** Loads every built-in rule and profile. Collects all issues rather than stopping at the first. */
export function loadBuiltinContent(dir = contentDir()): ContentLoad {
  const schemas = factSchemas();
  const rules = new Map<string, Rule>();
  const files = new Map<string, string>();
  const aliases = new Map<string, string>();
  const profiles = new Map<string, Profile>();
  const issues: Issue[] = [];
  for (const file of listYaml(path.join(dir, 'rules'))) {
    const rel = path.relative(dir, file);
    const { doc, lines, issues: yi, data } = parseYaml(readContent(file, 'BW_CONTENT_INVALID'), rel);
    if (yi.length) {
      issues.push(...yi);
      continue;
    }
    const r = ruleIssues(data, rel, doc, lines, schemas, []);
    issues.push(...r.issues);
    if (!r.rule) continue;
    const expected = path.basename(file).replace(/\.ya?ml$/, '');
    if (r.rule.id !== expected) issues.push({ code: 'id_mismatch', file: rel, line: 1, path: 'id', message: `rule id "${r.rule.id}" must match its file name "${expected}"` });
    if (path.basename(path.dirname(file)) !== r.rule.area) issues.push({ code: 'area_mismatch', file: rel, path: 'area', message: `rule area "${r.rule.area}" must match its folder "${path.basename(path.dirname(file))}"` });
    addRule(r.rule, rel, rules, aliases, files, issues);
  }
  for (const file of listYaml(path.join(dir, 'profiles'))) {
    const rel = path.relative(dir, file);
    const p = parseProfile(readContent(file, 'BW_CONTENT_INVALID'), rel, issues);
    if (p) profiles.set(p.id, p);
  }
  return { catalogue: { rules, aliases, profiles }, files, issues };
}

function addRule(rule: Rule, file: string, rules: Map<string, Rule>, aliases: Map<string, string>, files: Map<string, string>, issues: Issue[]): void {
  if (rules.has(rule.id) || aliases.has(rule.id)) {
    issues.push({ code: 'duplicate_id', file, path: 'id', message: `rule id "${rule.id}" is already defined in ${files.get(rule.id) ?? 'another rule (as an alias)'}` });
    return;
  }
  rules.set(rule.id, rule);
  files.set(rule.id, file);
  for (const a of rule.aliases ?? []) {
    if (rules.has(a) || aliases.has(a)) issues.push({ code: 'duplicate_alias', file, path: 'aliases', message: `alias "${a}" is already a rule id or alias` });
    else aliases.set(a, rule.id);
  }
}

function parseProfile(text: string, file: string, issues: Issue[]): Profile | undefined {
  const { doc, lines, issues: yi, data } = parseYaml(text, file);
  if (yi.length) {
    issues.push(...yi);
    return undefined;
  }
  const p = ProfileSchema.safeParse(data);
  if (!p.success) {
    issues.push(...zodIssues(p.error, file, doc, lines));
    return undefined;
  }
  return p.data;
}

/** Loads the built-in catalogue, refusing to run on invalid content. */
export function loadCatalogue(): Catalogue {
  const { catalogue, issues } = loadBuiltinContent();
  if (issues.length) throw new BulwarkError('BW_CONTENT_INVALID', `the built-in content has ${issues.length} problem(s)`, 'run `npm run check:content` for details', { issues });
  return catalogue;
}

const PolicySchema = z
  .object({
    rules: z.array(z.unknown()).default([]),
    profiles: z.array(z.unknown()).default([]),
  })
  .strict();

/**
 * Adds a policy file (a single rule document, or `{rules: […], profiles: […]}`) to the catalogue.
 * Returns the ids of the rules it defines. A policy is data: the same validation as built-in content.
 */
export function loadPolicy(file: string, cat: Catalogue): { catalogue: Catalogue; ruleIds: string[]; profileIds: string[] } {
  const rel = file;
  const { doc, lines, issues, data } = parseYaml(readContent(file, 'BW_POLICY_INVALID'), rel);
  const fail = (is: Issue[]) => new BulwarkError('BW_POLICY_INVALID', `${file} is not a valid policy (${is.length} problem${is.length > 1 ? 's' : ''})`, 'fix the listed keys; the policy format is documented in docs/writing-rules.md', { issues: is });
  if (issues.length) throw fail(issues);
  const raw = data;
  const schemas = factSchemas();
  const rules = new Map(cat.rules);
  const aliases = new Map(cat.aliases);
  const profiles = new Map(cat.profiles);
  const files = new Map<string, string>();
  const all: Issue[] = [];
  const ruleIds: string[] = [];
  const profileIds: string[] = [];
  const docs: { raw: unknown; prefix: (string | number)[] }[] = [];
  let profileDocs: { raw: unknown; prefix: (string | number)[] }[] = [];
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && ('rules' in raw || 'profiles' in raw)) {
    const p = PolicySchema.safeParse(raw);
    if (!p.success) throw fail(zodIssues(p.error, rel, doc, lines));
    p.data.rules.forEach((r, i) => docs.push({ raw: r, prefix: ['rules', i] }));
    profileDocs = p.data.profiles.map((r, i) => ({ raw: r, prefix: ['profiles', i] }));
  } else docs.push({ raw, prefix: [] });
  for (const d of docs) {
    const r = ruleIssues(d.raw, rel, doc, lines, schemas, d.prefix);
    all.push(...r.issues);
    if (r.rule) {
      const before = all.length;
      addRule(r.rule, rel, rules, aliases, files, all);
      if (all.length === before) ruleIds.push(r.rule.id);
    }
  }
  for (const d of profileDocs) {
    const p = ProfileSchema.safeParse(d.raw);
    if (!p.success) all.push(...zodIssues(p.error, rel, doc, lines, d.prefix));
    else {
      profiles.set(p.data.id, p.data);
      profileIds.push(p.data.id);
    }
  }
  if (all.length) throw fail(all);
  return { catalogue: { rules, aliases, profiles }, ruleIds, profileIds };
}

const TailoringSchema = z
  .object({
    extends: z.string().optional(),
    select: z.array(z.string()).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    severity: z.record(z.string(), z.enum(SEVERITIES)).optional(),
  })
  .strict();

/** A tailoring file: `extends: <profile>`, `select: [...]`, `parameters: {...}`, `severity: {...}`. */
export function loadTailoring(file: string, cat: Catalogue): Tailoring {
  const { doc, lines, issues, data } = parseYaml(readContent(file, 'BW_TAILORING_INVALID'), file);
  const fail = (is: Issue[]) => new BulwarkError('BW_TAILORING_INVALID', `${file} is not a valid tailoring file`, 'see docs/profiles.md for the tailoring format', { issues: is });
  if (issues.length) throw fail(issues);
  const t = TailoringSchema.safeParse(data);
  if (!t.success) throw fail(zodIssues(t.error, file, doc, lines));
  // Parameters must exist in some rule and match its declared type.
  const declared = new Map<string, string>();
  for (const r of cat.rules.values()) for (const [n, p] of Object.entries(r.parameters ?? {})) {
    declared.set(n, p.type);
    declared.set(`${r.id}.${n}`, p.type);
  }
  const bad: Issue[] = [];
  for (const [k, v] of Object.entries(t.data.parameters ?? {})) {
    const type = declared.get(k);
    const at = locate(doc, lines, ['parameters', k]);
    const loc = { file, ...(at ? { line: at.line, column: at.column } : {}), path: `parameters.${k}` };
    if (!type) bad.push({ code: 'unknown_param', ...loc, message: `no rule declares a parameter "${k}"` });
    else if (!paramValueOk(type, v)) bad.push({ code: 'param_type', ...loc, message: `"${k}" must be of type ${type}` });
  }
  if (bad.length) throw fail(bad);
  const out: Tailoring = {};
  if (t.data.extends !== undefined) out.extends = t.data.extends;
  if (t.data.select !== undefined) out.select = t.data.select;
  if (t.data.parameters !== undefined) out.parameters = t.data.parameters;
  if (t.data.severity !== undefined) out.severity = t.data.severity;
  return out;
}
