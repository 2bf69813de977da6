#!/usr/bin/env node
// Bulwark benchmarks against peers, side by side in one run on the same input (issue 2).
//
//   live:  the default profile on this host   vs  lynis audit system --quick --no-colors
//   root:  an offline mounted root of ~100,000 files (built by bench/make-root.mjs)
//          vs  GNU find looking for the same special files (SUID/SGID, world-writable, unowned)
//
// Usage: npm run bench -- [--only live|root] [--runs N] [--lynis-runs N] [--json] [--root DIR] …
// Installs nothing: it checks prerequisites and says what to install.
// Results and the rerun command are recorded in docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gnuTime, mb, measure, median, secs, which } from './measure.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
let BULWARK_DIR = REPO;
let BULWARK = path.join(REPO, 'bin', 'bulwark.js');

const TARGET_RATIO = 50;
const TARGET_RSS = 150 * 1048576;

const HELP = `Usage: node bench/run.mjs [options]   (or: npm run bench -- [options])

Runs Bulwark and a peer side by side on the same input and prints the ratio.

  --only <part>        live | root (alias: image); may be repeated or comma-separated (default: both)
  --runs <n>           Bulwark runs per part; the median is reported (default 5, plus one warm-up)
  --lynis-runs <n>     lynis runs (default 1; each takes about a minute)
  --peer-runs <n>      find runs for the root part (default: same as --runs)
  --profile <name>     Bulwark profile (default: default)
  --root <dir>         use this mounted root instead of building bench/out/root
  --files <n>          size of the synthetic root to build (default 100000)
  --rebuild-root       rebuild bench/out/root even if it exists
  --keep-root          keep bench/out/root afterwards (by default it is removed after the root part, so
                       that a live scan of this host does not walk its 100,000 files; the live part
                       runs first for the same reason)
  --no-poll            do not poll /proc for the process-tree peak RSS
  --snapshot           run Bulwark from a copy of bin/, dist/ and content/ in bench/out/snapshot, so that
                       edits to the working tree during the run do not change what is measured (the copy's
                       dist/catalogue.json is recompiled there when it does not match its content/)
  --json               print the results as JSON on stdout (the table goes to stderr)
  --markdown <file>    also write the results as Markdown tables (for docs/benchmarks.md)
  -h, --help           this help

Prerequisites: a built Bulwark (npm run build), lynis for the live part (apt-get install -y lynis),
GNU time for the kernel's peak-RSS figure (apt-get install -y time; without it /proc is polled),
GNU find for the root part (findutils). Run as root so that Bulwark and lynis see the same files.`;

function die(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      runs: { type: 'string', default: '5' },
      'lynis-runs': { type: 'string', default: '1' },
      'peer-runs': { type: 'string' },
      profile: { type: 'string', default: 'default' },
      root: { type: 'string' },
      files: { type: 'string', default: '100000' },
      'rebuild-root': { type: 'boolean', default: false },
      'keep-root': { type: 'boolean', default: false },
      'no-poll': { type: 'boolean', default: false },
      snapshot: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      markdown: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  }));
} catch (e) {
  die(`${e.message}\n${HELP}`);
}
if (values.help) {
  process.stdout.write(HELP + '\n');
  process.exit(0);
}
const posInt = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) die(`--${name} wants a positive integer, not ${values[name]}`);
  return n;
};
const RUNS = posInt('runs');
const LYNIS_RUNS = posInt('lynis-runs');
const PEER_RUNS = values['peer-runs'] ? posInt('peer-runs') : RUNS;
const FILES = posInt('files');
const parts = new Set();
for (const v of values.only ?? ['live,root'])
  for (const p of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (p === 'live') parts.add('live');
    else if (p === 'root' || p === 'image') parts.add('root');
    else die(`--only wants live or root (image), not ${p}`);
  }

// Everything human goes to stderr when --json asks for stdout.
const say = (s = '') => (values.json ? process.stderr : process.stdout).write(s + '\n');
const note = (s) => process.stderr.write(`bench: ${s}\n`);

// ---------------------------------------------------------------- prerequisites
const missing = [];
const TIME = gnuTime();
if (!fs.existsSync(path.join(REPO, 'dist', 'src', 'cli', 'main.js')))
  missing.push('Bulwark is not built: run `npm run build` in ' + REPO);
const LYNIS = parts.has('live') ? which('lynis') : null;
if (parts.has('live') && !LYNIS)
  missing.push(
    'lynis is not installed: apt-get install -y lynis   (Debian/Ubuntu; it is the peer of the live benchmark)',
  );
