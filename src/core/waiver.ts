/** Waivers: accepted deviations (rule × scope) with owner, justification, compensating control, expiry, approver. */

export const WAIVER_SCOPES = ['asset', 'tag', 'zone', 'all'] as const;
export type WaiverScopeKind = (typeof WAIVER_SCOPES)[number];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date written YYYY-MM-DD. */
export function isCalendarDate(s: string): boolean {
  return DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

export type { WaiverInput } from './waiver-schema.js';
import type { WaiverInput } from './waiver-schema.js';

export interface Waiver extends WaiverInput {
  id: string;
  created_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** Today as YYYY-MM-DD (UTC). */
export const today = (now = new Date()): string => now.toISOString().slice(0, 10);

/** A waiver applies through its expiry date (inclusive) and stops the day after. */
export const isExpired = (w: Pick<Waiver, 'expires'>, date: string): boolean => w.expires < date;

/** `asset:X`, `tag:T`, `zone:Z` or `all` → kind and value; undefined when not one of these. */
export function parseScope(s: string): { kind: WaiverScopeKind; value: string | null } | undefined {
  if (s === 'all') return { kind: 'all', value: null };
  const i = s.indexOf(':');
  if (i < 1) return undefined;
  const kind = s.slice(0, i);
  const value = s.slice(i + 1);
  if (!value || (kind !== 'asset' && kind !== 'tag' && kind !== 'zone')) return undefined;
  return { kind, value };
}

export const formatScope = (w: Pick<Waiver, 'scope_kind' | 'scope_value'>): string =>
  w.scope_kind === 'all' ? 'all' : `${w.scope_kind}:${w.scope_value ?? ''}`;

/**
 * Waivers by the rule they cover, under today's rule id: `canonical` maps an id (or an old alias) to the
 * current id, so a waiver written for a rule's old id covers the renamed rule. With several waivers for one
 * rule, the one that lasts longest is kept.
 */
export function waiverIndex(
  waivers: readonly Waiver[],
  canonical: (id: string) => string | undefined = (id) => id,
): (ruleId: string) => Waiver | undefined {
  const by = new Map<string, Waiver>();
  for (const w of waivers) {
    const id = canonical(w.rule_id) ?? w.rule_id;
    const cur = by.get(id);
    if (!cur || cur.expires < w.expires) by.set(id, w);
  }
  return (ruleId) => by.get(canonical(ruleId) ?? ruleId);
}
