/**
 * `bulwark zones check|validate`: the IEC 62443 zone model against captures and the store. Thin: reading
 * files and the store happens here; judging is src/zones (pure).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import type { CaptureSummary } from '../capture/types.js';
import { BulwarkError } from '../core/errors.js';
import { SEVERITIES, severityRank, type Severity } from '../core/types.js';
import type { ZoneModel } from '../zones/model.js';
import type { InventoryAsset } from '../zones/resolve.js';
import type { HostResult } from '../zones/sl.js';
import { withStore } from './common.js';

const MAX_MODEL_BYTES = 1024 * 1024;
const EXIT_OK = 0;
const EXIT_FINDINGS = 1;

function readText(file: string, max: number, code: 'BW_ZONES_INVALID' | 'BW_IMPORT_INVALID'): string {
  let st;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new BulwarkError(
      'BW_FILE_UNREADABLE',
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'check the path and its permissions',
      { cause: e },
    );
  }
  if (!st.isFile())
    throw new BulwarkError('BW_FILE_UNREADABLE', `${file} is not a regular file`, 'give the path of a file');
  if (st.size > max)
    throw new BulwarkError(
      code,
      `${file} is ${st.size} bytes, more than the ${max} Bulwark reads`,
      'split the file',
    );
  return fs.readFileSync(file, 'utf8');
}

/** Reads and validates a zone model file; issues carry file:line:column. */
export async function loadZoneModel(file: string): Promise<ZoneModel> {
  const text = readText(file, MAX_MODEL_BYTES, 'BW_ZONES_INVALID');
  const { parseZoneModel } = await import('../zones/parse.js');
  const { model, issues } = parseZoneModel(text, file);
  if (!model)
    throw new BulwarkError(
      'BW_ZONES_INVALID',
      `${file} is not a valid zone model (${issues.length} problem${issues.length === 1 ? '' : 's'})`,
      'fix the listed keys; the format is documented in docs/zones.md (editors: docs/zones-schema.json)',
      { issues },
    );
  return model;
}

