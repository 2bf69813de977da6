/**
 * Special files: a bounded walk for SUID / SGID files, world-writable files and directories (with
 * their sticky bit), and entries whose owner or group is not in the target's own /etc/passwd and
 * /etc/group. docs/walk.md has the design and the measurements.
 *
 * Scope (argument `scope`, rules pass the parameter `special_files_scope`):
 * - `system` (default): the OS tree, SYSTEM_SCOPE_DIRS below, plus /dev/shm on a live host.
 *   User data (/home, /root, /mnt, /media, any other top-level directory) is not walked.
 * - `all`: every local filesystem. Live, pseudo / virtual / network / FUSE filesystems
 *   (SKIPPED_FS_TYPES) are not entered; offline the whole root minus /proc, /sys, /dev, /run.
 * Symlinks are never followed and not reported (their own mode is always 0777). A scope directory
 * that is a symlink (/bin -> usr/bin) is resolved inside the root; where it lands inside another
 * scope directory it is walked once.
 *
 * Two engines give the same rows:
 * - GNU find (the scanning host's /usr/bin/find or /bin/find, never the target's, never through a
 *   shell): one child process prints only the matching entries, NUL-separated, and the parent
 *   parses its output as it streams. The child runs beside Node's other collectors.
 * - a Node walker (fallback when find is missing, not GNU, or fails): each start directory is
 *   resolved inside the root by the target; below it, entries are lstat'ed by name with node:fs.
 *   That is confined without resolving every entry again: lstat never follows the last component,
 *   a symlink entry is skipped, and a directory entry (lstat says directory, not symlink) is a real
 *   directory of the resolved, confined parent, so its host path stays inside the root. This is the
 *   one collector that reads with node:fs directly; it only ever lstat()s and readdir()s.
 * Unowned / ungrouped are judged against the ids of the target's own /etc/passwd and /etc/group, on
 * both engines and in both modes (find gets them as `! -uid N …`; `-nouser` would ask the scanning
 * host's NSS, and costs one getpwuid() per entry: 14 s instead of 2.4 s over 520k entries).
 * The walk stops after `time_budget_ms` (or `max_entries`, Node walker only) or at `max_rows` rows;
 * the fact is then `incomplete` with the reason, so no rule can pass on a partial walk.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { Row } from '../core/types.js';
import type { Collector, CollectContext, CollectOutput } from './types.js';
import { idNames } from './files.js';

/** Filesystem types never walked on a live host. */
export const SKIPPED_FS_TYPES = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'debugfs',
  'tracefs',
  'securityfs',
  'pstore',
  'bpf',
  'autofs',
  'fusectl',
  'configfs',
  'mqueue',
  'hugetlbfs',
  'binfmt_misc',
  'nsfs',
  'efivarfs',
  'selinuxfs',
  'rpc_pipefs',
  'nfsd',
  // network filesystems: another host's files, and slow
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'ncpfs',
  'afs',
  'ceph',
  'glusterfs',
  'lustre',
  'sshfs',
]);

export function skippedFsType(type: string): boolean {
  return SKIPPED_FS_TYPES.has(type) || type.startsWith('fuse.') || type === 'fuse';
}

export type Scope = 'system' | 'all';

/** The OS tree walked by scope `system` (paths inside the target). Live, /dev/shm is added. */
export const SYSTEM_SCOPE_DIRS = [
  '/bin',
  '/boot',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/opt',
  '/sbin',
  '/srv',
  '/usr',
  '/var',
  '/tmp',
];
const LIVE_SYSTEM_EXTRA = ['/dev/shm'];
/** Offline these describe the scanning host or nothing (the target refuses them too). */
const OFFLINE_PRUNED = ['/proc', '/sys', '/dev', '/run'];