let FIND = null;
if (parts.has('root')) {
  FIND = which('find');
  const v = FIND ? (spawnSync(FIND, ['--version'], { encoding: 'utf8' }).stdout ?? '') : '';
  if (!v.includes('GNU'))
    missing.push('GNU find is needed for the root benchmark: apt-get install -y findutils');
}
if (missing.length) die('missing prerequisites:\n  - ' + missing.join('\n  - '));
if (values.snapshot) {
  const snap = path.join(HERE, 'out', 'snapshot');
  fs.rmSync(snap, { recursive: true, force: true });
  fs.mkdirSync(snap, { recursive: true });
  for (const p of ['bin', 'dist', 'content', 'package.json'])
    fs.cpSync(path.join(REPO, p), path.join(snap, p), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(snap, 'node_modules'));
  BULWARK_DIR = snap;
  BULWARK = path.join(snap, 'bin', 'bulwark.js');
  note(`snapshot of bin/, dist/, content/ taken in ${path.relative(REPO, snap)}`);
}
/** Is dist/catalogue.json current? When stale, every scan parses and validates the YAML content instead. */
async function catalogueCurrent() {
  try {
    const c = await import(
      pathToFileURL(path.join(BULWARK_DIR, 'dist', 'src', 'content', 'catalogue.js')).href
    );
    const j = JSON.parse(fs.readFileSync(c.compiledCataloguePath(), 'utf8'));
    return j.fingerprint === c.contentFingerprint();
  } catch {
    return null;
  }
}
let CATALOGUE_CURRENT = await catalogueCurrent();
if (
  CATALOGUE_CURRENT === false &&
  values.snapshot &&
  fs.existsSync(path.join(BULWARK_DIR, 'dist', 'scripts', 'build-catalogue.js'))
) {
  note("compiling the snapshot's dist/catalogue.json (content/ changed since the last build)");
  const r = spawnSync(process.execPath, [path.join(BULWARK_DIR, 'dist', 'scripts', 'build-catalogue.js')], {
    cwd: BULWARK_DIR,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) die('build-catalogue failed on the snapshot (content/ does not validate right now)');
  CATALOGUE_CURRENT = await catalogueCurrent();
}
if (CATALOGUE_CURRENT === false)
  note(
    'dist/catalogue.json does not match content/: run `npm run build` first, or every scan parses the YAML rules (slower, not what users run)',
  );
if (!TIME) note('GNU time not found (apt-get install -y time): peak RSS comes from polling /proc only');
const POLL = !values['no-poll'];
if (process.getuid?.() !== 0)
  note(
    'not running as root: lynis runs a reduced, non-privileged audit and Bulwark cannot read some files; the figures are not comparable to the recorded ones',
  );

// ---------------------------------------------------------------- machine
function machine() {
  const cpus = os.cpus();
  const osRelease = (() => {
    try {
      return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? null;
    } catch {
      return null;
    }
  })();
  const git =
    spawnSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() ||
    null;
  const dirty = spawnSync('git', ['-C', REPO, 'status', '--porcelain', '--', 'src', 'content'], {
    encoding: 'utf8',
  }).stdout?.trim();
  const lynisVersion = LYNIS
    ? (spawnSync(LYNIS, ['--version'], { encoding: 'utf8' }).stdout ?? '').trim() || null
    : null;
  const findVersion = FIND
    ? ((spawnSync(FIND, ['--version'], { encoding: 'utf8' }).stdout ?? '').split('\n')[0] ?? null)
    : null;
  const bulwarkVersion = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version;
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    os: osRelease,
    kernel: os.release(),
    cpu: cpus[0]?.model ?? null,
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryBytes: os.totalmem(),
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
    node: process.version,
    bulwark: `${bulwarkVersion}${git ? ` (${git}${dirty ? ', uncommitted changes in src/ or content/' : ''})` : ''}${values.snapshot ? ', run from a snapshot' : ''}`,
    lynis: lynisVersion,
    find: findVersion,
    gnuTime: Boolean(TIME),
    compiledCatalogueCurrent: CATALOGUE_CURRENT,
    user: os.userInfo().username,
  };
}

// ---------------------------------------------------------------- helpers
/** What a Bulwark JSON report says about the scan. */
function reportInfo(stdout) {
  try {
    const r = JSON.parse(stdout);
    const facts = r.facts ?? [];
    const byStatus = {};
    for (const f of facts) byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
    return {
      rules: (r.results ?? []).length,
      facts: facts.length,
      factStatus: byStatus,
      counts: r.summary?.counts ?? null,
      scanMs: r.scan?.duration_ms ?? null,
      facts_: facts,
    };
  } catch {
    return null;
  }
}

