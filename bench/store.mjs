#!/usr/bin/env node
// Store benchmarks (issue 4), each side by side with a peer in one run, ratio printed:
//
//   evaluate: `bulwark evaluate --assets all` (the real CLI, as a child process) over N stored host snapshots
//             (default 10,000), made by mutating two real scans — this host (live) and a root built from the
//             rules' failing fixtures — vs rescanning: Bulwark's own live scan of this host, timed in the same
//             run, times N. Target: under 30 s for 10,000 snapshots on 2 cores, memory bounded.
//   ingest:   1,000,000 rule results (N scans × the default profile's results, each scan with its compressed
//             fact snapshot) through the real store API (Store.saveScan, one transaction per scan) into SQLite
//             and into PostgreSQL (127.0.0.1:5432, database test, a schema of its own, dropped afterwards),
//             vs the databases' own bulk loaders on the same rows: sqlite3's .import and psql's \copy.
//
// Usage: node bench/store.mjs [--only evaluate|ingest] [--snapshots N] [--results N] [--pg URL] [--keep]
// Needs a built Bulwark (npm run build); GNU time (apt-get install -y time) for the kernel's peak RSS;
// sqlite3 and postgresql-client (psql) for the ingest peers. Installs nothing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gnuTime, mb, measure, secs, which } from './measure.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const OUT = path.join(HERE, 'out', 'store');
const BULWARK = path.join(REPO, 'bin', 'bulwark.js');
const dist = (p) => import(pathToFileURL(path.join(REPO, 'dist', 'src', p)).href);

