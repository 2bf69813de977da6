/**
 * `bulwark scap info|eval`: SCAP source datastreams and XCCDF 1.2 Benchmarks with OVAL checks. Thin: the
 * content model and evaluation are src/scap/ (pure), the target is read only by the OVAL probes
 * (src/collect/oval), and this module reads the content files and writes the outputs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { BulwarkError } from '../core/errors.js';
import { severityRank, type Severity } from '../core/types.js';
import { resolveDbLocation, isPostgresUrl } from '../store/path.js';
import { FsTarget, type Target } from '../targets/target.js';
import { failOnOption, failsOn, landsInside, readBoundedFile, table } from './common.js';
import type { OvalBackend, XccdfResult } from '../scap/engine.js';
import type { OvalProber } from '../scap/oval/types.js';
import type { OvalDocument } from '../scap/oval/index.js';
import type { ScapSource } from '../scap/source.js';

/** Content files are read whole; a datastream of the size of the largest SSG one is ~15 MB. */
const MAX_CONTENT_BYTES = 512 * 1024 * 1024;

function readContent(file: string): string {
  return readBoundedFile(
    file,
    MAX_CONTENT_BYTES,
    (size) =>
      new BulwarkError(
        'BW_CONTENT_INVALID',
        `${file} is ${size} bytes, more than the ${MAX_CONTENT_BYTES} Bulwark reads`,
        'give a single datastream or XCCDF file',
      ),
  );
}

/** A reader of plain file names in `dir` only (no path, no symlink leading out of it). */
function siblingReader(dir: string, isSiblingName: (n: string) => boolean) {
  return (name: string): string | undefined => {
    if (!isSiblingName(name)) return undefined;
    try {
      const real = fs.realpathSync(path.join(dir, name));
      if (path.dirname(real) !== fs.realpathSync(dir)) return undefined;
      return readContent(real);
    } catch {
      return undefined;
    }
  };
}

/** Loads the content; for plain XCCDF, siblings are read only from the XCCDF file's own directory. */
export async function loadScapFile(
  file: string,
  opts: { datastreamId?: string; benchmarkId?: string; cpe?: string } = {},
): Promise<ScapSource> {
  const { loadSource, isSiblingName, loadCpeDictionary } = await import('../scap/source.js');
  const readSibling = siblingReader(path.dirname(path.resolve(file)), isSiblingName);
  const cpeDictionary = opts.cpe
    ? loadCpeDictionary(
        readContent(opts.cpe),
        opts.cpe,
        siblingReader(path.dirname(path.resolve(opts.cpe)), isSiblingName),
      )
    : undefined;
  return loadSource(readContent(file), file, {
    ...(opts.datastreamId ? { datastreamId: opts.datastreamId } : {}),
    ...(opts.benchmarkId ? { benchmarkId: opts.benchmarkId } : {}),
    ...(cpeDictionary ? { cpeDictionary } : {}),
    readSibling,
  });
}

/** The OVAL evaluator (src/scap/oval) and the probes reading the target (src/collect/oval). */
async function ovalParts(target: Target): Promise<{ backend: OvalBackend; probers: OvalProber[] }> {
  const oval = await import('../scap/oval/index.js');
  const probes = await import('../collect/oval/index.js');
  return {
    backend: {
      loadOvalDocument: (root, file) => oval.loadOvalDocument(root, file),
      // The documents handed back are the ones loadOvalDocument made.
      createOvalEvaluator: (doc, o) => oval.createOvalEvaluator(doc as OvalDocument, o),
    },
    probers: probes.createOvalProbers(target),
  };
}

async function firstLine(target: Target, p: string): Promise<string | null> {
  const r = await target.readText(p, { maxBytes: 4096 });
  return r.status === 'ok' && !r.binary ? r.text.split('\n')[0]!.trim() || null : null;
}

/** The host's identity as native scans see it (hostname, machine-id from the target; MACs when live). */
async function identity(target: Target) {
  const hostname =
    (await firstLine(target, '/etc/hostname')) ?? (target.kind === 'live' ? os.hostname() : null);
  const machineId = await firstLine(target, '/etc/machine-id');
  const macs = new Set<string>();
  const ips = new Set<string>();
  if (target.kind === 'live')
    for (const list of Object.values(os.networkInterfaces()))
      for (const a of list ?? []) {
        if (a.internal) continue;
        if (a.mac && a.mac !== '00:00:00:00:00:00') macs.add(a.mac.toLowerCase());
        ips.add(a.address);
      }
  return { hostname, machineId, macs: [...macs].sort(), ips: [...ips].sort() };
}

