#!/usr/bin/env node
// Conformance of the OVAL probes with oscap on this live host, over a whole SSG datastream:
//
//   npx tsc -p tsconfig.json && node bench/oval-probes-ssg.mjs [/usr/share/xml/scap/ssg/content/ssg-ubuntu2204-ds.xml]
//
// Every object of the datastream that needs no evaluator (no var_ref, no filter, no set; not a
// variable_object or environmentvariable58_object) and does not walk the whole tree (no
// recurse down/up, no path `/`; those are in bench/oval-probes.mjs) is collected by `oscap oval
// eval` and by Bulwark's probers; items are compared as strings (a_time aside: both tools read the
// files). Prints the times and every object whose items differ, except systemd objects, which
// oscap cannot collect without a system D-Bus (docs/scap.md, ## Probes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
const DIST = new URL('../dist/src', import.meta.url).pathname;
const { createOvalProbers } = await import(DIST + '/collect/oval/index.js');
const { FsTarget } = await import(DIST + '/targets/target.js');
const { requestsFromDefinitions, oscapCollected, bulwarkItemKey } = await import(
  DIST + '/collect/oval/testing.js'
);
const ds = fs.readFileSync(
  process.argv[2] ?? '/usr/share/xml/scap/ssg/content/ssg-ubuntu2204-ds.xml',
  'utf8',
);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-bench-ssg-'));
const objs = [];
const seen = new Set();
for (const m of ds.matchAll(/<(ind|unix|linux):(\w+_object) [\s\S]*?<\/\1:\2>/g)) {
  const x = m[0];
  if (/var_ref|<oval-def:filter|<oval-def:set|recurse_direction="down"|recurse_direction="up"/.test(x))
    continue;
  if (m[2] === 'variable_object' || m[2] === 'environmentvariable58_object') continue;
  if (/<unix:path operation="equals">\/<\/unix:path>/.test(x)) continue;
  const id = /id="([^"]+)"/.exec(x)[1];
  if (seen.has(id)) continue;
  seen.add(id);
  objs.push([m[1], m[2], x]);
}
let i = 0;
const defs = [],
  tests = [];
for (const [p, t, x] of objs) {
  i++;
  const id = /id="([^"]+)"/.exec(x)[1];
  defs.push(
    `<definition id="oval:cmp:def:${i}" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata><criteria><criterion test_ref="oval:cmp:tst:${i}"/></criteria></definition>`,
  );
  tests.push(
    `<${p}:${t.replace('_object', '_test')} id="oval:cmp:tst:${i}" version="1" check="all" check_existence="any_exist" comment="c"><${p}:object object_ref="${id}"/></${p}:${t.replace('_object', '_test')}>`,
  );
}
const xml = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:oval-def="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent" xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix" xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-11-22T00:00:00</oval:timestamp></generator>
<definitions>${defs.join('\n')}</definitions><tests>${tests.join('\n')}</tests><objects>${objs.map((o) => o[2]).join('\n')}</objects></oval_definitions>`;
fs.writeFileSync(`${tmp}/defs.xml`, xml);
console.log(objs.length, 'objects');
const reqs = requestsFromDefinitions(xml);
const probers = createOvalProbers(FsTarget.live());
const mine = new Map();
let t = performance.now();
for (const [id, req] of reqs) {
  const p = probers.find((x) => x.supports(req.type, req.family));
  if (p) mine.set(id, await p.collect(req));
}
console.log('bulwark', ((performance.now() - t) / 1000).toFixed(1), 's');
t = performance.now();
const r = spawnSync('oscap', ['oval', 'eval', '--results', `${tmp}/r.xml`, `${tmp}/defs.xml`], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
console.log(
  'oscap',
  ((performance.now() - t) / 1000).toFixed(1),
  's',
  r.status,
  r.stderr
    .split('\n')
    .filter((l) => !l.startsWith('W:'))
    .slice(0, 3)
    .join('|'),
);
const theirs = oscapCollected(fs.readFileSync(`${tmp}/r.xml`, 'utf8'));
const steady = (k) => k.replace(/ a_time="\d+"\[int\]/, '');
let sysdiff = 0;
let same = 0,
  diff = 0;
for (const [id, res] of mine) {
  const o = theirs.get(id);
  const a = res.items.map(bulwarkItemKey).map(steady).sort();
  const b = (o?.items ?? []).map(steady).sort();
  if (o && o.flag === res.flag && JSON.stringify(a) === JSON.stringify(b)) {
    same++;
    continue;
  }
  diff++;
  if (reqs.get(id).type.startsWith('systemd')) sysdiff++;
  if (!reqs.get(id).type.startsWith('systemd')) {
    console.log('DIFF', id, reqs.get(id).type, 'flag', res.flag, o?.flag, res.messages.slice(0, 1));
    const A = new Set(a),
      B = new Set(b);
    a.filter((k) => !B.has(k))
      .slice(0, 2)
      .forEach((k) => console.log('  +', k.slice(0, 260)));
    b.filter((k) => !A.has(k))
      .slice(0, 2)
      .forEach((k) => console.log('  -', k.slice(0, 260)));
  }
}
console.log(
  `identical: ${same} of ${same + diff} objects; differing: ${diff}, of which ${sysdiff} systemd objects oscap cannot collect here`,
);
fs.rmSync(tmp, { recursive: true, force: true });
