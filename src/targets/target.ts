/**
 * Read-only access to what is assessed. A Target resolves every path with chroot semantics
 * inside its root: absolute symlinks restart at the root, `..` never climbs above it, loops end
 * in an error. It never writes, and it never executes anything from the target.
 */
import * as fs from 'node:fs/promises';
import { constants as C } from 'node:fs';
import * as path from 'node:path';
import { BulwarkError } from '../core/errors.js';
import type { ScanMode } from '../core/types.js';

const MAX_SYMLINKS = 40; // as Linux's MAXSYMLINKS
export const DEFAULT_MAX_READ = 4 * 1024 * 1024;

export type FileType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket' | 'unknown';

export interface FileInfo {
  /** Path inside the target (absolute, normalised). */
  path: string;
  type: FileType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  /** Last access and status-change times (OVAL file items report them). */
  atimeMs?: number;
  ctimeMs?: number;
  ino: number;
  dev: number;
  nlink: number;
  /** Symlink text, for type `symlink`. */
  target?: string;
}

export type ReadResult =
  | { status: 'ok'; path: string; text: string; truncated: boolean; binary: boolean }
  | { status: 'absent'; path: string }
  | { status: 'not_collected'; path: string; reason: string }
  | { status: 'error'; path: string; code: string; reason: string };

export interface DirEntry {
  name: string;
  type: FileType;
}

export interface Target {
  readonly kind: 'live' | 'root';
  readonly mode: ScanMode;
  /** Host path of the root ("/" for the live host). */
  readonly root: string;
  /** Reads a text file, at most `maxBytes` (default 4 MiB); flags NUL bytes as binary. */
  readText(p: string, opts?: { maxBytes?: number }): Promise<ReadResult>;
  /** Reads raw bytes (for binary formats such as lastlog or the rpm database). */
  readBytes(p: string, opts?: { maxBytes?: number }): Promise<Buffer | ReadResult>;
  /** lstat (follow=false) or stat (follow=true) inside the root; null when absent. */
  stat(p: string, opts?: { follow?: boolean }): Promise<FileInfo | null>;
  /** Directory entries, sorted by name; null when absent or not a directory. */
  readdir(p: string): Promise<DirEntry[] | null>;
  /** Host path for a path inside the target, every symlink resolved inside the root. */
  resolve(p: string): Promise<string>;
  /** Expands a glob (`*`, `?`, `[...]` per component; no `**`) inside the target, sorted. */
  glob(pattern: string): Promise<string[]>;
}

function typeOf(st: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}): FileType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'unknown';
}

