import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addEdge, articulationPoints, type Graph } from './graph.js';

function graph(edges: string): Graph {
  const g: Graph = new Map();
  for (const e of edges.split(/\s+/).filter(Boolean)) {
    const [a, b] = e.split('-');
    addEdge(g, a!, b!);
  }
  return g;
}
const aps = (g: Graph) => articulationPoints(g).map((a) => a.node);

/** The oracle: a node is a cut vertex when removing it leaves more components among the rest. */
function bruteForce(g: Graph): string[] {
  const components = (skip: string | undefined) => {
    const seen = new Set<string>();
    let n = 0;
    for (const s of g.keys()) {
      if (s === skip || seen.has(s)) continue;
      n++;
      const todo = [s];
      seen.add(s);
      while (todo.length) {
        for (const m of g.get(todo.pop()!) ?? []) {
          if (m !== skip && !seen.has(m)) {
            seen.add(m);
            todo.push(m);
          }
        }
      }
    }
    return n;
  };
  const base = components(undefined);
  // Removing an isolated… node never happens here (every node has an edge); a leaf keeps the count.
  return [...g.keys()].filter((n) => components(n) > base).sort();
}

test('known graphs: path, triangle, star, bowtie, bridge between cycles, two components', () => {
  assert.deepEqual(aps(graph('a-b b-c')), ['b']);
  assert.deepEqual(aps(graph('a-b b-c c-a')), []);
  assert.deepEqual(aps(graph('ews-p1 ews-p2 ews-p3 ews-p4')), ['ews']);
  assert.deepEqual(aps(graph('a-b b-c c-a c-d d-e e-c')), ['c']);
  assert.deepEqual(aps(graph('a-b b-c c-a c-d d-e e-f f-d')), ['c', 'd']);
  assert.deepEqual(aps(graph('a-b b-c x-y y-z z-x')), ['b']);
  assert.deepEqual(aps(graph('a-b')), []);
});

test('the separated groups of a cut vertex', () => {
  const star = articulationPoints(graph('ews-p1 ews-p2 ews-p3'), {
    weigh: (n) => (n.startsWith('p') ? 1 : 0),
  });
  assert.deepEqual(
    star[0]!.separated.map((x) => x.members),
    [['p1'], ['p2'], ['p3']],
  );
  assert.deepEqual(
    star[0]!.separated.map((x) => x.weight),
    [1, 1, 1],
  );
  // Non-root cut vertex: the part above it is a group too.
  const bridge = articulationPoints(graph('a-b b-c c-a c-d d-e e-f f-d'));
  const c = bridge.find((x) => x.node === 'c')!;
  assert.deepEqual(
    c.separated.map((x) => x.members),
    [
      ['d', 'e', 'f'],
      ['a', 'b'],
    ],
  );
  const hmi = articulationPoints(graph('scada-hmi hmi-plc1 hmi-plc2 plc1-plc2 hist-scada'));
  assert.deepEqual(
    hmi.map((x) => x.node),
    ['hmi', 'scada'],
  );
  const h = hmi.find((x) => x.node === 'hmi')!;
  assert.deepEqual(
    h.separated.map((x) => x.members),
    [
      ['hist', 'scada'],
      ['plc1', 'plc2'],
    ],
  );
  // Weights: plc nodes count 1, split over the groups; sizes exact even when members are sampled.
  const w = articulationPoints(graph('scada-hmi hmi-plc1 hmi-plc2 plc1-plc2 hist-scada'), {
    sample: 1,
    weigh: (n) => (n.startsWith('plc') ? 1 : 0),
  });
  const wh = w.find((x) => x.node === 'hmi')!;
  assert.deepEqual(
    wh.separated.map((x) => [x.size, x.weight, x.members.length]),
    [
      [2, 0, 1],
      [2, 2, 1],
    ],
  );
});

test('agrees with the brute-force oracle on random graphs', () => {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let round = 0; round < 200; round++) {
    const n = 2 + Math.floor(rnd() * 14);
    const p = rnd() * 0.5;
    const g: Graph = new Map();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rnd() < p) addEdge(g, `n${i}`, `n${j}`);
    assert.deepEqual(
      aps(g),
      bruteForce(g),
      `round ${round}: ${JSON.stringify([...g].map(([k, v]) => [k, [...v]]))}`,
    );
  }
});

test('a path of 200 000 nodes: no stack overflow (iterative DFS), linear time and memory (sampled groups)', () => {
  const g: Graph = new Map();
  for (let i = 0; i < 200_000; i++) addEdge(g, `h${i}`, `h${i + 1}`);
  const t0 = performance.now();
  const out = articulationPoints(g);
  assert.equal(out.length, 199_999);
  const mid = out.find((a) => a.node === 'h100000')!;
  assert.deepEqual(
    mid.separated.map((x) => x.size),
    [100_000, 100_000],
  );
  assert.ok(performance.now() - t0 < 60_000, 'took too long: quadratic?');
});
