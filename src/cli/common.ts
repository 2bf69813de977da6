/**
 * Helpers shared by the CLI's command modules: the catalogue with policy files, the store, tables, bounded
 * reads of input files, the never-write-inside-the-target check, and `--fail-on`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option } from 'commander';
import { BulwarkError } from '../core/errors.js';
import { SEVERITIES, severityRank, type Severity } from '../core/types.js';
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

/**
 * A whole input file as text, refused (BW_FILE_UNREADABLE) when it is not a readable regular file, and
 * refused with `tooBig(size)` when it is larger than `maxBytes`.
 */
export function readBoundedFile(
  file: string,
  maxBytes: number,
  tooBig: (size: number) => BulwarkError,
): string {
  let size: number;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new BulwarkError(
      'BW_FILE_UNREADABLE',
      `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`,
      'check the path and its permissions',
      { cause: e },
    );
  }
  if (size > maxBytes) throw tooBig(size);
  return fs.readFileSync(file, 'utf8');
}

/**
 * Where a path really lands: the path with every existing part's symlinks resolved (the nearest
 * existing ancestor through realpath, the rest appended), so a root given through a symlink, a
 * directory not created yet, or a file that is itself a link into the root are all seen for what they are.
 */
function landing(p: string, depth = 0): string {
  const rest: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...rest.reverse());
    } catch {
      // A dangling symlink: follow its text (it would be created where it points).
      try {
        const t = fs.readlinkSync(cur);
        if (depth < 40)
          return landing(path.join(path.resolve(path.dirname(cur), t), ...rest.reverse()), depth + 1);
      } catch {
        // not a link either: it does not exist yet
      }
      const parent = path.dirname(cur);
      if (parent === cur) return path.join(cur, ...rest.reverse());
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Whether writing `p` would land inside `root` (an assessed image, which is never written). */
export function landsInside(p: string, root: string): boolean {
  return isInside(landing(p), root);
}

/** `--fail-on <severity>`. */
export function failOnOption(): Option {
  return new Option('--fail-on <severity>', 'exit 1 when a rule of this severity or higher fails').choices([
    ...SEVERITIES,
  ]);
}

/**
 * `--fail-on`: whether a rule at or above `failOn` failed (and not `waived`); says how many on stderr when so.
 */
export function failsOn(
  results: readonly { rule: string; status: string; severity: Severity }[],
  failOn: Severity | undefined,
  waived?: (rule: string) => unknown,
): boolean {
  if (!failOn) return false;
  const min = severityRank(failOn);
  // A waived failure is an accepted deviation: it does not fail the run.
  const n = results.filter(
    (r) => r.status === 'fail' && severityRank(r.severity) >= min && !waived?.(r.rule),
  ).length;
  if (n > 0) process.stderr.write(`bulwark: ${n} failed rule(s) at or above ${failOn} (--fail-on)\n`);
  return n > 0;
}