/** Decodes the octal escapes of /proc/self/mounts (`\040` for a space). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

const under = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');
const strictlyUnder = (p: string, dir: string) => p !== dir && under(p, dir);

/** Mount points of /proc/self/mounts (the last mount on a path wins), local ones and skipped ones. */
export function parseMounts(mountsText: string): { local: string[]; skipped: string[] } {
  const byPoint = new Map<string, string>();
  for (const line of mountsText.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    byPoint.set(unescapeMount(f[1]!), f[2]!);
  }
  const local: string[] = [];
  const skipped: string[] = [];
  for (const [p, t] of byPoint) {
    if (skippedFsType(t)) skipped.push(p);
    else if (!under(p, '/proc') && !under(p, '/sys')) local.push(p);
  }
  return { local: local.sort(), skipped: skipped.sort() };
}

/** Parses /proc/self/mounts into the mount points to skip and extra roots to walk (kept mounts under skipped ones). */
export function planWalk(mountsText: string): { skip: Set<string>; roots: string[] } {
  const { local, skipped } = parseMounts(mountsText);
  const skip = new Set<string>(['/proc', '/sys', ...skipped.filter((p) => p !== '/')]);
  const roots = ['/'];
  for (const p of local) if (p !== '/' && [...skip].some((s) => strictlyUnder(p, s))) roots.push(p);
  return { skip, roots: roots.sort() };
}

/**
 * What is walked: start directories (inner paths, already resolved), paths never entered nor
 * reported (`prune`: other starts below a start, offline pseudo trees), and, live, mount points of
 * skipped types, which are reported but not entered (find's -xdev does the same per start).
 */
export interface WalkPlan {
  starts: string[];
  prune: string[];
  /** Live: stay on each start's filesystem. */
  xdev: boolean;
  /** Live, Node walker: mount points that are reported but not entered. */
  noDescend: string[];
  notes: string[];
  /** A scope directory could not be resolved: part of the scope is not walked. */
  gap: boolean;
}

/** Drops a start below another start unless it is a mount point of its own (walked separately). */
function dedupeStarts(starts: string[], mounts: ReadonlySet<string>): string[] {
  const uniq = [...new Set(starts)].sort();
  return uniq.filter((t) => !uniq.some((s) => strictlyUnder(t, s)) || mounts.has(t));
}

export async function planScope(
  ctx: CollectContext,
  scope: Scope,
  mountsText: string | null,
): Promise<WalkPlan> {
  const notes: string[] = [];
  let gap = false;
  if (ctx.mode === 'live') {
    // Without the mount table: no -xdev, and /proc, /sys and /dev are left out whole (both engines).
    const known = mountsText !== null;
    const { local, skipped } = known ? parseMounts(mountsText) : { local: ['/'], skipped: [] };
    const mounts = new Set(local);
    const dirs: string[] = [];
    for (const d of [...(scope === 'system' ? SYSTEM_SCOPE_DIRS : []), ...LIVE_SYSTEM_EXTRA]) {
      // The live host is its own root: the kernel's resolution is the chroot resolution.
      const real = await fs.promises.realpath(d).catch(() => null);
      if (real === null) continue;
      const st = await ctx.target.stat(real).catch(() => null);
      if (st?.type === 'dir') dirs.push(real);
    }
    let starts =
      scope === 'all'
        ? ['/', ...local, ...(known ? [] : dirs)]
        : [...dirs, ...local.filter((m) => dirs.some((d) => strictlyUnder(m, d)))];
    starts = dedupeStarts(starts, known ? mounts : new Set(dirs));
    const prune = starts.filter((t) => starts.some((s) => strictlyUnder(t, s)));
    if (!known)
      prune.push(...['/proc', '/sys', '/dev'].filter((p) => starts.some((s) => strictlyUnder(p, s))));
    return { starts, prune, xdev: known, noDescend: skipped.filter((p) => p !== '/'), notes, gap: false };
  }
  // Offline: resolve each scope directory inside the root (chroot semantics), never outside.
  let starts: string[] = [];
  if (scope === 'all') starts = ['/'];
  else
    for (const d of SYSTEM_SCOPE_DIRS) {
      let inner: string;
      try {
        const host = await ctx.target.resolve(d);
        const root = ctx.target.root;
        if (root !== '/' && host !== root && !host.startsWith(root + '/')) {
          notes.push(`${d} resolves outside the root; not walked`);
          gap = true;
          continue;
        }
        inner = root === '/' ? host : host.slice(root.length) || '/';
      } catch {
        notes.push(`${d} cannot be resolved (symlink loop); not walked`);
        gap = true;
        continue;
      }
      if (OFFLINE_PRUNED.some((p) => under(inner, p))) {
        notes.push(`${d} resolves to ${inner}, which only exists on a running system; not walked`);
        continue;
      }
      const st = await ctx.target.stat(inner).catch(() => null);
      if (st?.type === 'dir') starts.push(inner);
    }
  starts = dedupeStarts(starts, new Set());
  const prune = OFFLINE_PRUNED.filter((p) => starts.some((s) => strictlyUnder(p, s)));
  return { starts, prune, xdev: false, noDescend: [], notes, gap };
}

