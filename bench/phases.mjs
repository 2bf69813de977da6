#!/usr/bin/env node
// Where a scan's time goes: module loading, catalogue loading, each collector alone, evaluation,
// report building. Uses the built modules in dist/ (run `npm run build` first).
//
//   node bench/phases.mjs [--root DIR] [--profile default] [--json]
//
// Each fact is collected alone, one after the other, with a fresh context so that no collector
// is charged or credited for another's memoised work; then the whole set is collected again the way
// a scan does it (concurrently, shared context) for the real total. Figures for the lead, not a
// benchmark against a peer: see bench/run.mjs for that.
const tStart = performance.now();
const { parseArgs } = await import('node:util');
const path = await import('node:path');
const { fileURLToPath } = await import('node:url');

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    profile: { type: 'string', default: 'default' },
    json: { type: 'boolean', default: false },
    top: { type: 'string', default: '15' },
  },
});
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => new URL(`../dist/src/${p}`, import.meta.url).href;

// 1. Module loading, in the order the CLI imports them (each figure is what that import adds).
const imports = [];
async function timedImport(label, spec) {
  const t = performance.now();
  const m = await import(spec);
  imports.push({ module: label, ms: performance.now() - t });
  return m;
}
await timedImport('commander', 'commander');
await timedImport('core/errors', dist('core/errors.js'));
const { loadCatalogueFast } = await timedImport('content/catalogue', dist('content/catalogue.js'));
const { resolveProfile } = await timedImport('engine/profile', dist('engine/profile.js'));
const { FsTarget } = await timedImport('targets/target', dist('targets/target.js'));
const { runScan } = await timedImport('scan/run (engine, collectors)', dist('scan/run.js'));
await timedImport('store/path', dist('store/path.js'));
const { buildReport } = await timedImport('report/build', dist('report/build.js'));
await timedImport('report/text', dist('report/text.js'));
const { factSchemas } = await timedImport('collect/registry', dist('collect/registry.js'));
const { collectOne, makeContext } = await timedImport('collect/runner', dist('collect/runner.js'));
const { requiredFacts, evaluateRule } = await timedImport('engine/evaluate', dist('engine/evaluate.js'));
let storeMs = null;
try {
  const t = performance.now();
  await import(dist('store/store.js'));
  storeMs = performance.now() - t;
} catch {
  /* the store module has another name; not loaded by --no-store scans anyway */
}
const importsMs = imports.reduce((a, b) => a + b.ms, 0);

// 2. Catalogue.
const catMod = await import(dist('content/catalogue.js'));
let t = performance.now();
let fingerprintMs = null;
let compiledCurrent = null;
try {
  const fp = catMod.contentFingerprint();
  fingerprintMs = performance.now() - t;
  compiledCurrent =
    JSON.parse((await import('node:fs')).readFileSync(catMod.compiledCataloguePath(), 'utf8')).fingerprint ===
    fp;
} catch {
  /* no compiled catalogue */
}
t = performance.now();
const catalogue = await loadCatalogueFast();
const catalogueMs = performance.now() - t;
t = performance.now();
const selections = resolveProfile(catalogue, values.profile);
const { factKey } = await import(dist('core/types.js'));
// requiredFacts took rules, and later selections (rule + parameters): accept both.
let requested;
try {
  requested = requiredFacts(selections.map((s) => s.rule));
} catch {
  requested = requiredFacts(selections);
}
// A scan collects each distinct fact (name + arguments) once.
const requests = [...new Map(requested.map((r) => [factKey(r), r])).values()];
const profileMs = performance.now() - t;

// 3. Each collector alone.
const target = values.root ? await FsTarget.mounted(values.root) : FsTarget.live();
const perFact = [];
for (const req of requests) {
  const ctx = makeContext(target);
  const t0 = performance.now();
  const fact = await collectOne(ctx, req);
  perFact.push({
    fact: fact.key,
    ms: performance.now() - t0,
    status: fact.status,
    rows: fact.rows.length,
    reason: fact.reason ?? null,
  });
}
perFact.sort((a, b) => b.ms - a.ms);
const sumAlone = perFact.reduce((a, b) => a + b.ms, 0);