async function runBulwark(label, args, n) {
  const cmd = process.execPath;
  const argv = [
    BULWARK,
    'scan',
    ...args,
    '--no-store',
    '--no-report',
    '--quiet',
    '--format',
    'json',
    '--profile',
    values.profile,
  ];
  note(`${label}: bulwark warm-up run`);
  const warm = await measure(cmd, argv, { time: TIME, capture: true, cwd: REPO });
  if (!warm.ok)
    die(
      `bulwark failed (exit ${warm.code}${warm.signal ? `, ${warm.signal}` : ''}):\n${warm.stderr.slice(-4000)}`,
    );
  const info = reportInfo(warm.stdout);
  const runs = [];
  for (let i = 0; i < n; i++) {
    note(`${label}: bulwark run ${i + 1}/${n}`);
    // Timed runs are not polled, so that the poller does not compete for a core.
    const r = await measure(cmd, argv, {
      time: TIME,
      capture: true,
      cwd: REPO,
      pollMs: 0,
    });
    if (!r.ok) die(`bulwark failed (exit ${r.code}):\n${r.stderr.slice(-4000)}`);
    runs.push({
      wallMs: r.wallMs,
      maxRssBytes: r.maxRssBytes ?? null,
      treePeakBytes: r.treePeakBytes,
      userS: r.userS ?? null,
      sysS: r.sysS ?? null,
      scanMs: reportInfo(r.stdout)?.scanMs ?? null,
    });
  }
  let treePeakBytes = null;
  if (POLL || !TIME) {
    // Without GNU time this is the only RSS figure, so it is taken even with --no-poll.
    note(`${label}: bulwark run with /proc polling (process-tree RSS, not timed)`);
    const r = await measure(cmd, argv, { time: TIME, capture: true, cwd: REPO, pollMs: 10 });
    treePeakBytes = r.treePeakBytes;
  }
  const walls = runs.map((r) => r.wallMs);
  const rss = runs.map((r) => r.maxRssBytes ?? 0);
  return {
    command: `node bin/bulwark.js scan ${args.join(' ')}${args.length ? ' ' : ''}--no-store --no-report --quiet --format json --profile ${values.profile}`,
    runs,
    medianMs: median(walls),
    minMs: Math.min(...walls),
    maxMs: Math.max(...walls),
    medianScanMs: median(runs.map((r) => r.scanMs ?? NaN).filter((x) => !Number.isNaN(x))),
    medianUserS: median(runs.map((r) => r.userS ?? NaN).filter((x) => !Number.isNaN(x))),
    medianSysS: median(runs.map((r) => r.sysS ?? NaN).filter((x) => !Number.isNaN(x))),
    peakRssBytes: Math.max(...rss, treePeakBytes ?? 0),
    treePeakBytes,
    rules: info?.rules ?? null,
    facts: info?.facts ?? null,
    factStatus: info?.factStatus ?? null,
    resultCounts: info?.counts ?? null,
    // Facts that did not come back complete for a reason other than absence: a bound hit, an error.
    partialFacts: (info?.facts_ ?? [])
      .filter((f) => f.status === 'incomplete' || f.status === 'error')
      .map((f) => ({
        key: f.key,
        status: f.status,
        rows: Array.isArray(f.rows) ? f.rows.length : f.rows,
        reason: f.reason ?? null,
      })),
    _facts: info?.facts_ ?? [],
  };
}

