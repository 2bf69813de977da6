/**
 * The zone diagram: zones (nested by parent), their assets, conduits with their controls, and violations,
 * laid out by ELK (elkjs, loaded only when a diagram is drawn; its bundled build runs in-process, no web
 * worker, no network). The SVG is self-contained — no scripts, fonts, images or links — so it can be
 * embedded in the HTML report as is. Every zone and every finding appears in it as text.
 */
import type {
  ElkExtendedEdge,
  ElkNode,
  ELK as ElkInstance,
  ELKConstructorArguments,
} from 'elkjs/lib/elk-api.js';
import { escapeXml } from '../scap/xml.js';
import type { CheckOutcome, ZoneFinding } from './checks.js';
import type { ZoneModel } from './model.js';

const MAX_ASSETS_PER_ZONE = 40;
const CHAR_W = 6.6;
const SEV_COLOUR: Record<string, string> = {
  critical: '#b00020',
  high: '#d9480f',
  medium: '#e67700',
  low: '#5c7cfa',
  info: '#868e96',
};
/** Findings drawn as an edge between their two assets (the others mark the asset and are listed). */
const EDGE_FINDINGS = new Set([
  'flow-no-conduit',
  'flow-not-allowed',
  'insecure-protocol-crossing',
  'diode-wrong-way',
  'operation-not-permitted',
]);

const textWidth = (s: string, px = CHAR_W) => Math.ceil(s.length * px) + 12;

