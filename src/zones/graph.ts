/**
 * Articulation points of an undirected graph (Hopcroft–Tarjan): the nodes whose loss splits the
 * communication graph, with the groups of nodes each would cut off. Iterative, so a large capture cannot
 * overflow the stack; groups are intervals of the DFS preorder, so sizes and weights cost O(1) each and a
 * long chain of cut vertices stays linear (members are sampled, not copied).
 */

export type Graph = Map<string, Set<string>>;

export interface Group {
  size: number;
  /** Sum of `weigh` over the group's nodes (e.g. how many are controllers). */
  weight: number;
  /** Up to `sample` members, in DFS order. */
  members: string[];
}

export interface Articulation {
  node: string;
  /** Groups separated from one another when `node` is removed, largest first. */
  separated: Group[];
}

export function addEdge(g: Graph, a: string, b: string): void {
  if (a === b) return;
  let s = g.get(a);
  if (!s) g.set(a, (s = new Set()));
  s.add(b);
  let t = g.get(b);
  if (!t) g.set(b, (t = new Set()));
  t.add(a);
}

export function articulationPoints(
  g: Graph,
  opts: { sample?: number; weigh?: (node: string) => number } = {},
): Articulation[] {
  const sample = opts.sample ?? 20;
  const weigh = opts.weigh ?? (() => 0);
  const disc = new Map<string, number>();
  const low = new Map<string, number>();
  const end = new Map<string, number>();
  const parent = new Map<string, string | undefined>();
  const rootOf = new Map<string, string>();
  const order: string[] = [];
  /** Per cut vertex: the preorder intervals [start, end) of the child subtrees it separates. */
  const cuts = new Map<string, [number, number][]>();
  const nodes = [...g.keys()].sort();
  for (const root of nodes) {
    if (disc.has(root)) continue;
    let rootChildren = 0;
    const visit = (v: string, p: string | undefined) => {
      parent.set(v, p);
      rootOf.set(v, root);
      disc.set(v, order.length);
      low.set(v, order.length);
      order.push(v);
    };
    visit(root, undefined);
    const stack: { node: string; it: Iterator<string> }[] = [
      { node: root, it: [...(g.get(root) ?? [])].sort()[Symbol.iterator]() },
    ];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = top.it.next();
      if (!next.done) {
        const v = next.value;
        if (!disc.has(v)) {
          visit(v, top.node);
          stack.push({ node: v, it: [...(g.get(v) ?? [])].sort()[Symbol.iterator]() });
        } else if (v !== parent.get(top.node)) {
          low.set(top.node, Math.min(low.get(top.node)!, disc.get(v)!));
        }
        continue;
      }
      stack.pop();
      const u = top.node;
      end.set(u, order.length);
      const p = parent.get(u);
      if (p === undefined) continue;
      low.set(p, Math.min(low.get(p)!, low.get(u)!));
      if (p === root) rootChildren++;
      if (p === root || low.get(u)! >= disc.get(p)!) {
        const list = cuts.get(p) ?? [];
        list.push([disc.get(u)!, order.length]);
        cuts.set(p, list);
      }
    }
    if (rootChildren < 2) cuts.delete(root);
  }
  // Prefix sums of weights over the preorder.
  const W = new Float64Array(order.length + 1);
  order.forEach((n, i) => (W[i + 1] = W[i]! + weigh(n)));
  const weightOf = (a: number, b: number) => W[b]! - W[a]!;
  const out: Articulation[] = [];
  for (const [node, intervals] of cuts) {
    const groups: Group[] = intervals.map(([a, b]) => ({
      size: b - a,
      weight: weightOf(a, b),
      members: order.slice(a, Math.min(b, a + sample)),
    }));
    // A non-root cut vertex: the rest of its component (outside the separated subtrees) is one more group.
    const r = rootOf.get(node)!;
    const [cs, ce] = [disc.get(r)!, end.get(r)!];
    const self = disc.get(node)!;
    const taken = intervals.reduce((n, [a, b]) => n + (b - a), 0);
    const restSize = ce - cs - 1 - taken;
    if (restSize > 0) {
      const skip = [...intervals, [self, self + 1] as [number, number]].sort((x, y) => x[0] - y[0]);
      const members: string[] = [];
      let k = 0;
      for (let i = cs; i < ce && members.length < sample; i++) {
        while (k < skip.length && skip[k]![1] <= i) k++;
        if (k < skip.length && skip[k]![0] <= i) {
          i = skip[k]![1] - 1;
          continue;
        }
        members.push(order[i]!);
      }
      const restWeight =
        weightOf(cs, ce) - weigh(node) - intervals.reduce((n, [a, b]) => n + weightOf(a, b), 0);
      groups.push({ size: restSize, weight: restWeight, members });
    }
    for (const gr of groups) gr.members.sort();
    groups.sort((a, b) => b.size - a.size || (a.members[0] ?? '').localeCompare(b.members[0] ?? ''));
    out.push({ node, separated: groups });
  }
  return out.sort((a, b) => a.node.localeCompare(b.node));
}
