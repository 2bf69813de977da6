#!/usr/bin/env node
// Report generation at fleet scale (issue 5), with OpenSCAP's report generator side by side.
//
//   1. Populates bench/out/report-fleet.db with N assets (default 10,000), each with one scan of ~300 results
//      (the catalogue's rules, deterministic verdicts, evidence with paths and lines) — built once, reused.
//   2. Times `bulwark report --fleet --format F` for html, sarif, csv, junit (and any --formats), with the
//      kernel's peak RSS (GNU time): the fleet is streamed, so memory must not grow with N.
//   3. Peer, on the same input: one asset's results as XCCDF 1.2 (`bulwark report --format xccdf`) rendered by
//      `oscap xccdf generate report` versus `bulwark report --asset X --format html`; and oscap on an XCCDF
//      file holding --oscap-fleet TestResults (default 1,000 assets) against Bulwark's fleet HTML of the same
//      assets. Prints the ratios.
//
// Usage: node bench/report.mjs [--assets N] [--rules N] [--formats html,sarif,csv,junit] [--runs N]
//                              [--oscap-fleet N] [--rebuild] [--json]
// Needs: npm run build; GNU time (Debian `time`) for peak RSS; oscap (Debian `openscap-scanner`) for the peer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { gnuTime, mb, measure, median, secs, which } from './measure.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const OUT = path.join(HERE, 'out', 'report');
const BULWARK = path.join(REPO, 'bin', 'bulwark.js');
const require = createRequire(import.meta.url);

