/**
 * Host firewall, from configuration (offline and live) and, on a running system, from the kernel's
 * current ruleset. Sources: nftables (/etc/nftables.conf, /etc/sysconfig/nftables.conf and their
 * includes), iptables-persistent (/etc/iptables/rules.v4|v6), RHEL iptables-services
 * (/etc/sysconfig/iptables, ip6tables), ufw (ufw.conf, /etc/default/ufw, its *.rules files) and
 * firewalld (firewalld.conf, zone XML). Live, the host's own /usr/sbin/nft and iptables-save are run
 * (no shell, 5 s timeout) — these are the scanning host's binaries reading the scanned host's
 * kernel, which is the same machine in live mode; offline nothing is executed.
 */
import { execFile } from 'node:child_process';
import type { Row } from '../core/types.js';
import type { Collector, CollectContext } from './types.js';
import type { FirewallEntry } from './parsers/firewall-entry.js';
import { parseNftables } from './parsers/nftables.js';
import { parseIptablesSave } from './parsers/iptables.js';
import { parseUfwConf, parseUfwDefaults, ufwHook } from './parsers/ufw.js';
import { parseFirewalldConf, parseFirewalldZone } from './parsers/firewalld.js';

type Source = 'nftables' | 'iptables' | 'ip6tables' | 'ufw' | 'firewalld';

const MAX_INCLUDE_DEPTH = 16;