/** Normalises a target path: absolute, no `.`/empty components (`..` is kept for the resolver). */
export function splitTargetPath(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

export function globToRegExp(component: string): RegExp {
  let re = '';
  for (let i = 0; i < component.length; i++) {
    const c = component[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = component.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = component.slice(i + 1, end);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += '[' + cls.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

const PSEUDO_PREFIXES = ['/proc', '/sys', '/run', '/dev'];

export class FsTarget implements Target {
  readonly kind: 'live' | 'root';
  readonly mode: ScanMode;
  readonly root: string;

  private constructor(root: string, live: boolean) {
    this.root = root;
    this.kind = live ? 'live' : 'root';
    this.mode = live ? 'live' : 'offline';
  }

  /** The running host: `/` with live facts (/proc, sockets, processes) available. */
  static live(): FsTarget {
    return new FsTarget('/', true);
  }

  /** An offline mounted root. Fails with BW_TARGET_NOT_FOUND / BW_TARGET_NOT_DIR. */
  static async mounted(root: string): Promise<FsTarget> {
    const abs = path.resolve(root);
    let real: string;
    try {
      real = await fs.realpath(abs);
    } catch (e) {
      throw new BulwarkError(
        'BW_TARGET_NOT_FOUND',
        `the root ${abs} does not exist or cannot be read`,
        'give the directory where the image is mounted, e.g. `bulwark scan --root /mnt/image`',
        { cause: e },
      );
    }
    const st = await fs.stat(real);
    if (!st.isDirectory())
      throw new BulwarkError(
        'BW_TARGET_NOT_DIR',
        `the root ${abs} is not a directory`,
        'mount or extract the image and pass its top directory',
      );
    return new FsTarget(real, false);
  }

  /** Offline, /proc, /sys, /run and /dev describe the scanning host or nothing: never read them. */
  private offlineRefuses(p: string): string | undefined {
    if (this.mode === 'live') return undefined;
    const norm = '/' + splitTargetPath(p).join('/');
    for (const pre of PSEUDO_PREFIXES)
      if (norm === pre || norm.startsWith(pre + '/')) return `${pre} only exists on a running system`;
    return undefined;
  }

  private host(inner: string): string {
    return this.root === '/' ? inner : path.join(this.root, inner);
  }

  /**
   * Resolves `p` inside the root. With `followLast` false the final component is not followed.
   * Returns the inner (target) path; the host path is `host(inner)`.
   */
  async resolveInner(p: string, followLast = true): Promise<string> {
    if (this.root === '/') return this.resolveLive(p);
    const pending = splitTargetPath(p);
    const done: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const comp = pending.shift()!;
      if (comp === '..') {
        done.pop();
        continue;
      }
      const inner = '/' + [...done, comp].join('/');
      const isLast = pending.length === 0;
      if (isLast && !followLast) {
        done.push(comp);
        break;
      }
      const link = await this.linkText(inner);
      if (link === null) {
        // Missing component: the rest cannot be links either.
        done.push(comp, ...pending.filter((c) => c !== '..'));
        break;
      }
      if (link !== undefined) {
        if (++links > MAX_SYMLINKS)
          throw new BulwarkError(
            'BW_SYMLINK_LOOP',
            `too many levels of symbolic links at ${inner}`,
            'the target has a symlink loop; the path is reported as an error',
          );
        const text = link;
        const parts = splitTargetPath(text);
        if (text.startsWith('/')) done.length = 0;
        pending.unshift(...parts);
      } else {
        done.push(comp);
      }
    }
    return '/' + done.join('/');
  }

  /** Per-scan cache of what each inner path is: symlink text, undefined (not a link) or null (missing). */
  private readonly links = new Map<string, string | undefined | null>();

  private async linkText(inner: string): Promise<string | undefined | null> {
    if (this.links.has(inner)) return this.links.get(inner);
    let v: string | undefined | null;
    try {
      const st = await fs.lstat(this.host(inner));
      v = st.isSymbolicLink() ? await fs.readlink(this.host(inner)) : undefined;
    } catch {
      v = null;
    }
    if (this.links.size < 200_000) this.links.set(inner, v);
    return v;
  }

  /**
   * On the live host the kernel's own resolution is chroot semantics at `/`: no user-space walk,
   * the path is only normalised (the kernel follows links when the file is opened or stat'ed).
   */
  private resolveLive(p: string): Promise<string> {
    return Promise.resolve(path.posix.resolve('/', p));
  }

  async resolve(p: string): Promise<string> {
    return this.host(await this.resolveInner(p));
  }

  async stat(p: string, opts: { follow?: boolean } = {}): Promise<FileInfo | null> {
    if (this.offlineRefuses(p)) return null;
    let inner: string;
    try {
      inner = await this.resolveInner(p, opts.follow ?? false);
    } catch (e) {
      if (e instanceof BulwarkError) throw e;
      return null;
    }
    // A link into /proc etc. (e.g. /etc/mtab -> ../proc/self/mounts) is refused like the path itself.
    if (this.offlineRefuses(inner)) return null;
    try {
      const st =
        this.mode === 'live' && opts.follow ? await fs.stat(inner) : await fs.lstat(this.host(inner));
      const info: FileInfo = {
        path: inner,
        type: typeOf(st),
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        size: st.size,
        mtimeMs: st.mtimeMs,
        atimeMs: st.atimeMs,
        ctimeMs: st.ctimeMs,
        ino: st.ino,
        dev: st.dev,
        nlink: st.nlink,
      };
      if (info.type === 'symlink') info.target = await fs.readlink(this.host(inner));
      return info;
    } catch {
      return null;
    }
  }

  async readBytes(p: string, opts: { maxBytes?: number } = {}): Promise<Buffer | ReadResult> {
    const refused = this.offlineRefuses(p);
    if (refused) return { status: 'not_collected', path: p, reason: refused };
    let inner: string;
    try {
      inner = await this.resolveInner(p);
    } catch (e) {
      return {
        status: 'error',
        path: p,
        code: e instanceof BulwarkError ? e.code : 'EIO',
        reason: e instanceof Error ? e.message : String(e),
      };
    }
    // Checked again on the resolved path: `..` and symlinks can lead into /proc (e.g. /etc/mtab).
    const refusedInner = this.offlineRefuses(inner);
    if (refusedInner) return { status: 'not_collected', path: inner, reason: refusedInner };
    const max = opts.maxBytes ?? DEFAULT_MAX_READ;
    if (this.mode === 'offline') {
      // Never open a device node, FIFO or socket of an image: opening one can block or act on the
      // scanning host's device with the same numbers (a watchdog, a tape drive).
      try {
        const pre = await fs.lstat(this.host(inner));
        if (pre.isDirectory())
          return { status: 'error', path: inner, code: 'EISDIR', reason: `${inner} is a directory` };
        if (!pre.isFile())
          return {
            status: 'error',
            path: inner,
            code: 'ENOTREG',
            reason: `${inner} is not a regular file (${typeOf(pre)})`,
          };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'absent', path: inner };
        return { status: 'error', path: inner, code, reason: `cannot stat ${inner}: ${code}` };
      }
    }
    let fh;
    try {
      // O_NOFOLLOW: the final component was resolved above; refuse a link swapped in since.
      // Live, the kernel follows the final link (the host is its own root).
      fh = await fs.open(
        this.host(inner),
        C.O_RDONLY | C.O_NONBLOCK | (this.mode === 'offline' ? C.O_NOFOLLOW : 0),
      );
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'absent', path: inner };
      if (code === 'ELOOP')
        return {
          status: 'error',
          path: inner,
          code: 'BW_SYMLINK_LOOP',
          reason: `too many levels of symbolic links at ${inner}`,
        };
      return { status: 'error', path: inner, code, reason: `cannot open ${inner}: ${code}` };
    }
    try {
      const st = await fh.stat();
      if (st.isDirectory())
        return { status: 'error', path: inner, code: 'EISDIR', reason: `${inner} is a directory` };
      if (!st.isFile() && this.mode === 'offline')
        return { status: 'error', path: inner, code: 'ENOTREG', reason: `${inner} is not a regular file` };
      const chunks: Buffer[] = [];
      let total = 0;
      const buf = Buffer.alloc(Math.min(max + 1, 65536));
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, max + 1 - total), null);
        if (bytesRead === 0) break;
        chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
        total += bytesRead;
        if (total > max) break;
      }
      return Buffer.concat(chunks, total);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      return { status: 'error', path: inner, code, reason: `cannot read ${inner}: ${code}` };
    } finally {
      await fh.close();
    }
  }

  async readText(p: string, opts: { maxBytes?: number } = {}): Promise<ReadResult> {
    const max = opts.maxBytes ?? DEFAULT_MAX_READ;
    const r = await this.readBytes(p, { maxBytes: max });
    if (!Buffer.isBuffer(r)) return r;
    const truncated = r.length > max;
    const body = truncated ? r.subarray(0, max) : r;
    const binary = body.subarray(0, 8192).includes(0);
    return {
      status: 'ok',
      path: '/' + splitTargetPath(p).join('/'),
      text: body.toString('utf8'),
      truncated,
      binary,
    };
  }

  async readdir(p: string): Promise<DirEntry[] | null> {
    if (this.offlineRefuses(p)) return null;
    try {
      const inner = await this.resolveInner(p);
      if (this.offlineRefuses(inner)) return null;
      const ents = await fs.readdir(this.host(inner), { withFileTypes: true });
      return ents
        .map((d) => ({ name: d.name, type: typeOf(d) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return null;
    }
  }

  async glob(pattern: string): Promise<string[]> {
    const comps = splitTargetPath(pattern);
    let bases = ['/'];
    for (const comp of comps) {
      const next: string[] = [];
      if (!/[*?[]/.test(comp)) {
        for (const b of bases) next.push(path.posix.join(b, comp));
      } else {
        const re = globToRegExp(comp);
        for (const b of bases) {
          const ents = await this.readdir(b);
          if (!ents) continue;
          for (const e of ents)
            if (re.test(e.name) && !(e.name.startsWith('.') && !comp.startsWith('.')))
              next.push(path.posix.join(b, e.name));
        }
      }
      bases = next;
    }
    const out: string[] = [];
    for (const b of bases) {
      try {
        if ((await this.stat(b, { follow: true })) ?? (this.mode === 'live' && (await this.stat(b))))
          out.push(b);
      } catch (e) {
        // A symlink loop still exists as an entry: keep it, reading it reports the loop.
        if (!(e instanceof BulwarkError) || e.code !== 'BW_SYMLINK_LOOP') throw e;
        if (await this.stat(b).catch(() => null)) out.push(b);
      }
    }
    return out.sort();
  }
}
