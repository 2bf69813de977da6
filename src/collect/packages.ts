/**
 * Installed packages, read from the package databases themselves — never by running dpkg or rpm:
 * dpkg's status file, rpm's SQLite database (rpm ≥ 4.16) opened in memory, or rpm's older
 * Berkeley DB hash `Packages` file (RHEL 7/8) parsed page by page.
 */
import type Database from 'better-sqlite3';
import type { Row } from '../core/types.js';
import type { Collector, CollectContext } from './types.js';
import { parseDpkgStatus } from './parsers/dpkg-status.js';
import { parseRpmHeader, rpmEvr } from './parsers/rpm-header.js';
import { readBdbHashValues } from './parsers/bdb-hash.js';
import { applyWal } from './parsers/sqlite-wal.js';

const DPKG_STATUS = '/var/lib/dpkg/status';
const DPKG_MAX = 64 * 1024 * 1024;
const RPMDB_MAX = 512 * 1024 * 1024;
const RPM_DIRS = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];

interface Part {
  rows: Row[];
  sources: string[];
  /** Found and read in full. */
  found: boolean;
  incomplete: string[];
  errors: string[];
  unsupported: string[];
}

const emptyPart = (): Part => ({
  rows: [],
  sources: [],
  found: false,
  incomplete: [],
  errors: [],
  unsupported: [],
});

async function dpkg(ctx: CollectContext): Promise<Part> {
  const part = emptyPart();
  const r = await ctx.target.readText(DPKG_STATUS, { maxBytes: DPKG_MAX });
  if (r.status === 'absent') return part;
  if (r.status !== 'ok') {
    part.errors.push(r.reason);
    return part;
  }
  part.sources.push(DPKG_STATUS);
  if (r.binary) {
    part.errors.push(`${DPKG_STATUS} contains binary data, not a dpkg status file`);
    return part;
  }
  part.found = true;
  if (r.truncated)
    part.incomplete.push(`${DPKG_STATUS} is larger than ${DPKG_MAX} bytes; only its beginning was read`);
  const parsed = parseDpkgStatus(r.text);
  for (const p of parsed.packages)
    part.rows.push({
      name: p.name,
      version: p.version,
      arch: p.arch,
      manager: 'dpkg',
      status: [p.want, p.flag, p.state].filter(Boolean).join(' '),
      installed: p.state === 'installed',
      path: DPKG_STATUS,
      line: p.line,
    });
  if (parsed.problems.length > 0)
    part.incomplete.push(`${DPKG_STATUS}: ${parsed.problems.slice(0, 3).join('; ')}`);
  return part;
}

function rpmRows(blobs: Iterable<Buffer>, source: string, part: Part): void {
  let bad = 0;
  let firstReason = '';
  for (const blob of blobs) {
    const h = parseRpmHeader(blob);
    if (!h.ok) {
      // The Berkeley DB keeps a 4-byte instance counter under key 0: not a header, not a problem.
      if (blob.length >= 16) {
        bad++;
        firstReason ||= h.reason;
      }
      continue;
    }
    part.rows.push({
      name: h.pkg.name,
      version: rpmEvr(h.pkg),
      arch: h.pkg.arch,
      manager: 'rpm',
      status: 'installed',
      installed: true,
      path: source,
      line: null,
    });
  }
  if (bad > 0) part.incomplete.push(`${source}: ${bad} package header(s) could not be read (${firstReason})`);
}

async function bytesOf(ctx: CollectContext, p: string, part: Part): Promise<Buffer | undefined> {
  const r = await ctx.target.readBytes(p, { maxBytes: RPMDB_MAX });
  if (Buffer.isBuffer(r)) {
    if (r.length > RPMDB_MAX) {
      part.errors.push(`${p} is larger than ${RPMDB_MAX} bytes; not read`);
      return undefined;
    }
    return r;
  }
  if (r.status !== 'absent')
    part.errors.push(r.status === 'error' || r.status === 'not_collected' ? r.reason : `${p} unreadable`);
  return undefined;
}

