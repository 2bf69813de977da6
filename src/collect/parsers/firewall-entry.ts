/** The shape every firewall parser returns; the collector adds source, origin and path. */
export interface FirewallEntry {
  /** 'chain' (a chain / zone with its policy), 'rule', or 'manager' (a front-end's own on/off setting). */
  kind: 'chain' | 'rule' | 'manager';
  family: string | null;
  table: string | null;
  chain: string | null;
  /** nftables chain type (filter, nat, route); iptables: the table of a built-in chain. */
  chainType: string | null;
  /** Netfilter hook of the chain (input, output, forward, prerouting, postrouting, ingress). */
  hook: string | null;
  /** Default verdict of a base chain, lower case (accept, drop, reject); null for other chains and rules. */
  policy: string | null;
  rule: string | null;
  /** On chain rows: the text of the chain's last rule (an explicit final drop shows here). */
  lastRule: string | null;
  /** On manager rows: whether the front-end is switched on in its own configuration. */
  enabled: boolean | null;
  line: number;
}

export function entry(e: Partial<FirewallEntry> & Pick<FirewallEntry, 'kind' | 'line'>): FirewallEntry {
  return {
    family: null,
    table: null,
    chain: null,
    chainType: null,
    hook: null,
    policy: null,
    rule: null,
    lastRule: null,
    enabled: null,
    ...e,
  };
}

/** Fills lastRule on chain rows and the chain's hook / type on its rule rows. */
export function linkChains(entries: FirewallEntry[]): FirewallEntry[] {
  const key = (e: FirewallEntry) => `${e.family ?? ''}\u0000${e.table ?? ''}\u0000${e.chain ?? ''}`;
  const chains = new Map<string, FirewallEntry>();
  for (const e of entries) if (e.kind === 'chain') chains.set(key(e), e);
  for (const e of entries) {
    if (e.kind !== 'rule') continue;
    const c = chains.get(key(e));
    if (!c) continue;
    c.lastRule = e.rule;
    if (e.hook === null) e.hook = c.hook;
    if (e.chainType === null) e.chainType = c.chainType;
  }
  return entries;
}
