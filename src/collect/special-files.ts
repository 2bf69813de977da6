/**
 * Special files: a bounded walk of the whole target for SUID / SGID files, world-writable files
 * and directories (with their sticky bit), and files whose owner or group is not in the target's
 * own /etc/passwd and /etc/group.
 *
 * What is walked:
 * - offline: the whole root; the target itself refuses /proc, /sys, /dev and /run.
 * - live: `/`, minus the mounts listed in /proc/self/mounts whose type is a pseudo / virtual
 *   filesystem (proc, sysfs, devtmpfs, cgroup, …) or a network / FUSE filesystem (nfs, cifs,
 *   sshfs, fuse.*). tmpfs is walked on purpose: /tmp, /dev/shm and /run/lock are where world-writable
 *   directories without the sticky bit do harm. A kept mount below a skipped one (/dev/shm below
 *   devtmpfs /dev) is walked as a root of its own; nothing below /proc or /sys is.
 * Symlinks are never followed and not reported (their own mode is always 0777).
 * The walk stops at `max_entries` entries or after `time_budget_ms`; the fact is then
 * `incomplete` with the reason, so no rule can pass on a partial walk.
 */
import type { Row } from '../core/types.js';
import type { DirEntry, FileInfo } from '../targets/target.js';
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

/** Decodes the octal escapes of /proc/self/mounts (`\040` for a space). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses /proc/self/mounts into the mount points to skip and extra roots to walk (kept mounts under skipped ones). */
export function planWalk(mountsText: string): { skip: Set<string>; roots: string[] } {
  const mounts: { point: string; type: string }[] = [];
  for (const line of mountsText.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    mounts.push({ point: unescapeMount(f[1]!), type: f[2]! });
  }
  // The last mount on a path wins (it hides the earlier ones).
  const byPoint = new Map<string, string>();
  for (const m of mounts) byPoint.set(m.point, m.type);
  const skip = new Set<string>(['/proc', '/sys']);
  for (const [p, t] of byPoint) if (skippedFsType(t) && p !== '/') skip.add(p);
  const under = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');
  const roots = ['/'];
  for (const [p, t] of byPoint) {
    if (p === '/' || skippedFsType(t)) continue;
    if (under(p, '/proc') || under(p, '/sys')) continue;
    const hidden = [...skip].some((s) => s !== p && under(p, s));
    if (hidden) roots.push(p);
  }
  return { skip, roots: roots.sort() };
}

/**
 * A target may offer a bulk listing: the directory resolved once inside the root, each entry
 * lstat'ed by name (never followed). Per-entry `stat` resolves the parent again for every entry,
 * which dominates a whole-disk walk; use the bulk form when the target has it.
 */
type BulkLister = (dir: string) => Promise<(FileInfo | null)[] | null>;
function bulkLister(ctx: CollectContext): BulkLister | undefined {
  const t = ctx.target as unknown as { readdirStat?: BulkLister };
  return typeof t.readdirStat === 'function' ? t.readdirStat.bind(ctx.target) : undefined;
}

const join = (dir: string, name: string) => (dir === '/' ? '/' + name : dir + '/' + name);

export interface WalkLimits {
  maxEntries: number;
  deadline: number;
  maxRows: number;
}

const specialFiles: Collector = {
  name: 'special_files',
  description:
    'A bounded walk of the whole target (pseudo, virtual and network filesystems skipped; symlinks never followed) listing only special entries: SUID or SGID files, world-writable files and directories (with the sticky bit), entries whose uid or gid is not in the target\'s /etc/passwd or /etc/group. Incomplete when the entry or time bound is hit.',
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
    max_entries: { description: 'stop after this many entries (default 1000000)', required: false },
    time_budget_ms: { description: 'stop after this many milliseconds (default 10000)', required: false },
  },
  async collect(ctx, args) {
    const maxEntries = Number(args['max_entries'] ?? 1_000_000);
    const budget = Number(args['time_budget_ms'] ?? 10_000);
    return walkSpecial(ctx, {
      maxEntries: Number.isFinite(maxEntries) && maxEntries > 0 ? maxEntries : 1_000_000,
      deadline: Date.now() + (Number.isFinite(budget) && budget > 0 ? budget : 10_000),
      maxRows: 20_000,
    });
  },
};

