/**
 * The file system as the OVAL file probes see it: lstat results and directory listings of the
 * target, memoised for the whole evaluation so that the ~40 SSG objects walking `/`, `/usr/lib`,
 * `/var/log/audit`… share one walk instead of repeating it (oscap walks once per object).
 *
 * Reads go through the Target (chroot semantics) for single entries and directories. A recursive
 * walk of a subtree runs the scanning host's GNU find once on the resolved directory (argument
 * array, never a shell, `-P`: links are never followed by find) and fills the listing cache for
 * the whole subtree; without GNU find the walker lists directories one by one through the Target.
 *
 * Never walked: pseudo file systems (proc, sysfs, cgroup, …) live, and /proc, /sys, /dev, /run
 * offline (they describe the scanning host or nothing; the Target refuses them too).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileInfo, FileType, Target } from '../../targets/target.js';
import { gnuFind } from '../special-files.js';

export interface Stat {
  type: FileType;
  /** Permission bits with set-id and sticky bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch, truncated as st_atime/st_ctime/st_mtime are. */
  atime: number;
  ctime: number;
  mtime: number;
  dev: number;
  ino: number;
}

const TYPES: FileType[] = ['file', 'dir', 'symlink', 'char', 'block', 'fifo', 'socket', 'unknown'];
const W = 10; // numbers per entry: type, mode, uid, gid, size, atime, ctime, mtime, dev, ino

const CHUNK_BITS = 14; // 16k entries (1.3 MB) per chunk: the store grows without copying

/** Numbers of many entries (ten per entry) in fixed-size Float64Array chunks. */
class NumStore {
  readonly chunks: Float64Array[] = [];
  n = 0;

  push(st: Stat): number {
    const at = this.n & ((1 << CHUNK_BITS) - 1);
    if (at === 0) this.chunks.push(new Float64Array(W << CHUNK_BITS));
    const b = this.chunks[this.chunks.length - 1]!;
    const o = at * W;
    b[o] = TYPES.indexOf(st.type);
    b[o + 1] = st.mode;
    b[o + 2] = st.uid;
    b[o + 3] = st.gid;
    b[o + 4] = st.size;
    b[o + 5] = st.atime;
    b[o + 6] = st.ctime;
    b[o + 7] = st.mtime;
    b[o + 8] = st.dev;
    b[o + 9] = st.ino;
    return this.n++;
  }

  /** Gives back the unused tail of a small store (a single directory's listing). */
  trim(): void {
    if (this.chunks.length === 1) this.chunks[0] = this.chunks[0]!.slice(0, this.n * W);
  }
}

/**
 * A directory listing, stored by columns (names, and indexes into a NumStore shared by a whole
 * find run): a walk of `/` caches ~500k entries, and per-entry objects would double the memory.
 */
export class Listing {
  readonly names: string[];
  private readonly idx: Uint32Array;
  private readonly store: NumStore;

  constructor(names: string[], idx: Uint32Array, store: NumStore) {
    this.names = names;
    this.idx = idx;
    this.store = store;
  }

  get length(): number {
    return this.names.length;
  }

  stat(i: number): Stat {
    const k = this.idx[i]!;
    const n = this.store.chunks[k >>> CHUNK_BITS]!;
    const o = (k & ((1 << CHUNK_BITS) - 1)) * W;
    return {
      type: TYPES[n[o]!] ?? 'unknown',
      mode: n[o + 1]!,
      uid: n[o + 2]!,
      gid: n[o + 3]!,
      size: n[o + 4]!,
      atime: n[o + 5]!,
      ctime: n[o + 6]!,
      mtime: n[o + 7]!,
      dev: n[o + 8]!,
      ino: n[o + 9]!,
    };
  }
}

/** A listing being filled. */
class ListingBuilder {
  readonly names: string[] = [];
  readonly idx: number[] = [];
  private readonly store: NumStore;

  constructor(store: NumStore) {
    this.store = store;
  }

  add(name: string, st: Stat): void {
    this.names.push(name);
    this.idx.push(this.store.push(st));
  }

  done(): Listing {
    return new Listing(this.names, Uint32Array.from(this.idx), this.store);
  }
}

/** Live file systems that are never walked: the kernel's views, not files. */
const PSEUDO_FS = new Set([
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'debugfs',
  'tracefs',
  'securityfs',
  'pstore',
  'bpf',
  'configfs',
  'fusectl',
  'efivarfs',
  'selinuxfs',
  'binfmt_misc',
  'nsfs',
  'rpc_pipefs',
  'nfsd',
  'autofs',
]);
const OFFLINE_PRUNED = ['/proc', '/sys', '/dev', '/run'];

