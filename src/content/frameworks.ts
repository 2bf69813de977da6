/**
 * Framework mappings (content/frameworks/<id>.yaml) resolved to rule ids. A framework file lists controls
 * (ids and our own short titles; CIS by number only) and maps rules to them in three ways:
 * - `reference_key`: every rule whose `references.<key>` names the control (the rules' own references);
 *   `derive_controls: true` also lists every control id referenced by a rule (CIS, STIG: we cannot list a
 *   benchmark's other recommendations without its text), `match: base` maps `AC-2(3)` to control `AC-2`;
 * - `refs` on a control: the rules referencing another framework's control (`nist_800_53:AC-3`), a mapping
 *   by topic for frameworks no rule references directly (SOC 2, CRA);
 * - `rules` on a control: rule ids by name.
 * A control with no rule is `manual` when it says what a person must check, else `not covered`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { BulwarkError, type Issue } from '../core/errors.js';
import type { Catalogue } from '../engine/profile.js';
import type { Framework, FrameworkControl } from '../report/compliance.js';
import { contentDir } from './catalogue.js';

const ControlSchema = z
  .object({
    id: z.string().min(1),
    title: z.string().optional(),
    rules: z.array(z.string()).optional(),
    refs: z.array(z.string().regex(/^[a-z0-9_]+:.+$/, 'a reference is <key>:<control id>')).optional(),
    manual: z.string().optional(),
  })
  .strict();

export const FrameworkFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string().min(3),
    version: z.string().optional(),
    notes: z.string().optional(),
    reference_key: z.string().optional(),
    derive_controls: z.boolean().optional(),
    match: z.enum(['exact', 'base']).optional(),
    controls: z.array(ControlSchema).default([]),
  })
  .strict();
export type FrameworkFile = z.infer<typeof FrameworkFileSchema>;

export const frameworksDir = (): string => path.join(contentDir(), 'frameworks');

export function listFrameworks(dir = frameworksDir()): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Natural order: 1.2 < 1.10, AC-2 < AC-10. */
export function naturalCompare(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = Number(x);
    const ny = Number(y);
    if (i % 2 === 1 && !Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** The control ids a rule's reference value names under one key (`{debian12: "5.1.4"}` → `debian12 5.1.4`). */
function referencedIds(v: unknown, match: 'exact' | 'base' = 'exact'): string[] {
  let ids: string[] = [];
  if (typeof v === 'string') ids = [v];
  else if (Array.isArray(v)) ids = v.filter((x): x is string => typeof x === 'string');
  else if (v && typeof v === 'object')
    for (const [bench, n] of Object.entries(v as Record<string, unknown>))
      if (typeof n === 'string') for (const part of n.split(',')) ids.push(`${bench} ${part.trim()}`);
  return ids.map((id) => (match === 'base' ? id.replace(/\(.*$/, '') : id).trim()).filter(Boolean);
}

/** Rule ids by control id, for one reference key. */
function index(catalogue: Catalogue, key: string, match: 'exact' | 'base' = 'exact'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of catalogue.rules.values())
    for (const id of new Set(referencedIds((r.references as Record<string, unknown>)[key], match))) {
      const l = out.get(id) ?? [];
      l.push(r.id);
      out.set(id, l);
    }
  return out;
}

/** Resolves a framework file to controls with rule ids; `issues` lists what is wrong with the file. */
export function resolveFramework(
  file: FrameworkFile,
  catalogue: Catalogue,
  source = `content/frameworks/${file.id}.yaml`,
): { framework: Framework; issues: Issue[] } {
  const issues: Issue[] = [];
  const derived = file.reference_key ? index(catalogue, file.reference_key, file.match) : new Map<string, string[]>();
  const byKey = new Map<string, Map<string, string[]>>();
  const listed = new Map(file.controls.map((c) => [c.id, c]));
  const entries: { id: string; c: FrameworkFile['controls'][number] | undefined }[] = file.controls.map((c) => ({
    id: c.id,
    c,
  }));
  if (file.derive_controls) {
    for (const id of [...derived.keys()].sort(naturalCompare)) if (!listed.has(id)) entries.push({ id, c: undefined });
  } else {
    for (const id of derived.keys())
      if (!listed.has(id))
        issues.push({
          code: 'unlisted_control',
          file: source,
          message: `rules reference ${file.reference_key ?? ''} control "${id}" (${derived.get(id)!.join(', ')}) but the framework does not list it`,
        });
  }
  const seen = new Set<string>();
  const controls: FrameworkControl[] = entries.map(({ id, c }, i) => {
    if (seen.has(id)) issues.push({ code: 'duplicate_control', file: source, path: `controls.${i}`, message: `control "${id}" is listed twice` });
    seen.add(id);
    const rules = new Set(derived.get(id) ?? []);
    for (const r of c?.rules ?? []) {
      if (!catalogue.rules.has(r))
        issues.push({ code: 'unknown_rule', file: source, path: `controls.${i}.rules`, message: `control "${id}" maps the unknown rule "${r}"` });
      else rules.add(r);
    }
    for (const ref of c?.refs ?? []) {
      const at = ref.indexOf(':');
      const key = ref.slice(0, at);
      const ctl = ref.slice(at + 1);
      let m = byKey.get(key);
      if (!m) byKey.set(key, (m = index(catalogue, key, key === 'nist_800_53' ? 'base' : 'exact')));
      const found = m.get(ctl);
      if (!found)
        issues.push({ code: 'empty_ref', file: source, path: `controls.${i}.refs`, message: `control "${id}": no rule references ${ref}` });
      for (const r of found ?? []) rules.add(r);
    }
    const list = [...rules].sort();
    const title = c?.title ?? (list.length === 1 ? catalogue.rules.get(list[0]!)!.title : `${list.length} rules`);
    return { id, title, rules: list, ...(c?.manual ? { manual: c.manual } : {}) };
  });
  return {
    framework: {
      id: file.id,
      title: file.title,
      ...(file.version ? { version: file.version } : {}),
      ...(file.notes ? { notes: file.notes } : {}),
      controls,
    },
    issues,
  };
}

export function readFrameworkFile(id: string, dir = frameworksDir()): FrameworkFile {
  const file = path.join(dir, `${id}.yaml`);
  if (!/^[a-z0-9-]+$/.test(id) || !fs.existsSync(file))
    throw new BulwarkError(
      'BW_FRAMEWORK_NOT_FOUND',
      `no framework "${id}"`,
      `known frameworks: ${listFrameworks(dir).join(', ')}`,
    );
  let data: unknown;
  try {
    data = parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BulwarkError('BW_CONTENT_INVALID', `${file}: not valid YAML: ${e instanceof Error ? e.message : String(e)}`, 'fix the framework file');
  }
  const r = FrameworkFileSchema.safeParse(data);
  if (!r.success)
    throw new BulwarkError('BW_CONTENT_INVALID', `${file} is not a valid framework file`, 'fix the framework file', {
      issues: r.error.issues.map((i) => ({ code: i.code, file, path: i.path.join('.'), message: i.message })),
    });
  return r.data;
}

export function loadFramework(id: string, catalogue: Catalogue): Framework {
  const { framework, issues } = resolveFramework(readFrameworkFile(id), catalogue);
  const fatal = issues.filter((i) => i.code !== 'empty_ref');
  if (fatal.length)
    throw new BulwarkError('BW_CONTENT_INVALID', `the framework ${id} has ${fatal.length} problem(s)`, 'fix content/frameworks', {
      issues: fatal,
    });
  return framework;
}
