/**
 * The bundled list of well-known default passwords (content/data/default-credentials.yaml).
 * This reads Bulwark's own package data, never the target.
 */
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DefaultCredential {
  /** Account name, or `*` for any account. */
  user: string;
  /** `{user}` stands for the account's own name. */
  password: string;
  source: string;
}

function dataFile(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const f = path.join(dir, 'content', 'data', 'default-credentials.yaml');
    if (existsSync(f)) return f;
    dir = path.dirname(dir);
  }
  return undefined;
}

let cache: DefaultCredential[] | undefined;

/**
 * The list, validated; entries of the wrong shape are dropped. Throws only if the file is missing.
 * The YAML parser is loaded only when an account actually has a hash to check.
 */
export async function defaultCredentials(): Promise<DefaultCredential[]> {
  if (cache) return cache;
  const f = dataFile();
  if (!f) throw new Error('content/data/default-credentials.yaml not found');
  const { parse } = await import('yaml');
  const doc = parse(readFileSync(f, 'utf8')) as { credentials?: unknown } | null;
  const list = Array.isArray(doc?.credentials) ? (doc.credentials as unknown[]) : [];
  cache = list.flatMap((e) => {
    if (e === null || typeof e !== 'object') return [];
    const r = e as Record<string, unknown>;
    const user = r['user'];
    const password = r['password'];
    const source = r['source'];
    return typeof user === 'string' &&
      (typeof password === 'string' || typeof password === 'number') &&
      typeof source === 'string'
      ? [{ user, password: String(password), source }]
      : [];
  });
  return cache;
}

/** Candidates for one account: its own entries first, then the generic ones. */
export function candidatesFor(user: string, all: readonly DefaultCredential[]): DefaultCredential[] {
  const own = all.filter((c) => c.user === user);
  const any = all
    .filter((c) => c.user === '*')
    .map((c) => ({ ...c, password: c.password.replace(/\{user\}/g, user) }));
  const seen = new Set<string>();
  return [...own, ...any].filter((c) => (seen.has(c.password) ? false : (seen.add(c.password), true)));
}
