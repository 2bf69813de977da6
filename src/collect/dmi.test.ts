import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsTarget } from '../targets/target.js';
import { collectOne, makeContext } from './runner.js';
import { collectorFor } from './registry.js';
import { dmiRow } from './dmi.js';

test('dmiRow: one trimmed line per file, null for unreadable or empty files', () => {
  assert.deepEqual(
    dmiRow({
      product_serial: 'SN-4711\n',
      product_uuid: ' 4c4c4544-0042-3510-8052-b7c04f4e3732 \n',
      sys_vendor: 'Siemens AG\n',
      product_name: '',
      board_serial: null,
    }),
    {
      product_serial: 'SN-4711',
      product_uuid: '4c4c4544-0042-3510-8052-b7c04f4e3732',
      sys_vendor: 'Siemens AG',
      product_name: null,
      board_serial: null,
    },
  );
});

test('dmi is registered, live only: offline it is not_collected, never the scanning host’s', async () => {
  assert.ok(collectorFor('dmi')?.liveOnly);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'bulwark-dmi-'));
  try {
    // Even an image that carries a sys/ tree is not read for it.
    await fsp.mkdir(path.join(dir, 'sys/class/dmi/id'), { recursive: true });
    await fsp.writeFile(path.join(dir, 'sys/class/dmi/id/product_serial'), 'FROM-THE-IMAGE\n');
    const f = await collectOne(makeContext(await FsTarget.mounted(dir)), { name: 'dmi', args: {} });
    assert.equal(f.status, 'not_collected');
    assert.deepEqual(f.rows, []);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('dmi live: this machine’s tables when it has them, else absent', async () => {
  const f = await collectOne(makeContext(FsTarget.live()), { name: 'dmi', args: {} });
  if (!fs.existsSync('/sys/class/dmi/id')) {
    assert.equal(f.status, 'absent');
    return;
  }
  assert.equal(f.status, 'complete');
  const vendor = fs.readFileSync('/sys/class/dmi/id/sys_vendor', 'utf8').trim();
  assert.equal(f.rows[0]?.['sys_vendor'], vendor || null);
});
