#!/usr/bin/env node
// SCAP benchmark (issue 3): the same datastream, profile and root for Bulwark and OpenSCAP, side by side
// in one run:  bulwark scap eval <ds> --root R --profile P  vs  oscap-chroot R xccdf eval --profile P <ds>.
//
// The root is this machine's OS tree (/usr /etc /var /boot /srv) hard-linked (cp -al: no copy, same
// modes and owners) into bench/out/scap-root, with /etc/os-release replaced by Debian 11's so that the
// ssg-debian11 CPE applies; by default every rule of the benchmark is selected (a tailoring extending the
// standard profile), i.e. all OVAL definitions the content's rules use. The copy's dpkg status is empty
// (oscap-chroot cannot read packages offline; Bulwark is shown none either). Prints both times, the ratio,
// Bulwark's phases (parse, collect, evaluate, write), peak RSS (GNU time) and the per-rule agreement.
//
// Usage: node bench/scap.mjs [--profile ID|all] [--root DIR] [--runs N] [--keep-root] [--json]
// Needs: npm run build, openscap-scanner + openscap-utils (oscap-chroot), ssg-debian, GNU time; run as root.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gnuTime, mb, measure, median, secs, which } from './measure.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const BULWARK = path.join(REPO, 'bin', 'bulwark.js');
const DS_DEFAULT = '/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml';
const STANDARD = 'xccdf_org.ssgproject.content_profile_standard';
const TARGET_RATIO = 10;
const TARGET_RSS = 300 * 1048576;

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'all' },
    ds: { type: 'string', default: DS_DEFAULT },
    root: { type: 'string' },
    runs: { type: 'string', default: '3' },
    'oscap-runs': { type: 'string', default: '1' },
    'keep-root': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`Usage: node bench/scap.mjs [options]
  --profile <id|all>   XCCDF profile (default: all = every rule, a tailoring extending the standard profile)
  --ds <file>          source datastream (default ${DS_DEFAULT})
  --root <dir>         assess this root instead of the hard-linked copy of this machine
  --runs <n>           Bulwark runs (median reported; default 3)
  --oscap-runs <n>     oscap-chroot runs (default 1: minutes each)
  --keep-root          keep bench/out/scap-root
  --json               JSON on stdout
`);
  process.exit(0);
}
const die = (m) => {
  process.stderr.write(`bench/scap: ${m}\n`);
  process.exit(2);
};
if (!fs.existsSync(path.join(REPO, 'dist', 'src', 'cli', 'scap.js'))) die('build first: npm run build');
if (!which('oscap-chroot')) die('oscap-chroot missing: apt-get install -y openscap-scanner openscap-utils');
if (!fs.existsSync(values.ds)) die(`${values.ds} missing: apt-get install -y ssg-debian`);
const time = gnuTime();
if (!time) process.stderr.write('bench/scap: GNU time missing (apt-get install -y time): no peak RSS\n');

const out = path.join(REPO, 'bench', 'out');
fs.mkdirSync(out, { recursive: true });
let root = values.root;
let built = false;
if (!root) {
  root = path.join(out, 'scap-root');
  if (!fs.existsSync(root)) {
    process.stderr.write(`building ${root} (hard links of /usr /etc /var /boot /srv)…\n`);
    fs.mkdirSync(root);
    for (const d of ['usr', 'etc', 'var', 'boot', 'srv']) {
      const r = spawnSync('cp', ['-al', `/${d}`, path.join(root, d)], { stdio: 'inherit' });
      if (r.status !== 0) die(`cp -al /${d} failed`);
    }
    for (const l of ['bin', 'sbin', 'lib', 'lib64']) {
      try {
        fs.symlinkSync(fs.readlinkSync(`/${l}`), path.join(root, l));
      } catch {
        /* not a merged-usr link here */
      }
    }
    // Never write through a hard link: unlink, then create.
    const osr = path.join(root, 'etc', 'os-release');
    fs.rmSync(osr, { force: true });
    fs.writeFileSync(
      osr,
      'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nNAME="Debian GNU/Linux"\nVERSION_ID="11"\nVERSION="11 (bullseye)"\nVERSION_CODENAME=bullseye\nID=debian\n',
    );
    const dv = path.join(root, 'etc', 'debian_version');
    fs.rmSync(dv, { force: true });
    fs.writeFileSync(dv, '11.6\n');
    // oscap-chroot cannot read a root's packages (docs/scap.md, "Differences"): it sees none. Show Bulwark
    // none either, so that per-rule results are comparable. Unlink first: the file is the host's, hard-linked.
    const st = path.join(root, 'var', 'lib', 'dpkg', 'status');
    fs.rmSync(st, { force: true });
    fs.writeFileSync(st, '');
    built = true;
  }
}
const files = Number(
  spawnSync('sh', ['-c', 'find "$1" -xdev | wc -l', 'sh', root], { encoding: 'utf8' }).stdout.trim(),
);