const FIND_TYPES: Record<string, string> = {
  f: 'file',
  d: 'dir',
  l: 'symlink',
  c: 'char',
  b: 'block',
  p: 'fifo',
  s: 'socket',
};

export interface WalkLimits {
  maxEntries: number;
  deadline: number;
  maxRows: number;
}

export interface WalkOptions extends WalkLimits {
  scope?: Scope;
  /** `auto` (default): GNU find when the host has it, else the Node walker. */
  engine?: 'auto' | 'find' | 'node';
  /** Tests: the find binary to run instead of the probed one. */
  findBin?: string;
}

interface Names {
  users: ReadonlySet<number>;
  groups: ReadonlySet<number>;
  noUsers: boolean;
  noGroups: boolean;
}

/** Rows and bookkeeping shared by both engines. */
class Sink {
  readonly rows: Row[] = [];
  private readonly seen = new Set<string>();
  rowsCut = false;
  constructor(
    private readonly names: Names,
    private readonly maxRows: number,
    /** Offline, the root directory is wherever the image was mounted or extracted: not reported. */
    private readonly skipRoot: boolean,
  ) {}

  /** Records an entry if it is special; false once the row cap is reached. */
  add(
    path: string,
    type: string,
    mode: number,
    uid: number,
    gid: number,
    unowned?: boolean,
    ungrouped?: boolean,
  ): boolean {
    if (type === 'symlink' || (this.skipRoot && path === '/')) return true;
    const isFile = type === 'file';
    const suid = isFile && (mode & 0o4000) !== 0;
    const sgid = isFile && (mode & 0o2000) !== 0;
    const ww = (mode & 0o002) !== 0;
    const uo = unowned ?? (!this.names.noUsers && !this.names.users.has(uid));
    const ug = ungrouped ?? (!this.names.noGroups && !this.names.groups.has(gid));
    if (!(suid || sgid || ww || uo || ug)) return true;
    if (this.seen.has(path)) return true;
    if (this.rows.length >= this.maxRows) {
      this.rowsCut = true;
      return false;
    }
    this.seen.add(path);
    this.rows.push({
      path,
      type,
      mode,
      uid,
      gid,
      suid,
      sgid,
      world_writable: ww,
      sticky: (mode & 0o1000) !== 0,
      unowned: uo,
      ungrouped: ug,
    });
    return true;
  }
}

interface EngineResult {
  stopped: string;
  unreadable: number;
  firstUnreadable: string;
  other: string[];
  entries: number | null;
  sources: string[];
}

// ---------------------------------------------------------------------------------------------
// GNU find

let findProbe: Promise<string | null> | undefined;

/** The scanning host's GNU find (absolute path), or null. Probed once per process. */
export function gnuFind(): Promise<string | null> {
  findProbe ??= (async () => {
    for (const bin of ['/usr/bin/find', '/bin/find']) {
      if (!fs.existsSync(bin)) continue;
      const ok = await new Promise<boolean>((res) => {
        execFile(
          bin,
          ['--version'],
          { timeout: 3000, env: { LC_ALL: 'C' }, maxBuffer: 64 * 1024 },
          (err, stdout) => {
            res(!err && stdout.includes('GNU findutils'));
          },
        );
      });
      if (ok) return bin;
    }
    return null;
  })();
  return findProbe;
}

