/**
 * Fast catalogue loading for scans. The build validates content/ once and writes
 * dist/catalogue.json with a hash of the content files; a scan loads that JSON (no YAML parsing,
 * no schema validation at run time) and falls back to the full loader when content changed since.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { BulwarkError } from '../core/errors.js';
import type { Catalogue } from '../engine/profile.js';
import type { Profile, Rule } from '../engine/rule.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The package's own content/ directory (works from src/ via tsx and from dist/). */
export function contentDir(): string {
  let dir = here;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'content', 'rules'))) return path.join(dir, 'content');
    dir = path.dirname(dir);
  }
  throw new BulwarkError('BW_INTERNAL', 'the built-in content/ directory was not found', 'reinstall Bulwark; content/ ships with the package');
}

/** Where the build writes the compiled catalogue: <repo>/dist/catalogue.json. */
export function compiledCataloguePath(): string {
  return path.join(path.dirname(contentDir()), 'dist', 'catalogue.json');
}

/**
 * Fingerprint of content/: every file's relative path, size and modification time (a stat per
 * file, no reads). Any edit, addition or removal changes it; a fresh checkout is built after it
 * is written, so the compiled catalogue matches.
 */
export function contentFingerprint(dir = contentDir()): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = fs.statSync(p);
        h.update(`${path.relative(dir, p)}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(dir);
  return h.digest('hex');
}

export interface CompiledCatalogue {
  fingerprint: string;
  rules: Rule[];
  aliases: [string, string][];
  profiles: Profile[];
}

export function compileCatalogue(cat: Catalogue, fingerprint: string): CompiledCatalogue {
  return {
    fingerprint,
    // Fixtures are for CI, not for scans.
    rules: [...cat.rules.values()].map((r) => ({ ...r, fixtures: { pass: [], fail: [] } })),
    aliases: [...cat.aliases],
    profiles: [...cat.profiles.values()],
  };
}

/** The built-in catalogue: compiled JSON when it matches content/, else parsed and validated YAML. */
export async function loadCatalogueFast(): Promise<Catalogue> {
  try {
    const j = JSON.parse(fs.readFileSync(compiledCataloguePath(), 'utf8')) as CompiledCatalogue;
    if (j.fingerprint === contentFingerprint()) {
      return { rules: new Map(j.rules.map((r) => [r.id, r])), aliases: new Map(j.aliases), profiles: new Map(j.profiles.map((p) => [p.id, p])) };
    }
    process.stderr.write('bulwark: warning BW_CATALOGUE_STALE: content/ changed since the last build; parsing and validating the YAML rules instead (slower)\n  hint: run `npm run build`\n');
  } catch {
    // no compiled catalogue (development from src/): parse the YAML
  }
  const { loadCatalogue } = await import('./load.js');
  return loadCatalogue();
}