// 4. Evaluation alone, over the facts collected above.
// (Collected again one after the other with one shared context, as a scan shares memos.)
const facts = new Map();
const shared = [];
{
  const ctx = makeContext(target);
  for (const req of requests) {
    const t0 = performance.now();
    const f = await collectOne(ctx, req);
    shared.push({ name: req.name, ms: performance.now() - t0 });
    facts.set(f.key, f);
  }
}
const sumShared = shared.reduce((a, b) => a + b.ms, 0);
// Per collector (fact name): how many requests, time alone (sum, max), time with the shared memo.
const byName = new Map();
for (const f of perFact) {
  const name = f.fact.replace(/\(.*$/, '');
  const e = byName.get(name) ?? { collector: name, requests: 0, aloneMs: 0, aloneMaxMs: 0, sharedMs: 0 };
  e.requests++;
  e.aloneMs += f.ms;
  e.aloneMaxMs = Math.max(e.aloneMaxMs, f.ms);
  byName.set(name, e);
}
for (const s of shared) {
  const e = byName.get(s.name);
  if (e) e.sharedMs += s.ms;
}
const perCollector = [...byName.values()].sort((a, b) => b.sharedMs - a.sharedMs);
const schemas = factSchemas();
t = performance.now();
const perRule = [];
for (const sel of selections) {
  const t0 = performance.now();
  try {
    evaluateRule(sel, facts, schemas, target.mode);
  } catch {
    /* counted all the same */
  }
  perRule.push({ rule: sel.rule.id, area: sel.rule.area, ms: performance.now() - t0 });
}
const evaluateMs = performance.now() - t;
perRule.sort((a, b) => b.ms - a.ms);
const perArea = new Map();
for (const r of perRule) {
  const e = perArea.get(r.area) ?? { area: r.area, rules: 0, ms: 0 };
  e.rules++;
  e.ms += r.ms;
  perArea.set(r.area, e);
}
const areas = [...perArea.values()].sort((a, b) => b.ms - a.ms);

// 5. The scan as the CLI runs it (concurrent collection, shared memo), then the report.
t = performance.now();
const scan = await runScan(target, { catalogue, profile: values.profile, profileExplicit: true });
const scanMs = performance.now() - t;
t = performance.now();
const report = buildReport(scan, 'bench', null);
const json = JSON.stringify(report, null, 2);
const reportMs = performance.now() - t;

const mem = process.memoryUsage();
const out = {
  target: values.root ?? 'live',
  profile: values.profile,
  rules: selections.length,
  factRequests: requested.length,
  facts: requests.length,
  processStartToScriptMs: Math.round(process.uptime() * 1000 - (performance.now() - tStart)),
  importsMs,
  imports: imports.map((i) => ({ ...i, ms: Number(i.ms.toFixed(1)) })),
  storeModuleMs: storeMs,
  catalogueMs,
  compiledCatalogueCurrent: compiledCurrent,
  contentFingerprintMs: fingerprintMs,
  profileMs,
  collectAloneSumMs: sumAlone,
  collectSharedSumMs: sumShared,
  perCollector: perCollector.map((c) => ({
    ...c,
    aloneMs: Number(c.aloneMs.toFixed(1)),
    aloneMaxMs: Number(c.aloneMaxMs.toFixed(1)),
    sharedMs: Number(c.sharedMs.toFixed(1)),
  })),
  scanMs,
  evaluateMs,
  reportMs,
  reportBytes: json.length,
  rssBytes: mem.rss,
  heapUsedBytes: mem.heapUsed,
  perFact: perFact.map((f) => ({ ...f, ms: Number(f.ms.toFixed(1)) })),
  evaluateByArea: areas.map((a) => ({ ...a, ms: Number(a.ms.toFixed(1)) })),
  slowestRules: perRule.slice(0, 10).map((r) => ({ ...r, ms: Number(r.ms.toFixed(2)) })),
};
if (values.json) {
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
} else {
  const f1 = (x) => (x == null ? '—' : `${x.toFixed(1)} ms`);
  const p = (s) => process.stdout.write(s + '\n');
  p(
    `${out.target}, profile ${out.profile}: ${out.rules} rules, ${out.factRequests} fact requests, ${out.facts} distinct facts (repo ${path.relative(process.cwd(), REPO) || '.'})`,
  );
  p(`node start-up before this script       ${f1(out.processStartToScriptMs)}`);
  p(`module loading (CLI's imports)         ${f1(importsMs)}`);
  for (const i of imports) p(`  ${i.module.padEnd(36)} ${f1(i.ms)}`);
  p(`  (store module, not loaded by --no-store: ${f1(storeMs)})`);
  p(
    `catalogue load                         ${f1(catalogueMs)} (${compiledCurrent ? 'compiled dist/catalogue.json' : 'dist/catalogue.json stale or missing: YAML parsed and validated'}; content fingerprint alone ${f1(fingerprintMs)})`,
  );
  p(`profile resolution + fact requests     ${f1(profileMs)}`);
  p(`collect, each fact alone (sum)         ${f1(sumAlone)}`);
  p(`scan as run (concurrent collect + eval) ${f1(scanMs)}`);
  p(`evaluate all rules (alone)             ${f1(evaluateMs)}`);
  p(`report build + JSON.stringify          ${f1(reportMs)} (${(json.length / 1024).toFixed(0)} KiB)`);
  p(
    `process RSS now ${(mem.rss / 1048576).toFixed(1)} MB, heap used ${(mem.heapUsed / 1048576).toFixed(1)} MB`,
  );
  p(`collect, one after the other, shared memo ${f1(sumShared)}`);
  p(`per collector: requests, time with the shared memo (sequential), time alone (sum / max of one request)`);
  for (const c of perCollector.slice(0, Number(values.top)))
    p(
      `  ${c.collector.padEnd(28)} ${String(c.requests).padStart(4)}  ${f1(c.sharedMs).padStart(10)}  ${f1(c.aloneMs).padStart(10)} / ${f1(c.aloneMaxMs)}`,
    );
  p(`slowest facts (collected alone):`);
  for (const f of perFact.slice(0, 8))
    p(
      `  ${f1(f.ms).padStart(10)}  ${f.fact.slice(0, 70).padEnd(70)} ${f.status} ${f.rows} rows${f.reason ? ` — ${f.reason.slice(0, 80)}` : ''}`,
    );
  p(`evaluation by area: ${areas.map((a) => `${a.area} ${a.ms.toFixed(0)} ms/${a.rules} rules`).join(', ')}`);
  p(`slowest rules (evaluation):`);
  for (const r of perRule.slice(0, 10)) p(`  ${r.ms.toFixed(2).padStart(8)} ms  ${r.rule}`);
}
