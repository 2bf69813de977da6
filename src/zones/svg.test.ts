import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants, parseXml, textContent } from '../scap/xml.js';
import { checkZones } from './checks.js';
import { parseZoneModel } from './parse.js';
import { renderZonesSvg } from './svg.js';
import { examplePlantCapture } from './testing.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const SVG_NS = 'http://www.w3.org/2000/svg';

test('the diagram is well-formed, self-contained SVG with every zone, conduit and finding', async () => {
  const model = parseZoneModel(
    fs.readFileSync(path.join(repoRoot(), 'content', 'zones', 'example-plant.yaml'), 'utf8'),
    'x',
  ).model!;
  const outcome = checkZones({ model, capture: examplePlantCapture() });
  const svg = await renderZonesSvg(model, outcome);
  const root = parseXml(svg, { fileName: 'plant.svg' });
  assert.equal(root.name, 'svg');
  assert.equal(root.ns, SVG_NS);
  const zones = descendants(root, 'g', SVG_NS).filter((g) => g.attrs['class'] === 'zone');
  assert.deepEqual(zones.map((z) => z.attrs['data-zone']).sort(), model.zones.map((z) => z.id).sort());
  // Every finding is listed, with its check id; the boundary-crossing ones are also drawn as edges.
  const listed = descendants(root, 'text', SVG_NS).filter((t) => t.attrs['class'] === 'violation');
  assert.equal(listed.length, outcome.findings.length);
  outcome.findings.forEach((f, i) => {
    assert.ok(textContent(listed[i]!).includes(f.title), f.title);
    assert.equal(listed[i]!.attrs['data-check'], f.id);
  });
  const edges = descendants(root, 'polyline', SVG_NS);
  assert.equal(edges.filter((e) => e.attrs['class'] === 'conduit').length >= model.conduits.length, true);
  assert.ok(edges.some((e) => e.attrs['class'] === 'violation'));
  // Every asset placed in a zone is drawn.
  const assets = new Set(
    descendants(root, 'g', SVG_NS)
      .filter((g) => g.attrs['class'] === 'asset')
      .map((g) => g.attrs['data-asset']),
  );
  for (const e of outcome.resolution.entities) if (e.zone) assert.ok(assets.has(e.key), e.key);
  // Self-contained: no scripts, no external references, no foreign objects.
  assert.doesNotMatch(svg, /<script|<image|<foreignObject|xlink:href|href="(?!#)|@import|url\((?!#)/i);
  assert.equal(svg.match(/https?:\/\//g)?.length, 1, 'the only URL is the SVG namespace');
  // Coordinates are numbers (no NaN from a layout gone wrong).
  assert.doesNotMatch(svg, /NaN|undefined/);
});

test('an empty capture and a model with nested zones still lay out', async () => {
  const model = parseZoneModel(
    `version: 1
plant: { name: "A & B <plant>" }
zones:
  - { id: site, name: Site, owner: o, sl_t: 1, members: [{ cidr: 10.0.0.0/16 }] }
  - { id: cell, name: Cell, owner: o, sl_t: 2, parent: site, members: [{ cidr: 10.0.9.0/24 }] }
assets:
  - { name: plc, ips: [10.0.9.5] }
`,
    'x',
  ).model!;
  const svg = await renderZonesSvg(model, checkZones({ model }));
  const root = parseXml(svg);
  const zones = descendants(root, 'g', SVG_NS).filter((g) => g.attrs['class'] === 'zone');
  assert.equal(zones.length, 2);
  assert.match(textContent(descendants(root, 'title', SVG_NS)[0]!), /A & B <plant>/);
});