/** Escapes a literal path for find's -path (fnmatch) pattern. */
export function fnmatchEscape(p: string): string {
  return p.replace(/[\\*?[\]]/g, '\\$&');
}

/** `! -uid 0 ! -uid 1 …`: true when the id is none of the target's. */
function notAnyOf(flag: '-uid' | '-gid', ids: ReadonlySet<number>): string[] {
  const out: string[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) out.push('!', flag, String(id));
  return out;
}

/** The find command line (arguments only): exported for tests and docs. */
export function findArgs(hostStarts: string[], hostPrune: string[], xdev: boolean, names: Names): string[] {
  // A trailing slash on each start: the start prints as `dir/`, so a `-path dir` prune of the same
  // directory reached from an enclosing start does not prune the start itself.
  const args = ['-P', ...hostStarts.map((s) => (s.endsWith('/') ? s : s + '/'))];
  if (xdev) args.push('-xdev');
  if (hostPrune.length > 0) {
    args.push('(');
    hostPrune.forEach((p, i) => args.push(...(i > 0 ? ['-o'] : []), '-path', fnmatchEscape(p)));
    args.push(')', '-prune', '-o');
  }
  const unowned = names.noUsers ? null : notAnyOf('-uid', names.users);
  const ungrouped = names.noGroups ? null : notAnyOf('-gid', names.groups);
  args.push(...'! -type l ( -perm -0002 -o -type f ( -perm -4000 -o -perm -2000 )'.split(' '));
  if (unowned) args.push('-o', '(', ...unowned, ')');
  if (ungrouped) args.push('-o', '(', ...ungrouped, ')');
  args.push(')');
  // Two flag characters, then `mode uid gid type path` and a NUL (paths may hold newlines and tabs).
  args.push('(', ...(unowned ? ['(', ...unowned, ')', '-printf', '1', '-o'] : []), '-printf', '0', ')');
  args.push('(', ...(ungrouped ? ['(', ...ungrouped, ')', '-printf', '1', '-o'] : []), '-printf', '0', ')');
  args.push('-printf', '\t%m\t%U\t%G\t%y\t%p\\0');
  return args;
}

