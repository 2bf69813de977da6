/**
 * A worker thread of `bulwark evaluate`: selects the rules once, then evaluates each snapshot it is sent and
 * answers with the asset's entry of the report, UTF-8 encoded and transferred (not copied) back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AssessJob } from './evaluate-assess.js';
import { jobRunner, select, type WorkerSpec } from './evaluate-fleet.js';

const port = parentPort;
if (port) {
  const { spec, format } = workerData as WorkerSpec;
  const run = jobRunner(await select(spec), format);
  const encoder = new TextEncoder();
  port.on('message', (m: { id: number; job: AssessJob }) => {
    try {
      const value = encoder.encode(run(m.job));
      port.postMessage({ id: m.id, ok: true, value }, [value.buffer]);
    } catch (e) {
      port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  });
}
