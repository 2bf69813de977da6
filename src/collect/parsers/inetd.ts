/**
 * inetd.conf (one service a line: name socket-type protocol wait/nowait user server args; Debian's
 * update-inetd disables a line by prefixing `#<off>#`) and xinetd.conf / xinetd.d (blocks
 * `service NAME { attr = value }`, `defaults { … }`, `includedir DIR`). Pure.
 */

export interface InetdEntry {
  name: string;
  protocol: string;
  server: string;
  enabled: boolean;
  line: number;
}

export function parseInetdConf(text: string): InetdEntry[] {
  const out: InetdEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    let t = raw.trim();
    let enabled = true;
    if (t.startsWith('#<off>#')) {
      enabled = false;
      t = t.slice('#<off>#'.length).trim();
    } else if (t === '' || t.startsWith('#')) return;
    const f = t.split(/\s+/);
    if (f.length < 6) return;
    // "host:service" binds to one address (OpenBSD inetd); the service is the part after the colon.
    const name = f[0]!.includes(':') ? f[0]!.slice(f[0]!.lastIndexOf(':') + 1) : f[0]!;
    out.push({ name, protocol: f[2]!, server: f.slice(5).join(' '), enabled, line: i + 1 });
  });
  return out;
}

export interface XinetdService {
  name: string;
  /** Attributes as written (`server_args`, `disable`, `socket_type`…); `+=` appends with a space. */
  attrs: Record<string, string>;
  line: number;
}

export interface XinetdParse {
  services: XinetdService[];
  defaults: Record<string, string>;
  includeDirs: string[];
  includes: string[];
}

export function parseXinetdConf(text: string): XinetdParse {
  const res: XinetdParse = { services: [], defaults: {}, includeDirs: [], includes: [] };
  let block:
    { kind: 'service' | 'defaults'; attrs: Record<string, string>; name: string; line: number } | undefined;
  let pending: { kind: 'service' | 'defaults'; name: string; line: number } | undefined;
  const close = () => {
    if (!block) return;
    if (block.kind === 'defaults') Object.assign(res.defaults, block.attrs);
    else res.services.push({ name: block.name, attrs: block.attrs, line: block.line });
    block = undefined;
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.replace(/#.*$/, '').trim();
    if (t === '') return;
    if (!block) {
      const head = /^(service|defaults)\b\s*([^\s{]*)\s*(\{)?\s*(.*)$/.exec(t);
      if (head) {
        pending = { kind: head[1] as 'service' | 'defaults', name: head[2] ?? '', line: i + 1 };
        if (head[3]) {
          block = { ...pending, attrs: {} };
          pending = undefined;
        }
        return;
      }
      if (t === '{' && pending) {
        block = { ...pending, attrs: {} };
        pending = undefined;
        return;
      }
      const inc = /^(includedir|include)\s+(\S+)/.exec(t);
      if (inc) (inc[1] === 'includedir' ? res.includeDirs : res.includes).push(inc[2]!);
      return;
    }
    if (t.startsWith('}')) {
      close();
      return;
    }
    const m = /^([A-Za-z_]+)\s*(\+=|-=|=)\s*(.*)$/.exec(t);
    if (!m) return;
    const key = m[1]!.toLowerCase();
    const val = m[3]!.trim();
    if (m[2] === '+=') block.attrs[key] = [block.attrs[key], val].filter(Boolean).join(' ');
    else if (m[2] === '-=') {
      const drop = new Set(val.split(/\s+/));
      block.attrs[key] = (block.attrs[key] ?? '')
        .split(/\s+/)
        .filter((w) => w && !drop.has(w))
        .join(' ');
    } else block.attrs[key] = val;
  });
  close();
  return res;
}

/**
 * Whether xinetd runs a service: `disable = yes` turns it off; the defaults' `disabled` list turns
 * services off by name; a defaults `enabled` list, when present, is the only set allowed.
 */
export function xinetdEnabled(s: XinetdService, defaults: Record<string, string>): boolean {
  if ((s.attrs['disable'] ?? 'no').toLowerCase() === 'yes') return false;
  const id = s.attrs['id'] ?? s.name;
  const disabled = (defaults['disabled'] ?? '').split(/\s+/).filter(Boolean);
  if (disabled.includes(s.name) || disabled.includes(id)) return false;
  const enabled = defaults['enabled'];
  if (enabled !== undefined) {
    const list = enabled.split(/\s+/).filter(Boolean);
    if (!list.includes(s.name) && !list.includes(id)) return false;
  }
  return true;
}