/** A capture: pcap/pcapng through src/capture, or a CaptureSummary saved as JSON (`{` first). */
async function loadCaptures(files: string[]): Promise<CaptureSummary | undefined> {
  if (!files.length) return undefined;
  const json: CaptureSummary[] = [];
  const raw: string[] = [];
  for (const f of files) {
    let head: Buffer;
    try {
      const fd = fs.openSync(f, 'r');
      head = Buffer.alloc(1);
      fs.readSync(fd, head, 0, 1, 0);
      fs.closeSync(fd);
    } catch (e) {
      throw new BulwarkError(
        'BW_FILE_UNREADABLE',
        `cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        'check the path and its permissions',
        { cause: e },
      );
    }
    if (head.toString('utf8') === '{')
      json.push(await parseSummary(readText(f, 512 * 1024 * 1024, 'BW_IMPORT_INVALID'), f));
    else raw.push(f);
  }
  if (raw.length) {
    const { importCaptures } = await import('../capture/index.js');
    const summary = await importCaptures(raw, {});
    // A file that is no capture at all would make every asset "not seen": refuse it rather than judge.
    const read = new Set(summary.files.map((f) => f.path));
    const unread = raw.filter((f) => !read.has(f));
    if (unread.length) {
      const why = summary.warnings.filter((w) => unread.includes(w.file)).map((w) => w.message);
      throw new BulwarkError(
        'BW_IMPORT_INVALID',
        `${unread.join(', ')}: not a capture Bulwark can read${why.length ? ` (${why.join('; ')})` : ''}`,
        'give pcap or pcapng files (the format is told by the magic bytes, not the extension), or capture summaries as JSON',
      );
    }
    json.push(summary);
  }
  return merge(json);
}

async function parseSummary(text: string, file: string): Promise<CaptureSummary> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BulwarkError(
      'BW_IMPORT_INVALID',
      `${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
      'give a pcap/pcapng file, or a capture summary written by `bulwark capture import --json`',
    );
  }
  const { validateSummary } = await import('../zones/summary-schema.js');
  const { summary, issues } = validateSummary(v, file);
  if (!summary)
    throw new BulwarkError(
      'BW_IMPORT_INVALID',
      `${file} is JSON but not a capture summary (${issues.length} problem${issues.length === 1 ? '' : 's'})`,
      'give a pcap/pcapng file, or a capture summary written by `bulwark capture import --json`',
      { issues },
    );
  return summary;
}

function merge(all: CaptureSummary[]): CaptureSummary {
  if (all.length === 1) return all[0]!;
  const assets = new Map<string, CaptureSummary['assets'][number]>();
  for (const s of all) for (const a of s.assets) if (!assets.has(a.key)) assets.set(a.key, a);
  const counters: Record<string, number> = {};
  for (const s of all) for (const [k, n] of Object.entries(s.counters)) counters[k] = (counters[k] ?? 0) + n;
  return {
    files: all.flatMap((s) => s.files),
    flows: all.flatMap((s) => s.flows),
    assets: [...assets.values()],
    operations: all.flatMap((s) => s.operations),
    warnings: all.flatMap((s) => s.warnings),
    counters,
  };
}

async function storedEvidence(db: string | undefined): Promise<{
  inventory: InventoryAsset[];
  results: Map<string, HostResult[]>;
  ruleRefs: Map<string, string[]>;
}> {
  const { loadCatalogueFast } = await import('../content/catalogue.js');
  const cat = await loadCatalogueFast();
  const ruleRefs = new Map<string, string[]>();
  for (const r of cat.rules.values())
    if (r.references.iec62443_3_3?.length) ruleRefs.set(r.id, r.references.iec62443_3_3);
  return withStore(db, async (store) => {
    const assets = await store.listAssets();
    const inventory: InventoryAsset[] = assets.map((a) => ({
      id: a.id,
      name: a.name,
      hostname: a.hostname,
      macs: a.macs,
      tags: a.tags,
      zone: a.zone,
      device_class: a.device_class,
    }));
    const results = new Map<string, HostResult[]>();
    const byId = new Map(assets.map((a) => [a.id, a]));
    for (const scan of await store.latestScans()) {
      const asset = byId.get(scan.asset_id);
      if (!asset) continue;
      const waiverOf = await store.activeWaivers(asset, undefined, (id) =>
        cat.rules.has(id) ? id : cat.aliases.get(id),
      );
      const rows = await store.loadResults(scan.id);
      results.set(
        asset.id,
        rows.map((row) => {
          const w = row.status === 'fail' || row.status === 'waived' ? waiverOf(row.rule_id) : undefined;
          return {
            asset: asset.id,
            rule: row.rule_id,
            status: row.status,
            ...(w ? { waiver: { id: w.id, compensating_control: w.compensating_control } } : {}),
          };
        }),
      );
    }
    return { inventory, results, ruleRefs };
  });
}

interface CheckFlags {
  model: string;
  capture: string[];
  storedCapture: string[];
  stored?: boolean;
  db?: string;
  format: 'text' | 'json';
  svg?: string;
  html?: string;
  failOn: Severity;
  verbose?: boolean;
}

/** The model judged against the captures and (with --stored/--db) the store: what `check` and reports show. */
export async function evaluateZoneFlags(
  o: Pick<CheckFlags, 'model' | 'capture' | 'storedCapture' | 'stored' | 'db'>,
): Promise<{
  model: ZoneModel;
  capture: CaptureSummary | undefined;
  report: import('../zones/report.js').ZonesReport;
  outcome: import('../zones/checks.js').CheckOutcome;
}> {
  const model = await loadZoneModel(o.model);
  const files = await loadCaptures(o.capture);
  // Captures stored by `bulwark capture import` (by id, name, or `latest`).
  const stored_: CaptureSummary[] = [];
  const storedNames: string[] = [];
  if (o.storedCapture.length) {
    const { loadCapture } = await import('../capture/store.js');
    await withStore(o.db, async (store) => {
      for (const ref of o.storedCapture) {
        const { capture: c, summary: s } = await loadCapture(store, ref === 'latest' ? undefined : ref);
        stored_.push(s);
        storedNames.push(`stored capture ${c.id}${c.name ? ` (${c.name})` : ''}`);
      }
    });
  }
  const all = [...(files ? [files] : []), ...stored_];
  const capture = all.length ? merge(all) : undefined;
  const stored = o.stored || o.db !== undefined ? await storedEvidence(o.db) : undefined;
  const { evaluateZones } = await import('../zones/report.js');
  const { report, outcome } = evaluateZones({
    model,
    modelFile: o.model,
    ...(capture ? { capture, captureFiles: [...o.capture, ...storedNames] } : {}),
    ...(stored ?? {}),
  });
  return { model, capture, report, outcome };
}

/** The report's "Zones and conduits" section (diagram, findings, SL gap), for `bulwark report --zones`. */
export async function zonesSection(
  o: Pick<CheckFlags, 'model' | 'capture' | 'storedCapture' | 'stored' | 'db'>,
): Promise<string> {
  const { model, report, outcome } = await evaluateZoneFlags(o);
  const { renderZonesSvg } = await import('../zones/svg.js');
  const { zonesSectionHtml } = await import('../zones/html.js');
  return zonesSectionHtml(report, await renderZonesSvg(model, outcome));
}

function writeOut(file: string, text: string): void {
  const out = path.resolve(file);
  try {
    fs.writeFileSync(out, text);
  } catch (e) {
    throw new BulwarkError(
      'BW_FILE_UNREADABLE',
      `cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'check that the directory exists and is writable',
      { cause: e },
    );
  }
}

async function check(o: CheckFlags, version: string): Promise<number> {
  const { model, capture, report, outcome } = await evaluateZoneFlags(o);
  const { renderZonesText } = await import('../zones/report.js');
  if (capture?.warnings.length)
    for (const w of capture.warnings.slice(0, 20))
      process.stderr.write(
        `bulwark: warning ${w.code}: ${w.file}${w.packet !== undefined ? ` packet ${w.packet}` : ''}: ${w.message}\n`,
      );
  if (o.svg || o.html) {
    const { renderZonesSvg } = await import('../zones/svg.js');
    const svg = await renderZonesSvg(model, outcome);
    if (o.svg) writeOut(o.svg, svg);
    if (o.html) {
      const { zonesPageHtml } = await import('../zones/html.js');
      writeOut(o.html, zonesPageHtml(report, svg, { version, generated_at: new Date().toISOString() }));
    }
  }
  process.stdout.write(
    o.format === 'json'
      ? JSON.stringify(report, null, 2) + '\n'
      : renderZonesText(report, o.verbose ? { verbose: true } : {}),
  );
  if (o.svg && o.format === 'text') process.stdout.write(`diagram written to ${o.svg}\n`);
  if (o.html && o.format === 'text') process.stdout.write(`page written to ${o.html}\n`);
  const failing = report.findings.filter((f) => severityRank(f.severity) >= severityRank(o.failOn));
  return failing.length ? EXIT_FINDINGS : EXIT_OK;
}

export function register(program: Command, setExit: (code: number) => void, version = '0.0.0'): void {
  const zones = program
    .command('zones')
    .description(
      'IEC 62443 zones and conduits: validate a model, check it against captures and stored scans',
    );
  zones
    .command('validate')
    .description('validate a zone model file (errors with file:line:column)')
    .requiredOption('--model <file>', 'zone model YAML')
    .action(async (o: { model: string }) => {
      const m = await loadZoneModel(o.model);
      process.stdout.write(
        `${o.model}: valid — ${m.zones.length} zone(s), ${m.conduits.length} conduit(s), ${m.assets.length} asset(s)\n`,
      );
      setExit(EXIT_OK);
    });
  zones
    .command('check')
    .description(
      'check a zone model against captured traffic and stored assets; estimate the SL gap per zone and FR',
    )
    .requiredOption('--model <file>', 'zone model YAML')
    .option('--capture <file...>', 'pcap/pcapng capture(s), or capture summaries as JSON', [])
    .option(
      '--stored-capture <id...>',
      'capture(s) stored by `bulwark capture import` (id, name or latest; in --db)',
      [],
    )
    .option(
      '--stored',
      'use the inventory and latest scan results of the store (the default database, or --db)',
    )
    .option('--db <path|url>', 'database: SQLite file or postgres:// connection string (implies --stored)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option(
      '--svg <file>',
      'also write a diagram of zones, conduits, assets and findings (self-contained SVG)',
    )
    .option(
      '--html <file>',
      'also write a self-contained HTML page: the diagram, the findings and the SL gap (as in `report --zones`)',
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices([...SEVERITIES])
        .default('info'),
    )
    .option('--verbose', 'show all evidence and every missing requirement')
    .action(async (o: CheckFlags) => {
      setExit(await check(o, version));
    });
}