// The profile: "all" is a tailoring selecting every rule (as the conformance tests do).
let profileArgs = ['--profile', values.profile];
let oscapProfileArgs = ['--profile', values.profile];
if (values.profile === 'all') {
  const text = fs.readFileSync(values.ds, 'utf8');
  const ids = [
    ...new Set([...text.matchAll(/<(?:[\w.-]+:)?(?:Rule|Group) [^>]*?\bid="([^"]+)"/g)].map((m) => m[1])),
  ];
  const id = `${STANDARD}_bulwark_all`;
  const tfile = path.join(out, 'scap-all-tailoring.xml');
  fs.writeFileSync(
    tfile,
    `<?xml version="1.0" encoding="UTF-8"?>\n<xccdf-1.2:Tailoring xmlns:xccdf-1.2="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.bulwark_tailoring_all">\n<xccdf-1.2:version time="2026-01-01T00:00:00">1</xccdf-1.2:version>\n<xccdf-1.2:Profile id="${id}" extends="${STANDARD}"><xccdf-1.2:title>Every rule</xccdf-1.2:title>\n` +
      ids.map((r) => `<xccdf-1.2:select idref="${r}" selected="true"/>\n`).join('') +
      '</xccdf-1.2:Profile>\n</xccdf-1.2:Tailoring>\n',
  );
  profileArgs = ['--profile', id, '--tailoring', tfile];
  oscapProfileArgs = ['--profile', id, '--tailoring-file', tfile];
}

const ruleResults = (xml) => {
  const tr = xml.slice(xml.lastIndexOf('<TestResult'));
  const m = new Map();
  for (const x of tr.matchAll(/<rule-result idref="([^"]+)"[^>]*>\s*<result>([a-z]+)<\/result>/g))
    m.set(x[1], [...(m.get(x[1]) ?? []), x[2]]);
  return m;
};

const bw = [];
const ourResults = path.join(out, 'scap-bulwark-results.xml');
for (let i = 0; i < Number(values.runs); i++) {
  const r = await measure(
    process.execPath,
    [
      BULWARK,
      'scap',
      'eval',
      values.ds,
      '--root',
      root,
      ...profileArgs,
      '--results',
      ourResults,
      '--no-store',
      '--json',
      '--quiet',
    ],
    { time, capture: true },
  );
  if (!r.ok) die(`bulwark failed (exit ${r.code}):\n${r.stderr}`);
  const j = JSON.parse(r.stdout);
  bw.push({ wallMs: r.wallMs, rss: r.maxRssBytes ?? null, timings: j.timings, counts: j.counts });
  process.stderr.write(`bulwark run ${i + 1}: ${secs(r.wallMs)}, ${mb(r.maxRssBytes)}\n`);
}
const oscap = [];
const theirResults = path.join(out, 'scap-oscap-results.xml');
for (let i = 0; i < Number(values['oscap-runs']); i++) {
  process.stderr.write('oscap-chroot running (minutes)…\n');
  const r = await measure(
    'oscap-chroot',
    [root, 'xccdf', 'eval', ...oscapProfileArgs, '--results', theirResults, values.ds],
    { time },
  );
  if (r.code !== 0 && r.code !== 2) die(`oscap-chroot failed (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
  oscap.push({ wallMs: r.wallMs, rss: r.maxRssBytes ?? null });
  process.stderr.write(`oscap run ${i + 1}: ${secs(r.wallMs)}, ${mb(r.maxRssBytes)}\n`);
}
const want = ruleResults(fs.readFileSync(theirResults, 'utf8'));
const got = ruleResults(fs.readFileSync(ourResults, 'utf8'));
const diffs = [...want].filter(([r, w]) => (got.get(r) ?? []).join(',') !== w.join(','));
const evaluated = [...want.values()].filter((w) => w[0] !== 'notselected').length;

const bMs = median(bw.map((x) => x.wallMs));
const oMs = median(oscap.map((x) => x.wallMs));
const bRss = Math.max(...bw.map((x) => x.rss ?? 0)) || null;
const ph = (k) => median(bw.map((x) => x.timings[k]));
const res = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
  datastream: values.ds,
  profile: values.profile,
  root,
  files,
  bulwark: {
    medianMs: Math.round(bMs),
    runs: bw.length,
    peakRssBytes: bRss,
    phases: {
      parseMs: ph('parseMs'),
      collectMs: ph('collectMs'),
      evaluateMs: ph('evaluateMs'),
      writeMs: ph('writeMs'),
    },
    counts: bw[0]?.counts,
  },
  oscap: {
    medianMs: Math.round(oMs),
    runs: oscap.length,
    peakRssBytes: Math.max(...oscap.map((x) => x.rss ?? 0)) || null,
  },
  ratio: oMs / bMs,
  agreement: {
    agree: want.size - diffs.length,
    total: want.size,
    evaluated,
    differences: diffs
      .slice(0, 50)
      .map(([r, w]) => ({ rule: r, oscap: w.join(','), bulwark: (got.get(r) ?? []).join(',') })),
  },
};
const lines = [
  `SCAP benchmark: ${path.basename(values.ds)}, profile ${values.profile}, root ${root} (${files} files)`,
  `  bulwark scap eval   ${secs(bMs)} (median of ${bw.length})   peak RSS ${mb(bRss)}   target < ${mb(TARGET_RSS)}`,
  `     phases: parse ${secs(res.bulwark.phases.parseMs)} · collect ${secs(res.bulwark.phases.collectMs)} · evaluate ${secs(res.bulwark.phases.evaluateMs)} · write ${secs(res.bulwark.phases.writeMs)}`,
  `  oscap-chroot        ${secs(oMs)}   peak RSS ${mb(res.oscap.peakRssBytes)}`,
  `  ratio               ${res.ratio.toFixed(1)}×   (target ≥ ${TARGET_RATIO}×)`,
  `  per-rule agreement  ${res.agreement.agree}/${res.agreement.total} rule-results (${evaluated} evaluated)`,
  ...diffs
    .slice(0, 30)
    .map(([r, w]) => `     ${r}: oscap ${w.join(',')}, bulwark ${(got.get(r) ?? []).join(',')}`),
];
(values.json ? process.stderr : process.stdout).write(lines.join('\n') + '\n');
if (values.json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
if (built && !values['keep-root']) fs.rmSync(root, { recursive: true, force: true });
