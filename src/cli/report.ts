/**
 * `bulwark report`: renders stored scans (one scan, an asset's latest, or the fleet's latest) as html, pdf,
 * json, sarif, junit, csv, oscal (assessment results), oscal-poam or xccdf, optionally as a compliance view
 * of a framework. Written as a stream: a fleet is read and written one asset at a time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { BulwarkError } from '../core/errors.js';
import { today, isCalendarDate } from '../core/waiver.js';
import { loadCatalogueFast } from '../content/catalogue.js';
import type { AssetReport, Renderer, ReportMeta } from '../report/model.js';
import { withStore } from './common.js';
import { openSource, type Scope } from './report-source.js';

export const REPORT_FORMATS = [
  'html',
  'pdf',
  'json',
  'sarif',
  'junit',
  'csv',
  'oscal',
  'oscal-poam',
  'xccdf',
  'text',
] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The format a file name implies (`scan --report FILE`), or undefined. */
export function formatFromFile(file: string): ReportFormat | undefined {
  const f = file.toLowerCase();
  if (f.endsWith('.html') || f.endsWith('.htm')) return 'html';
  if (f.endsWith('.pdf')) return 'pdf';
  if (f.endsWith('.sarif') || f.endsWith('.sarif.json')) return 'sarif';
  if (f.endsWith('.junit.xml') || f.endsWith('-junit.xml') || f.endsWith('junit.xml')) return 'junit';
  if (f.endsWith('.xccdf.xml') || f.endsWith('-xccdf.xml')) return 'xccdf';
  if (f.endsWith('.poam.json')) return 'oscal-poam';
  if (f.endsWith('.oscal.json')) return 'oscal';
  if (f.endsWith('.csv')) return 'csv';
  if (f.endsWith('.json') || f.endsWith('.jsonl')) return 'json';
  return undefined;
}

export async function rendererFor(
  format: Exclude<ReportFormat, 'pdf' | 'text'>,
  meta: ReportMeta,
  extra: { storedIn?: string | null; framework?: string; zones?: string } = {},
): Promise<Renderer> {
  switch (format) {
    case 'html': {
      const { htmlRenderer } = await import('../report/html.js');
      const zones = extra.zones !== undefined ? { zones: extra.zones } : {};
      if (!extra.framework) return htmlRenderer(meta, zones);
      const { ComplianceAccumulator } = await import('../report/compliance.js');
      const fw = await loadFrameworkById(extra.framework);
      return htmlRenderer(meta, { compliance: new ComplianceAccumulator(fw, meta), ...zones });
    }
    case 'json':
      return (await import('../report/stored-json.js')).jsonRenderer(meta, extra.storedIn ?? null);
    case 'sarif':
      return (await import('../report/sarif.js')).sarifRenderer(meta);
    case 'junit':
      return (await import('../report/junit.js')).junitRenderer(meta);
    case 'csv':
      return (await import('../report/csv.js')).csvRenderer();
    case 'oscal':
      return (await import('../report/oscal.js')).oscalArRenderer(meta);
    case 'oscal-poam':
      return (await import('../report/oscal.js')).oscalPoamRenderer(meta);
    case 'xccdf':
      return (await import('../report/xccdf.js')).xccdfRenderer(meta);
  }
}

async function loadFrameworkById(id: string) {
  const { loadFramework } = await import('../content/frameworks.js');
  return loadFramework(id, await loadCatalogueFast());
}

/** Writes text to a stream, waiting when its buffer is full (a fleet report never piles up in memory). */
export async function put(out: Writable, text: string): Promise<void> {
  if (text && !out.write(text)) await once(out, 'drain');
}

/** An output file written to a temporary name (owner-only: reports name accounts and findings), renamed when complete. */
export function openOutput(file: string | undefined): { out: Writable; done(): Promise<void> } {
  if (!file) return { out: process.stdout, done: () => Promise.resolve() };
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  const out = fs.createWriteStream(tmp, { mode: 0o600 });
  return {
    out,
    async done() {
      out.end();
      await once(out, 'finish');
      fs.renameSync(tmp, target);
    },
  };
}

/**
 * Renders the assets through a renderer into a stream, pass by pass; `assets()` reads them afresh for each
 * pass (a page at a time from the store), or gives the ones already loaded.
 */
export async function renderTo(
  out: Writable,
  renderer: Renderer,
  assets: () => AsyncIterable<AssetReport> | Iterable<AssetReport>,
): Promise<void> {
  await put(out, renderer.begin());
  const passes = renderer.passes ?? 1;
  for (let pass = 0; pass < passes; pass++) {
    if (pass > 0 && renderer.between) await put(out, renderer.between(pass));
    for await (const a of assets()) await put(out, renderer.asset(a, pass));
  }
  await put(out, renderer.end());
}