export function statOf(info: FileInfo): Stat {
  return {
    type: info.type,
    mode: info.mode & 0o7777,
    uid: info.uid,
    gid: info.gid,
    size: info.size,
    atime: Math.floor((info.atimeMs ?? info.mtimeMs) / 1000),
    ctime: Math.floor((info.ctimeMs ?? info.mtimeMs) / 1000),
    mtime: Math.floor(info.mtimeMs / 1000),
    dev: info.dev,
    ino: info.ino,
  };
}

const FIND_TYPES: Record<string, FileType> = {
  f: 'file',
  d: 'dir',
  l: 'symlink',
  c: 'char',
  b: 'block',
  p: 'fifo',
  s: 'socket',
};

/** Decodes the octal escapes of /proc/self/mounts (`\040` for a space). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export interface Mount {
  point: string;
  device: string;
  fsType: string;
  options: string[];
}

export function parseMountTable(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    out.push({
      device: unescapeMount(f[0]!),
      point: unescapeMount(f[1]!),
      fsType: f[2]!,
      options: f[3]!.split(','),
    });
  }
  return out;
}

/** oscap's is_local_fs(): not autofs, not `//server/share` (CIFS), not `host:/path` (NFS). */
export function isLocalMount(m: Mount): boolean {
  if (m.fsType === 'autofs') return false;
  if (m.device.startsWith('//')) return false;
  const i = m.device.search(/[/:]/);
  return !(i >= 0 && m.device[i] === ':');
}

const under = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');

export class FsView {
  readonly target: Target;
  private readonly lists = new Map<string, Listing | null>();
  private readonly stats = new Map<string, Stat | null>();
  private readonly bulk = new Set<string>();
  private findLock: Promise<void> = Promise.resolve();
  private mountsP: Promise<void> | undefined;
  /** Devices of local file systems (oscap's rule); null when unknown (offline: all local). */
  private localDevs: Set<number> | null = null;
  /** Inner paths never walked. */
  private pruned: string[] = [];
  /** Statistics for benchmarks and messages. */
  readonly counters = { findRuns: 0, findEntries: 0, dirLists: 0, stats: 0 };
  private readonly findBin: Promise<string | null>;

  constructor(target: Target, opts: { find?: 'auto' | 'never' } = {}) {
    this.target = target;
    this.findBin = opts.find === 'never' ? Promise.resolve(null) : gnuFind();
  }

  hostOf(inner: string): string {
    const root = this.target.root;
    return root === '/' ? inner : inner === '/' ? root : root + inner;
  }

  private innerOf(host: string): string {
    const root = this.target.root;
    if (root === '/') return host;
    if (host === root) return '/';
    return host.startsWith(root + '/') ? host.slice(root.length) : host;
  }

  /** Mount table (live): local devices and pseudo file systems to prune. */
  ready(): Promise<void> {
    this.mountsP ??= (async () => {
      if (this.target.mode !== 'live') {
        this.pruned = [...OFFLINE_PRUNED];
        return;
      }
      const r = await this.target.readText('/proc/self/mounts');
      if (r.status !== 'ok') {
        this.pruned = ['/proc', '/sys'];
        return;
      }
      const mounts = parseMountTable(r.text);
      const local = new Set<number>();
      const pruned = new Set<string>(['/proc', '/sys']);
      for (const m of mounts) {
        if (PSEUDO_FS.has(m.fsType) && m.point !== '/') pruned.add(m.point);
        if (!isLocalMount(m)) continue;
        const st = await this.target.stat(m.point, { follow: true }).catch(() => null);
        if (st) local.add(st.dev);
      }
      this.localDevs = local;
      this.pruned = [...pruned].sort();
    })();
    return this.mountsP;
  }

  isPruned(realInner: string): boolean {
    return this.pruned.some((p) => under(realInner, p));
  }

  /** oscap's "local" test for a directory's device. */
  isLocalDev(dev: number): boolean {
    return this.localDevs === null || this.localDevs.has(dev);
  }

