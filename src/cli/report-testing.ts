/** For the report tests: a database with two scanned assets (the fixture root under two names) and a waiver. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBulwark, show } from './testing.js';

const REPO = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  ...(import.meta.url.includes('/dist/') ? ['..'] : []),
);
export const FIXTURE_ROOT = path.join(REPO, 'test', 'fixtures', 'report', 'root');
/** The official SARIF 2.1.0 and OSCAL JSON schemas (copies of ../shared/data/schemas, so a clone anywhere has them). */
export const SCHEMAS = path.join(REPO, 'test', 'fixtures', 'schemas');

export interface ReportFixture {
  dir: string;
  db: string;
  run(args: string[]): ReturnType<typeof runBulwark>;
}

export async function reportFixture(): Promise<ReportFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-report-test-'));
  const db = path.join(dir, 'bulwark.db');
  const run = (args: string[]) => runBulwark(dir, args);
  for (const name of ['web-1', 'hmi-2']) {
    const r = await run([
      'scan',
      '--root',
      FIXTURE_ROOT,
      '--db',
      db,
      '--asset-name',
      name,
      '--no-report',
      '-q',
    ]);
    if (r.code !== 0) throw new Error(`fixture scan failed: ${show(r)}`);
  }
  const w = await run([
    'waivers',
    'add',
    '--db',
    db,
    '--rule',
    'ssh-x11-forwarding-disabled',
    '--scope',
    'asset:web-1',
    '--owner',
    'ops',
    '--justification',
    'the HMI vendor tool needs X11',
    '--compensating-control',
    'reachable from the jump host only',
    '--expires',
    '2099-12-31',
    '--approver',
    'ciso',
  ]);
  if (w.code !== 0) throw new Error(`fixture waiver failed: ${show(w)}`);
  return { dir, db, run };
}
