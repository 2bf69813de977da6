/**
 * Network facts of a running system: sockets (from /proc/net, joined to their processes through
 * /proc/<pid>/fd) and network interfaces (/sys/class/net). Both are live-only: an offline root
 * has no sockets and no interfaces, and the scanning host's must never stand in for them.
 */
import { endianness } from 'node:os';
import type { Row } from '../core/types.js';
import type { Collector, CollectContext } from './types.js';
import { parseProcNet, socketInode, type ProcNetSocket, type SocketProto } from './parsers/proc-net.js';
import { firewall } from './firewall.js';

const PROTOS: SocketProto[] = ['tcp', 'tcp6', 'udp', 'udp6'];
/** Bounds of the inode → process join: a host with many processes or fds stays fast. */
const MAX_FDS = 50_000;
const JOIN_BUDGET_MS = 3_000;
const PID_CONCURRENCY = 16;

interface Owner {
  pid: number;
  process: string | null;
}

/** Maps socket inodes to the first process holding them, reading /proc/<pid>/fd link texts. */
async function socketOwners(
  ctx: CollectContext,
  wanted: ReadonlySet<number>,
): Promise<{ owners: Map<number, Owner>; note?: string }> {
  const owners = new Map<number, Owner>();
  const procs = await ctx.target.readdir('/proc');
  if (!procs) return { owners, note: 'cannot list /proc; sockets are not joined to processes' };
  const pids = procs.filter((e) => /^\d+$/.test(e.name)).map((e) => Number(e.name));
  const deadline = Date.now() + JOIN_BUDGET_MS;
  let fds = 0;
  let cut = '';
  let denied = 0;
  const queue = [...pids];
  const worker = async () => {
    for (;;) {
      if (owners.size >= wanted.size) return;
      const pid = queue.shift();
      if (pid === undefined) return;
      if (fds >= MAX_FDS || Date.now() > deadline) {
        cut = fds >= MAX_FDS ? `stopped after ${MAX_FDS} file descriptors` : 'stopped at the time budget';
        return;
      }
      // A process that exits mid-read simply yields nothing.
      const ents = await ctx.target.readdir(`/proc/${pid}/fd`).catch(() => null);
      if (!ents) {
        denied++;
        continue;
      }
      let found: number[] = [];
      for (const e of ents) {
        fds++;
        const info = await ctx.target.stat(`/proc/${pid}/fd/${e.name}`, { follow: false }).catch(() => null);
        const ino = info?.target !== undefined ? socketInode(info.target) : undefined;
        if (ino !== undefined && wanted.has(ino) && !owners.has(ino)) found.push(ino);
      }
      if (found.length === 0) continue;
      const comm = await ctx.target.readText(`/proc/${pid}/comm`, { maxBytes: 256 });
      const name = comm.status === 'ok' ? comm.text.trim() || null : null;
      for (const ino of found) if (!owners.has(ino)) owners.set(ino, { pid, process: name });
      found = [];
    }
  };
  await Promise.all(Array.from({ length: PID_CONCURRENCY }, worker));
  const notes: string[] = [];
  if (cut) notes.push(`process join ${cut}`);
  if (denied > 0 && owners.size < wanted.size)
    notes.push(`${denied} processes' descriptors could not be read`);
  return notes.length > 0 ? { owners, note: notes.join('; ') } : { owners };
}

const sockets: Collector = {
  name: 'sockets',
  description:
    'TCP and UDP sockets of the running system from /proc/net/{tcp,tcp6,udp,udp6}: local address and port, state (listen, established, unconn …), whether it accepts connections or datagrams (listening), owner uid, and the process holding it (from /proc/<pid>/fd). Live only.',
  fields: {
    proto: 'string',
    local: 'ip',
    port: 'int',
    state: 'string',
    listening: 'bool',
    uid: 'int',
    inode: 'int',
    pid: 'int',
    process: 'string',
  },
  liveOnly: true,
  async collect(ctx) {
    const le = endianness() === 'LE';
    const all: ProcNetSocket[] = [];
    const sources: string[] = [];
    const problems: string[] = [];
    for (const proto of PROTOS) {
      const p = `/proc/net/${proto}`;
      const r = await ctx.target.readText(p);
      if (r.status === 'absent') continue; // e.g. IPv6 disabled: no tcp6 table
      if (r.status !== 'ok') {
        problems.push(`${p}: ${r.reason}`);
        continue;
      }
      sources.push(p);
      all.push(...parseProcNet(r.text, proto, le));
    }
    if (sources.length === 0)
      return {
        status: 'error',
        rows: [],
        sources,
        reason: problems.join('; ') || 'no /proc/net socket table could be read',
      };
    const wanted = new Set(all.map((s) => s.inode).filter((i) => i > 0));
    const { owners, note } = await socketOwners(ctx, wanted);
    const rows: Row[] = all.map((s) => {
      const o = owners.get(s.inode);
      return {
        proto: s.proto,
        local: s.local,
        port: s.port,
        state: s.state,
        listening: s.listening,
        uid: s.uid,
        inode: s.inode,
        pid: o?.pid ?? null,
        process: o?.process ?? null,
      };
    });
    if (note) sources.push('/proc/*/fd');
    const reasons = [...problems, ...(note ? [note] : [])];
    // A socket table that could not be read is a gap; a partial process join only loses labels.
    const out = {
      status: problems.length > 0 ? ('incomplete' as const) : ('complete' as const),
      rows,
      sources,
    };
    return reasons.length > 0 ? { ...out, reason: reasons.join('; ') } : out;
  },
};

const interfaces: Collector = {
  name: 'interfaces',
  description:
    'Network interfaces of the running system from /sys/class/net: name, whether it is wireless (wireless/ or phy80211), operational state and MAC address. Live only.',
  fields: { name: 'string', wireless: 'bool', operstate: 'string', mac: 'string' },
  liveOnly: true,
  async collect(ctx) {
    const ents = await ctx.target.readdir('/sys/class/net');
    if (!ents) return { status: 'error', rows: [], sources: [], reason: 'cannot list /sys/class/net' };
    const rows: Row[] = [];
    for (const e of ents) {
      const base = `/sys/class/net/${e.name}`;
      const has = async (p: string) =>
        (await ctx.target.stat(p, { follow: false }).catch(() => null)) !== null;
      const first = async (p: string) => {
        const r = await ctx.target.readText(p, { maxBytes: 256 });
        return r.status === 'ok' ? r.text.trim() || null : null;
      };
      const wireless = (await has(`${base}/wireless`)) || (await has(`${base}/phy80211`));
      rows.push({
        name: e.name,
        wireless,
        operstate: await first(`${base}/operstate`),
        mac: await first(`${base}/address`),
      });
    }
    return { status: 'complete', rows, sources: ['/sys/class/net'] };
  },
};

export const collectors: Collector[] = [sockets, interfaces, firewall];