  /**
   * The real inner path of a path's parent directory with every symlink resolved inside the root,
   * plus the last component (not followed). Live, the kernel resolves: the path is only normalised.
   */
  async realOf(p: string, followLast: boolean): Promise<string | null> {
    const norm = path.posix.resolve('/', p);
    if (this.target.mode === 'live' && this.target.root === '/') return norm;
    try {
      if (followLast) return this.innerOf(await this.target.resolve(norm));
      if (norm === '/') return '/';
      const dir = this.innerOf(await this.target.resolve(path.posix.dirname(norm)));
      return path.posix.join(dir, path.posix.basename(norm));
    } catch {
      return null;
    }
  }

  /** The fully resolved path (every link followed, chroot semantics offline), or null. */
  async canonical(p: string): Promise<string | null> {
    if (this.target.mode === 'live' && this.target.root === '/') {
      // The live host is its own root: the kernel's resolution is the chroot resolution.
      return fs.promises.realpath(path.posix.resolve('/', p)).catch(() => null);
    }
    const real = await this.realOf(p, true);
    if (real === null) return null;
    const st = await this.lstat(real);
    return st && st.type !== 'symlink' ? real : null;
  }

  /** lstat of a real inner path (memoised). */
  async lstat(realInner: string): Promise<Stat | null> {
    if (this.stats.has(realInner)) return this.stats.get(realInner)!;
    const dir = path.posix.dirname(realInner);
    const listed = realInner === '/' ? undefined : this.lists.get(dir);
    if (listed) {
      const base = path.posix.basename(realInner);
      const i = listed.names.indexOf(base);
      return i >= 0 ? listed.stat(i) : null;
    }
    this.counters.stats++;
    let st: Stat | null = null;
    try {
      const info = await this.target.stat(realInner, { follow: false });
      st = info ? statOf(info) : null;
    } catch {
      st = null;
    }
    this.stats.set(realInner, st);
    return st;
  }

  /** stat following links: the entry's real path and stat, or null (absent, dangling, loop). */
  async follow(logical: string): Promise<{ real: string; st: Stat } | null> {
    const real = await this.realOf(logical, true);
    if (real === null) return null;
    if (this.target.mode === 'live' && this.target.root === '/') {
      try {
        const info = await this.target.stat(real, { follow: true });
        return info ? { real, st: statOf(info) } : null;
      } catch {
        return null;
      }
    }
    const st = await this.lstat(real);
    return st && st.type !== 'symlink' ? { real, st } : null;
  }

  /**
   * Entries of a real directory (sorted by name when listed through the Target, directory order
   * from find); null when unreadable. `deep`: the caller will
   * walk the whole subtree, so one find run fills it at once.
   */
  async list(realDir: string, deep: boolean): Promise<Listing | null> {
    const got = this.lists.get(realDir);
    if (got !== undefined) return got;
    if (this.isPruned(realDir)) return null;
    if (deep) {
      // One find at a time: objects collected concurrently must not walk the same tree twice.
      const prev = this.findLock;
      let release!: () => void;
      this.findLock = new Promise<void>((r) => (release = r));
      await prev;
      try {
        const again = this.lists.get(realDir);
        if (again !== undefined) return again;
        const coveredByBulk = [...this.bulk].some((b) => under(realDir, b));
        const bin = coveredByBulk ? null : await this.findBin;
        if (bin && (await this.runFind(bin, realDir))) {
          const after = this.lists.get(realDir);
          if (after !== undefined) return after;
        }
      } finally {
        release();
      }
    }
    this.counters.dirLists++;
    const ents = await this.target.readdir(realDir);
    if (!ents) {
      this.lists.set(realDir, null);
      return null;
    }
    const store = new NumStore();
    const out = new ListingBuilder(store);
    for (const e of ents) {
      const child = realDir === '/' ? '/' + e.name : realDir + '/' + e.name;
      let info: FileInfo | null = null;
      try {
        info = await this.target.stat(child, { follow: false });
      } catch {
        info = null;
      }
      if (info) out.add(e.name, statOf(info));
    }
    store.trim();
    const listing = out.done();
    this.lists.set(realDir, listing);
    return listing;
  }

