/**
 * The example plant's scenario as real packets: a pcap written with src/capture's writer, read back by
 * importCaptures, then checked against content/zones/example-plant.yaml — the same findings as the
 * synthetic CaptureSummary in testing.ts, now through the whole pipeline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCaptures } from '../capture/index.js';
import { checkZones } from './checks.js';
import { parseZoneModel } from './parse.js';
import { EXAMPLE_PLANT as P, examplePlantPcap } from './testing.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

test('the example plant as a real pcap: capture ingest feeds the zone checks end to end', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-zones-pcap-'));
  try {
    const file = path.join(dir, 'plant.pcap');
    fs.writeFileSync(file, examplePlantPcap());
    const capture = await importCaptures([file]);
    assert.deepEqual(capture.warnings, []);
    const model = parseZoneModel(
      fs.readFileSync(path.join(repoRoot(), 'content', 'zones', 'example-plant.yaml'), 'utf8'),
      'example-plant.yaml',
    ).model!;
    const out = checkZones({ model, capture });
    const byId = (id: string) => out.findings.filter((f) => f.id === id);
    assert.equal(byId('diode-wrong-way').length, 1);
    assert.deepEqual(
      byId('operation-not-permitted')
        .map((f) => f.title)
        .sort(),
      [
        '10.10.1.50 made write operations on plc-1 without permission',
        'historian made stop operations on plc-2 without permission',
      ],
    );
    assert.deepEqual(
      byId('flow-no-conduit').map((f) => f.title),
      ['modbus (tcp/502) from zone enterprise to zone control without a conduit'],
    );
    assert.ok(
      byId('flow-not-allowed').some((f) => f.title.startsWith('telnet (tcp/23) from enterprise to dmz')),
    );
    assert.ok(!byId('flow-not-allowed').some((f) => f.title.startsWith('tls')), 'the allowed TLS flow');
    assert.ok(
      byId('insecure-protocol-crossing').some(
        (f) => f.title === 'Insecure telnet crosses from zone enterprise to dmz' && f.severity === 'high',
      ),
    );
    assert.deepEqual(
      byId('reaches-outside').map((f) => f.assets[0]),
      ['ews-1'],
    );
    assert.deepEqual(
      byId('unknown-asset')
        .map((f) => f.assets[0])
        .sort(),
      [P.laptop, P.stranger],
    );
    assert.deepEqual(
      byId('asset-not-seen').map((f) => f.assets[0]),
      ['rtu-1'],
    );
    assert.ok(byId('single-point-of-failure').some((f) => f.assets[0] === 'ews-1'));
    // The pcap's MACs joined the entities: plc-1's modelled MAC differs from the wire's, yet its IP places it.
    assert.equal(out.resolution.byEndpoint.get(P.plc1)!.key, 'plc-1');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
