#!/usr/bin/env node
// Zone checks at plant scale, side by side with a peer on the same input (issue 6).
//
//   graph:  articulation points of the communication graph — Bulwark's iterative Hopcroft–Tarjan
//           (src/zones/graph.ts) vs networkx.articulation_points (Python), same edge list; the sets
//           must be equal (the peer is also the oracle)
//   checks: the whole `zones check` evaluation (placement, conduits, protocols, operations, assets,
//           dependencies, SL gap) on a synthetic capture summary of that size (no peer does this)
//
// Usage: npm run build && node bench/zones.mjs [--hosts N] [--flows N] [--runs N] [--json]
// Needs python3 with networkx (Debian: python3-networkx); without it the peer column is skipped, loudly.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(HERE, '..', 'dist', 'src', 'zones');
const { values: o } = parseArgs({
  options: {
    hosts: { type: 'string', default: '20000' },
    flows: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const HOSTS = Number(o.hosts);
const FLOWS = Number(o.flows);
const RUNS = Number(o.runs);
if (!fs.existsSync(path.join(DIST, 'checks.js'))) {
  console.error('bench/zones: build first (npm run build)');
  process.exit(2);
}
const { articulationPoints, addEdge } = await import(pathToFileURL(path.join(DIST, 'graph.js')).href);
const { checkZones } = await import(pathToFileURL(path.join(DIST, 'checks.js')).href);
const { slGaps } = await import(pathToFileURL(path.join(DIST, 'sl.js')).href);
const { parseZoneModel } = await import(pathToFileURL(path.join(DIST, 'parse.js')).href);

// ---- a synthetic plant: 16 zones of /20, hosts spread over them; a few servers per zone, PLCs, one
// engineering workstation per zone, clients talking mostly inside their zone, some across, some leaves.
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const ZONES = 16;
const ipOf = (i) =>
  `10.${i % ZONES}.${Math.floor(i / ZONES / 250) % 16}.${(Math.floor(i / ZONES) % 250) + 1}`;
const zoneOf = (i) => i % ZONES;
const modelYaml = [
  'version: 1',
  'plant: { name: Bench plant, internal: [10.0.0.0/8] }',
  'zones:',
  ...Array.from(
    { length: ZONES },
    (_, z) => `  - { id: z${z}, name: Zone ${z}, owner: o, sl_t: 2, members: [{ cidr: 10.${z}.0.0/20 }] }`,
  ),
  'conduits:',
  ...Array.from(
    { length: ZONES - 1 },
    (_, z) =>
      `  - { id: c${z}, between: [z${z}, z${z + 1}], controls: [{ type: firewall }], allow: [{ protocol: modbus, ports: [502], from: z${z} }, { protocol: tls, ports: [443], from: any }] }`,
  ),
].join('\n');
const model = parseZoneModel(modelYaml, 'bench.yaml').model;
const T0 = 1_700_000_000_000_000;
const protocols = [
  ['modbus', 502],
  ['tls', 443],
  ['s7comm', 102],
  ['http', 80],
  ['dns', 53],
];
const flows = [];
const edges = [];
for (let k = 0; k < FLOWS; k++) {
  const a = Math.floor(rnd() * HOSTS);
  // 80 % inside the zone, to one of its first 40 hosts (servers); 20 % to a random host.
  let b = rnd() < 0.8 ? zoneOf(a) + ZONES * Math.floor(rnd() * 40) : Math.floor(rnd() * HOSTS);
  if (b >= HOSTS) b = zoneOf(a);
  if (a === b) continue;
  // some leaves: hosts above 90 % of the range only ever talk to one peer
  if (a > HOSTS * 0.9) b = a - ZONES;
  const [protocol, port] = protocols[k % protocols.length];
  flows.push({
    transport: 'tcp',
    srcIp: ipOf(a),
    srcPort: 40000 + (k % 20000),
    dstIp: ipOf(b),
    dstPort: port,
    protocol,
    identifiedBy: 'payload',
    initiatorKnown: true,
    packetsToServer: 10,
    packetsToClient: 9,
    bytesToServer: 1000,
    bytesToClient: 900,
    firstSeen: T0 + k,
    lastSeen: T0 + k + 1000,
    notes: [],
  });
  edges.push([ipOf(a), ipOf(b)]);
}
const assets = Array.from({ length: HOSTS }, (_, i) => ({
  key: ipOf(i),
  ips: [ipOf(i)],
  serves: [],
  uses: [],
  role: i < ZONES * 5 ? 'plc-rtu' : 'unknown',
  roleReasons: [],
  firstSeen: T0,
  lastSeen: T0,
  packets: 1,
  bytes: 1,
}));
const capture = { files: [], flows, assets, operations: [], warnings: [], counters: {} };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Wall time, and this process's CPU time (user + system): on a shared machine the wall clock also counts
// other processes' turns, the CPU time does not.
const cpuMs = [];
const time = (f) => {
  const t = process.hrtime.bigint();
  const c = process.cpuUsage();
  const r = f();
  const d = process.cpuUsage(c);
  cpuMs.push((d.user + d.system) / 1000);
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
};

// ---- Bulwark: graph alone, then the whole evaluation
const graphTimes = [];
let ours = [];
for (let i = 0; i < RUNS; i++) {
  const [ms, r] = time(() => {
    const g = new Map();
    for (const [a, b] of edges) addEdge(g, a, b);
    return articulationPoints(g);
  });
  graphTimes.push(ms);
  ours = r.map((x) => x.node).sort();
}
const graphCpu = median(cpuMs.splice(0));
const checkTimes = [];
let findings = 0;
for (let i = 0; i < RUNS; i++) {
  const [ms, r] = time(() => {
    const out = checkZones({ model, capture });
    slGaps({ model, checks: out, captured: true });
    return out;
  });
  checkTimes.push(ms);
  findings = r.findings.length;
}
const checkCpu = median(cpuMs.splice(0));
const rss = process.memoryUsage().rss;

// ---- peer: networkx on the same edge list (algorithm time measured inside Python, graph build included)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-bench-zones-'));
const edgeFile = path.join(tmp, 'edges.txt');
fs.writeFileSync(edgeFile, edges.map(([a, b]) => `${a} ${b}`).join('\n') + '\n');
const py = `
import sys, time, json
import networkx as nx

edges = [l.split() for l in open(sys.argv[1])]
runs = int(sys.argv[2])
ts = []
cs = []
for _ in range(runs):
    t = time.perf_counter()
    c = time.process_time()
    g = nx.Graph()
    g.add_edges_from(edges)
    aps = sorted(nx.articulation_points(g))
    ts.append((time.perf_counter() - t) * 1000)
    cs.append((time.process_time() - c) * 1000)
print(json.dumps({"times": ts, "cpu": cs, "aps": aps, "version": nx.__version__}))
`;
const peer = spawnSync('python3', ['-c', py, edgeFile, String(RUNS)], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
fs.rmSync(tmp, { recursive: true, force: true });
let peerMs = null;
let peerCpu = null;
let agree = null;
let peerVersion = null;
if (peer.status === 0) {
  const p = JSON.parse(peer.stdout);
  peerMs = median(p.times);
  peerCpu = median(p.cpu);
  peerVersion = p.version;
  agree = JSON.stringify(p.aps) === JSON.stringify(ours);
} else
  console.error(
    `bench/zones: SKIPPED the networkx peer: ${peer.error?.message ?? peer.stderr.trim().split('\n').pop()} (Debian: apt-get install python3-networkx)`,
  );

const res = {
  hosts: HOSTS,
  flows: flows.length,
  articulation_points: ours.length,
  bulwark_graph_ms: median(graphTimes),
  bulwark_graph_cpu_ms: graphCpu,
  networkx_graph_ms: peerMs,
  networkx_graph_cpu_ms: peerCpu,
  networkx_version: peerVersion,
  ratio: peerMs === null ? null : peerMs / median(graphTimes),
  ratio_cpu: peerCpu === null ? null : peerCpu / graphCpu,
  same_articulation_points: agree,
  bulwark_check_ms: median(checkTimes),
  bulwark_check_cpu_ms: checkCpu,
  findings,
  rss_mb: Math.round(rss / 1048576),
};
if (o.json) console.log(JSON.stringify(res, null, 2));
else {
  console.log(`zone checks: ${res.hosts} hosts, ${res.flows} flows, ${RUNS} runs (median)`);
  const f = (ms) => `${ms.toFixed(0)} ms`;
  console.log(
    `  articulation points  Bulwark ${f(res.bulwark_graph_ms)} (cpu ${f(graphCpu)})   networkx ${peerMs === null ? 'skipped' : `${f(peerMs)} (cpu ${f(peerCpu)}, ${peerVersion})`}   ratio ${res.ratio === null ? '-' : `${res.ratio.toFixed(1)}× (cpu ${res.ratio_cpu.toFixed(1)}×)`}   same set: ${agree ?? '-'} (${res.articulation_points})`,
  );
  console.log(
    `  whole zones check    Bulwark ${f(res.bulwark_check_ms)} (cpu ${f(checkCpu)}), ${res.findings} findings, RSS ${res.rss_mb} MB`,
  );
}
if (agree === false) {
  console.error('bench/zones: the articulation points differ from networkx');
  process.exit(1);
}
