#!/usr/bin/env node
// OVAL file-walking objects: Bulwark's probes vs oscap, side by side, on this live host.
//
//   npx tsc -p tsconfig.json && node bench/oval-probes.mjs [--ds /usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml]
//
// Takes the file_objects of an SSG datastream that walk the file system (world-writable files,
// SUID/SGID commands, world-writable directories without sticky bit, ownership and permissions of
// the binary and library directories) with the file_states their filters use, writes them as a
// small OVAL definitions file, and collects them with `oscap oval eval` (timed with /usr/bin/time)
// and with Bulwark's probers in this process (one shared walk cache, filters applied as items are
// made). Prints both times, peak RSS, the ratio, and whether each object's items are the same.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, '..', 'dist', 'src');
const { values } = parseArgs({
  options: {
    ds: { type: 'string', default: '/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml' },
    'skip-oscap': { type: 'boolean', default: false },
  },
});

const OBJECTS = [
  'object_file_permissions_unauthorized_world_write',
  'object_only_local_directories',
  'object_system_privileged_commands',
  'object_file_ownership_binary_files',
  'object_file_permissions_binary_files',
  'object_file_ownerdir_ownership_binary_dirs_2',
  'object_file_permissionsdir_permissions_binary_dirs_2',
  'object_file_ownership_library_dirs_2',
  'object_file_permissions_library_dirs_2',
  'object_file_ownerdir_ownership_library_dirs_2',
  'object_file_permissionsdir_permissions_library_dirs_2',
  'object_audit_log_directory',
];

const ds = fs.readFileSync(values.ds, 'utf8');
const objects = [];
const states = new Map();
for (const id of OBJECTS) {
  const re = new RegExp(`<unix:file_object [^>]*id="oval:ssg-${id}:obj:1"[\\s\\S]*?</unix:file_object>`);
  const m = re.exec(ds);
  if (!m) continue;
  let xml = m[0];
  // A var_ref path (audit log directory) becomes its usual literal value.
  xml = xml.replace(
    /<unix:path operation="equals" var_ref="[^"]*"\/>/,
    '<unix:path operation="equals">/var/log/audit</unix:path>',
  );
  objects.push(xml);
  for (const [, sid] of xml.matchAll(/filter action="\w+">([^<]+)</g)) {
    const sm = new RegExp(
      `<unix:file_state[^>]*id="${sid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[\\s\\S]*?</unix:file_state>`,
    ).exec(ds);
    if (sm) states.set(sid, sm[0]);
  }
}
const U = 'http://oval.mitre.org/XMLSchema/oval-definitions-5#unix';
const defs = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:oval-def="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:unix="${U}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-11-22T00:00:00</oval:timestamp></generator>
<definitions>
${objects.map((_, i) => `<definition id="oval:bench:def:${i + 1}" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata><criteria><criterion test_ref="oval:bench:tst:${i + 1}"/></criteria></definition>`).join('\n')}
</definitions>
<tests>
${objects.map((o, i) => `<unix:file_test id="oval:bench:tst:${i + 1}" version="1" check="all" check_existence="any_exist" comment="c"><unix:object object_ref="${/id="([^"]+)"/.exec(o)[1]}"/></unix:file_test>`).join('\n')}
</tests>
<objects>
${objects.join('\n')}
</objects>
<states>
${[...states.values()].join('\n')}
</states>
</oval_definitions>
`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-bench-oval-'));
const defsPath = path.join(tmp, 'walk.xml');
fs.writeFileSync(defsPath, defs);
console.log(`${objects.length} walking file_objects from ${path.basename(values.ds)}, ${states.size} states`);

const { createOvalProbers } = await import(path.join(DIST, 'collect/oval/index.js'));
const { FsTarget } = await import(path.join(DIST, 'targets/target.js'));
const { requestsFromDefinitions, oscapCollected, bulwarkItemKey } = await import(
  path.join(DIST, 'collect/oval/testing.js')
);

// Bulwark first (a cold cache for it, warm for oscap would favour oscap: fair enough).
const reqs = requestsFromDefinitions(defs);
const t0 = performance.now();
const probers = createOvalProbers(FsTarget.live());
const mine = new Map();
for (const [id, req] of reqs) {
  const p = probers.find((x) => x.supports(req.type, req.family));
  const t = performance.now();
  const r = await p.collect(req);
  mine.set(id, { r, ms: performance.now() - t });
}
const bwMs = performance.now() - t0;
const bwRss = process.resourceUsage().maxRSS / 1024;
console.log(`bulwark: ${(bwMs / 1000).toFixed(1)} s, peak RSS ${bwRss.toFixed(0)} MB`);

let oscapS = null;
let theirs = null;
if (!values['skip-oscap']) {
  const res = path.join(tmp, 'r.xml');
  const t = spawnSync('/usr/bin/time', ['-f', '%e %M', 'oscap', 'oval', 'eval', '--results', res, defsPath], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (!fs.existsSync(res)) {
    console.error(t.stdout, t.stderr);
    process.exit(1);
  }
  const last = t.stderr.trim().split('\n').pop() ?? '';
  const [secs, kb] = last.split(' ').map(Number);
  oscapS = secs;
  console.log(`oscap:   ${secs.toFixed(1)} s, peak RSS ${(kb / 1024).toFixed(0)} MB`);
  theirs = oscapCollected(fs.readFileSync(res, 'utf8'));
  console.log(`ratio:   ${(secs / (bwMs / 1000)).toFixed(1)}× faster`);
}
// a_time moves as both tools read directories: compared without it.
const steady = (k) => k.replace(/ a_time="\d+"\[int\]/, '');
for (const [id, { r, ms }] of mine) {
  const keys = r.items.map(bulwarkItemKey).map(steady).sort();
  let same = '';
  if (theirs) {
    const o = theirs.get(id);
    const tk = (o?.items ?? []).map(steady).sort();
    const a = new Set(keys);
    const b = new Set(tk);
    // Files that come and go while the two tools run (other processes' temporary files) are
    // counted apart: they say nothing about either tool.
    const volatile = (k) => /(filepath|path)="\/(tmp|var\/tmp|dev\/shm|run|proc)\//.test(k);
    const onlyMineAll = keys.filter((k) => !b.has(k));
    const onlyTheirsAll = tk.filter((k) => !a.has(k));
    const onlyMine = onlyMineAll.filter((k) => !volatile(k));
    const onlyTheirs = onlyTheirsAll.filter((k) => !volatile(k));
    const churn = onlyMineAll.length - onlyMine.length + (onlyTheirsAll.length - onlyTheirs.length);
    same =
      o?.flag === r.flag && onlyMine.length === 0 && onlyTheirs.length === 0
        ? `same${churn ? ` (apart from ${churn} items of temporary files created or removed between the runs)` : ''}`
        : `DIFFERENT (flag ${r.flag}/${o?.flag}, ${onlyMine.length} only in Bulwark, ${onlyTheirs.length} only in oscap, ${churn} temporary)`;
    for (const k of [
      ...onlyMine.slice(0, 3).map((x) => '  + ' + x),
      ...onlyTheirs.slice(0, 3).map((x) => '  - ' + x),
    ])
      console.log(k.slice(0, 300));
  }
  console.log(
    `${id.replace('oval:ssg-', '').replace(':obj:1', '')}: ${r.items.length} items, ${ms.toFixed(0)} ms ${same}`,
  );
}
if (!process.env.BW_BENCH_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