  /** One GNU find over a subtree: every directory listing below `realDir` is cached. */
  private runFind(bin: string, realDir: string): Promise<boolean> {
    const hostStart = this.hostOf(realDir);
    const prune = this.pruned.filter((p) => p !== realDir && under(p, realDir)).map((p) => this.hostOf(p));
    const start = hostStart.endsWith('/') ? hostStart : hostStart + '/';
    const fmt = '%y %m %U %G %s %A@ %C@ %T@ %D %i\\0%P\\0';
    const args = ['-P', start, '-mindepth', '1'];
    if (prune.length > 0) {
      args.push('(');
      prune.forEach((p, i) => args.push(...(i > 0 ? ['-o'] : []), '-path', p.replace(/[\\*?[\]]/g, '\\$&')));
      args.push(')', '-prune', '-printf', fmt, '-o');
    }
    args.push('-printf', fmt);
    this.counters.findRuns++;
    const prunedSet = new Set(prune.map((p) => this.innerOf(p)));
    const store = new NumStore();
    const fresh = new Map<string, ListingBuilder>();
    fresh.set(realDir, new ListingBuilder(store));
    return new Promise<boolean>((resolve) => {
      let child;
      try {
        child = spawn(bin, args, {
          stdio: ['ignore', 'pipe', 'ignore'],
          env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' },
        });
      } catch {
        resolve(false);
        return;
      }
      let pending: Buffer = Buffer.alloc(0);
      let meta: Stat | null = null;
      let bad = false;
      const base = realDir === '/' ? '' : realDir;
      // Parsed from the bytes: no intermediate strings, and names are flat strings (a slice of a
      // longer string would keep the whole path alive in the cache).
      const parseMeta = (buf: Buffer, from: number, to: number): Stat | null => {
        const nums: number[] = [];
        let i = from + 2;
        while (i < to && nums.length < 9) {
          let v = 0;
          let digits = 0;
          const octal = nums.length === 0;
          while (i < to && buf[i]! >= 48 && buf[i]! <= 57) {
            v = v * (octal ? 8 : 10) + (buf[i]! - 48);
            i++;
            digits++;
          }
          if (digits === 0) return null;
          if (buf[i] === 46) while (i < to && buf[i] !== 32) i++; // fraction of a time
          nums.push(v);
          i++;
        }
        if (nums.length !== 9) return null;
        return {
          type: FIND_TYPES[String.fromCharCode(buf[from]!)] ?? 'unknown',
          mode: nums[0]! & 0o7777,
          uid: nums[1]!,
          gid: nums[2]!,
          size: nums[3]!,
          atime: nums[4]!,
          ctime: nums[5]!,
          mtime: nums[6]!,
          dev: nums[7]!,
          ino: nums[8]!,
        };
      };
      let lastParentBytes: Buffer | null = null;
      let lastParent: ListingBuilder | undefined;
      const take = (buf: Buffer, from: number, to: number) => {
        if (meta === null) {
          meta = parseMeta(buf, from, to);
          if (meta === null) bad = true;
          return;
        }
        const st = meta;
        meta = null;
        let slash = -1;
        for (let k = to - 1; k >= from; k--)
          if (buf[k] === 47) {
            slash = k;
            break;
          }
        const name = buf.toString('utf8', slash < 0 ? from : slash + 1, to);
        let arr: ListingBuilder | undefined;
        const parentBytes = slash < 0 ? null : buf.subarray(from, slash);
        if (
          lastParent &&
          (parentBytes === null
            ? lastParentBytes === null
            : lastParentBytes !== null && parentBytes.equals(lastParentBytes))
        )
          arr = lastParent;
        else {
          const parent = parentBytes === null ? realDir : base + '/' + parentBytes.toString('utf8');
          arr = fresh.get(parent);
          if (!arr) {
            arr = new ListingBuilder(store);
            fresh.set(parent, arr);
          }
          lastParent = arr;
          lastParentBytes = parentBytes === null ? null : Buffer.from(parentBytes);
        }
        arr.add(name, st);
        if (st.type === 'dir') {
          const full = (slash < 0 ? base : base + '/' + buf.toString('utf8', from, slash)) + '/' + name;
          if (!prunedSet.has(full) && !fresh.has(full)) fresh.set(full, new ListingBuilder(store));
        }
        this.counters.findEntries++;
      };
      child.stdout.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        let start = 0;
        for (;;) {
          const nul = pending.indexOf(0, start);
          if (nul < 0) break;
          take(pending, start, nul);
          start = nul + 1;
        }
        pending = pending.subarray(start);
      });
      child.on('error', () => {
        resolve(false);
      });
      child.on('close', () => {
        if (bad) {
          resolve(false);
          return;
        }
        // Directory order, as find (and oscap's fts) read them: item sets do not depend on it.
        for (const [dir, arr] of fresh) this.lists.set(dir, arr.done());
        // The child's listeners keep this closure alive for a while: drop the builders now.
        fresh.clear();
        lastParent = undefined;
        pending = Buffer.alloc(0);
        this.bulk.add(realDir);
        resolve(true);
      });
    });
  }
}