const pct = (a, b) => (b ? `${((a / b) * 100).toFixed(0)} %` : '—');
const ratioText = (r) => (Number.isFinite(r) ? (r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`) : '—');

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => String(c ?? '').padEnd(i === r.length - 1 ? 0 : widths[i])).join('  '))
    .join('\n');
}

// ---------------------------------------------------------------- live
async function benchLive() {
  const bulwark = await runBulwark('live', [], RUNS);
  const lynisRuns = [];
  for (let i = 0; i < LYNIS_RUNS; i++) {
    note(`live: lynis audit system --quick run ${i + 1}/${LYNIS_RUNS} (about a minute)`);
    // Polled every 200 ms for the tree: lynis is a shell script of many short processes.
    const r = await measure(LYNIS, ['audit', 'system', '--quick', '--no-colors'], {
      time: TIME,
      capture: true,
      pollMs: POLL || !TIME ? 200 : 0,
    });
    if (!r.ok) note(`lynis exited with ${r.code}${r.signal ? ` (${r.signal})` : ''}; its figures are kept`);
    const tests = /Tests performed\s*:\s*(\d+)/i.exec(r.stdout)?.[1];
    lynisRuns.push({
      wallMs: r.wallMs,
      maxRssBytes: r.maxRssBytes ?? null,
      treePeakBytes: r.treePeakBytes,
      userS: r.userS ?? null,
      sysS: r.sysS ?? null,
      code: r.code,
      tests: tests ? Number(tests) : null,
    });
  }
  const lynis = {
    command: 'lynis audit system --quick --no-colors',
    runs: lynisRuns,
    medianMs: median(lynisRuns.map((r) => r.wallMs)),
    minMs: Math.min(...lynisRuns.map((r) => r.wallMs)),
    maxMs: Math.max(...lynisRuns.map((r) => r.wallMs)),
    medianUserS: median(lynisRuns.map((r) => r.userS ?? NaN).filter((x) => !Number.isNaN(x))),
    medianSysS: median(lynisRuns.map((r) => r.sysS ?? NaN).filter((x) => !Number.isNaN(x))),
    maxRssBytes: Math.max(...lynisRuns.map((r) => r.maxRssBytes ?? 0)) || null,
    treePeakBytes: POLL ? Math.max(...lynisRuns.map((r) => r.treePeakBytes ?? 0)) : null,
    tests: lynisRuns[0]?.tests ?? null,
  };
  const walkFacts = bulwark._facts
    .filter((f) => f.key === 'special_files' || f.key.startsWith('special_files('))
    .map((f) => ({
      key: f.key,
      status: f.status,
      rows: Array.isArray(f.rows) ? f.rows.length : (f.rows ?? 0),
      engine: (f.sources ?? []).find((x) => x.startsWith('engine:'))?.slice(7) ?? null,
      walked: (f.sources ?? []).filter((x) => x.startsWith('walk:')).map((x) => x.slice(5)),
    }));
  const ratio = lynis.medianMs / bulwark.medianMs;
  const worstRatio = lynis.medianMs / bulwark.maxMs;
  return {
    bulwark: strip(bulwark),
    lynis,
    walkFacts,
    ratio,
    worstRatio,
    loadAfter: os.loadavg().map((x) => Number(x.toFixed(2))),
    targets: {
      ratio: { want: `>= ${TARGET_RATIO}x`, got: Number(ratio.toFixed(1)), met: ratio >= TARGET_RATIO },
      rss: {
        want: '< 150 MB',
        got: Number((bulwark.peakRssBytes / 1048576).toFixed(1)),
        met: bulwark.peakRssBytes < TARGET_RSS,
      },
    },
  };
}

function strip(b) {
  const { _facts, ...rest } = b;
  return rest;
}

function printLive(r) {
  const b = r.bulwark;
  const l = r.lynis;
  say(`Live host, profile ${values.profile}: Bulwark vs lynis, same machine, same run`);
  say(
    table([
      [
        'tool',
        'work done',
        `wall (median)`,
        'min–max',
        'user+sys CPU',
        'peak RSS (largest process)',
        'peak RSS (process tree)',
      ],
      [
        'bulwark scan',
        `${b.rules} rules, ${b.facts} facts`,
        secs(b.medianMs),
        `${secs(b.minMs)}–${secs(b.maxMs)} (${b.runs.length} runs)`,
        b.medianUserS != null && !Number.isNaN(b.medianUserS)
          ? `${(b.medianUserS + b.medianSysS).toFixed(2)} s`
          : '—',
        mb(Math.max(...b.runs.map((x) => x.maxRssBytes ?? 0)) || null),
        mb(b.treePeakBytes),
      ],
      [
        'lynis --quick',
        `${l.tests ?? '?'} tests`,
        secs(l.medianMs),
        `${secs(l.minMs)}–${secs(l.maxMs)} (${l.runs.length} run${l.runs.length > 1 ? 's' : ''})`,
        l.medianUserS != null && !Number.isNaN(l.medianUserS)
          ? `${(l.medianUserS + l.medianSysS).toFixed(2)} s`
          : '—',
        mb(l.maxRssBytes),
        mb(l.treePeakBytes),
      ],
    ]),
  );
  say(
    `Bulwark's own scan time (report scan.duration_ms, without Node start-up and module loading): ${secs(b.medianScanMs)} median (${pct(b.medianScanMs, b.medianMs)} of wall)`,
  );
  say(
    `ratio lynis/bulwark (median wall): ${ratioText(r.ratio)}   target ≥${TARGET_RATIO}×: ${r.targets.ratio.met ? 'MET' : 'NOT MET'}   (against Bulwark's slowest run: ${ratioText(r.worstRatio)})`,
  );
  say(`Bulwark peak RSS: ${mb(b.peakRssBytes)}   target <150 MB: ${r.targets.rss.met ? 'MET' : 'NOT MET'}`);
  if (b.factStatus)
    say(
      `Bulwark facts by status: ${Object.entries(b.factStatus)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  for (const f of b.partialFacts)
    say(`  ${f.status}: ${f.key}, ${f.rows} rows${f.reason ? ` (${f.reason})` : ''}`);
  for (const w of r.walkFacts)
    say(
      `Bulwark's file walk: ${w.key} ${w.status}, ${w.rows} rows, engine ${w.engine ?? '?'}, walked ${w.walked.join(' ')}`,
    );
}