const { values: o } = parseArgs({
  options: {
    assets: { type: 'string', default: '10000' },
    rules: { type: 'string', default: '300' },
    formats: { type: 'string', default: 'html,sarif,csv,junit' },
    runs: { type: 'string', default: '1' },
    'oscap-fleet': { type: 'string', default: '1000' },
    'peer-runs': { type: 'string', default: '3' },
    rebuild: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(o.assets);
const R = Number(o.rules);
const catalogueFile = path.join(REPO, 'dist', 'catalogue.json');
if (!fs.existsSync(catalogueFile) || !fs.existsSync(path.join(REPO, 'dist', 'src', 'store', 'db.js'))) {
  console.error('bench/report.mjs: build first: npm run build');
  process.exit(2);
}
const time = gnuTime();
if (!time) console.error('note: GNU time not found (Debian package `time`): no peak RSS figures');
fs.mkdirSync(OUT, { recursive: true });

// ---------------------------------------------------------------- 1. the fleet database
const db = path.join(OUT, `fleet-${N}x${R}.db`);
async function populate() {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  const { Store } = await import(pathToFileURL(path.join(REPO, 'dist', 'src', 'store', 'db.js')).href);
  await (await Store.open(db)).close(); // creates and migrates
  const Database = require('better-sqlite3');
  const raw = new Database(db);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = OFF');
  const rules = JSON.parse(fs.readFileSync(catalogueFile, 'utf8')).rules.slice(0, R);
  const { scoreOf } = await import(pathToFileURL(path.join(REPO, 'dist', 'src', 'engine', 'score.js')).href);
  const facts = gzipSync(
    JSON.stringify([
      {
        key: 'os',
        name: 'os',
        args: {},
        status: 'complete',
        rows: [{ id: 'debian', pretty_name: 'Debian 12', hostname: 'h', machine_id: null }],
        provenance: {
          collector: 'bench',
          sources: ['/etc/os-release'],
          mode: 'offline',
          at: '2026-01-01T00:00:00Z',
        },
      },
    ]),
  );
  const insAsset = raw.prepare(
    `insert into assets (id, name, machine_id, hostname, kind, created_at, updated_at, macs, tags, modifiability, zone)
     values (?, ?, null, ?, 'host', ?, ?, '[]', ?, 'full', ?)`,
  );
  const insScan = raw.prepare(
    `insert into scans (id, asset_id, started_at, finished_at, duration_ms, target_kind, target_root, mode, profile,
       tailoring, policies, bulwark_version, score, counts, facts)
     values (?, ?, ?, ?, 900, 'live', '/', 'live', 'default', null, '[]', 'bench', ?, ?, ?)`,
  );
  const insResult = raw.prepare(
    `insert into results (scan_id, rule_id, area, status, severity, title, message, evidence) values (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const statuses = [
    'pass',
    'pass',
    'pass',
    'pass',
    'pass',
    'fail',
    'fail',
    'not_applicable',
    'not_applicable',
    'not_checked',
  ];
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const t0 = performance.now();
  const batch = raw.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const name = `host-${String(i).padStart(5, '0')}`;
      const at = new Date(Date.UTC(2026, 10, 1 + (i % 20), 8, 0, 0)).toISOString();
      insAsset.run(id, name, name, at, at, JSON.stringify([`site-${i % 7}`]), `zone-${i % 12}`);
      const scan = `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const rows = [];
      for (const r of rules) {
        const status = statuses[Math.floor(rnd() * statuses.length)];
        rows.push([
          scan,
          r.id,
          r.area,
          status,
          r.severity,
          r.title,
          status === 'fail' ? `${r.id}: found a value that is not allowed` : `${r.id}: as required`,
          JSON.stringify([
            {
              fact: 'sshd',
              path: `/etc/${r.area}/${r.id}.conf`,
              line: 1 + (i % 40),
              field: 'value',
              actual: 'yes',
              expected: '= no',
              message: 'value is yes, expected = no',
            },
          ]),
        ]);
      }
      const score = scoreOf(rows.map(([, , , status, severity]) => ({ status, severity })));
      insScan.run(scan, id, at, at, score.score, JSON.stringify(score.counts), facts);
      for (const row of rows) insResult.run(...row);
    }
  });
  for (let i = 0; i < N; i += 500) {
    batch(i, Math.min(N, i + 500));
    if (!o.json) process.stderr.write(`\rpopulating ${Math.min(N, i + 500)}/${N} assets`);
  }
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  if (!o.json)
    process.stderr.write(`\rpopulated ${N} assets × ${R} results in ${secs(performance.now() - t0)}\n`);
}
if (o.rebuild || !fs.existsSync(db)) await populate();

// ---------------------------------------------------------------- 2. Bulwark fleet reports
const results = { assets: N, rules: R, db_bytes: fs.statSync(db).size, bulwark: {}, peer: {} };
const bulwark = async (args) => {
  const r = await measure(process.execPath, [BULWARK, ...args], { time });
  if (!r.ok) {
    console.error(`bulwark ${args.join(' ')} failed:\n${r.stderr}`);
    process.exit(1);
  }
  return r;
};
for (const f of o.formats.split(',').filter(Boolean)) {
  const file = path.join(OUT, `fleet.${f}`);
  const runs = [];
  for (let i = 0; i < Number(o.runs); i++)
    runs.push(await bulwark(['report', '--db', db, '--fleet', '--format', f, '--out', file]));
  results.bulwark[f] = {
    wall_ms: median(runs.map((r) => r.wallMs)),
    max_rss_bytes: median(runs.map((r) => r.maxRssBytes ?? NaN)),
    output_bytes: fs.statSync(file).size,
  };
  if (!o.json)
    console.log(
      `bulwark report --fleet --format ${f.padEnd(5)} ${N} assets: ${secs(results.bulwark[f].wall_ms).padStart(8)}  peak RSS ${mb(results.bulwark[f].max_rss_bytes).padStart(9)}  output ${mb(results.bulwark[f].output_bytes)}`,
    );
}

// ---------------------------------------------------------------- 3. OpenSCAP side by side
const oscap = which('oscap');
if (!oscap) console.error('SKIPPED peer: oscap not installed (Debian package openscap-scanner)');
else {
  const peerRuns = Number(o['peer-runs']);
  const one = 'host-00000';
  const xccdf1 = path.join(OUT, 'one.xccdf.xml');
  await bulwark(['report', '--db', db, '--asset', one, '--format', 'xccdf', '--out', xccdf1]);
  const b1 = [];
  const p1 = [];
  for (let i = 0; i < peerRuns; i++) {
    b1.push(
      await bulwark([
        'report',
        '--db',
        db,
        '--asset',
        one,
        '--format',
        'html',
        '--out',
        path.join(OUT, 'one.html'),
      ]),
    );
    p1.push(
      await measure(
        '/bin/sh',
        ['-c', `"${oscap}" xccdf generate report "${xccdf1}" > "${path.join(OUT, 'one.oscap.html')}"`],
        { time },
      ),
    );
  }
  results.peer.one_asset = {
    bulwark_ms: median(b1.map((r) => r.wallMs)),
    bulwark_rss: median(b1.map((r) => r.maxRssBytes ?? NaN)),
    oscap_ms: median(p1.map((r) => r.wallMs)),
    oscap_rss: median(p1.map((r) => r.maxRssBytes ?? NaN)),
    oscap_ok: p1.every((r) => r.ok),
  };
  // oscap on a results file holding K assets' TestResults (one document, as a fleet export would be).
  const K = Math.min(N, Number(o['oscap-fleet']));
  const smallDb = path.join(OUT, `fleet-${K}x${R}.db`);
  if (!fs.existsSync(smallDb)) {
    // The first K assets of the big database, copied by SQL (same rows) into a store created and migrated by
    // Bulwark (every table of every migration, so that the report finds what it reads).
    fs.rmSync(smallDb, { force: true });
    const { Store } = await import(pathToFileURL(path.join(REPO, 'dist', 'src', 'store', 'db.js')).href);
    await (await Store.open(smallDb)).close();
    const Database = require('better-sqlite3');
    const raw = new Database(smallDb);
    raw.exec(`attach database '${db.replace(/'/g, "''")}' as big`);
    raw.exec(`insert into assets select * from big.assets where name < 'host-${String(K).padStart(5, '0')}'`);
    raw.exec(`insert into scans select * from big.scans where asset_id in (select id from assets)`);
    raw.exec(`insert into results select * from big.results where scan_id in (select id from scans)`);
    raw.close();
  }
  const xccdfK = path.join(OUT, `fleet-${K}.xccdf.xml`);
  await bulwark(['report', '--db', smallDb, '--fleet', '--format', 'xccdf', '--out', xccdfK]);
  const bK = await bulwark([
    'report',
    '--db',
    smallDb,
    '--fleet',
    '--format',
    'html',
    '--out',
    path.join(OUT, `fleet-${K}.html`),
  ]);
  const lastId = spawnSync(
    'sh',
    ['-c', `grep -o '<TestResult id="[^"]*"' "${xccdfK}" | tail -1 | cut -d'"' -f2`],
    { encoding: 'utf8' },
  ).stdout.trim();
  const pK = await measure(
    '/bin/sh',
    [
      '-c',
      `"${oscap}" xccdf generate report --result-id "${lastId}" "${xccdfK}" > "${path.join(OUT, `fleet-${K}.oscap.html`)}"`,
    ],
    { time },
  );
  results.peer.fleet = {
    assets: K,
    xccdf_bytes: fs.statSync(xccdfK).size,
    bulwark_ms: bK.wallMs,
    bulwark_rss: bK.maxRssBytes ?? null,
    oscap_ms: pK.wallMs,
    oscap_rss: pK.maxRssBytes ?? null,
    oscap_ok: pK.ok,
    oscap_error: pK.ok ? null : pK.stderr.slice(-300),
  };
  if (!o.json) {
    const a = results.peer.one_asset;
    console.log(
      `\none asset (${R} results): bulwark html ${secs(a.bulwark_ms)} / ${mb(a.bulwark_rss)}   oscap xccdf generate report ${secs(a.oscap_ms)} / ${mb(a.oscap_rss)}${a.oscap_ok ? '' : ' (FAILED)'}   ratio oscap/bulwark ${(a.oscap_ms / a.bulwark_ms).toFixed(2)}× time, ${(a.oscap_rss / a.bulwark_rss).toFixed(2)}× memory`,
    );
    const f = results.peer.fleet;
    console.log(
      `${K} assets in one results file (${mb(f.xccdf_bytes)} of XCCDF): bulwark fleet html ${secs(f.bulwark_ms)} / ${mb(f.bulwark_rss)}   oscap generate report (one TestResult of the file) ${secs(f.oscap_ms)} / ${mb(f.oscap_rss)}${f.oscap_ok ? '' : ` (FAILED: ${f.oscap_error})`}   ratio ${(f.oscap_ms / f.bulwark_ms).toFixed(2)}× time, ${(f.oscap_rss / f.bulwark_rss).toFixed(2)}× memory`,
    );
  }
}
if (o.json) console.log(JSON.stringify(results, null, 2));