/** Bounded concurrent walk; exported for the benchmark script. */
export async function walkSpecial(ctx: CollectContext, limits: WalkLimits): Promise<CollectOutput> {
  const names = await idNames(ctx);
  const sources: string[] = ['/etc/passwd', '/etc/group'];
  const problems: string[] = [];
  let skip = new Set<string>();
  let roots = ['/'];
  if (ctx.mode === 'live') {
    const m = await ctx.target.readText('/proc/self/mounts', { maxBytes: 1024 * 1024 });
    if (m.status === 'ok') {
      ({ skip, roots } = planWalk(m.text));
      sources.push('/proc/self/mounts');
    } else {
      skip = new Set(['/proc', '/sys', '/dev']);
      problems.push('cannot read /proc/self/mounts; only /proc, /sys and /dev are skipped');
    }
  }
  const noUsers = names.users.size === 0;
  const noGroups = names.groups.size === 0;
  if (noUsers) problems.push('the target has no readable /etc/passwd: unowned files cannot be told apart');
  if (noGroups) problems.push('the target has no readable /etc/group: ungrouped files cannot be told apart');

  const rows: Row[] = [];
  let entries = 0;
  let unreadable = 0;
  let firstUnreadable = '';
  let stopped = '';
  let rowsCut = false;
  const seenDirs = new Set<string>();
  const queue: string[] = [...roots];

  const record = (info: FileInfo) => {
    const mode = info.mode;
    const isFile = info.type === 'file';
    const suid = isFile && (mode & 0o4000) !== 0;
    const sgid = isFile && (mode & 0o2000) !== 0;
    const ww = (mode & 0o002) !== 0 && info.type !== 'symlink';
    const unowned = !noUsers && !names.users.has(info.uid);
    const ungrouped = !noGroups && !names.groups.has(info.gid);
    if (!(suid || sgid || ww || unowned || ungrouped)) return;
    if (rows.length >= limits.maxRows) {
      rowsCut = true;
      return;
    }
    rows.push({
      path: info.path,
      type: info.type,
      mode,
      uid: info.uid,
      gid: info.gid,
      suid,
      sgid,
      world_writable: ww,
      sticky: (mode & 0o1000) !== 0,
      unowned,
      ungrouped,
    });
  };

  const statSafe = async (p: string): Promise<FileInfo | null> => {
    try {
      return await ctx.target.stat(p, { follow: false });
    } catch {
      return null;
    }
  };

  const bulk = bulkLister(ctx);
  const visit = async (dir: string): Promise<void> => {
    if (stopped) return;
    if (entries >= limits.maxEntries) {
      stopped = `the walk stopped at ${limits.maxEntries} entries`;
      return;
    }
    if (Date.now() > limits.deadline) {
      stopped = `the walk ran out of its time budget after ${entries} entries`;
      return;
    }
    let infos: (FileInfo | null)[] | null;
    if (bulk) {
      infos = await bulk(dir).catch(() => null);
      if (infos) entries += infos.length;
    } else {
      let ents: DirEntry[] | null;
      try {
        ents = await ctx.target.readdir(dir);
      } catch {
        ents = null;
      }
      infos = null;
      if (ents) {
        infos = [];
        const todo = ents.filter((e) => e.type !== 'symlink');
        const CHUNK = 64;
        for (let i = 0; i < todo.length; i += CHUNK) {
          const part = todo.slice(i, i + CHUNK);
          entries += part.length;
          infos.push(...(await Promise.all(part.map((e) => statSafe(join(dir, e.name))))));
        }
      }
    }
    if (!infos) {
      // Vanished since it was listed (live churn) is fine; present but unreadable is a gap.
      if (await statSafe(dir)) {
        unreadable++;
        if (!firstUnreadable) firstUnreadable = dir;
      }
      return;
    }
    for (const info of infos) {
      if (!info || info.type === 'symlink') continue;
      record(info);
      if (info.type === 'dir') {
        const p = info.path;
        if (skip.has(p)) continue;
        const id = `${info.dev}:${info.ino}`;
        if (seenDirs.has(id)) continue;
        seenDirs.add(id);
        queue.push(p);
      }
    }
  };

  // Roots themselves are recorded too (a world-writable /tmp mount point, say).
  for (const r of roots) {
    const info = await statSafe(r);
    if (info && info.type === 'dir') {
      seenDirs.add(`${info.dev}:${info.ino}`);
      if (r !== '/') record(info);
    }
  }

  const WORKERS = 16;
  let active = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (active < WORKERS && queue.length > 0 && !stopped) {
        const dir = queue.pop()!;
        active++;
        void visit(dir).finally(() => {
          active--;
          pump();
        });
      }
      if (active === 0 && (queue.length === 0 || stopped)) resolve();
    };
    pump();
  });

  rows.sort((a, b) => (String(a['path']) < String(b['path']) ? -1 : 1));
  if (unreadable > 0) problems.push(`${unreadable} directories could not be read (first: ${firstUnreadable})`);
  if (rowsCut) problems.push(`more than ${limits.maxRows} special entries; the list was cut`);
  if (stopped) problems.push(stopped);
  const incomplete = stopped !== '' || rowsCut || unreadable > 0 || noUsers || noGroups;
  const out = { status: incomplete ? ('incomplete' as const) : ('complete' as const), rows, sources: [...sources, ...roots.map((r) => `walk:${r}`)] };
  return problems.length > 0 ? { ...out, reason: `${problems.join('; ')} (${entries} entries examined)` } : out;
}

export const collectors: Collector[] = [specialFiles];
