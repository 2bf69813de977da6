/** Helpers shared by the CLI's command modules: the catalogue with policy files, the store, tables. */
import { loadCatalogueFast } from '../content/catalogue.js';
import type { Catalogue } from '../engine/profile.js';
import { resolveDbLocation } from '../store/path.js';
import type { Store } from '../store/db.js';

/** The built-in catalogue plus the rules of `--policy` files (the loader is imported only when needed). */
export async function loadWithPolicies(
  policies: string[],
): Promise<{ catalogue: Catalogue; policyRules: string[] }> {
  let catalogue = await loadCatalogueFast();
  const policyRules: string[] = [];
  if (policies.length === 0) return { catalogue, policyRules };
  const { loadPolicy } = await import('../content/load.js');
  for (const p of policies) {
    const r = loadPolicy(p, catalogue);
    catalogue = r.catalogue;
    policyRules.push(...r.ruleIds);
  }
  return { catalogue, policyRules };
}

/** Opens the store (`--db`, `$BULWARK_DB` or the default), runs `f`, and closes it. */
export async function withStore<T>(db: string | undefined, f: (store: Store) => Promise<T>): Promise<T> {
  const { Store } = await import('../store/db.js');
  const store = await Store.open(resolveDbLocation(db));
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}
