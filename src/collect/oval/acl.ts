/**
 * has_extended_acl for file items. Node cannot read extended attributes, so the scanning host's GNU
 * ls answers (its 11th mode character is `+` when a file has an access ACL): one `ls -dln` per
 * batch of paths, with an argument array, never a shell. Links never carry ACLs on Linux and are
 * not asked about. When ls is missing or fails, the entity is reported with status `not collected`.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';

const BATCH = 256;

/** Decodes GNU ls's `-b` (C-style) escapes. */
export function unescapeLs(s: string): string {
  return s.replace(/\\([0-7]{3}|.)/g, (_, e: string) => {
    if (e.length === 3) return String.fromCharCode(parseInt(e, 8));
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b' };
    return map[e] ?? e;
  });
}

const LINE = /^(\S{10})(\S?)\s+\d+\s+\d+\s+\d+\s+(?:\d+,\s*\d+|\d+)\s+-?\d+\s(.*)$/;

/** Parses `ls -dlnUb --time-style=+%s` output: path → has an extended ACL. */
export function parseLs(out: string): Map<string, boolean> {
  const res = new Map<string, boolean>();
  for (const line of out.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    res.set(unescapeLs(m[3]!), m[2] === '+');
  }
  return res;
}

let lsBin: string | null | undefined;

function findLs(): string | null {
  if (lsBin !== undefined) return lsBin;
  lsBin = null;
  for (const b of ['/usr/bin/ls', '/bin/ls'])
    if (fs.existsSync(b)) {
      lsBin = b;
      break;
    }
  return lsBin;
}

export class AclChecker {
  private readonly cache = new Map<string, boolean | null>();

  /** Host paths → ACL flag (null: unknown). */
  async check(hostPaths: string[]): Promise<Map<string, boolean | null>> {
    const out = new Map<string, boolean | null>();
    const todo: string[] = [];
    for (const p of hostPaths) {
      const c = this.cache.get(p);
      if (c !== undefined) out.set(p, c);
      else todo.push(p);
    }
    const bin = findLs();
    for (let i = 0; i < todo.length; i += BATCH) {
      const batch = todo.slice(i, i + BATCH);
      const parsed = bin ? await runLs(bin, batch) : null;
      for (const p of batch) {
        const v = parsed ? (parsed.get(p) ?? null) : null;
        this.cache.set(p, v);
        out.set(p, v);
      }
    }
    return out;
  }
}

function runLs(bin: string, paths: string[]): Promise<Map<string, boolean> | null> {
  return new Promise((resolve) => {
    execFile(
      bin,
      ['-dlnUb', '--time-style=+%s', '--', ...paths],
      { env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => {
        // ls exits 2 when one operand is missing; the others are still listed.
        if (err && typeof stdout !== 'string') {
          resolve(null);
          return;
        }
        resolve(parseLs(stdout));
      },
    );
  });
}
