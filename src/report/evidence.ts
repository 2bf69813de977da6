/**
 * The evidence pack's manifest: `MANIFEST.sha256` (sha256sum format: `<hex>  <path>`, so `sha256sum -c`
 * checks it too) and the comparison of a manifest with what is on disk. Pure: the files are hashed by the
 * caller (src/cli/evidence.ts).
 */

export const MANIFEST = 'MANIFEST.sha256';

export interface ManifestEntry {
  path: string;
  sha256: string;
  size: number;
}

export function manifestText(entries: readonly ManifestEntry[]): string {
  return (
    [...entries]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((e) => `${e.sha256}  ${e.path}`)
      .join('\n') + '\n'
  );
}

/** Parses a manifest; lines that are not `<64 hex>  <path>` are reported as problems. */
export function parseManifest(text: string): { entries: Map<string, string>; problems: string[] } {
  const entries = new Map<string, string>();
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) problems.push(`${MANIFEST}:${i + 1}: not "<sha256>  <path>"`);
    else if (m[2]!.startsWith('/') || m[2]!.split('/').includes('..'))
      problems.push(`${MANIFEST}:${i + 1}: path ${m[2]!} leaves the pack`);
    else entries.set(m[2]!, m[1]!);
  });
  return { entries, problems };
}

export interface Verification {
  ok: boolean;
  checked: number;
  missing: string[];
  altered: string[];
  extra: string[];
  problems: string[];
}

/** Compares the manifest with the files found (path → sha256); the manifest itself is not listed in it. */
export function verifyManifest(manifest: string, found: ReadonlyMap<string, string>): Verification {
  const { entries, problems } = parseManifest(manifest);
  const missing: string[] = [];
  const altered: string[] = [];
  const extra: string[] = [];
  for (const [p, h] of entries) {
    const got = found.get(p);
    if (got === undefined) missing.push(p);
    else if (got !== h) altered.push(p);
  }
  for (const p of found.keys()) if (p !== MANIFEST && !entries.has(p)) extra.push(p);
  return {
    ok: missing.length + altered.length + extra.length + problems.length === 0 && entries.size > 0,
    checked: entries.size,
    missing: missing.sort(),
    altered: altered.sort(),
    extra: extra.sort(),
    problems: entries.size === 0 ? [...problems, `${MANIFEST} lists no file`] : problems,
  };
}
