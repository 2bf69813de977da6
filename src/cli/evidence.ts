/**
 * `bulwark evidence export|verify`: the pack an auditor receives — reports in every format, the raw stored
 * results, the fact snapshots the verdicts were made from (decompressed JSON), waivers, baselines, change
 * records, a manifest.json (sizes, tool version, time) and MANIFEST.sha256 over every file — as a directory
 * or a .tar.gz; `verify` re-hashes a pack and names every missing, altered or extra file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Command } from 'commander';
import { BulwarkError } from '../core/errors.js';
import { today } from '../core/waiver.js';
import { loadCatalogueFast } from '../content/catalogue.js';
import {
  MANIFEST,
  manifestText,
  verifyManifest,
  type ManifestEntry,
  type Verification,
} from '../report/evidence.js';
import { withStore } from './common.js';
import { AUDIT_LOG, checkPackAudit, writeChanges } from './evidence-changes.js';
import { openSource, type Scope } from './report-source.js';
import { openOutput, put, rendererFor, renderTo } from './report.js';

const REPORTS = [
  ['html', 'report.html'],
  ['sarif', 'report.sarif'],
  ['junit', 'report.junit.xml'],
  ['csv', 'report.csv'],
  ['oscal', 'report.oscal-ar.json'],
  ['oscal-poam', 'report.oscal-poam.json'],
  ['xccdf', 'report.xccdf.xml'],
] as const;

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);

async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(fs.createReadStream(file), h);
  return h.digest('hex');
}

function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, p));
    else out.push(p);
  }
  return out.sort();
}

interface ExportFlags {
  scan?: string;
  asset?: string;
  fleet?: boolean;
  out: string;
  db?: string;
  date?: string;
}

async function exportPack(o: ExportFlags, version: string): Promise<{ dir: string; files: number }> {
  const archive = /\.(tar\.gz|tgz)$/.test(o.out);
  const target = path.resolve(o.out);
  if (fs.existsSync(target) && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0))
    throw new BulwarkError(
      'BW_USAGE',
      `${o.out} already exists`,
      'give a new directory or archive name: a pack is never written over another',
    );
  const dir = archive ? fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-evidence-')) : target;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const created = new Date().toISOString();
  const catalogue = await loadCatalogueFast();
  const date = o.date ?? today();
  let scopeInfo = { kind: 'fleet', label: 'fleet' };
  let scans = 0;
  await withStore(o.db, async (store) => {
    const scope: Scope = {
      ...(o.scan !== undefined ? { scan: o.scan } : {}),
      ...(o.asset !== undefined ? { asset: o.asset } : {}),
      ...(o.fleet ? { fleet: true } : {}),
    };
    const src = await openSource(store, catalogue, scope, { version, date });
    scopeInfo = src.meta.scope;
    scans = src.scans.length;
    const single = src.meta.scope.kind !== 'fleet';
    const preloaded = single
      ? await Promise.all(src.scans.map((s) => src.load(s, { facts: true })))
      : undefined;
    const sub = (p: string) => {
      fs.mkdirSync(path.join(dir, path.dirname(p)), { recursive: true, mode: 0o700 });
      return path.join(dir, p);
    };
    const write = async (rel: string, fmt: Parameters<typeof rendererFor>[0], facts = false) => {
      const { out, done } = openOutput(sub(rel));
      const renderer = await rendererFor(fmt, src.meta, { storedIn: store.file });
      await renderTo(out, renderer, () => preloaded ?? src.all({ facts }));
      await done();
    };
    for (const [fmt, name] of REPORTS) await write(`reports/${name}`, fmt);
    await write(single ? 'reports/report.json' : 'reports/report.jsonl', 'json', true);
    // Every framework's compliance view, all fed in one pass over the scans.
    const { ComplianceAccumulator } = await import('../report/compliance.js');
    const { listFrameworks, loadFramework } = await import('../content/frameworks.js');
    const views = listFrameworks().map(
      (id) => new ComplianceAccumulator(loadFramework(id, catalogue), src.meta),
    );
    for await (const a of preloaded ?? src.all()) for (const v of views) v.add(a);
    for (const v of views)
      fs.writeFileSync(
        sub(`reports/compliance/${v.framework.id}.json`),
        JSON.stringify(v.result(), null, 2) + '\n',
        {
          mode: 0o600,
        },
      );
    // Raw results and fact snapshots, one file per scan.
    for (const s of src.scans) {
      const a = await store.findAsset(s.asset_id);
      const base = `${safeName(a.name)}--${s.id}`;
      fs.writeFileSync(
        sub(`results/${base}.json`),
        JSON.stringify(
          { asset: a, scan: await store.findScan(s.id), results: await store.loadResults(s.id) },
          null,
          2,
        ) + '\n',
        { mode: 0o600 },
      );
      const facts = await store.loadFacts(s.id);
      const { out, done } = openOutput(sub(`facts/${base}.json`));
      await put(out, '[\n');
      for (const [i, f] of (facts ?? []).entries()) await put(out, (i ? ',\n' : '') + JSON.stringify(f));
      await put(out, '\n]\n');
      await done();
    }
    fs.writeFileSync(
      sub('waivers/waivers.json'),
      JSON.stringify(await store.listWaivers({ all: true }), null, 2) + '\n',
      { mode: 0o600 },
    );
    const ids = new Set(src.scans.map((s) => s.asset_id));
    const baselines = (
      await store.db.selectFrom('baselines').selectAll().orderBy('approved_at').execute()
    ).filter((b) => ids.has(b.asset_id));
    fs.writeFileSync(sub('baselines/baselines.json'), JSON.stringify(baselines, null, 2) + '\n', {
      mode: 0o600,
    });
    // Change records and the audit log (src/cli/evidence-changes.ts).
    await writeChanges(store, dir, ids, !single);
  });
  fs.writeFileSync(
    path.join(dir, 'README.txt'),
    [
      `Bulwark evidence pack — ${scopeInfo.kind} ${scopeInfo.label}, ${scans} scan(s), created ${created} by Bulwark ${version}.`,
      '',
      'reports/    the scans as HTML (open in any browser, no network needed), SARIF, JUnit, CSV, OSCAL assessment results',
      '            and POA&M, XCCDF 1.2 results, and the JSON report (bulwark/scan-report@1; JSON Lines for a fleet);',
      '            compliance/ every framework view: per control pass, fail, manual or not covered, with evidence',
      "results/    each scan's stored results as they are in the database (verdicts are never rewritten)",
      '            facts/ the fact snapshot each scan was evaluated from',
      `waivers/    every waiver (in force, expired and revoked); reports apply those in force on ${date}`,
      'baselines/  the approved baselines of the assets in the pack',
      'changes/    change requests of these assets: index.json, and <id>.json with approvals, plan, impact assessment,',
      '            before/after evidence, applications and audit entries',
      'audit/      the hash-chained audit log (log.jsonl) and the result of checking its chain when the pack was written',
      '            (verification.json: entries, head hash, problems)',
      '',
      'MANIFEST.sha256 lists the SHA-256 of every other file: check it with `bulwark evidence verify DIR`',
      '(or `sha256sum -c MANIFEST.sha256` in this directory). manifest.json has sizes, the tool version and the time.',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const entries: ManifestEntry[] = [];
  for (const rel of walk(dir)) {
    if (rel === MANIFEST || rel === 'manifest.json') continue;
    entries.push({
      path: rel,
      sha256: await hashFile(path.join(dir, rel)),
      size: fs.statSync(path.join(dir, rel)).size,
    });
  }
  const manifestJson = {
    schema: 'bulwark/evidence-manifest@1',
    tool: { name: 'Bulwark', version },
    created_at: created,
    scope: scopeInfo,
    scans,
    waiver_date: date,
    files: entries,
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifestJson, null, 2) + '\n', {
    mode: 0o600,
  });
  entries.push({
    path: 'manifest.json',
    sha256: await hashFile(path.join(dir, 'manifest.json')),
    size: fs.statSync(path.join(dir, 'manifest.json')).size,
  });
  fs.writeFileSync(path.join(dir, MANIFEST), manifestText(entries), { mode: 0o600 });
  const files = entries.length + 1;
  if (archive) {
    const tar = await import('tar');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    await tar.create({ gzip: true, file: target, cwd: dir, portable: true }, walk(dir));
    fs.chmodSync(target, 0o600);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { dir: target, files };
}

/**
 * Hashes every file of a pack directory or archive and compares with its MANIFEST.sha256; re-checks the hash
 * chain of the audit log it carries (a problem there fails the pack too).
 */
