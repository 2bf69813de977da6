#!/usr/bin/env node
// The OVAL evaluator against OpenSCAP, side by side on the same input: the generated oracle document
// (over 800 tests in 900 definitions: check × check_existence × states, filters, sets, typed
// comparisons, local variables; src/scap/oval/testing.ts) over the same fixture root.
//
//   oscap:   oscap-chroot <root> oval eval --results <file> defs.xml      (its own probes)
//   bulwark: a child node process: parse, load, evaluate every definition with a textfilecontent54
//            prober over the same root, write the oval_results document
//
// Both are whole processes timed with GNU time (wall, CPU, peak RSS). This measures the OVAL engine
// (objects here are a few text files); end-to-end scans with the real probes are the XCCDF benchmark.
//
// Usage: node bench/oval-eval.mjs [--runs N]        (needs: npm run build, openscap-scanner, time)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gnuTime, mb, measure, median, which } from './measure.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const DIST = path.join(REPO, 'dist', 'src', 'scap');

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, child: { type: 'string' }, root: { type: 'string' } },
});

async function child(defsFile, root) {
  const { parseXml } = await import(pathToFileURL(path.join(DIST, 'xml.js')).href);
  const oval = await import(pathToFileURL(path.join(DIST, 'oval', 'index.js')).href);
  const prober = {
    supports: (type) => type === 'textfilecontent54_object',
    async collect(req) {
      const fp = req.entities.filepath?.values[0] ?? '';
      const file = path.join(root, fp);
      if (!fs.existsSync(file)) return { flag: 'does not exist', items: [], messages: [] };
      const text = fs.readFileSync(file, 'utf8');
      const items = [];
      for (const pattern of req.entities.pattern?.values ?? []) {
        let instance = 0;
        for (const m of text.matchAll(req.regex(pattern, 'mg'))) {
          instance++;
          if (!req.matches('instance', String(instance))) continue;
          const s = (value, datatype = 'string') => [{ value, datatype }];
          items.push({
            type: 'textfilecontent_item',
            family: 'independent',
            status: 'exists',
            entities: {
              filepath: s(fp),
              path: s(path.posix.dirname(fp)),
              filename: s(path.posix.basename(fp)),
              pattern: s(pattern),
              instance: s(String(instance), 'int'),
              text: s(m[0]),
              subexpression: m.slice(1).map((v) => ({ value: v ?? '', datatype: 'string' })),
            },
          });
        }
      }
      return { flag: 'complete', items, messages: [] };
    },
  };
  const doc = oval.loadOvalDocument(
    parseXml(fs.readFileSync(defsFile, 'utf8'), { fileName: defsFile }),
    defsFile,
  );
  const ev = oval.createOvalEvaluator(doc, { probers: [prober] });
  const counts = {};
  for (const id of doc.definitionIds()) {
    const r = await ev.evaluateDefinition(id);
    counts[r.result] = (counts[r.result] ?? 0) + 1;
  }
  fs.writeFileSync(path.join(path.dirname(defsFile), 'bulwark-results.xml'), ev.resultsXml());
  process.stdout.write(JSON.stringify(counts) + '\n');
}

if (args.child) {
  await child(args.child, args.root);
  process.exit(0);
}

const time = gnuTime();
const missing = [];
if (!fs.existsSync(path.join(DIST, 'oval', 'index.js'))) missing.push('a build (npm run build)');
if (!which('oscap-chroot')) missing.push('oscap (apt-get install openscap-scanner)');
if (!time) missing.push('GNU time (apt-get install time)');
if (missing.length > 0) {
  console.error(`bench/oval-eval: missing ${missing.join(', ')}`);
  process.exit(2);
}
const runs = Math.max(1, Number(args.runs));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-oval-bench-'));
try {
  const testing = await import(pathToFileURL(path.join(DIST, 'oval', 'testing.js')).href);
  const { xml, defIds } = testing.oracleDocument();
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc', 'test.conf'), testing.ORACLE_TEXT);
  const defs = path.join(dir, 'defs.xml');
  fs.writeFileSync(defs, xml);
  const sides = {
    oscap: () =>
      measure(
        'oscap-chroot',
        [root, 'oval', 'eval', '--results', path.join(dir, 'oscap-results.xml'), defs],
        { time },
      ),
    bulwark: () =>
      measure(process.execPath, [fileURLToPath(import.meta.url), '--child', defs, '--root', root], {
        time,
        capture: true,
      }),
  };
  const out = {};
  for (const [name, run] of Object.entries(sides)) {
    await run(); // warm-up (page cache, schema files)
    const rs = [];
    for (let k = 0; k < runs; k++) {
      const r = await run();
      if (!r.ok) {
        console.error(`${name} failed: ${r.stderr.slice(-2000)}`);
        process.exit(1);
      }
      rs.push(r);
    }
    out[name] = {
      wallMs: median(rs.map((r) => r.wallMs)),
      cpuS: median(rs.map((r) => (r.userS ?? 0) + (r.sysS ?? 0))),
      rss: median(rs.map((r) => r.maxRssBytes ?? 0)),
    };
  }
  console.log(
    `OVAL evaluation of ${defIds.length} definitions, median of ${runs} runs each (after a warm-up):`,
  );
  for (const [name, r] of Object.entries(out))
    console.log(
      `  ${name.padEnd(8)} wall ${(r.wallMs / 1000).toFixed(2)} s   cpu ${r.cpuS.toFixed(2)} s   peak RSS ${mb(r.rss)}`,
    );
  console.log(
    `  ratio    wall ${(out.oscap.wallMs / out.bulwark.wallMs).toFixed(1)}×   cpu ${(out.oscap.cpuS / out.bulwark.cpuS).toFixed(1)}×`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
