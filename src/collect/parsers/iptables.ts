/**
 * iptables-save format (/etc/iptables/rules.v4, /etc/sysconfig/iptables, ufw's *.rules files,
 * or `iptables-save` output). Pure.
 *   *filter
 *   :INPUT DROP [0:0]
 *   -A INPUT -i lo -j ACCEPT
 *   COMMIT
 */
import { entry, linkChains, type FirewallEntry } from './firewall-entry.js';

const BUILTIN = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);

export interface IptablesOptions {
  /** 'ip' for rules.v4 / iptables-save, 'ip6' for rules.v6 / ip6tables-save. */
  family: 'ip' | 'ip6';
  /** Hook for a user-defined chain (ufw's ufw-before-input feeds INPUT). */
  hookOf?: (chain: string) => string | null;
}

export function parseIptablesSave(text: string, opts: IptablesOptions): FirewallEntry[] {
  const out: FirewallEntry[] = [];
  let table = 'filter';
  const hookFor = (chain: string) =>
    BUILTIN.has(chain) ? chain.toLowerCase() : (opts.hookOf?.(chain) ?? null);
  const typeFor = (chain: string) => (BUILTIN.has(chain) ? table : opts.hookOf?.(chain) ? 'filter' : null);
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    const n = i + 1;
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('*')) {
      table = line.slice(1).trim() || 'filter';
      return;
    }
    if (line === 'COMMIT') return;
    const decl = /^:(\S+)\s+(\S+)/.exec(line);
    if (decl) {
      const chain = decl[1]!;
      const policy = decl[2] === '-' ? null : decl[2]!.toLowerCase();
      out.push(
        entry({
          kind: 'chain',
          family: opts.family,
          table,
          chain,
          chainType: typeFor(chain),
          hook: hookFor(chain),
          policy,
          line: n,
        }),
      );
      return;
    }
    const rule = /^-(A|I|-append|-insert)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (rule) {
      const chain = rule[2]!;
      let body = (rule[3] ?? '').trim();
      // `-I CHAIN 3 …` carries a position
      if (rule[1] === 'I' || rule[1] === '-insert') body = body.replace(/^\d+\s+/, '');
      out.push(
        entry({
          kind: 'rule',
          family: opts.family,
          table,
          chain,
          chainType: typeFor(chain),
          hook: hookFor(chain),
          rule: body,
          line: n,
        }),
      );
    }
  });
  return linkChains(out);
}