function toRow(e: FirewallEntry, source: Source, origin: 'config' | 'live', path: string | null): Row {
  return {
    source,
    origin,
    kind: e.kind,
    family: e.family,
    table: e.table,
    chain: e.chain,
    chain_type: e.chainType,
    hook: e.hook,
    policy: e.policy,
    rule: e.rule,
    last_rule: e.lastRule,
    enabled: e.enabled,
    path,
    line: path === null ? null : e.line,
  };
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';

interface Acc {
  rows: Row[];
  sources: string[];
  problems: string[];
}

/** Reads a config file; absent → undefined silently; unreadable / binary → a problem. */
async function read(ctx: CollectContext, p: string, acc: Acc): Promise<string | undefined> {
  const r = await ctx.target.readText(p);
  if (r.status === 'absent') return undefined;
  if (r.status !== 'ok') {
    acc.problems.push(r.reason);
    return undefined;
  }
  if (r.binary) {
    acc.problems.push(`${p} is binary, not a firewall configuration`);
    return undefined;
  }
  if (r.truncated) acc.problems.push(`${p} is larger than the read cap; only its beginning was read`);
  acc.sources.push(p);
  return r.text;
}

async function nftFile(
  ctx: CollectContext,
  p: string,
  acc: Acc,
  seen: Set<string>,
  depth: number,
): Promise<void> {
  if (seen.has(p)) return;
  seen.add(p);
  const text = await read(ctx, p, acc);
  if (text === undefined) return;
  const parsed = parseNftables(text);
  for (const e of parsed.entries) acc.rows.push(toRow(e, 'nftables', 'config', p));
  for (const inc of parsed.includes) {
    if (depth >= MAX_INCLUDE_DEPTH) {
      acc.problems.push(`${p}:${inc.line}: includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
      continue;
    }
    // nft looks a relative include up beside the including file, then in /etc.
    const candidates = inc.path.startsWith('/')
      ? [inc.path]
      : [`${dirOf(p)}/${inc.path}`, `/etc/${inc.path}`];
    let matched = false;
    for (const c of candidates) {
      const files = /[*?[]/.test(c)
        ? await ctx.target.glob(c)
        : (await ctx.target.stat(c, { follow: true }).catch(() => null))
          ? [c]
          : [];
      for (const f of files)
        await nftFile(ctx, f, acc, seen, depth + 1).catch((e: unknown) =>
          acc.problems.push(`${f}: ${String(e)}`),
        );
      if (files.length > 0) {
        matched = true;
        break;
      }
    }
    if (!matched && !/[*?[]/.test(inc.path))
      acc.problems.push(`${p}:${inc.line}: include "${inc.path}" not found`);
  }
}

async function iptFile(
  ctx: CollectContext,
  p: string,
  family: 'ip' | 'ip6',
  source: Source,
  acc: Acc,
  rulesOnly = false,
): Promise<void> {
  const text = await read(ctx, p, acc);
  if (text === undefined) return;
  const opts = source === 'ufw' ? { family, hookOf: ufwHook } : { family };
  for (const e of parseIptablesSave(text, opts))
    if (!rulesOnly || e.kind === 'rule') acc.rows.push(toRow(e, source, 'config', p));
}

async function ufw(ctx: CollectContext, acc: Acc): Promise<void> {
  const conf = await read(ctx, '/etc/ufw/ufw.conf', acc);
  if (conf === undefined) return;
  acc.rows.push(toRow(parseUfwConf(conf), 'ufw', 'config', '/etc/ufw/ufw.conf'));
  const defaults = await read(ctx, '/etc/default/ufw', acc);
  for (const e of parseUfwDefaults(defaults ?? ''))
    acc.rows.push(toRow(e, 'ufw', 'config', defaults === undefined ? null : '/etc/default/ufw'));
  for (const f of ['before', 'user', 'after']) {
    await iptFile(ctx, `/etc/ufw/${f}.rules`, 'ip', 'ufw', acc, true);
    await iptFile(ctx, `/etc/ufw/${f}6.rules`, 'ip6', 'ufw', acc, true);
  }
}

async function firewalld(ctx: CollectContext, acc: Acc): Promise<void> {
  const confPath = '/etc/firewalld/firewalld.conf';
  const conf = await read(ctx, confPath, acc);
  const zoneFiles = new Map<string, string>();
  for (const dir of ['/usr/lib/firewalld/zones', '/etc/firewalld/zones'])
    for (const f of await ctx.target.glob(`${dir}/*.xml`))
      zoneFiles.set(f.slice(f.lastIndexOf('/') + 1, -4), f); // /etc overrides /usr/lib
  if (conf === undefined && zoneFiles.size === 0) return;
  const { defaultZone, line } = parseFirewalldConf(conf ?? '');
  acc.rows.push({
    ...toRow(
      {
        kind: 'manager',
        family: null,
        table: null,
        chain: defaultZone,
        chainType: null,
        hook: null,
        policy: null,
        rule: null,
        lastRule: null,
        enabled: null,
        line,
      },
      'firewalld',
      'config',
      conf === undefined ? null : confPath,
    ),
  });
  for (const [name, f] of [...zoneFiles].sort()) {
    const text = await read(ctx, f, acc);
    if (text === undefined) continue;
    const entries = parseFirewalldZone(text, name, name === defaultZone);
    if (!entries) {
      acc.problems.push(`${f} is not a firewalld zone file`);
      continue;
    }
    for (const e of entries) acc.rows.push(toRow(e, 'firewalld', 'config', f));
  }
}

function run(file: string, args: string[]): Promise<{ ok: true; out: string } | { ok: false; why: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: 5000,
        maxBuffer: 16 * 1024 * 1024,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
      },
      (err, stdout, stderr) => {
        if (err)
          resolve({
            ok: false,
            why: `${file} ${args.join(' ')}: ${(stderr || err.message).trim().split('\n')[0] ?? ''}`,
          });
        else resolve({ ok: true, out: stdout });
      },
    );
  });
}

async function firstExisting(ctx: CollectContext, paths: string[]): Promise<string | undefined> {
  for (const p of paths) {
    const st = await ctx.target.stat(p, { follow: true }).catch(() => null);
    if (st?.type === 'file' && (st.mode & 0o111) !== 0) return p;
  }
  return undefined;
}

async function live(ctx: CollectContext, acc: Acc, notes: string[]): Promise<void> {
  const nft = await firstExisting(ctx, ['/usr/sbin/nft', '/sbin/nft']);
  if (nft) {
    const r = await run(nft, ['list', 'ruleset']);
    if (r.ok) {
      acc.sources.push(`${nft} list ruleset`);
      for (const e of parseNftables(r.out).entries) acc.rows.push(toRow(e, 'nftables', 'live', null));
    } else notes.push(r.why);
  }
  for (const [bin, family, source] of [
    ['iptables-save', 'ip', 'iptables'],
    ['ip6tables-save', 'ip6', 'ip6tables'],
  ] as const) {
    const exe = await firstExisting(ctx, [`/usr/sbin/${bin}`, `/sbin/${bin}`]);
    if (!exe) continue;
    const r = await run(exe, []);
    if (r.ok) {
      acc.sources.push(exe);
      for (const e of parseIptablesSave(r.out, { family, hookOf: ufwHook }))
        acc.rows.push(toRow(e, source, 'live', null));
    } else notes.push(r.why);
  }
}

export const firewall: Collector = {
  name: 'firewall',
  description:
    'Host firewall chains and rules from nftables, iptables / ip6tables (iptables-persistent, iptables-services), ufw and firewalld configuration, and live from `nft list ruleset` / `iptables-save` on a running system. kind: chain (with hook, policy and last rule), rule, or manager (ufw ENABLED, firewalld DefaultZone in `chain`). firewalld zones are chains of table `zone`; the default zone carries hook input and its target as policy (`default` = reject).',
  fields: {
    source: 'string',
    origin: 'string',
    kind: 'string',
    family: 'string',
    table: 'string',
    chain: 'string',
    chain_type: 'string',
    hook: 'string',
    policy: 'string',
    rule: 'string',
    last_rule: 'string',
    enabled: 'bool',
    path: 'string',
    line: 'int',
  },
  async collect(ctx) {
    const acc: Acc = { rows: [], sources: [], problems: [] };
    const notes: string[] = [];
    const seen = new Set<string>();
    for (const p of ['/etc/nftables.conf', '/etc/sysconfig/nftables.conf'])
      await nftFile(ctx, p, acc, seen, 0);
    await iptFile(ctx, '/etc/iptables/rules.v4', 'ip', 'iptables', acc);
    await iptFile(ctx, '/etc/iptables/rules.v6', 'ip6', 'ip6tables', acc);
    await iptFile(ctx, '/etc/sysconfig/iptables', 'ip', 'iptables', acc);
    await iptFile(ctx, '/etc/sysconfig/ip6tables', 'ip6', 'ip6tables', acc);
    await ufw(ctx, acc);
    await firewalld(ctx, acc);
    if (ctx.mode === 'live') await live(ctx, acc, notes);
    const reasons = [...acc.problems, ...notes.map((n) => `live ruleset not read: ${n}`)];
    if (acc.sources.length === 0 && acc.problems.length === 0)
      return reasons.length > 0
        ? { status: 'absent', rows: [], sources: [], reason: reasons.join('; ') }
        : { status: 'absent', rows: [], sources: [] };
    const out = {
      status: acc.problems.length > 0 ? ('incomplete' as const) : ('complete' as const),
      rows: acc.rows,
      sources: acc.sources,
    };
    return reasons.length > 0 ? { ...out, reason: reasons.join('; ') } : out;
  },
};
