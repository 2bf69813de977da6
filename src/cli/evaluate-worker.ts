/** A worker thread of `bulwark evaluate`: selects the rules once, then evaluates the snapshots it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { select, snapshotEvaluator, type SelectionSpec } from './evaluate-fleet.js';

const port = parentPort;
if (port) {
  const { selections } = await select(workerData as SelectionSpec);
  const evaluate = snapshotEvaluator(selections);
  port.on('message', (m: { id: number; blob: Uint8Array; mode: 'live' | 'offline' }) => {
    try {
      port.postMessage({ id: m.id, ok: true, value: evaluate(m.blob, m.mode) });
    } catch (e) {
      port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  });
}
