/**
 * Articulation points of an undirected graph (Hopcroft–Tarjan, iterative so a large capture cannot
 * overflow the stack): the nodes whose loss splits the communication graph. For each, the groups of nodes
 * that would be cut off from the rest.
 */

export interface Articulation {
  node: string;
  /** Node groups separated from the rest (and from each other) when `node` is removed. */
  separated: string[][];
}

export type Graph = Map<string, Set<string>>;

export function addEdge(g: Graph, a: string, b: string): void {
  if (a === b) return;
  let s = g.get(a);
  if (!s) g.set(a, (s = new Set()));
  s.add(b);
  let t = g.get(b);
  if (!t) g.set(b, (t = new Set()));
  t.add(a);
}

export function articulationPoints(g: Graph): Articulation[] {
  const disc = new Map<string, number>();
  const low = new Map<string, number>();
  const parent = new Map<string, string | undefined>();
  /** Subtree members per node, collected when a node finishes. */
  const subtree = new Map<string, string[]>();
  const cuts = new Map<string, string[][]>();
  let time = 0;
  const nodes = [...g.keys()].sort();
  for (const root of nodes) {
    if (disc.has(root)) continue;
    let rootChildren = 0;
    const rootGroups: string[][] = [];
    disc.set(root, time);
    low.set(root, time++);
    parent.set(root, undefined);
    const stack: { node: string; it: Iterator<string> }[] = [
      { node: root, it: [...(g.get(root) ?? [])].sort()[Symbol.iterator]() },
    ];
    subtree.set(root, [root]);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = top.it.next();
      if (!next.done) {
        const v = next.value;
        if (!disc.has(v)) {
          parent.set(v, top.node);
          disc.set(v, time);
          low.set(v, time++);
          subtree.set(v, [v]);
          stack.push({ node: v, it: [...(g.get(v) ?? [])].sort()[Symbol.iterator]() });
        } else if (v !== parent.get(top.node)) {
          low.set(top.node, Math.min(low.get(top.node)!, disc.get(v)!));
        }
        continue;
      }
      stack.pop();
      const u = top.node;
      const p = parent.get(u);
      if (p === undefined) continue;
      low.set(p, Math.min(low.get(p)!, low.get(u)!));
      const members = subtree.get(u)!;
      if (p === root) {
        rootChildren++;
        rootGroups.push(members);
      } else if (low.get(u)! >= disc.get(p)!) {
        const list = cuts.get(p) ?? [];
        list.push(members);
        cuts.set(p, list);
      }
      // Fold u's subtree into its parent's.
      const ps = subtree.get(p)!;
      for (const m of members) ps.push(m);
      subtree.delete(u);
    }
    if (rootChildren > 1) cuts.set(root, rootGroups);
    subtree.delete(root);
  }
  const out: Articulation[] = [];
  for (const [node, groups] of cuts) {
    // For a non-root cut vertex, the rest of the graph (outside its subtree) is one more group.
    let all = groups.map((gr) => [...gr].sort());
    const inGroups = new Set(all.flat());
    const others = [...disc.keys()].filter(
      (n) => n !== node && !inGroups.has(n) && sameComponent(g, node, n),
    );
    if (others.length) all = [...all, others.sort()];
    out.push({ node, separated: all.sort((a, b) => b.length - a.length || a[0]!.localeCompare(b[0]!)) });
  }
  return out.sort((a, b) => a.node.localeCompare(b.node));
}

/** Component labelling, cached per graph: nodes reachable from one another. */
const componentCache = new WeakMap<Graph, Map<string, number>>();
function sameComponent(g: Graph, a: string, b: string): boolean {
  let comp = componentCache.get(g);
  if (!comp) {
    comp = new Map();
    let id = 0;
    for (const start of g.keys()) {
      if (comp.has(start)) continue;
      const todo = [start];
      comp.set(start, id);
      while (todo.length) {
        const n = todo.pop()!;
        for (const m of g.get(n) ?? []) {
          if (!comp.has(m)) {
            comp.set(m, id);
            todo.push(m);
          }
        }
      }
      id++;
    }
    componentCache.set(g, comp);
  }
  return comp.get(a) === comp.get(b);
}
