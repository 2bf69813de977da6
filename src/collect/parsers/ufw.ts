/** ufw's own settings: /etc/ufw/ufw.conf (ENABLED=) and /etc/default/ufw (DEFAULT_*_POLICY). Pure. */
import { entry, type FirewallEntry } from './firewall-entry.js';

/** Shell-style KEY=value lines; the last assignment of a key wins; quotes removed. */
export function parseShellVars(text: string): Map<string, { value: string; line: number }> {
  const out = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, i) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw.replace(/\r$/, ''));
    if (!m) return;
    let v = m[2]!.trim();
    if (/^"[^"]*"/.test(v)) v = /^"([^"]*)"/.exec(v)![1]!;
    else if (/^'[^']*'/.test(v)) v = /^'([^']*)'/.exec(v)![1]!;
    else v = v.replace(/\s+#.*$/, '').trim();
    out.set(m[1]!, { value: v, line: i + 1 });
  });
  return out;
}

/** The manager row from ufw.conf. */
export function parseUfwConf(text: string): FirewallEntry {
  const v = parseShellVars(text).get('ENABLED');
  return entry({ kind: 'manager', enabled: v ? /^(yes|true|1)$/i.test(v.value) : false, line: v?.line ?? 1 });
}

/** Chain rows (input, output, forward) from /etc/default/ufw's default policies. ufw's own default for an unset policy is DROP for input and forward, ACCEPT for output. */
export function parseUfwDefaults(text: string): FirewallEntry[] {
  const vars = parseShellVars(text);
  const out: FirewallEntry[] = [];
  const fams = (vars.get('IPV6')?.value ?? 'yes').toLowerCase() === 'yes' ? ['ip', 'ip6'] : ['ip'];
  for (const [hook, key, dflt] of [
    ['input', 'DEFAULT_INPUT_POLICY', 'DROP'],
    ['output', 'DEFAULT_OUTPUT_POLICY', 'ACCEPT'],
    ['forward', 'DEFAULT_FORWARD_POLICY', 'DROP'],
  ] as const) {
    const v = vars.get(key);
    for (const family of fams)
      out.push(
        entry({
          kind: 'chain',
          family,
          table: 'filter',
          chain: hook,
          chainType: 'filter',
          hook,
          policy: (v?.value ?? dflt).toLowerCase(),
          line: v?.line ?? 1,
        }),
      );
  }
  return out;
}

/** ufw's chains that feed a netfilter hook: ufw-before-input, ufw6-user-input … */
export function ufwHook(chain: string): string | null {
  const m =
    /^ufw6?-(?:before|user|after|logging|reject|track|skip)?-?(?:logging-)?(input|output|forward)$/.exec(
      chain,
    );
  return m ? m[1]! : null;
}