const HELP = `Usage: node bench/store.mjs [options]

  --only <part>       evaluate | ingest (default: both)
  --snapshots <n>     stored snapshots to re-evaluate (default 10000)
  --results <n>       rule results to ingest per backend (default 1000000)
  --pg <url>          PostgreSQL for the ingest part (default postgres://postgres@127.0.0.1:5432/test)
  --reuse             evaluate: reuse bench/out/store/evaluate-N.db when it exists (it is rebuilt otherwise)
  --keep              keep the databases in bench/out/store afterwards
  --json              print the figures as JSON on stdout
  -h, --help          this help`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      snapshots: { type: 'string', default: '10000' },
      results: { type: 'string', default: '1000000' },
      pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
      reuse: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (e) {
  process.stderr.write(`bench: ${e.message}\n${HELP}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(HELP + '\n');
  process.exit(0);
}
const die = (m) => {
  process.stderr.write(`bench: ${m}\n`);
  process.exit(2);
};
const say = (s = '') => (values.json ? process.stderr : process.stdout).write(s + '\n');
const parts = new Set((values.only ?? ['evaluate,ingest']).flatMap((v) => v.split(',')).filter(Boolean));
for (const p of parts)
  if (p !== 'evaluate' && p !== 'ingest') die(`--only wants evaluate or ingest, not ${p}`);
const SNAPSHOTS = Number(values.snapshots);
const RESULTS = Number(values.results);
if (!Number.isInteger(SNAPSHOTS) || SNAPSHOTS < 1) die('--snapshots wants a positive integer');
if (!Number.isInteger(RESULTS) || RESULTS < 1) die('--results wants a positive integer');
if (!fs.existsSync(path.join(REPO, 'dist', 'src', 'cli', 'main.js')))
  die(`Bulwark is not built: run \`npm run build\` in ${REPO}`);
const TIME = gnuTime();
if (!TIME)
  process.stderr.write(
    'bench: GNU time not found (apt-get install -y time): peak RSS is polled from /proc\n',
  );
fs.mkdirSync(OUT, { recursive: true });
const figures = {
  machine: { cpus: (await import('node:os')).availableParallelism(), node: process.version },
};
const rate = (n, ms) => Math.round((n / ms) * 1000);
const fmt = (n) => n.toLocaleString('en-US');

// ---------------------------------------------------------------- the two real snapshots
const { loadCatalogue } = await dist('content/load.js');
const { buildFixtureRoot } = await dist('content/fixtures.js');
const { runScan } = await dist('scan/run.js');
const { FsTarget } = await dist('targets/target.js');
const { Store } = await dist('store/db.js');
const { resolveProfile } = await dist('engine/profile.js');
const { prng } = await dist('core/prng.js');
const catalogue = loadCatalogue();

/** A root holding every default-profile rule's first failing fixture (the first file of a path wins). */
async function fixtureRoot() {
  const files = {};
  const packages = new Map();
  for (const { rule } of resolveProfile(catalogue, 'default')) {
    const fx = rule.fixtures?.fail?.[0];
    if (!fx) continue;
    for (const [p, spec] of Object.entries(fx.files ?? {})) if (!(p in files)) files[p] = spec;
    for (const p of fx.packages ?? []) {
      const name = typeof p === 'string' ? p : p.name;
      if (!packages.has(name)) packages.set(name, p);
    }
  }
  return buildFixtureRoot({ files, packages: [...packages.values()] });
}

async function baseScans() {
  const root = await fixtureRoot();
  try {
    const t0 = performance.now();
    const live = await runScan(FsTarget.live(), { catalogue, profile: 'default' });
    const liveMs = performance.now() - t0;
    const image = await runScan(await FsTarget.mounted(root), { catalogue, profile: 'default' });
    return { live, image, liveMs };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- mutations
const RISKY = [
  'telnetd',
  'rsh-server',
  'nis',
  'tftpd-hpa',
  'xserver-xorg-core',
  'avahi-daemon',
  'vsftpd',
  'snmpd',
];
const WANTED = ['auditd', 'apparmor', 'ufw', 'aide', 'chrony', 'libpam-pwquality', 'sudo', 'rsyslog'];
const SSHD = {
  permitrootlogin: ['yes', 'no', 'prohibit-password'],
  passwordauthentication: ['yes', 'no'],
  x11forwarding: ['yes', 'no'],
  permitemptypasswords: ['yes', 'no'],
  maxauthtries: ['3', '4', '6', '10'],
  loglevel: ['INFO', 'VERBOSE', 'QUIET'],
};
const SYSCTL = [
  'net.ipv4.ip_forward',
  'net.ipv4.conf.all.accept_redirects',
  'net.ipv4.conf.all.send_redirects',
  'net.ipv4.tcp_syncookies',
  'kernel.randomize_va_space',
  'fs.suid_dumpable',
  'kernel.kptr_restrict',
  'net.ipv4.conf.all.rp_filter',
];

/** A copy of the facts with some of them changed (the others shared, not copied). */
function mutate(facts, i, rnd) {
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const out = facts.map((f) => {
    const rows = f.rows;
    switch (f.name) {
      case 'os':
        return {
          ...f,
          rows: [{ ...rows[0], machine_id: i.toString(16).padStart(32, '0'), hostname: `host-${i}` }],
        };
      case 'packages': {
        if (rnd() < 0.3) return f;
        let r = rows.filter(() => rnd() > 0.004);
        const template = rows[0] ?? {
          version: '1.0-1',
          arch: 'amd64',
          manager: 'dpkg',
          status: 'install ok installed',
          installed: true,
        };
        const add = [...(rnd() < 0.4 ? [pick(RISKY)] : []), ...(rnd() < 0.5 ? [pick(WANTED)] : [])];
        r = [
          ...r.filter((p) => !add.includes(p.name)),
          ...add.map((name) => ({ ...template, name, line: null })),
        ];
        return { ...f, rows: r };
      }
      case 'sshd':
        if (rows.length === 0 || rnd() < 0.3) return f;
        return {
          ...f,
          rows: rows.map((r) =>
            SSHD[r.key] && !r.match && rnd() < 0.5
              ? { ...r, value: pick(SSHD[r.key]), is_default: false }
              : r,
          ),
        };
      case 'sysctl':
      case 'sysctl_live': {
        if (rnd() < 0.4) return f;
        const r = rows.map((x) =>
          SYSCTL.includes(x.key) && rnd() < 0.5 ? { ...x, value: pick(['0', '1', '2']) } : x,
        );
        for (const key of SYSCTL)
          if (!r.some((x) => x.key === key) && rnd() < 0.3) r.push({ key, value: pick(['0', '1', '2']) });
        return { ...f, rows: r };
      }
      case 'users': {
        if (rows.length === 0 || rnd() < 0.5) return f;
        const r = rows.map((u) =>
          u.uid >= 1000 && rnd() < 0.3 ? { ...u, shell: pick(['/bin/bash', '/usr/sbin/nologin']) } : u,
        );
        if (rnd() < 0.3) r.push({ ...rows[0], name: `toor${i}`, uid: 0, line: rows.length + 1 });
        if (rnd() < 0.3)
          r.push({
            ...rows[0],
            name: `svc${i}`,
            uid: 1000 + (i % 500),
            gid: 1000,
            shell: '/bin/sh',
            line: rows.length + 2,
          });
        return { ...f, rows: r };
      }
      case 'shadow':
        if (rows.length === 0 || rnd() < 0.5) return f;
        return {
          ...f,
          rows: rows.map((s) =>
            rnd() < 0.3
              ? {
                  ...s,
                  max_days: pick([30, 90, 365, 99999]),
                  password_status: pick([s.password_status, 'empty', 'locked']),
                }
              : s,
          ),
        };
      case 'login_defs':
        if (rnd() < 0.5) return f;
        return {
          ...f,
          rows: rows.map((d) =>
            d.key === 'PASS_MAX_DAYS' || d.key === 'UMASK'
              ? {
                  ...d,
                  value: d.key === 'UMASK' ? pick(['022', '027', '077']) : pick(['30', '99999', '365']),
                }
              : d,
          ),
        };
      case 'services':
        if (rnd() < 0.5) return f;
        return { ...f, rows: rows.map((s) => (rnd() < 0.05 ? { ...s, enabled: !s.enabled } : s)) };
      case 'sockets':
        if (rnd() < 0.7) return f;
        return {
          ...f,
          rows: [
            ...rows,
            {
              proto: 'tcp',
              local: '0.0.0.0',
              port: pick([23, 21, 6379, 11211]),
              state: 'listen',
              listening: true,
              uid: 0,
              inode: 1,
              pid: 1,
              process: 'svc',
            },
          ],
        };
      default:
        return f;
    }
  });
  return out;
}

// ---------------------------------------------------------------- evaluate
async function evaluatePart(base) {
  const file = path.join(OUT, `evaluate-${SNAPSHOTS}.db`);
  if (!(values.reuse && fs.existsSync(file))) {
    for (const x of ['', '-wal', '-shm']) fs.rmSync(file + x, { force: true });
    const store = await Store.open(file);
    const t0 = performance.now();
    try {
      for (let i = 0; i < SNAPSHOTS; i++) {
        const b = i % 2 === 0 ? base.live : base.image;
        const facts = mutate(b.facts, i, prng(i + 1));
        await store.saveScan({ ...b, id: crypto.randomUUID(), facts }, 'bench');
        if ((i + 1) % 1000 === 0)
          process.stderr.write(`bench: stored ${i + 1}/${SNAPSHOTS} mutated snapshots\r`);
      }
    } finally {
      await store.close();
    }
    process.stderr.write(`\nbench: ${fmt(SNAPSHOTS)} snapshots stored in ${secs(performance.now() - t0)}\n`);
  }
  const rules = base.live.results.length;
  say(
    `\nevaluate: \`bulwark evaluate --assets all --format json\` over ${fmt(SNAPSHOTS)} stored snapshots, ${rules} rules each`,
  );
  const r = await measure(
    process.execPath,
    [BULWARK, 'evaluate', '--assets', 'all', '--db', file, '--format', 'json'],
    {
      time: TIME,
      pollMs: 100,
      capture: false,
    },
  );
  if (!r.ok) die(`bulwark evaluate failed (exit ${r.code}):\n${r.stderr}`);
  // A check of the output's shape on a small selection (the full output is not kept: it is ~1 GB).
  const perHostRescan = base.liveMs;
  const f = {
    snapshots: SNAPSHOTS,
    rules,
    wall_ms: Math.round(r.wallMs),
    snapshots_per_s: rate(SNAPSHOTS, r.wallMs),
    rule_snapshots_per_s: rate(SNAPSHOTS * rules, r.wallMs),
    peak_rss_bytes: r.maxRssBytes ?? r.treePeakBytes,
    user_s: r.userS,
    rescan_ms_per_host: Math.round(perHostRescan),
    rescan_estimate_ms: Math.round(perHostRescan * SNAPSHOTS),
  };
  figures.evaluate = f;
  say(
    `  bulwark evaluate   ${secs(f.wall_ms)} wall, ${fmt(f.snapshots_per_s)} snapshots/s, ${fmt(f.rule_snapshots_per_s)} rule·snapshots/s, peak RSS ${mb(f.peak_rss_bytes)}${f.user_s !== undefined ? `, ${f.user_s.toFixed(1)} s CPU` : ''}`,
  );
  say(
    `  rescanning instead ${secs(f.rescan_ms_per_host)} per host (this host, live, default profile) × ${fmt(SNAPSHOTS)} = ${secs(f.rescan_estimate_ms)}`,
  );
  say(
    `  ratio              ${(f.rescan_estimate_ms / f.wall_ms).toFixed(0)}× faster than rescanning; target < 30 s: ${f.wall_ms < 30000 ? 'met' : 'NOT MET'}`,
  );
  if (!values.keep) for (const x of ['', '-wal', '-shm']) fs.rmSync(file + x, { force: true });
}

// ---------------------------------------------------------------- ingest
function csvField(v) {
  const s = String(v ?? '');
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function ingestPart(base) {
  const perScan = base.image.results.length;
  const scans = Math.ceil(RESULTS / perScan);
  const total = scans * perScan;
  say(
    `\ningest: ${fmt(total)} rule results = ${fmt(scans)} scans × ${perScan} results, each scan with its compressed fact snapshot`,
  );
  // The same rows for the peers: the results table as CSV.
  const csv = path.join(OUT, 'results.csv');
  const outcomes = (i) => {
    const b = base.image;
    return {
      ...b,
      id: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      facts: mutate(b.facts, i, prng(i + 1)),
    };
  };
  {
    const fd = fs.openSync(csv, 'w');
    for (let i = 0; i < scans; i++) {
      const s = outcomes(i);
      const lines = s.results.map((r) =>
        [s.id, r.rule, r.area, r.status, r.severity, r.title, r.message, JSON.stringify(r.evidence)]
          .map(csvField)
          .join(','),
      );
      fs.writeSync(fd, lines.join('\n') + '\n');
    }
    fs.closeSync(fd);
  }
  const peers = [];
  const backends = [{ name: 'sqlite', location: path.join(OUT, 'ingest.db'), opts: {} }];
  const schema = `bulwark_bench_${process.pid}`;
  const PSQL = which('psql');
  let pgUp = false;
  try {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: values.pg, connectionTimeoutMillis: 3000 });
    await c.connect();
    await c.end();
    pgUp = true;
    backends.push({ name: 'postgres', location: values.pg, opts: { schema } });
  } catch {
    say('  PostgreSQL not reachable: its half is SKIPPED');
  }
  figures.ingest = { results: total, scans, backends: {} };
  for (const b of backends) {
    if (b.name === 'sqlite') for (const x of ['', '-wal', '-shm']) fs.rmSync(b.location + x, { force: true });
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const store = await Store.open(b.location, b.opts);
    const t0 = performance.now();
    for (let i = 0; i < scans; i++) await store.saveScan(outcomes(i), 'bench');
    const ms = performance.now() - t0;
    const n = await store.count('results');
    await store.close();
    clearInterval(timer);
    if (n !== total) die(`${b.name}: ${n} results stored, ${total} expected`);
    // The peer: the same rows through the database's own bulk loader, into a table of the same shape.
    let peerMs = null;
    let peerName = '';
    if (b.name === 'sqlite') {
      const SQLITE3 = which('sqlite3');
      if (SQLITE3) {
        const peerDb = path.join(OUT, 'peer.db');
        fs.rmSync(peerDb, { force: true });
        const schemaSql =
          'pragma journal_mode=wal; pragma synchronous=normal; create table results (scan_id text not null, rule_id text not null, area text not null, status text not null, severity text not null, title text not null, message text not null, evidence text not null, primary key (scan_id, rule_id)); create index results_rule on results (rule_id, status);';
        spawnSync(SQLITE3, [peerDb, schemaSql]);
        const p0 = performance.now();
        const r = spawnSync(SQLITE3, [peerDb, '-cmd', '.mode csv', `.import ${csv} results`], {
          encoding: 'utf8',
        });
        peerMs = performance.now() - p0;
        if (r.status !== 0) die(`sqlite3 .import failed: ${r.stderr}`);
        peerName = 'sqlite3 .import (CSV, one transaction, no snapshots)';
        fs.rmSync(peerDb, { force: true });
      } else say('  sqlite3 not installed (apt-get install -y sqlite3): the SQLite peer is SKIPPED');
    } else if (PSQL) {
      const t = `${schema}.peer_results`;
      const run = (sqlText) =>
        spawnSync(PSQL, [values.pg, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sqlText], { encoding: 'utf8' });
      run(
        `create table ${t} (scan_id text not null, rule_id text not null, area text not null, status text not null, severity text not null, title text not null, message text not null, evidence text not null, primary key (scan_id, rule_id)); create index on ${t} (rule_id, status)`,
      );
      const p0 = performance.now();
      const r = run(`\\copy ${t} from '${csv}' with (format csv)`);
      peerMs = performance.now() - p0;
      if (r.status !== 0) die(`psql \\copy failed: ${r.stderr}`);
      peerName = 'psql \\copy (CSV, one COPY, no snapshots)';
    } else say('  psql not installed (apt-get install -y postgresql-client): the PostgreSQL peer is SKIPPED');
    if (b.name === 'postgres') {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: values.pg });
      await c.connect();
      await c.query(`drop schema "${schema}" cascade`);
      await c.end();
    }
    const f = {
      ms: Math.round(ms),
      results_per_s: rate(total, ms),
      scans_per_s: rate(scans, ms),
      peak_rss_bytes: peak,
      peer: peerName || null,
      peer_ms: peerMs === null ? null : Math.round(peerMs),
      peer_results_per_s: peerMs === null ? null : rate(total, peerMs),
    };
    figures.ingest.backends[b.name] = f;
    say(
      `  ${b.name.padEnd(8)} Store.saveScan   ${secs(f.ms)}, ${fmt(f.results_per_s)} results/s (${fmt(f.scans_per_s)} scans/s), peak RSS of this process ${mb(f.peak_rss_bytes)}`,
    );
    if (peerMs !== null)
      say(
        `  ${''.padEnd(8)} ${peerName}   ${secs(f.peer_ms)}, ${fmt(f.peer_results_per_s)} results/s — ratio ${(ms / peerMs).toFixed(1)}× the bulk loader's time`,
      );
  }
  if (!values.keep) {
    for (const x of ['', '-wal', '-shm']) fs.rmSync(path.join(OUT, 'ingest.db') + x, { force: true });
    fs.rmSync(csv, { force: true });
  }
  if (!pgUp) figures.ingest.backends.postgres = 'skipped';
}

const t0 = performance.now();
const base = await baseScans();
say(
  `base snapshots: this host (live, ${base.live.facts.length} facts, ${base.live.summary.counts.fail} failing) and a fixture root (${base.image.facts.length} facts, ${base.image.summary.counts.fail} failing); live scan ${secs(base.liveMs)}`,
);
if (parts.has('evaluate')) await evaluatePart(base);
if (parts.has('ingest')) await ingestPart(base);
say(`\n(bench total ${secs(performance.now() - t0)})`);
if (values.json) process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
