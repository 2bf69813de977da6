/** System identity: OS release, hostname, machine id, kernel. */
import type { Collector } from './types.js';

/** Parses os-release (KEY=value, optionally quoted with shell-style escapes). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))
      v = v.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

const osFact: Collector = {
  name: 'os',
  description:
    'Operating system identity from /etc/os-release (or /usr/lib/os-release), hostname, machine-id, and the running kernel when live.',
  fields: {
    id: 'string',
    id_like: 'string',
    version_id: 'string',
    pretty_name: 'string',
    hostname: 'string',
    machine_id: 'string',
    kernel: 'string',
    family: 'string',
  },
  async collect(ctx) {
    const sources: string[] = [];
    let rel: Record<string, string> | undefined;
    for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
      const r = await ctx.target.readText(p, { maxBytes: 64 * 1024 });
      if (r.status === 'ok' && !r.binary) {
        rel = parseOsRelease(r.text);
        sources.push(p);
        break;
      }
    }
    const first = async (p: string) => {
      const r = await ctx.target.readText(p, { maxBytes: 4096 });
      if (r.status !== 'ok' || r.binary) return null;
      sources.push(p);
      return r.text.split('\n')[0]!.trim() || null;
    };
    const hostname = await first('/etc/hostname');
    const machineId = await first('/etc/machine-id');
    const kernel = ctx.mode === 'live' ? await first('/proc/sys/kernel/osrelease') : null;
    const id = rel?.['ID'] ?? null;
    const like = rel?.['ID_LIKE'] ?? '';
    const words = [id ?? '', ...like.split(/\s+/)];
    const family = words.some((w) => ['rhel', 'fedora', 'centos'].includes(w))
      ? 'rhel'
      : words.some((w) => ['debian', 'ubuntu'].includes(w))
        ? 'debian'
        : id;
    if (!rel)
      return {
        status: 'absent',
        rows: [
          {
            id: null,
            id_like: null,
            version_id: null,
            pretty_name: null,
            hostname,
            machine_id: machineId,
            kernel,
            family: null,
          },
        ],
        sources,
        reason: 'no os-release file',
      };
    return {
      status: 'complete',
      rows: [
        {
          id,
          id_like: like || null,
          version_id: rel['VERSION_ID'] ?? null,
          pretty_name: rel['PRETTY_NAME'] ?? null,
          hostname,
          machine_id: machineId,
          kernel,
          family,
        },
      ],
      sources,
    };
  },
};

export const collectors: Collector[] = [osFact];
