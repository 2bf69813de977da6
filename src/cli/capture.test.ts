/** `bulwark capture …` end to end, as child processes, into a temporary SQLite database. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { layer2Trace, pcapFile, pcapngFile, plantTrace } from '../capture/testing.js';
import type { ObservedAsset, Operation } from '../capture/types.js';
import { runBulwark, show, type Run } from './testing.js';

let tmp = '';
const bulwark = (...args: string[]): Promise<Run> => runBulwark(tmp, args);
let plant = '';
let cut = '';

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-capture-'));
  plant = path.join(tmp, 'plant.pcapng');
  fs.writeFileSync(plant, pcapngFile(layer2Trace(plantTrace()).packets));
  const whole = pcapFile(plantTrace(undefined, 1, undefined, 30000).packets);
  cut = path.join(tmp, 'cut.cap');
  fs.writeFileSync(cut, whole.subarray(0, whole.length - 20));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('import prints the summary and stores it; list, show, flows, assets and ops read it back', async () => {
  const db = path.join(tmp, 'a.db');
  const r = await bulwark('capture', 'import', plant, cut, '--name', 'plant morning', '--db', db);
  assert.equal(r.code, 0, show(r));
  const id = /^capture (cap-[0-9a-f]{8}) stored in /.exec(r.stdout)?.[1];
  assert.ok(id, show(r));
  assert.match(r.stdout, /files {7}2 \(pcapng, pcap\)/);
  assert.match(r.stdout, /assets {6}\d+: plc-rtu 9/);
  assert.match(r.stdout, /10\.0\.1\.10 +10\.0\.2\.5 +s7comm +stop +S7 PLC Stop +2/);
  // The damaged file's warning says where.
  assert.match(
    r.stdout,
    new RegExp(
      `${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: packet \\d+ at byte \\d+: \\d+ bytes announced, \\d+ present`,
    ),
  );
  assert.doesNotMatch(r.stdout, /s3cr3t|Pl4nt-RW/);

  const list = await bulwark('capture', 'list', '--db', db);
  assert.equal(list.code, 0, show(list));
  assert.match(list.stdout, new RegExp(`${id} +plant morning`));

  const ops = await bulwark('capture', 'ops', '--kind', 'stop', '--json', '--db', db);
  assert.equal(ops.code, 0, show(ops));
  const stops = JSON.parse(ops.stdout) as Operation[];
  assert.deepEqual(stops.map((o) => o.name).sort(), [
    'ADS WriteControl (Stop)',
    'FINS STOP',
    'S7 PLC Stop',
    'UMAS Stop PLC',
  ]);
  assert.equal(stops.find((o) => o.name === 'FINS STOP')?.count, 4, 'two files, TCP and UDP');

  const plcs = await bulwark('capture', 'assets', 'plant morning', '--role', 'plc-rtu', '--json', '--db', db);
  assert.equal(plcs.code, 0, show(plcs));
  const assets = JSON.parse(plcs.stdout) as ObservedAsset[];
  assert.equal(assets.length, 9);
  assert.ok(assets.some((a) => a.vendor === 'Siemens AG'));

  const flows = await bulwark('capture', 'flows', '--capture', id, '--protocol', 'opcua', '--db', db);
  assert.equal(flows.code, 0, show(flows));
  assert.match(flows.stdout, /10\.0\.1\.30:4841 +opcua +payload .*SecurityPolicy None/);

  const sh = await bulwark('capture', 'show', '--db', db);
  assert.equal(sh.code, 0, show(sh));
  assert.match(sh.stdout, new RegExp(`capture ${id} \\(plant morning\\)`));
});

test('--json and --no-store: the summary as JSON, nothing stored', async () => {
  const db = path.join(tmp, 'b.db');
  const r = await bulwark('capture', 'import', plant, '--json', '--no-store', '--db', db);
  assert.equal(r.code, 0, show(r));
  const s = JSON.parse(r.stdout) as { id: null; flows: unknown[]; operations: unknown[] };
  assert.equal(s.id, null);
  assert.ok(s.flows.length > 30);
  const list = await bulwark('capture', 'list', '--db', db);
  assert.match(list.stdout, /no capture stored/);
});

test('errors: no readable capture, nothing stored yet', async () => {
  const text = path.join(tmp, 'notes.pcap');
  fs.writeFileSync(text, 'not a capture\n');
  const r = await bulwark('capture', 'import', text, '--db', path.join(tmp, 'c.db'));
  assert.equal(r.code, 2, show(r));
  assert.match(
    r.stderr,
    /BW_CAPTURE_UNREADABLE: none of the 1 file\(s\) could be read as a capture: .*neither pcap nor pcapng/,
  );
  assert.match(r.stderr, /hint: /);
  const none = await bulwark('capture', 'ops', '--db', path.join(tmp, 'd.db'));
  assert.equal(none.code, 2, show(none));
  assert.match(none.stderr, /BW_CAPTURE_NOT_FOUND/);
});