async function findEngine(
  bin: string,
  ctx: CollectContext,
  plan: WalkPlan,
  names: Names,
  sink: Sink,
  deadline: number,
): Promise<EngineResult | null> {
  const root = ctx.target.root;
  const host = (inner: string) => (root === '/' ? inner : inner === '/' ? root : root + inner);
  const toInner = (p: string): string => {
    let q = p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
    if (root !== '/') q = q === root ? '/' : q.startsWith(root + '/') ? q.slice(root.length) : q;
    return q;
  };
  const args = findArgs(plan.starts.map(host), plan.prune.map(host), plan.xdev, names);
  const res: EngineResult = {
    stopped: '',
    unreadable: 0,
    firstUnreadable: '',
    other: [],
    entries: null,
    sources: plan.starts.map((s) => `walk:${s}`),
  };
  if (Date.now() >= deadline) {
    res.stopped = 'the walk ran out of its time budget';
    return res;
  }
  return new Promise<EngineResult | null>((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(bin, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' },
      });
    } catch {
      resolve(null);
      return;
    }
    const { stdout, stderr } = child;
    if (!stdout || !stderr) {
      resolve(null);
      return;
    }
    let killedFor = '';
    const stop = (why: string) => {
      if (!killedFor) {
        killedFor = why;
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(
      () => {
        stop('time');
      },
      Math.max(0, deadline - Date.now()),
    );
    let pending: Buffer | null = null;
    stdout.on('data', (chunk: Buffer) => {
      if (killedFor) return;
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      for (;;) {
        const nul = buf.indexOf(0, start);
        if (nul < 0) break;
        const rec = buf.toString('utf8', start, nul);
        start = nul + 1;
        // "UG\tmode\tuid\tgid\ttype\tpath"
        const t1 = rec.indexOf('\t');
        const t2 = rec.indexOf('\t', t1 + 1);
        const t3 = rec.indexOf('\t', t2 + 1);
        const t4 = rec.indexOf('\t', t3 + 1);
        const t5 = rec.indexOf('\t', t4 + 1);
        if (t1 !== 2 || t5 < 0) continue;
        const ok = sink.add(
          toInner(rec.slice(t5 + 1)),
          FIND_TYPES[rec.slice(t4 + 1, t5)] ?? 'unknown',
          parseInt(rec.slice(t1 + 1, t2), 8),
          Number(rec.slice(t2 + 1, t3)),
          Number(rec.slice(t3 + 1, t4)),
          rec[0] === '1',
          rec[1] === '1',
        );
        if (!ok) {
          stop('rows');
          return;
        }
      }
      buf = buf.subarray(start);
      pending = buf.length > 0 ? Buffer.from(buf) : null;
      if (pending && pending.length > 1024 * 1024) stop('garbage');
    });
    let errText = '';
    stderr.on('data', (chunk: Buffer) => {
      if (errText.length < 256 * 1024) errText += chunk.toString('utf8');
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killedFor === 'time') res.stopped = `the walk ran out of its time budget`;
      else if (killedFor === 'garbage')
        res.stopped = 'find printed an unparsable record; the walk was stopped';
      else if (!killedFor && (signal !== null || (code !== 0 && code !== 1))) {
        resolve(null); // find itself failed: the Node walker takes over
        return;
      }
      // GNU find exits 1 only after printing what went wrong; a silent 1 is not GNU find.
      if (!killedFor && code === 1 && errText.trim() === '') {
        resolve(null);
        return;
      }
      for (const line of errText.split('\n')) {
        if (!line.trim()) continue;
        // Entries vanishing under a live walk are churn, not a gap.
        if (/No such file or directory$/.test(line)) continue;
        const m = /^find: '(.*)': Permission denied$/.exec(line);
        if (m) {
          res.unreadable++;
          if (!res.firstUnreadable) res.firstUnreadable = toInner(m[1]!);
        } else if (res.other.length < 3) res.other.push(root === '/' ? line : line.split(root).join(''));
      }
      resolve(res);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Node walker

const typeOfStats = (st: fs.Stats): string =>
  st.isFile()
    ? 'file'
    : st.isDirectory()
      ? 'dir'
      : st.isSymbolicLink()
        ? 'symlink'
        : st.isCharacterDevice()
          ? 'char'
          : st.isBlockDevice()
            ? 'block'
            : st.isFIFO()
              ? 'fifo'
              : st.isSocket()
                ? 'socket'
                : 'unknown';

const lstat = (p: string) =>
  new Promise<fs.Stats | null>((res) => {
    fs.lstat(p, (e, st) => {
      res(e ? null : st);
    });
  });
const readdirTyped = (p: string) =>
  new Promise<fs.Dirent[] | NodeJS.ErrnoException>((res) => {
    fs.readdir(p, { withFileTypes: true }, (e, d) => {
      res(e ?? d);
    });
  });

async function nodeEngine(
  ctx: CollectContext,
  plan: WalkPlan,
  sink: Sink,
  limits: WalkLimits,
): Promise<EngineResult> {
  const res: EngineResult = {
    stopped: '',
    unreadable: 0,
    firstUnreadable: '',
    other: [],
    entries: 0,
    sources: plan.starts.map((s) => `walk:${s}`),
  };
  const prune = new Set(plan.prune);
  const noDescend = new Set(plan.noDescend);
  const seenDirs = new Set<string>();
  let entries = 0;
  // Queue of [inner path, host path]; every host path is the resolved start or a real directory below it.
  const queue: [string, string][] = [];
  for (const s of plan.starts) {
    let hostDir: string;
    try {
      hostDir = await ctx.target.resolve(s);
    } catch {
      continue;
    }
    const st = await lstat(hostDir);
    if (!st?.isDirectory()) continue;
    seenDirs.add(`${st.dev}:${st.ino}`);
    sink.add(s, 'dir', st.mode & 0o7777, st.uid, st.gid);
    queue.push([s, hostDir]);
  }
  const join = (dir: string, name: string) => (dir === '/' ? '/' + name : dir + '/' + name);

  const visit = async (inner: string, hostDir: string): Promise<void> => {
    if (entries >= limits.maxEntries) {
      res.stopped ||= `the walk stopped at ${limits.maxEntries} entries`;
      return;
    }
    if (Date.now() > limits.deadline) {
      res.stopped ||= `the walk ran out of its time budget`;
      return;
    }
    const ents = await readdirTyped(hostDir);
    if (!Array.isArray(ents)) {
      // Vanished since it was listed (live churn) is fine; present but unreadable is a gap.
      if (ents.code !== 'ENOENT' && ents.code !== 'ENOTDIR') {
        res.unreadable++;
        res.firstUnreadable ||= inner;
      }
      return;
    }
    const todo = ents.filter((e) => !e.isSymbolicLink());
    entries += ents.length;
    const CHUNK = 64;
    for (let i = 0; i < todo.length; i += CHUNK) {
      const part = todo.slice(i, i + CHUNK);
      const stats = await Promise.all(part.map((e) => lstat(join(hostDir, e.name))));
      stats.forEach((st, j) => {
        if (!st || st.isSymbolicLink() || res.stopped) return;
        const p = join(inner, part[j]!.name);
        if (prune.has(p)) return;
        if (!sink.add(p, typeOfStats(st), st.mode & 0o7777, st.uid, st.gid)) {
          res.stopped ||= 'rows';
          return;
        }
        if (!st.isDirectory() || noDescend.has(p)) return;
        const id = `${st.dev}:${st.ino}`;
        if (seenDirs.has(id)) return;
        seenDirs.add(id);
        queue.push([p, join(hostDir, part[j]!.name)]);
      });
    }
  };

  const WORKERS = 16;
  let active = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (active < WORKERS && queue.length > 0 && !res.stopped) {
        const [inner, hostDir] = queue.pop()!;
        active++;
        void visit(inner, hostDir).finally(() => {
          active--;
          pump();
        });
      }
      if (active === 0 && (queue.length === 0 || res.stopped)) resolve();
    };
    pump();
  });
  if (res.stopped === 'rows') res.stopped = '';
  res.entries = entries;
  return res;
}

// ---------------------------------------------------------------------------------------------

export function parseScope(v: string | undefined): Scope | null {
  if (v === undefined || v === '' || v === 'system') return 'system';
  if (v === 'all') return 'all';
  return null;
}

const positive = (v: string | undefined, dflt: number) => {
  const n = Number(v ?? dflt);
  return Number.isFinite(n) && n > 0 ? n : dflt;
};

const specialFiles: Collector = {
  name: 'special_files',
  slow: true,
  description:
    "A bounded walk listing only special entries: SUID or SGID files, world-writable files and directories (with the sticky bit), entries whose uid or gid is not in the target's /etc/passwd or /etc/group. `scope: system` (default) walks the OS tree (/bin /boot /etc /lib* /opt /sbin /srv /usr /var /tmp, live also /dev/shm); `scope: all` every local filesystem. Symlinks are never followed. Incomplete when the time, entry or row bound is hit.",
  fields: {
    path: 'string',
    type: 'string',
    mode: 'mode',
    uid: 'int',
    gid: 'int',
    suid: 'bool',
    sgid: 'bool',
    world_writable: 'bool',
    sticky: 'bool',
    unowned: 'bool',
    ungrouped: 'bool',
  },
  params: {
    scope: {
      description: '"system" (default): the OS tree, not user homes; "all": every local filesystem',
      required: false,
    },
    max_entries: {
      description: 'Node walker only: stop after this many entries (default 1000000)',
      required: false,
    },
    time_budget_ms: { description: 'stop after this many milliseconds (default 10000)', required: false },
    max_rows: { description: 'stop after this many special entries (default 20000)', required: false },
  },
  async collect(ctx, args) {
    const scope = parseScope(args['scope']);
    if (scope === null)
      return {
        status: 'error',
        rows: [],
        sources: [],
        reason: `unknown scope "${args['scope'] ?? ''}": use "system" (the OS tree) or "all" (every local filesystem)`,
      };
    return walkSpecial(ctx, {
      scope,
      maxEntries: positive(args['max_entries'], 1_000_000),
      deadline: Date.now() + positive(args['time_budget_ms'], 10_000),
      maxRows: positive(args['max_rows'], 20_000),
    });
  },
};

/** The walk; exported for tests and the benchmark script. */
export async function walkSpecial(ctx: CollectContext, opts: WalkOptions): Promise<CollectOutput> {
  const scope = opts.scope ?? 'all';
  // Probed while the target's ids and mounts are read.
  const findBin =
    opts.engine === 'node'
      ? Promise.resolve(null)
      : opts.findBin !== undefined
        ? Promise.resolve(opts.findBin)
        : gnuFind();
  const idn = await idNames(ctx);
  const names: Names = {
    users: new Set(idn.users.keys()),
    groups: new Set(idn.groups.keys()),
    noUsers: idn.users.size === 0,
    noGroups: idn.groups.size === 0,
  };
  const sources: string[] = ['/etc/passwd', '/etc/group'];
  const problems: string[] = [];
  let mountsText: string | null = null;
  if (ctx.mode === 'live') {
    const m = await ctx.target.readText('/proc/self/mounts', { maxBytes: 1024 * 1024 });
    if (m.status === 'ok') {
      mountsText = m.text;
      sources.push('/proc/self/mounts');
    } else
      problems.push(
        'cannot read /proc/self/mounts: filesystems are not told apart, only /proc, /sys and /dev are left out',
      );
  }
  if (names.noUsers)
    problems.push('the target has no readable /etc/passwd: unowned files cannot be told apart');
  if (names.noGroups)
    problems.push('the target has no readable /etc/group: ungrouped files cannot be told apart');
  const plan = await planScope(ctx, scope, mountsText);
  problems.push(...plan.notes);

  let sink = new Sink(names, opts.maxRows, ctx.mode !== 'live');
  let result: EngineResult | null = null;
  let engine = 'node';
  // Very long id lists would make a long command line; the Node walker needs none.
  const tooManyIds = names.users.size + names.groups.size > 20_000;
  if (opts.engine !== 'node' && !tooManyIds) {
    const bin = await findBin;
    if (bin) {
      result = await findEngine(bin, ctx, plan, names, sink, opts.deadline);
      engine = 'find';
    }
    if (!result && opts.engine === 'find')
      return { status: 'error', rows: [], sources, reason: 'GNU find is not usable on the scanning host' };
    if (!result) sink = new Sink(names, opts.maxRows, ctx.mode !== 'live'); // find failed part-way: start over
  }
  if (!result) {
    engine = 'node';
    result = await nodeEngine(ctx, plan, sink, opts);
  }

  const rows = sink.rows.sort((a, b) => (String(a['path']) < String(b['path']) ? -1 : 1));
  if (result.unreadable > 0)
    problems.push(`${result.unreadable} directories could not be read (first: ${result.firstUnreadable})`);
  if (result.other.length > 0) problems.push(`find reported: ${result.other.join(' | ')}`);
  if (sink.rowsCut) problems.push(`more than ${opts.maxRows} special entries; the list was cut`);
  if (result.stopped) problems.push(result.stopped);
  const incomplete =
    result.stopped !== '' ||
    sink.rowsCut ||
    result.unreadable > 0 ||
    result.other.length > 0 ||
    plan.gap ||
    names.noUsers ||
    names.noGroups;
  const out: CollectOutput = {
    status: incomplete ? 'incomplete' : 'complete',
    rows,
    sources: [...sources, `scope:${scope}`, `engine:${engine}`, ...result.sources],
  };
  if (problems.length > 0)
    out.reason =
      problems.join('; ') + (result.entries !== null ? ` (${result.entries} entries examined)` : '');
  return out;
}

export const collectors: Collector[] = [specialFiles];