export async function verifyPack(
  p: string,
): Promise<Verification & { audit?: { entries: number; head: string | null } }> {
  if (!fs.existsSync(p))
    throw new BulwarkError(
      'BW_FILE_UNREADABLE',
      `${p} does not exist`,
      'give the directory or .tar.gz written by `bulwark evidence export`',
    );
  const found = new Map<string, string>();
  let manifest: string | undefined;
  let auditLog: string | undefined;
  if (fs.statSync(p).isDirectory()) {
    for (const rel of walk(p)) found.set(rel, await hashFile(path.join(p, rel)));
    if (fs.existsSync(path.join(p, MANIFEST))) manifest = fs.readFileSync(path.join(p, MANIFEST), 'utf8');
    if (fs.existsSync(path.join(p, AUDIT_LOG))) auditLog = fs.readFileSync(path.join(p, AUDIT_LOG), 'utf8');
  } else {
    const tar = await import('tar');
    const pending: Promise<void>[] = [];
    try {
      await tar.list({
        file: p,
        onReadEntry: (entry) => {
          const rel = entry.path.replace(/^\.\//, '');
          if (entry.type !== 'File') {
            entry.resume();
            return;
          }
          const h = createHash('sha256');
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => {
            h.update(c);
            if (rel === MANIFEST || rel === AUDIT_LOG) chunks.push(c);
          });
          pending.push(
            new Promise((resolve) =>
              entry.on('end', () => {
                found.set(rel, h.digest('hex'));
                if (rel === MANIFEST) manifest = Buffer.concat(chunks).toString('utf8');
                if (rel === AUDIT_LOG) auditLog = Buffer.concat(chunks).toString('utf8');
                resolve();
              }),
            ),
          );
        },
      });
    } catch (e) {
      throw new BulwarkError(
        'BW_EVIDENCE_INVALID',
        `${p} is not a readable .tar.gz: ${e instanceof Error ? e.message : String(e)}`,
        'give the archive written by `bulwark evidence export`, undamaged',
      );
    }
    await Promise.all(pending);
  }
  if (manifest === undefined)
    return {
      ok: false,
      checked: 0,
      missing: [MANIFEST],
      altered: [],
      extra: [...found.keys()],
      problems: [`${MANIFEST} is missing: nothing can be verified`],
    };
  const v = verifyManifest(manifest, found);
  if (auditLog === undefined) return v;
  const a = await checkPackAudit(auditLog);
  return {
    ...v,
    ok: v.ok && a.problems.length === 0,
    problems: [...v.problems, ...a.problems],
    audit: { entries: a.entries, head: a.head },
  };
}