// ---------------------------------------------------------------- root
function ensureRoot() {
  if (values.root) {
    const dir = path.resolve(values.root);
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) die(`--root ${dir} is not a directory`);
    return { dir, manifest: null };
  }
  const dir = path.join(HERE, 'out', 'root');
  const manifestPath = path.join(HERE, 'out', 'root.manifest.json');
  let manifest = null;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch {
    /* build it */
  }
  if (values['rebuild-root'] || !manifest || manifest.requested !== FILES || !fs.existsSync(dir)) {
    note(
      `root: building a synthetic root of ${FILES} files in ${path.relative(REPO, dir)} (bench/make-root.mjs)`,
    );
    const r = spawnSync(
      process.execPath,
      [path.join(HERE, 'make-root.mjs'), '--files', String(FILES), '--out', dir],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (r.status !== 0) die('make-root.mjs failed');
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  }
  return { dir, manifest };
}

/** The find expression the peer runs: the same questions as Bulwark's special_files walk. */
/**
 * The peer's commands. `perm`: SUID, SGID and world-writable entries, as an auditor types it.
 * `owners`: the same plus -nouser/-nogroup (closer to Bulwark's questions, but judged against the
 * scanning host's accounts, one getpwuid()/getgrgid() per entry). The ratio uses the faster one.
 */
function findCommand(root, variant) {
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const extra = variant === 'owners' ? ' -o -nouser -o -nogroup' : '';
  return `${FIND} ${q(root)} -xdev ! -type l \\( -perm -4000 -o -perm -2000 -o -perm -0002${extra} \\) -print | wc -l`;
}

async function runFind(dir, variant) {
  const cmd = findCommand(dir, variant);
  note(`root: find (${variant}) warm-up run`);
  await measure(cmd, [], { shell: true, capture: true });
  const runs = [];
  let count = null;
  for (let i = 0; i < PEER_RUNS; i++) {
    note(`root: find (${variant}) run ${i + 1}/${PEER_RUNS}`);
    const r = await measure(cmd, [], { shell: true, time: TIME, capture: true });
    count = Number(r.stdout.trim());
    runs.push({
      wallMs: r.wallMs,
      maxRssBytes: r.maxRssBytes ?? null,
      userS: r.userS ?? null,
      sysS: r.sysS ?? null,
    });
  }
  return {
    variant,
    command: cmd.replace(dir, '<root>').replace(FIND, 'find'),
    runs,
    medianMs: median(runs.map((r) => r.wallMs)),
    minMs: Math.min(...runs.map((r) => r.wallMs)),
    maxMs: Math.max(...runs.map((r) => r.wallMs)),
    maxRssBytes: Math.max(...runs.map((r) => r.maxRssBytes ?? 0)) || null,
    matches: count,
  };
}

async function benchRoot() {
  const { dir, manifest } = ensureRoot();
  const bulwark = await runBulwark('root', ['--root', dir], RUNS);
  // The report's facts carry key, status, rows (a count) and sources.
  const sf = bulwark._facts.filter((f) => f.key === 'special_files' || f.key.startsWith('special_files('));
  const special = sf.map((f) => ({
    key: f.key,
    status: f.status,
    rows: Array.isArray(f.rows) ? f.rows.length : (f.rows ?? 0),
    reason: f.reason ?? null,
    engine: (f.sources ?? []).find((x) => x.startsWith('engine:'))?.slice(7) ?? null,
  }));
  // The walk alone, the same job as find's: one fact, no rules, over the whole root (scope all;
  // a scan's default scope walks the OS tree only). The time budget is lifted so that the figure
  // is the walk's real cost (a scan stops it at 10 s and reports the fact incomplete).
  const walkArgv = [
    BULWARK,
    'facts',
    'show',
    'special_files',
    '--root',
    dir,
    '--arg',
    'scope=all',
    '--arg',
    'time_budget_ms=600000',
  ];
  note('root: bulwark special_files walk warm-up run');
  await measure(process.execPath, walkArgv, { time: TIME, capture: true, cwd: REPO });
  const walkRuns = [];
  let walkFact = null;
  for (let i = 0; i < RUNS; i++) {
    note(`root: bulwark special_files walk run ${i + 1}/${RUNS}`);
    const r = await measure(process.execPath, walkArgv, { time: TIME, capture: true, cwd: REPO });
    if (!r.ok) die(`bulwark facts show special_files failed (exit ${r.code}):\n${r.stderr.slice(-4000)}`);
    try {
      const f = JSON.parse(r.stdout);
      walkFact = {
        status: f.status,
        rows: f.rows?.length ?? 0,
        reason: f.reason ?? null,
        engine: (f.provenance?.sources ?? []).find((x) => x.startsWith('engine:'))?.slice(7) ?? null,
      };
    } catch {
      walkFact = null;
    }
    walkRuns.push({
      wallMs: r.wallMs,
      maxRssBytes: r.maxRssBytes ?? null,
      userS: r.userS ?? null,
      sysS: r.sysS ?? null,
    });
  }
  const walk = {
    command:
      'node bin/bulwark.js facts show special_files --root <root> --arg scope=all --arg time_budget_ms=600000',
    runs: walkRuns,
    medianMs: median(walkRuns.map((r) => r.wallMs)),
    minMs: Math.min(...walkRuns.map((r) => r.wallMs)),
    maxMs: Math.max(...walkRuns.map((r) => r.wallMs)),
    maxRssBytes: Math.max(...walkRuns.map((r) => r.maxRssBytes ?? 0)) || null,
    fact: walkFact,
  };
  const finds = [await runFind(dir, 'perm'), await runFind(dir, 'owners')];
  const find = finds.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  const entries = manifest?.entries ?? countEntries(dir);
  return {
    root: path.relative(REPO, dir) || dir,
    manifest,
    entries,
    bulwark: strip(bulwark),
    specialFiles: special,
    walk,
    find,
    finds,
    ratio: find.medianMs / bulwark.medianMs,
    walkRatio: find.medianMs / walk.medianMs,
  };
}

