/** Test helpers: fixture roots in temporary directories and a byte-level fingerprint of a whole tree. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type RootSpec = Record<
  string,
  string | { content: string; mode?: number; uid?: number; gid?: number }
>;

export function makeRoot(spec: RootSpec, prefix = 'bw-rem-'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [p, v] of Object.entries(spec)) {
    const host = path.join(root, p);
    fs.mkdirSync(path.dirname(host), { recursive: true });
    const s = typeof v === 'string' ? { content: v } : v;
    fs.writeFileSync(host, s.content);
    if (s.uid !== undefined || s.gid !== undefined) fs.chownSync(host, s.uid ?? 0, s.gid ?? 0);
    fs.chmodSync(host, s.mode ?? 0o644);
  }
  return root;
}

/** path → type, mode, owner and SHA-256 of the content, for every entry under `root`. */
export function fingerprint(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      const rel = '/' + path.relative(root, p);
      const meta = `${(st.mode & 0o177777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out[rel] = `dir ${meta}`;
        walk(p);
      } else if (st.isSymbolicLink()) out[rel] = `link ${fs.readlinkSync(p)}`;
      else out[rel] = `file ${meta} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}

export function copyTree(src: string): string {
  const dst = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-rem-copy-'));
  fs.cpSync(src, dst, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  // cpSync keeps modes; owners are kept when running as root.
  return dst;
}

export const BASE_ROOT: RootSpec = {
  '/etc/os-release': 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\n',
  '/etc/passwd':
    'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nadmin:x:1000:1000:Admin:/home/admin:/bin/bash\n',
  '/etc/shadow': {
    content:
      'root:$6$salt$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nadmin:$6$salt$hash2:19000:0:99999:7:::\n',
    mode: 0o640,
    gid: 42,
  },
  '/etc/group': 'root:x:0:\ndaemon:x:1:\nshadow:x:42:\nsudo:x:27:admin\nadmin:x:1000:\n',
  '/etc/sudoers': {
    content: 'root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n',
    mode: 0o440,
  },
};