export function register(program: Command, setExit: (code: number) => void, version = '0.0.0'): void {
  const ev = program
    .command('evidence')
    .description(
      'evidence packs for auditors: reports, results, facts, waivers, baselines, SHA-256 manifest',
    );
  ev.command('export')
    .description('write an evidence pack to a new directory, or to FILE.tar.gz')
    .option('--scan <id>', 'one stored scan')
    .option('--asset <id|name>', "an asset's latest scan")
    .option('--fleet', "every asset's latest scan (the default)")
    .requiredOption('--out <dir|file.tar.gz>', 'a new directory, or an archive name ending in .tar.gz')
    .option('--date <YYYY-MM-DD>', 'apply the waivers in force on this day (default: today)')
    .option('--db <path|url>', 'database: SQLite file or postgres:// connection string')
    .action(async (o: ExportFlags) => {
      const r = await exportPack(o, version);
      process.stdout.write(`evidence pack written to ${r.dir} (${r.files} files, manifest ${MANIFEST})\n`);
    });
  ev.command('verify <pack>')
    .description(
      're-hash a pack (directory or .tar.gz) against its MANIFEST.sha256; exit 1 when a file is missing, altered or extra',
    )
    .action(async (pack: string) => {
      const v = await verifyPack(pack);
      for (const m of v.missing) process.stdout.write(`MISSING  ${m}\n`);
      for (const m of v.altered) process.stdout.write(`ALTERED  ${m}\n`);
      for (const m of v.extra) process.stdout.write(`EXTRA    ${m}\n`);
      for (const m of v.problems) process.stdout.write(`PROBLEM  ${m}\n`);
      if (v.audit)
        process.stdout.write(
          `audit log: ${v.audit.entries} entries, head ${v.audit.head ?? '(empty)'}, chain ${v.problems.some((m) => m.startsWith(AUDIT_LOG)) ? 'BROKEN' : 'intact'}\n`,
        );
      process.stdout.write(
        v.ok
          ? `OK: ${v.checked} files match ${MANIFEST}\n`
          : `FAILED: the pack does not match its manifest (${v.checked} files listed)\n`,
      );
      setExit(v.ok ? 0 : 1);
    });
}
