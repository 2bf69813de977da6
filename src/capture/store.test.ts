/**
 * Stored captures on both backends: SQLite (a temporary file) and PostgreSQL at 127.0.0.1:5432 (database
 * `test`, one fresh schema per case, dropped at the end; skipped LOUDLY when unreachable).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BulwarkError } from '../core/errors.js';
import { Store } from '../store/db.js';
import { TestStores } from '../store/testing.js';
import { importCaptures } from './index.js';
import { findCapture, listCaptures, loadCapture, saveCapture } from './store.js';
import { layer2Trace, pcapFile, plantTrace } from './testing.js';
import type { CaptureSummary } from './types.js';

const stores = await TestStores.create('src/capture/store.test.ts', 'capture');

let summary: CaptureSummary;
before(async () => {
  stores.setUp();
  const file = path.join(stores.dir, 'plant.pcap');
  fs.writeFileSync(file, pcapFile(layer2Trace(plantTrace()).packets));
  summary = await importCaptures([file]);
});
after(() => stores.tearDown());

const byKey = <T>(xs: T[], key: (x: T) => string): T[] =>
  [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
const flowKey = (f: CaptureSummary['flows'][number]) =>
  `${f.transport} ${f.srcIp}:${f.srcPort} ${f.dstIp}:${f.dstPort}`;
const opKey = (o: CaptureSummary['operations'][number]) =>
  `${o.srcIp} ${o.dstIp} ${o.protocol} ${o.code} ${o.name}`;

for (const b of stores.backends) {
  describe(
    `stored captures: ${b.name}`,
    {
      skip: b.skip,
    },
    () => {
      test('a capture round-trips: flows, assets, operations, files, counters, warnings', async () => {
        const where = b.fresh();
        const store = await Store.open(where.location, where.opts);
        try {
          const id = await saveCapture(store, summary, 'plant morning');
          const { capture, summary: back } = await loadCapture(store, id);
          assert.equal(capture.name, 'plant morning');
          assert.equal(capture.flows, summary.flows.length);
          assert.equal(capture.packets, summary.files[0]!.packets);
          assert.deepEqual(back.files, summary.files);
          assert.deepEqual(back.counters, summary.counters);
          assert.deepEqual(back.warnings, summary.warnings);
          assert.deepEqual(byKey(back.flows, flowKey), byKey(summary.flows, flowKey));
          assert.deepEqual(back.assets, summary.assets);
          assert.deepEqual(byKey(back.operations, opKey), byKey(summary.operations, opKey));
          // The latest is found without an id, by id prefix and by name.
          const id2 = await saveCapture(
            store,
            { ...summary, flows: summary.flows.slice(0, 3) },
            'second',
            new Date(Date.now() + 1000),
          );
          assert.equal((await findCapture(store)).id, id2);
          assert.equal((await findCapture(store, id.slice(0, 8))).id, id);
          assert.equal((await findCapture(store, 'plant morning')).id, id);
          assert.deepEqual(
            (await listCaptures(store)).map((c) => c.id),
            [id2, id],
          );
          await assert.rejects(
            findCapture(store, 'cap-nothere'),
            (e: unknown) => e instanceof BulwarkError && e.code === 'BW_CAPTURE_NOT_FOUND',
          );
        } finally {
          await store.close();
        }
      });

      test('an empty store says there is no capture', async () => {
        const where = b.fresh();
        const store = await Store.open(where.location, where.opts);
        try {
          await assert.rejects(
            findCapture(store),
            (e: unknown) =>
              e instanceof BulwarkError &&
              e.code === 'BW_CAPTURE_NOT_FOUND' &&
              /import one first/.test(e.hint),
          );
        } finally {
          await store.close();
        }
      });
    },
  );
}