async function rpmSqlite(ctx: CollectContext, p: string, part: Part): Promise<void> {
  const main = await bytesOf(ctx, p, part);
  if (!main) return;
  part.sources.push(p);
  let image = main;
  const walPath = `${p}-wal`;
  const wal = await ctx.target.readBytes(walPath, { maxBytes: RPMDB_MAX });
  if (Buffer.isBuffer(wal) && wal.length > 0) {
    part.sources.push(walPath);
    const applied = applyWal(main, wal);
    image = applied.db;
    if (applied.note) part.incomplete.push(`${walPath}: ${applied.note}`);
  }
  // `main` is this scan's own copy of the file (never the target's bytes on disk): patching it in place is safe.
  if (image.length >= 100 && image.toString('latin1', 0, 15) === 'SQLite format 3') {
    // rpm keeps the database in WAL mode; an in-memory image must say "rollback journal" to open.
    image[18] = 1;
    image[19] = 1;
  } else {
    part.errors.push(`${p} is not an SQLite database`);
    return;
  }
  let db: Database.Database | undefined;
  try {
    // Loaded only for rpm ≥ 4.16 databases: most scans never need SQLite here.
    const { default: Sqlite } = await import('better-sqlite3');
    db = new Sqlite(image, { readonly: true });
    const stmt = db.prepare('SELECT blob FROM Packages').raw(true);
    const blobs: Buffer[] = [];
    for (const row of stmt.iterate() as Iterable<unknown[]>) {
      const b = row[0];
      if (Buffer.isBuffer(b)) blobs.push(b);
    }
    part.found = true;
    rpmRows(blobs, p, part);
  } catch (e) {
    part.errors.push(`${p}: cannot read the rpm database: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    db?.close();
  }
}

async function rpmBdb(ctx: CollectContext, p: string, part: Part): Promise<void> {
  const bytes = await bytesOf(ctx, p, part);
  if (!bytes) return;
  part.sources.push(p);
  const r = readBdbHashValues(bytes);
  if (!r.ok) {
    part.errors.push(`${p}: ${r.reason}`);
    return;
  }
  part.found = true;
  rpmRows(r.values, p, part);
  if (r.problems.length > 0) part.incomplete.push(`${p}: ${r.problems.slice(0, 3).join('; ')}`);
}

async function rpm(ctx: CollectContext): Promise<Part> {
  const part = emptyPart();
  const seen = new Set<string>();
  for (const dir of RPM_DIRS) {
    // /var/lib/rpm is often a link to /usr/lib/sysimage/rpm: read each database once.
    let real: string;
    try {
      const st = await ctx.target.stat(dir, { follow: true });
      if (!st || st.type !== 'dir') continue;
      real = st.path;
    } catch (e) {
      part.errors.push(`${dir}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const sqlite = `${dir}/rpmdb.sqlite`;
    const bdb = `${dir}/Packages`;
    const ndb = `${dir}/Packages.db`;
    const exists = async (p: string) => {
      try {
        const st = await ctx.target.stat(p, { follow: true });
        return st !== null && st.type === 'file' && st.size > 0;
      } catch {
        return false;
      }
    };
    if (await exists(sqlite)) await rpmSqlite(ctx, sqlite, part);
    else if (await exists(bdb)) await rpmBdb(ctx, bdb, part);
    else if (await exists(ndb)) {
      part.sources.push(ndb);
      part.unsupported.push(`${ndb} is an rpm "ndb" database (SUSE), which Bulwark does not read yet`);
    }
  }
  return part;
}

const packages: Collector = {
  name: 'packages',
  description:
    'Installed packages from the package databases, read directly (never by running dpkg or rpm): /var/lib/dpkg/status (installed when the third Status word is "installed"), rpm\'s rpmdb.sqlite (rpm ≥ 4.16, write-ahead log applied) or Berkeley DB Packages file (RHEL 7/8) under /var/lib/rpm or /usr/lib/sysimage/rpm. version is the dpkg Version or rpm epoch:version-release.',
  fields: {
    name: 'string',
    version: 'evr',
    arch: 'string',
    manager: 'string',
    status: 'string',
    installed: 'bool',
    path: 'string',
    line: 'int',
  },
  async collect(ctx) {
    const parts = [await dpkg(ctx), await rpm(ctx)];
    const rows = parts.flatMap((p) => p.rows);
    const sources = parts.flatMap((p) => p.sources);
    const errors = parts.flatMap((p) => p.errors);
    const incomplete = parts.flatMap((p) => p.incomplete);
    const unsupported = parts.flatMap((p) => p.unsupported);
    const found = parts.some((p) => p.found);
    if (!found) {
      if (errors.length > 0) return { status: 'error', rows, sources, reason: errors.join('; ') };
      if (unsupported.length > 0)
        return { status: 'not_collected', rows, sources, reason: unsupported.join('; ') };
      return { status: 'absent', rows, sources, reason: 'no dpkg status file and no rpm database found' };
    }
    const problems = [...errors, ...unsupported, ...incomplete];
    if (problems.length > 0) return { status: 'incomplete', rows, sources, reason: problems.join('; ') };
    return { status: 'complete', rows, sources };
  },
};

export const collectors: Collector[] = [packages];
