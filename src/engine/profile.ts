/** Profiles and tailoring: which rules run, at which severity, with which parameters. Pure. */
import { BulwarkError } from '../core/errors.js';
import type { Severity } from '../core/types.js';
import type { Profile, Rule } from './rule.js';
import type { RuleSelection } from './evaluate.js';

export interface Catalogue {
  rules: ReadonlyMap<string, Rule>;
  /** Old id → current id (renamed rules keep their old ids as aliases). */
  aliases: ReadonlyMap<string, string>;
  profiles: ReadonlyMap<string, Profile>;
}

/** Profile chain, root first (`extends`). */
function chain(cat: Catalogue, id: string, seen: string[] = []): Profile[] {
  const p = cat.profiles.get(id);
  if (!p)
    throw new BulwarkError(
      'BW_PROFILE_NOT_FOUND',
      `no profile named "${id}"`,
      `see \`bulwark profiles list\`; known: ${[...cat.profiles.keys()].join(', ')}`,
    );
  if (seen.includes(id))
    throw new BulwarkError(
      'BW_CONTENT_INVALID',
      `profile "${id}" extends itself (${[...seen, id].join(' → ')})`,
      'fix the extends chain',
    );
  return p.extends ? [...chain(cat, p.extends, [...seen, id]), p] : [p];
}

export function canonicalRuleId(cat: Catalogue, id: string): string | undefined {
  if (cat.rules.has(id)) return id;
  return cat.aliases.get(id);
}

/** The rule's id (given an id or an old alias), or BW_RULE_NOT_FOUND. */
export function requireRuleId(cat: Catalogue, id: string): string {
  const found = canonicalRuleId(cat, id);
  if (!found)
    throw new BulwarkError(
      'BW_RULE_NOT_FOUND',
      `unknown rule "${id}"`,
      'check the id with `bulwark rules list`',
    );
  return found;
}

/** Applies `select` entries in order: `*`, `area:<name>`, a rule id (or alias), each negated with `!`. */
export function applySelect(
  cat: Catalogue,
  selected: Set<string>,
  entries: readonly string[],
  includeExperimental: boolean,
  where: string,
): void {
  for (const raw of entries) {
    const neg = raw.startsWith('!');
    const sel = neg ? raw.slice(1) : raw;
    let ids: string[];
    if (sel === '*')
      ids = [...cat.rules.values()].filter((r) => includeExperimental || !r.experimental).map((r) => r.id);
    else if (sel.startsWith('area:'))
      ids = [...cat.rules.values()]
        .filter((r) => r.area === sel.slice(5) && (includeExperimental || !r.experimental))
        .map((r) => r.id);
    else {
      const id = canonicalRuleId(cat, sel);
      if (!id)
        throw new BulwarkError(
          'BW_RULE_NOT_FOUND',
          `${where} selects unknown rule "${sel}"`,
          'check the id with `bulwark rules list`',
        );
      ids = [id];
    }
    for (const id of ids)
      if (neg) selected.delete(id);
      else selected.add(id);
  }
}

export interface Tailoring {
  extends?: string;
  select?: string[];
  parameters?: Record<string, unknown>;
  severity?: Record<string, Severity>;
}

/** Resolves a profile (and an optional tailoring on top) into rule selections with parameters. */
export function resolveProfile(
  cat: Catalogue,
  profileId: string,
  tailoring?: Tailoring,
  onlyRules?: readonly string[],
): RuleSelection[] {
  const layers: {
    select: readonly string[];
    parameters: Record<string, unknown>;
    severity: Record<string, Severity>;
    experimental: boolean;
    name: string;
  }[] = chain(cat, profileId).map((p) => ({
    select: p.select,
    parameters: p.parameters,
    severity: p.severity,
    experimental: p.include_experimental ?? false,
    name: `profile ${p.id}`,
  }));
  if (tailoring)
    layers.push({
      select: tailoring.select ?? [],
      parameters: tailoring.parameters ?? {},
      severity: tailoring.severity ?? {},
      experimental: false,
      name: 'tailoring',
    });
  const selected = new Set<string>();
  const params: Record<string, unknown> = {};
  const severity: Record<string, Severity> = {};
  for (const l of layers) {
    applySelect(cat, selected, l.select, l.experimental, l.name);
    Object.assign(params, l.parameters);
    for (const [k, v] of Object.entries(l.severity)) {
      const id = canonicalRuleId(cat, k);
      if (!id)
        throw new BulwarkError(
          'BW_RULE_NOT_FOUND',
          `${l.name} changes the severity of unknown rule "${k}"`,
          'check the id with `bulwark rules list`',
        );
      severity[id] = v;
    }
  }
  let ids = [...selected];
  if (onlyRules && onlyRules.length > 0) {
    // A rule named twice (or by id and alias) runs once: results are keyed by rule.
    ids = [...new Set(onlyRules.map((r) => requireRuleId(cat, r)))];
  }
  return ids.sort().map((id) => selectionFor(cat.rules.get(id)!, params, severity[id]));
}

/** A rule with its parameters: defaults, overridden by profile/tailoring values (`<param>` or `<rule-id>.<param>`). */
export function selectionFor(
  rule: Rule,
  overrides: Readonly<Record<string, unknown>>,
  severity?: Severity,
): RuleSelection {
  const params: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(rule.parameters ?? {})) {
    params[name] = overrides[`${rule.id}.${name}`] ?? overrides[name] ?? spec.default;
  }
  return { rule, severity: severity ?? rule.severity, params };
}