/** Prints an HTML file to PDF with headless Chromium (loaded only here); every request but the file itself is refused. */
export async function htmlToPdf(htmlFile: string, pdfFile: string): Promise<void> {
  const exe = process.env['BULWARK_CHROMIUM'] ?? '/usr/bin/chromium';
  if (!fs.existsSync(exe))
    throw new BulwarkError(
      'BW_REPORT_RENDER',
      `PDF needs Chromium, and ${exe} does not exist`,
      'install Chromium (Debian: apt install chromium) or set BULWARK_CHROMIUM; or write --format html and print it from a browser',
    );
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new BulwarkError(
      'BW_REPORT_RENDER',
      'PDF needs the playwright-core package, which is not installed',
      'install playwright-core, or write --format html',
      { cause: e },
    );
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-pdf-'));
  try {
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: exe,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      const url = new URL(`file://${path.resolve(htmlFile)}`).href;
      await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
      await page.goto(url, { waitUntil: 'load' });
      await page.emulateMedia({ media: 'print' });
      // Open every <details> (what the page's own beforeprint handler does) so the PDF holds the details.
      await page.evaluate('window.dispatchEvent(new Event("beforeprint"))');
      await page.pdf({
        path: pdfFile,
        format: 'A4',
        printBackground: true,
        margin: { top: '12mm', bottom: '12mm', left: '8mm', right: '8mm' },
      });
    } finally {
      await ctx.close();
    }
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** `scan --report FILE` in a format other than JSON: one asset, the scan just run. */
export async function writeScanReport(
  format: string,
  meta: ReportMeta,
  asset: AssetReport,
  file: string,
  storedIn: string | null,
): Promise<void> {
  const fmt = (format === 'pdf' ? 'html' : format) as Exclude<ReportFormat, 'pdf' | 'text'>;
  const renderer = await rendererFor(fmt, meta, { storedIn });
  const target =
    format === 'pdf'
      ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-report-')), 'report.html')
      : file;
  const { out, done } = openOutput(target);
  await renderTo(out, renderer, () => [asset]);
  await done();
  if (format === 'pdf') {
    try {
      await htmlToPdf(target, path.resolve(file));
      fs.chmodSync(path.resolve(file), 0o600);
    } finally {
      fs.rmSync(path.dirname(target), { recursive: true, force: true });
    }
  }
}

interface ReportFlags {
  scan?: string;
  asset?: string;
  fleet?: boolean;
  format: ReportFormat;
  out?: string;
  framework?: string;
  date?: string;
  db?: string;
  zones?: string;
  capture: string[];
  storedCapture: string[];
}

async function reportCommand(o: ReportFlags, version: string): Promise<void> {
  const date = o.date ?? today();
  if (!isCalendarDate(date))
    throw new BulwarkError('BW_USAGE', `--date ${date} is not a date`, 'write it YYYY-MM-DD');
  if (o.framework && !['html', 'pdf', 'json', 'csv', 'text'].includes(o.format))
    throw new BulwarkError(
      'BW_USAGE',
      `--framework gives a compliance view, in html, pdf, json, csv or text, not ${o.format}`,
      'drop --framework for the plain report, or choose one of those formats',
    );
  if (o.format === 'text' && !o.framework)
    throw new BulwarkError(
      'BW_USAGE',
      '--format text is the compliance view: it needs --framework',
      'or use `bulwark results` for a terminal listing',
    );
  if (o.format === 'pdf' && !o.out)
    throw new BulwarkError('BW_USAGE', 'a PDF needs --out FILE', 'e.g. --out report.pdf');
  if (
    (o.zones !== undefined || o.capture.length + o.storedCapture.length > 0) &&
    !['html', 'pdf'].includes(o.format)
  )
    throw new BulwarkError(
      'BW_USAGE',
      `--zones adds a section to the html or pdf report, not to ${o.format}`,
      'use --format html, or `bulwark zones check --format json` for the zone check as data',
    );
  if (o.zones === undefined && o.capture.length + o.storedCapture.length > 0)
    throw new BulwarkError(
      'BW_USAGE',
      '--capture and --stored-capture are checked against a zone model: they need --zones MODEL.yaml',
      'add --zones plant.yaml',
    );
  // The zone check (model, captures, this database's inventory and results), before the report reads the store.
  const zones =
    o.zones === undefined
      ? undefined
      : await (
          await import('./zones.js')
        ).zonesSection({
          model: o.zones,
          capture: o.capture,
          storedCapture: o.storedCapture,
          stored: true,
          ...(o.db !== undefined ? { db: o.db } : {}),
        });
  const catalogue = await loadCatalogueFast();
  await withStore(o.db, async (store) => {
    const scope: Scope = {
      ...(o.scan !== undefined ? { scan: o.scan } : {}),
      ...(o.asset !== undefined ? { asset: o.asset } : {}),
      ...(o.fleet ? { fleet: true } : {}),
    };
    const src = await openSource(store, catalogue, scope, { version, date });
    const facts = o.format === 'json' && !o.framework;
    // One scan or one asset: loaded first, so that renderers that list rules up front know them.
    const preloaded =
      src.meta.scope.kind === 'fleet'
        ? undefined
        : await Promise.all(src.scans.map((s) => src.load(s, { facts })));
    const assets = () => preloaded ?? src.all({ facts });
    if (o.framework && o.format !== 'html' && o.format !== 'pdf') {
      const { ComplianceAccumulator, complianceText } = await import('../report/compliance.js');
      const acc = new ComplianceAccumulator(await loadFrameworkById(o.framework), src.meta);
      for await (const a of assets()) acc.add(a);
      const c = acc.result();
      const { out, done } = openOutput(o.out);
      if (o.format === 'json') await put(out, JSON.stringify(c, null, 2) + '\n');
      else if (o.format === 'text') await put(out, complianceText(c));
      else {
        const { csvRow } = await import('../report/csv.js');
        await put(
          out,
          csvRow([
            'framework',
            'control',
            'title',
            'status',
            'rules',
            'failing',
            'passing',
            'waived',
            'evidence',
            'manual',
          ]),
        );
        for (const ctl of c.controls)
          await put(
            out,
            csvRow([
              c.framework.id,
              ctl.id,
              ctl.title,
              ctl.status,
              ctl.rules.map((t) => t.rule).join(' '),
              ctl.rules.reduce((n, t) => n + t.fail, 0),
              ctl.rules.reduce((n, t) => n + t.pass, 0),
              ctl.rules.reduce((n, t) => n + t.waived, 0),
              ctl.evidence.join('\n'),
              ctl.manual ?? '',
            ]),
          );
      }
      await done();
      if (o.out)
        process.stderr.write(`${c.framework.title}: coverage ${c.coverage.percent}%, written to ${o.out}\n`);
      return;
    }
    const fmt = o.format === 'pdf' ? 'html' : (o.format as Exclude<ReportFormat, 'pdf' | 'text'>);
    const renderer = await rendererFor(fmt, src.meta, {
      storedIn: store.file,
      ...(o.framework ? { framework: o.framework } : {}),
      ...(zones !== undefined ? { zones } : {}),
    });
    if (o.format === 'pdf') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-report-'));
      try {
        const html = path.join(dir, 'report.html');
        const { out, done } = openOutput(html);
        await renderTo(out, renderer, assets);
        await done();
        const target = path.resolve(o.out!);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        await htmlToPdf(html, target);
        fs.chmodSync(target, 0o600);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } else {
      const { out, done } = openOutput(o.out);
      await renderTo(out, renderer, assets);
      await done();
    }
    if (o.out)
      process.stderr.write(
        `${o.format} report of ${src.scans.length} asset(s) (${src.meta.scope.kind} ${src.meta.scope.label}) written to ${o.out}\n`,
      );
  });
}

export function register(program: Command, _setExit: (code: number) => void, version = '0.0.0'): void {
  program
    .command('report')
    .description(
      'render stored results: html, pdf, json, sarif, junit, csv, oscal, oscal-poam, xccdf; --framework for a compliance view',
    )
    .option('--scan <id>', 'one stored scan')
    .option('--asset <id|name>', "an asset's latest scan")
    .option('--fleet', "every asset's latest scan (the default)")
    .addOption(new Option('--format <format>', 'output format').choices([...REPORT_FORMATS]).default('html'))
    .option('--out <file>', 'write here (default: standard output; required for pdf)')
    .option(
      '--framework <id>',
      'compliance view: cis, stig, nist-800-53, iec62443-3-3, iec62443-4-2, pci-dss-4, hipaa, soc2, cra, etsi-en-303-645',
    )
    .option('--date <YYYY-MM-DD>', 'apply the waivers in force on this day (default: today)')
    .option('--db <path|url>', 'database: SQLite file or postgres:// connection string')
    .option(
      '--zones <model.yaml>',
      'add a "Zones and conduits" section (html, pdf): diagram, findings, SL gap, checked against this database',
    )
    .option('--capture <file...>', 'with --zones: pcap/pcapng capture(s) or capture summaries as JSON', [])
    .option('--stored-capture <id...>', 'with --zones: capture(s) stored by `bulwark capture import`', [])
    .action(async (o: ReportFlags) => {
      await reportCommand(o, version);
    });
}
