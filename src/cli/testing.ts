/** For the CLI's end-to-end tests: run `bulwark` as a child process (from src/ through tsx, or from dist/). */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const MAIN = fileURLToPath(new URL(FROM_SOURCE ? './main.ts' : './main.js', import.meta.url));
const NODE_ARGS = FROM_SOURCE ? ['--import', import.meta.resolve('tsx'), MAIN] : [MAIN];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in `cwd`, with colour off and the default database inside `cwd`. */
export function runBulwark(cwd: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...NODE_ARGS, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1', BULWARK_DB: path.join(cwd, 'default.db') } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
      },
    );
  });
}

export const show = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