export async function renderZonesSvg(model: ZoneModel, outcome: CheckOutcome): Promise<string> {
  // elk.bundled.js is CommonJS (module.exports = the constructor); its typings describe an ES default export.
  const mod = await import('elkjs/lib/elk.bundled.js');
  const ELK = mod.default as unknown as new (opts?: ELKConstructorArguments) => ElkInstance;
  const elk = new ELK();
  const r = outcome.resolution;
  const nodeId = new Map<string, string>();
  const zid = (z: string) => `zone:${z}`;
  const aid = (k: string) => nodeId.get(k) ?? `asset:${k}`;
  const bad = new Map<string, number>();
  outcome.findings.forEach((f, i) => {
    for (const a of f.assets) if (!bad.has(a)) bad.set(a, i + 1);
  });
  const shown = new Set<string>();

  const zoneNode = (zone: string): ElkNode => {
    const z = r.zones.get(zone)!;
    const title = `${z.name} (${z.id})`;
    const members = r.entities.filter((e) => e.zone === zone);
    const assets = members.slice(0, MAX_ASSETS_PER_ZONE).map((e): ElkNode => {
      nodeId.set(e.key, `asset:${e.key}`);
      shown.add(e.key);
      return {
        id: `asset:${e.key}`,
        width: Math.max(textWidth(e.label), textWidth(e.role, 5.5), 90),
        height: 34,
      };
    });
    if (members.length > MAX_ASSETS_PER_ZONE) assets.push({ id: `more:${zone}`, width: 120, height: 24 });
    const kids = model.zones.filter((c) => c.parent === zone).map((c) => zoneNode(c.id));
    return {
      id: zid(zone),
      layoutOptions: {
        'elk.padding': '[top=44,left=12,bottom=12,right=12]',
        'elk.nodeSize.minimum': `(${textWidth(title, 7.5)}, 60)`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      },
      children: [...kids, ...assets],
    };
  };
  const roots = model.zones
    .filter((z) => z.parent === undefined || !r.zones.has(z.parent))
    .map((z) => zoneNode(z.id));
  const unzoned = r.entities.filter((e) => !e.zone && e.observed).slice(0, MAX_ASSETS_PER_ZONE);
  if (unzoned.length) {
    roots.push({
      id: 'unzoned',
      layoutOptions: { 'elk.padding': '[top=44,left=12,bottom=12,right=12]' },
      children: unzoned.map((e) => {
        nodeId.set(e.key, `asset:${e.key}`);
        shown.add(e.key);
        return { id: `asset:${e.key}`, width: Math.max(textWidth(e.label), 90), height: 34 };
      }),
    });
  }
  const edges: ElkExtendedEdge[] = [];
  const edgeInfo = new Map<
    string,
    { kind: 'conduit' | 'violation'; label: string; colour: string; n?: number }
  >();
  model.conduits.forEach((c, i) => {
    if (!r.zones.has(c.between[0]) || !r.zones.has(c.between[1])) return;
    const controls =
      c.controls.map((k) => (k.type === 'data-diode' ? `diode ${k.from}→${k.to}` : k.type)).join(', ') ||
      'no controls';
    const label = `${c.id}: ${controls}`;
    edges.push({
      id: `c${i}`,
      sources: [zid(c.between[0])],
      targets: [zid(c.between[1])],
      labels: [{ text: label, width: textWidth(label), height: 14 }],
    });
    edgeInfo.set(`c${i}`, { kind: 'conduit', label, colour: '#343a40' });
  });
  outcome.findings.forEach((f, i) => {
    if (!EDGE_FINDINGS.has(f.id) || f.assets.length < 2) return;
    const [a, b] = f.assets;
    if (!shown.has(a!) || !shown.has(b!) || a === b) return;
    const id = `v${i}`;
    const label = `#${i + 1}`;
    edges.push({
      id,
      sources: [aid(a!)],
      targets: [aid(b!)],
      labels: [{ text: label, width: textWidth(label), height: 14 }],
    });
    edgeInfo.set(id, { kind: 'violation', label, colour: SEV_COLOUR[f.severity] ?? '#b00020', n: i + 1 });
  });

  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.spacing.nodeNode': '24',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.edgeLabels.inline': 'false',
    },
    children: roots,
    edges,
  };
  const graph = await elk.layout(root);

  const out: string[] = [];
  const W = Math.max(graph.width ?? 0, 600);
  const H = graph.height ?? 0;
  // Node boxes (zones, then assets), with absolute positions.
  const drawNode = (n: ElkNode, ox: number, oy: number) => {
    const x = ox + (n.x ?? 0);
    const y = oy + (n.y ?? 0);
    const w = n.width ?? 0;
    const h = n.height ?? 0;
    if (n.id.startsWith('zone:') || n.id === 'unzoned') {
      const z = n.id === 'unzoned' ? undefined : r.zones.get(n.id.slice(5));
      const fill = z?.safety === 'sis' || z?.safety === 'safety' ? '#fff4e6' : z ? '#f1f3f5' : '#fff5f5';
      const title = z ? `${z.name} (${z.id})` : 'no zone or outside the plant';
      const sub = z
        ? `SL-T ${typeof z.sl_t === 'number' ? z.sl_t : Object.values(z.sl_t).join('/')}${z.safety !== 'none' ? ` · ${z.safety}` : ''} · ${z.owner}`
        : 'assets no zone selects';
      out.push(
        `<g class="${z ? 'zone' : 'unzoned'}"${z ? ` data-zone="${escapeXml(z.id)}"` : ''}><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="8" fill="${fill}" stroke="${z ? '#495057' : '#c92a2a'}" stroke-dasharray="${z ? '' : '6 4'}"/>` +
          `<text x="${x + 10}" y="${y + 18}" font-weight="bold">${escapeXml(title)}</text><text x="${x + 10}" y="${y + 34}" font-size="10" fill="#495057">${escapeXml(sub)}</text></g>`,
      );
    } else if (n.id.startsWith('asset:')) {
      const key = n.id.slice(6);
      const e = r.entities.find((x) => x.key === key);
      const v = bad.get(key);
      const f = v !== undefined ? outcome.findings[v - 1] : undefined;
      const stroke = f ? (SEV_COLOUR[f.severity] ?? '#b00020') : '#868e96';
      out.push(
        `<g class="asset" data-asset="${escapeXml(key)}"><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4" fill="#ffffff" stroke="${stroke}" stroke-width="${f ? 2 : 1}"/>` +
          `<text x="${x + 6}" y="${y + 14}">${escapeXml(e?.label ?? key)}</text><text x="${x + 6}" y="${y + 27}" font-size="9" fill="#495057">${escapeXml(`${e?.role ?? ''}${e?.known === false ? ' · unknown' : ''}`)}</text></g>`,
      );
    } else if (n.id.startsWith('more:')) {
      const zone = n.id.slice(5);
      const more = r.entities.filter((e) => e.zone === zone).length - MAX_ASSETS_PER_ZONE;
      out.push(`<text x="${x + 4}" y="${y + 16}" font-style="italic">… ${more} more asset(s)</text>`);
    }
    for (const c of n.children ?? []) drawNode(c, x, y);
  };
  for (const c of graph.children ?? []) drawNode(c, 0, 0);
  // Edges: coordinates are relative to their container; all edges are on the root here.
  for (const e of graph.edges ?? []) {
    const info = edgeInfo.get(e.id);
    if (!info) continue;
    for (const s of e.sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => `${p.x},${p.y}`).join(' ');
      const dash = info.kind === 'violation' ? ' stroke-dasharray="5 3"' : '';
      out.push(
        `<polyline class="${info.kind}" points="${pts}" fill="none" stroke="${info.colour}" stroke-width="${info.kind === 'conduit' ? 3 : 1.5}"${dash}${info.kind === 'violation' ? ' marker-end="url(#arrow)"' : ''}/>`,
      );
    }
    for (const l of e.labels ?? []) {
      out.push(
        `<text class="${info.kind}-label" x="${l.x ?? 0}" y="${(l.y ?? 0) + 11}" font-size="10" fill="${info.colour}">${escapeXml(l.text ?? '')}</text>`,
      );
    }
  }
  // The violations list under the diagram: every finding, numbered as on the edges.
  const listY = H + 30;
  const lines = outcome.findings.map((f, i) => violationLine(f, i + 1));
  const listW = Math.max(...lines.map((l) => textWidth(l.text)), 0);
  out.push(
    `<text x="12" y="${listY}" font-weight="bold">${outcome.findings.length ? `Findings (${outcome.findings.length})` : 'No findings'}</text>`,
  );
  lines.forEach((l, i) => {
    out.push(
      `<text class="violation" data-check="${l.id}" x="12" y="${listY + 18 * (i + 1)}" fill="${l.colour}">${escapeXml(l.text)}</text>`,
    );
  });
  const width = Math.ceil(Math.max(W, listW + 24));
  const height = Math.ceil(listY + 18 * (lines.length + 1));
  const defs =
    '<defs>' +
    '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b00020"/></marker>' +
    '</defs>';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">` +
    `<title>${escapeXml(`Zones and conduits of ${model.plant.name}`)}</title>${defs}<rect width="100%" height="100%" fill="#ffffff"/>` +
    out.join('') +
    '</svg>\n'
  );
}

function violationLine(f: ZoneFinding, n: number): { id: string; text: string; colour: string } {
  return {
    id: f.id,
    text: `#${n} [${f.severity}] ${f.id}: ${f.title}`,
    colour: SEV_COLOUR[f.severity] ?? '#b00020',
  };
}