function countEntries(dir) {
  const r = spawnSync('/bin/sh', ['-c', `${FIND} '${dir.replace(/'/g, `'\\''`)}' -xdev | wc -l`], {
    encoding: 'utf8',
  });
  return Number(r.stdout.trim()) || null;
}

function printRoot(r) {
  const b = r.bulwark;
  const f = r.find;
  say(
    `Offline mounted root: ${r.root} (${r.entries?.toLocaleString('en-US') ?? '?'} entries${r.manifest ? `: ${r.manifest.files.toLocaleString('en-US')} files, ${r.manifest.dirs.toLocaleString('en-US')} directories, ${r.manifest.symlinks} symlinks` : ''})`,
  );
  say(
    table([
      ['tool', 'work done', 'wall (median)', 'min–max', 'user+sys CPU', 'peak RSS'],
      [
        'bulwark scan --root',
        `${b.rules} rules, ${b.facts} facts${r.specialFiles.length ? `, ${r.specialFiles.map((x) => x.key).join(' ')} walked` : ', no file walk'}`,
        secs(b.medianMs),
        `${secs(b.minMs)}–${secs(b.maxMs)} (${b.runs.length} runs)`,
        b.medianUserS != null && !Number.isNaN(b.medianUserS)
          ? `${(b.medianUserS + b.medianSysS).toFixed(2)} s`
          : '—',
        mb(b.peakRssBytes),
      ],
      [
        'bulwark facts show special_files',
        `the walk alone: ${r.walk.fact ? `${r.walk.fact.status}, ${r.walk.fact.rows} rows, engine ${r.walk.fact.engine ?? '?'}` : '?'}`,
        secs(r.walk.medianMs),
        `${secs(r.walk.minMs)}–${secs(r.walk.maxMs)} (${r.walk.runs.length} runs)`,
        r.walk.runs[0]?.userS != null
          ? `${(median(r.walk.runs.map((x) => x.userS)) + median(r.walk.runs.map((x) => x.sysS))).toFixed(2)} s`
          : '—',
        mb(r.walk.maxRssBytes),
      ],
      ...r.finds.map((f) => [
        `GNU find (${f.variant === 'perm' ? 'SUID/SGID/world-writable' : 'same + -nouser/-nogroup'})`,
        `${f.matches} matches`,
        secs(f.medianMs),
        `${secs(f.minMs)}–${secs(f.maxMs)} (${f.runs.length} runs)`,
        f.runs[0]?.userS != null
          ? `${(median(f.runs.map((x) => x.userS)) + median(f.runs.map((x) => x.sysS))).toFixed(2)} s`
          : '—',
        mb(f.maxRssBytes),
      ]),
    ]),
  );
  say(`Bulwark's own scan time (without Node start-up): ${secs(b.medianScanMs)} median`);
  say(
    `ratio find/bulwark, the walk alone (same job; the faster find, ${r.find.variant}): ${ratioText(r.walkRatio)}  (Bulwark's walk takes ${(1 / r.walkRatio).toFixed(2)}× the time of find)`,
  );
  say(`ratio find/bulwark, whole scan (Bulwark does much more than the walk): ${ratioText(r.ratio)}`);
  for (const s of r.specialFiles)
    say(
      `${s.key} fact in the scan: ${s.status}, ${s.rows} rows, engine ${s.engine ?? '?'}${s.reason ? ` (${s.reason})` : ''}`,
    );
  if (!r.specialFiles.length)
    say('note: no rule of this profile asked for special_files, so Bulwark did not walk the tree');
  say(
    `Bulwark peak RSS: ${mb(b.peakRssBytes)}   target <150 MB: ${b.peakRssBytes < TARGET_RSS ? 'MET' : 'NOT MET'}`,
  );
}

// ---------------------------------------------------------------- main
const m = machine();
say(`Bulwark benchmark — ${m.date}`);
say(
  `machine: ${m.cores} cores (${m.cpu}), ${(m.memoryBytes / 1073741824).toFixed(1)} GiB RAM, ${m.os}, kernel ${m.kernel}, load ${m.loadavg.join(' ')}`,
);
say(
  `versions: bulwark ${m.bulwark}, node ${m.node}${m.lynis ? `, lynis ${m.lynis}` : ''}${m.find ? `, ${m.find}` : ''}; peak RSS from ${TIME ? 'GNU time (kernel maxrss)' : '/proc polling'}`,
);
const results = { machine: m, runs: RUNS };
if (parts.has('live') && fs.existsSync(path.join(HERE, 'out', 'root')))
  note(
    'bench/out/root exists: the live scan walks the whole host, so its files are counted in the live figures; remove it (rm -rf bench/out/root) for a clean live measurement',
  );
if (parts.has('live')) {
  say();
  results.live = await benchLive();
  printLive(results.live);
}
if (parts.has('root')) {
  say();
  results.root = await benchRoot();
  printRoot(results.root);
  // The synthetic root sits on this host's filesystem: left there, a later live scan (whose
  // special_files walk covers the whole host) would walk its 100,000 files too.
  if (!values.root && !values['keep-root']) {
    fs.rmSync(path.join(HERE, 'out', 'root'), { recursive: true, force: true });
    fs.rmSync(path.join(HERE, 'out', 'root.manifest.json'), { force: true });
    note('removed bench/out/root (pass --keep-root to keep it)');
  }
}
if (values.snapshot) fs.rmSync(path.join(HERE, 'out', 'snapshot'), { recursive: true, force: true });
if (values.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
if (values.markdown) {
  fs.writeFileSync(values.markdown, markdown(results));
  note(`Markdown written to ${values.markdown}`);
}

function markdown(res) {
  const m = res.machine;
  const medCpu = (runs) => {
    const xs = runs.filter((r) => r.userS != null).map((r) => r.userS + r.sysS);
    return xs.length ? `${median(xs).toFixed(2)} s` : '—';
  };
  const L = [];
  L.push(
    `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on \`${m.host}\`: ${m.cores} cores (${m.cpu}), ${(m.memoryBytes / 1073741824).toFixed(1)} GiB RAM, ${m.os}, kernel ${m.kernel}; load average (1/5/15 min) at the start ${m.loadavg.join(' / ')}, at the end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' / ')}.`,
  );
  L.push(
    `Versions: Bulwark ${m.bulwark}; Node ${m.node}${m.lynis ? `; lynis ${m.lynis}` : ''}${m.find ? `; ${m.find}` : ''}. Peak RSS from ${m.gnuTime ? "GNU time (the kernel's maxrss of the largest process)" : 'polling /proc'}; compiled catalogue current: ${m.compiledCatalogueCurrent}.`,
  );
  L.push('');
  if (res.live) {
    const { bulwark: b, lynis: l } = res.live;
    L.push(`### Live host, profile \`${values.profile}\``);
    L.push('');
    L.push(
      '| tool | work done | wall time (median) | min – max | CPU user+sys | peak RSS, largest process | peak RSS, process tree |',
    );
    L.push('|---|---|---:|---|---:|---:|---:|');
    L.push(
      `| \`${b.command}\` | ${b.rules} rules, ${b.facts} facts | **${secs(b.medianMs)}** | ${secs(b.minMs)} – ${secs(b.maxMs)} (${b.runs.length} runs) | ${medCpu(b.runs)} | **${mb(Math.max(...b.runs.map((x) => x.maxRssBytes ?? 0)) || null)}** | ${mb(b.treePeakBytes)} |`,
    );
    L.push(
      `| \`${l.command}\` | ${l.tests ?? '?'} tests | **${secs(l.medianMs)}** | ${secs(l.minMs)} – ${secs(l.maxMs)} (${l.runs.length} run${l.runs.length > 1 ? 's' : ''}) | ${medCpu(l.runs)} | ${mb(l.maxRssBytes)} | ${mb(l.treePeakBytes)} |`,
    );
    L.push('');
    L.push(
      `- **Ratio lynis / Bulwark (median wall time): ${ratioText(res.live.ratio)}** — target ≥ ${TARGET_RATIO}×: **${res.live.targets.ratio.met ? 'met' : 'not met'}** (against Bulwark's slowest run: ${ratioText(res.live.worstRatio)}).`,
    );
    L.push(
      `- **Bulwark peak RSS: ${mb(b.peakRssBytes)}** — target < 150 MB: **${res.live.targets.rss.met ? 'met' : 'not met'}**.`,
    );
    L.push(
      `- Bulwark's own scan time (report \`scan.duration_ms\`: collection and evaluation, without Node start-up, module loading and catalogue loading): ${secs(b.medianScanMs)} median.`,
    );
    if (b.factStatus)
      L.push(
        `- Bulwark facts by status: ${Object.entries(b.factStatus)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}.`,
      );
    for (const f of b.partialFacts)
      L.push(`- Fact \`${f.key}\` ${f.status}, ${f.rows} rows${f.reason ? `: ${f.reason}` : ''}.`);
    for (const w of res.live.walkFacts)
      L.push(
        `- Bulwark's file walk in the scan: \`${w.key}\` ${w.status}, ${w.rows} rows, engine ${w.engine ?? '?'}, over ${w.walked.join(' ')}.`,
      );
    L.push('');
  }
  if (res.root) {
    const r = res.root;
    const b = r.bulwark;
    L.push(
      `### Offline mounted root of ${r.manifest ? `${(r.manifest.files + r.manifest.symlinks + r.manifest.fifos).toLocaleString('en-US')} files` : `${r.entries} entries`}`,
    );
    L.push('');
    if (r.manifest)
      L.push(
        `\`bench/make-root.mjs\`: ${r.manifest.files.toLocaleString('en-US')} regular files, ${r.manifest.symlinks.toLocaleString('en-US')} symlinks, ${r.manifest.fifos} FIFO, ${r.manifest.dirs.toLocaleString('en-US')} directories (${r.manifest.entries.toLocaleString('en-US')} entries, ${(r.manifest.bytes / 1048576).toFixed(0)} MB); ${r.manifest.suid} SUID and ${r.manifest.sgid} SGID files, ${r.manifest.worldWritableFiles} world-writable files, ${r.manifest.worldWritableDirs} world-writable directories (${r.manifest.stickyWorldWritableDirs} sticky), ${r.manifest.unowned} entries of unknown owner or group. Page cache warm (one untimed run of each command first).`,
      );
    L.push('');
    L.push('| tool | work done | wall time (median) | min – max | CPU user+sys | peak RSS |');
    L.push('|---|---|---:|---|---:|---:|');
    L.push(
      `| \`bulwark scan --root <root> --no-store --no-report\` | ${b.rules} rules, ${b.facts} facts${r.specialFiles.length ? `, ${r.specialFiles.map((x) => x.key).join(' ')} walked` : ', no file walk (no rule of the profile asks for special_files)'} | **${secs(b.medianMs)}** | ${secs(b.minMs)} – ${secs(b.maxMs)} (${b.runs.length} runs) | ${medCpu(b.runs)} | **${mb(b.peakRssBytes)}** |`,
    );
    L.push(
      `| \`${r.walk.command}\` | the walk alone${r.walk.fact ? `: ${r.walk.fact.status}, ${r.walk.fact.rows} rows, engine ${r.walk.fact.engine ?? '?'}` : ''} | **${secs(r.walk.medianMs)}** | ${secs(r.walk.minMs)} – ${secs(r.walk.maxMs)} (${r.walk.runs.length} runs) | ${medCpu(r.walk.runs)} | ${mb(r.walk.maxRssBytes)} |`,
    );
    for (const f of r.finds)
      L.push(
        `| \`${f.command.replace(/\|/g, '\\|')}\` | ${f.matches} matches | **${secs(f.medianMs)}** | ${secs(f.minMs)} – ${secs(f.maxMs)} (${f.runs.length} runs) | ${medCpu(f.runs)} | ${mb(f.maxRssBytes)} |`,
      );
    L.push('');
    L.push(
      `- **Ratio find / Bulwark, the walk alone (the same job; against the faster of the two find commands): ${ratioText(r.walkRatio)}** (Bulwark's walk takes ${(1 / r.walkRatio).toFixed(2)}× find's time).`,
    );
    L.push(
      `- Ratio find / Bulwark, whole scan: ${ratioText(r.ratio)} (not the same job: the scan also parses configuration, packages, accounts and evaluates every rule).`,
    );
    for (const s of r.specialFiles)
      L.push(
        `- In the scan, the fact \`${s.key}\` was ${s.status} with ${s.rows} rows (engine ${s.engine ?? '?'})${s.reason ? `: ${s.reason}` : ''}.`,
      );
    L.push('');
  }
  return L.join('\n') + '\n';
}
const failed = results.live && !(results.live.targets.ratio.met && results.live.targets.rss.met);
process.exitCode = failed ? 1 : 0;