function writeOut(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  // Results name accounts and weaknesses: owner-readable only.
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

interface EvalFlags {
  profile?: string;
  root?: string;
  rule?: string[];
  tailoring?: string;
  results?: string;
  arf?: string;
  report?: string;
  db?: string;
  store: boolean;
  assetName?: string;
  json?: boolean;
  failOn?: Severity;
  datastreamId?: string;
  benchmarkId?: string;
  cpe?: string;
  quiet?: boolean;
  timings?: boolean;
}

const RESULT_ORDER: XccdfResult[] = [
  'pass',
  'fail',
  'error',
  'unknown',
  'notapplicable',
  'notchecked',
  'informational',
  'fixed',
];

async function evalCommand(file: string, flags: EvalFlags, version: string): Promise<number> {
  const t0 = performance.now();
  const { parseBenchmark, parseTailoring, resolveProfile } = await import('../scap/xccdf.js');
  const { parseXml } = await import('../scap/xml.js');
  const target = flags.root ? await FsTarget.mounted(flags.root) : FsTarget.live();
  const dbPath = flags.store ? resolveDbLocation(flags.db) : null;
  if (target.kind === 'root')
    for (const [what, p] of [
      ['database', dbPath && !isPostgresUrl(dbPath) ? dbPath : undefined],
      ['results', flags.results],
      ['ARF', flags.arf],
      ['report', flags.report],
    ] as const)
      if (p && landsInside(p, target.root))
        throw new BulwarkError(
          'BW_WRITE_INSIDE_TARGET',
          `the ${what} file ${p} would be written inside the assessed root ${target.root}`,
          'write it outside the image',
        );
  const src = await loadScapFile(file, {
    ...(flags.datastreamId ? { datastreamId: flags.datastreamId } : {}),
    ...(flags.benchmarkId ? { benchmarkId: flags.benchmarkId } : {}),
    ...(flags.cpe ? { cpe: flags.cpe } : {}),
  });
  const bench = parseBenchmark(src.benchmark, file);
  const tailoring = flags.tailoring
    ? parseTailoring(parseXml(readContent(flags.tailoring), { fileName: flags.tailoring }), flags.tailoring)
    : undefined;
  const prof = resolveProfile(bench, flags.profile ?? null, {
    ...(tailoring ? { tailoring } : {}),
    ...(flags.rule ? { onlyRules: flags.rule } : {}),
  });
  const tParsed = performance.now();
  const warn = (m: string): void => {
    if (!flags.quiet) process.stderr.write(`bulwark: warning: ${m}\n`);
  };
  for (const w of [...src.warnings, ...bench.warnings].slice(0, 20)) warn(w);
  const { evaluateBenchmark } = await import('../scap/engine.js');
  const { backend, probers } = await ovalParts(target);
  const startedAt = new Date().toISOString();
  if (!flags.quiet)
    process.stderr.write(
      `evaluating ${prof.selected.size} rules of ${prof.id ?? 'the default selection'} on ${target.kind === 'live' ? 'this host' : target.root}…\n`,
    );
  const ev = await evaluateBenchmark(src, bench, prof, { backend, probers });
  for (const w of ev.warnings.slice(0, 20)) warn(w);
  const tEvaluated = performance.now();
  const finishedAt = new Date().toISOString();
  const id = await identity(target);
  const hostname = id.hostname ?? (target.kind === 'live' ? 'localhost' : path.basename(target.root));
  const resultsOpts = {
    sourceHref: file,
    scanner: { name: 'Bulwark', version },
    target: {
      hostname,
      identifier: target.kind === 'live' ? 'local' : `chroot://${target.root}`,
      ips: id.ips,
      macs: id.macs,
    },
  };
  const { resultsDocument, arfDocument } = await import('../scap/results.js');
  if (flags.results) writeOut(flags.results, resultsDocument(src, ev, resultsOpts));
  if (flags.arf) writeOut(flags.arf, arfDocument(src, ev, resultsOpts));
  if (flags.report) {
    const { htmlReport } = await import('../scap/html.js');
    writeOut(
      flags.report,
      htmlReport(ev, {
        source: file,
        target: target.kind === 'live' ? `${hostname} (live)` : `${target.root} (offline root)`,
        scanner: `Bulwark ${version}`,
      }),
    );
  }
  const tWritten = performance.now();
  // Stored like a scan, on the asset of Bulwark's own scans of this host or image.
  let storedIn: string | null = null;
  let scanId: string | null = null;
  let dbError: BulwarkError | undefined;
  const { scanOutcome } = await import('../scap/outcome.js');
  const outcome = scanOutcome(ev, {
    source: file,
    target: { kind: target.kind, root: target.root, mode: target.mode },
    identity: { hostname: id.hostname ?? '', machineId: id.machineId, macs: id.macs },
    tailoringFile: flags.tailoring ?? null,
    startedAt,
    finishedAt,
  });
  if (dbPath) {
    try {
      const { Store } = await import('../store/db.js');
      const store = await Store.open(dbPath);
      try {
        await store.saveScan(outcome, version, flags.assetName ? { assetName: flags.assetName } : {});
        storedIn = store.file;
        scanId = outcome.id;
      } finally {
        await store.close();
      }
    } catch (e) {
      dbError =
        e instanceof BulwarkError ? e : new BulwarkError('BW_DB_OPEN', String(e), 'check the database path');
    }
  }
  const counts = new Map<XccdfResult, number>();
  for (const o of ev.outcomes)
    if (o.result !== 'notselected') counts.set(o.result, (counts.get(o.result) ?? 0) + 1);
  const score = ev.scores.find((s) => s.system === 'urn:xccdf:scoring:default');
  const timings = {
    parseMs: Math.round(tParsed - t0),
    collectMs: Math.round(ev.timings.collectMs),
    evaluateMs: Math.round(tEvaluated - tParsed - ev.timings.collectMs),
    writeMs: Math.round(tWritten - tEvaluated),
    totalMs: Math.round(performance.now() - t0),
  };
  if (flags.json) {
    process.stdout.write(
      JSON.stringify(
        {
          schema: 'bulwark/scap-eval@1',
          source: file,
          benchmark: { id: bench.id, version: bench.version, title: bench.title },
          profile: prof.id,
          target: { kind: target.kind, root: target.root, hostname },
          startTime: ev.startTime,
          endTime: ev.endTime,
          score: score?.score ?? null,
          counts: Object.fromEntries(counts),
          timings,
          scan: scanId,
          results: ev.outcomes
            .filter((o) => o.result !== 'notselected')
            .map((o) => ({
              rule: o.rule.id,
              result: o.result,
              severity: o.severity,
              title: o.rule.title,
              ...(o.check?.ref?.name ? { check: o.check.ref.name } : {}),
              ...(o.messages.length ? { messages: o.messages.slice(0, 5) } : {}),
            })),
          warnings: ev.warnings,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    const shown = ev.outcomes.filter((o) => o.result !== 'notselected');
    const lines = [
      `SCAP evaluation of ${target.kind === 'live' ? `live host ${hostname}` : `offline root ${target.root}`}`,
      `  benchmark ${bench.id} ${bench.version} (${file})`,
      `  profile   ${prof.id ?? '(default selection)'}${flags.tailoring ? ` tailored by ${flags.tailoring}` : ''}`,
      `  rules     ${shown.length} evaluated in ${(timings.totalMs / 1000).toFixed(2)} s`,
      `  score     ${score ? score.score.toFixed(2) : 'n/a'} (urn:xccdf:scoring:default)`,
      `  results   ${RESULT_ORDER.filter((k) => counts.get(k))
        .map((k) => `${k} ${String(counts.get(k))}`)
        .join(' · ')}`,
    ];
    const failed = shown.filter((o) => o.result === 'fail' || o.result === 'error' || o.result === 'unknown');
    if (failed.length > 0) {
      lines.push('', `Failed or undecided (${failed.length}):`);
      for (const o of failed
        .sort((a, b) => severityRank(sevOf(b.severity)) - severityRank(sevOf(a.severity)))
        .slice(0, 40))
        lines.push(
          `  ${o.result.toUpperCase().padEnd(7)} ${o.severity.padEnd(7)} ${o.rule.id.replace(/^xccdf_[^_]+_rule_/, '')}  ${o.rule.title}`,
        );
      if (failed.length > 40) lines.push(`  … and ${failed.length - 40} more (--json or --report for all)`);
    }
    if (flags.timings)
      lines.push(
        '',
        `timings: parse ${timings.parseMs} ms · collect ${timings.collectMs} ms · evaluate ${timings.evaluateMs} ms · write ${timings.writeMs} ms`,
      );
    for (const [what, p] of [
      ['results', flags.results],
      ['ARF', flags.arf],
      ['report', flags.report],
    ] as const)
      if (p) lines.push(`${what}: ${p}`);
    if (storedIn) lines.push(`Scan ${scanId ?? ''} stored in ${storedIn} (profile ${outcome.profile}).`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (dbError) throw dbError;
  if (failsOn(outcome.results, flags.failOn)) return 1;
  return 0;
}

function sevOf(s: string): Severity {
  return s === 'high' ? 'high' : s === 'low' ? 'low' : s === 'info' ? 'info' : 'medium';
}

async function infoCommand(file: string, o: { json?: boolean; rules?: boolean }): Promise<void> {
  const src = await loadScapFile(file);
  const { parseBenchmark } = await import('../scap/xccdf.js');
  const { scapInfo } = await import('../scap/info.js');
  const b = parseBenchmark(src.benchmark, file);
  const info = scapInfo(src, b);
  if (o.json) {
    process.stdout.write(
      JSON.stringify(
        {
          ...info,
          ...(o.rules
            ? { rules: b.ruleOrder.map((r) => ({ id: r.id, severity: r.severity, title: r.title })) }
            : {}),
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const out = [
    `${info.kind === 'datastream' ? 'Source datastream' : 'XCCDF file'} ${file}${info.datastreamId ? ` (data-stream ${info.datastreamId})` : ''}`,
    `Benchmark ${info.benchmark.id} ${info.benchmark.version}: ${info.benchmark.title}`,
    `  ${info.benchmark.rules} rules in ${info.benchmark.groups} groups, ${info.benchmark.values} values; ${info.cpeNames} CPE names in the dictionary`,
    '',
    'Profiles:',
    table([
      ['ID', 'RULES', 'TITLE'],
      ...info.profiles.map((p) => [p.id, String(p.rules), p.title]),
    ]).trimEnd(),
    '',
    'Check systems (rules using each):',
    ...info.checkSystems.map((c) => `  ${c.system}  ${c.rules}`),
    '',
    'Check documents:',
    ...info.checkDocuments.map(
      (d) =>
        `  ${d.name}  <${d.kind}>${d.kind === 'oval_definitions' ? `  ${d.definitions} definitions, ${d.tests} tests, ${d.objects} objects` : ''}`,
    ),
  ];
  if (o.rules) out.push('', 'Rules:', ...b.ruleOrder.map((r) => `  ${r.id}  [${r.severity}]  ${r.title}`));
  if (info.warnings.length)
    out.push('', `Warnings (${info.warnings.length}):`, ...info.warnings.slice(0, 20).map((w) => `  ${w}`));
  process.stdout.write(out.join('\n') + '\n');
}

export function register(program: Command, setExit: (code: number) => void): void {
  const version = program.version() ?? '0.0.0';
  const scap = program
    .command('scap')
    .description('SCAP content: source datastreams and XCCDF 1.2 benchmarks with OVAL');
  scap
    .command('info <file>')
    .description('benchmarks, profiles with rule counts, check systems, OVAL definition and test counts')
    .option('--rules', 'also list every rule')
    .option('--json', 'JSON on stdout')
    .action(async (file: string, o: { json?: boolean; rules?: boolean }) => {
      await infoCommand(file, o);
      setExit(0);
    });
  scap
    .command('eval <file>')
    .description(
      'evaluate a profile of a datastream or XCCDF file on this host or an offline root (as oscap xccdf eval)',
    )
    .option(
      '--profile <id>',
      'profile id (full, or the part after _profile_); default: the benchmark selection',
    )
    .option('--root <dir>', 'assess an offline mounted root (as oscap-chroot)')
    .option('--rule <id...>', 'only these rules')
    .option('--tailoring <file>', 'XCCDF 1.2 tailoring file (its profiles may extend the benchmark ones)')
    .option('--results <file>', 'write XCCDF 1.2 results (the benchmark with its TestResult)')
    .option('--arf <file>', 'write an ARF 1.1 report collection (TestResult and OVAL results)')
    .option('--report <file>', 'write a self-contained HTML page of the results')
    .option('--db <path|url>', 'database: an SQLite file or a postgres:// connection string')
    .option('--no-store', 'do not store the results in the database')
    .option('--asset-name <name>', 'name the assessed asset')
    .option('--datastream-id <id>', 'the data-stream to use when the collection has several')
    .option('--benchmark-id <id>', 'the Benchmark (or its component-ref id) to use when there are several')
    .option('--cpe <file>', 'CPE dictionary for a plain XCCDF file (its OVAL beside it), as oscap --cpe')
    .addOption(failOnOption())
    .option('--timings', 'print per-phase timings')
    .option('--json', 'JSON on stdout')
    .option('-q, --quiet', 'no progress or warnings on stderr')
    .action(async (file: string, flags: EvalFlags) => {
      setExit(await evalCommand(file, flags, version));
    });
}
