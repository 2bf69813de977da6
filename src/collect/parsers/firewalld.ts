/**
 * firewalld: /etc/firewalld/firewalld.conf (DefaultZone) and zone files (zones/<name>.xml). Pure.
 *
 * Zone files are read with a small XML tokenizer that never resolves entities: DOCTYPE
 * declarations (and any internal subset) are skipped, only the five predefined entities and
 * numeric character references are decoded, and anything else stays as written. No external
 * entity, no entity expansion, no network: a hostile zone file cannot make the scan read files.
 */
import { entry, type FirewallEntry } from './firewall-entry.js';
import { parseShellVars } from './ufw.js';

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  line: number;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeXmlText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (whole, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return PREDEFINED[e] ?? whole;
  });
}

/** Parses elements and attributes only (text content is ignored). Returns the root element, or undefined for non-XML. */
export function parseXml(text: string): XmlNode | undefined {
  const root: XmlNode = { name: '#document', attrs: {}, children: [], line: 1 };
  const stack: XmlNode[] = [root];
  let i = 0;
  const n = text.length;
  const lineAt = (() => {
    let last = 0;
    let line = 1;
    return (pos: number) => {
      for (; last < pos; last++) if (text.charCodeAt(last) === 10) line++;
      return line;
    };
  })();
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (text.startsWith('<!', lt)) {
      // <!DOCTYPE … [ internal subset ] > — skipped, never interpreted
      let j = lt + 2;
      let depth = 0;
      while (j < n && !(text[j] === '>' && depth === 0)) {
        if (text[j] === '[') depth++;
        else if (text[j] === ']') depth--;
        j++;
      }
      i = j + 1;
      continue;
    }
    const gt = text.indexOf('>', lt);
    if (gt < 0) break;
    const body = text.slice(lt + 1, gt);
    const line = lineAt(lt);
    i = gt + 1;
    if (body.startsWith('/')) {
      const name = body.slice(1).trim();
      // pop to the matching element; a stray end tag is ignored
      const at = stack.map((x) => x.name).lastIndexOf(name);
      if (at > 0) stack.length = at;
      continue;
    }
    const selfClose = body.endsWith('/');
    const inner = selfClose ? body.slice(0, -1) : body;
    const nm = /^\s*([A-Za-z_][\w.:-]*)/.exec(inner);
    if (!nm) continue;
    const attrs: Record<string, string> = {};
    const re = /([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/g;
    let m: RegExpExecArray | null;
    const rest = inner.slice(nm[0].length);
    while ((m = re.exec(rest))) attrs[m[1]!] = decodeXmlText(m[3] ?? m[4] ?? '');
    const node: XmlNode = { name: nm[1]!, attrs, children: [], line };
    stack[stack.length - 1]!.children.push(node);
    if (!selfClose) stack.push(node);
  }
  return root.children.find((c) => !c.name.startsWith('#'));
}

/** DefaultZone from firewalld.conf (firewalld's own default is `public`). */
export function parseFirewalldConf(text: string): { defaultZone: string; line: number } {
  const v = parseShellVars(text).get('DefaultZone');
  return { defaultZone: v?.value || 'public', line: v?.line ?? 1 };
}

/** firewalld zone targets as netfilter verdicts: `default` rejects what no rule allows. */
export function zonePolicy(target: string | undefined): string {
  const t = (target ?? 'default').replace(/%%/g, '').toUpperCase();
  if (t === 'ACCEPT') return 'accept';
  if (t === 'DROP') return 'drop';
  return 'reject';
}

function describe(node: XmlNode): string {
  const a = Object.entries(node.attrs)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const kids = node.children.map(describe).join(' ');
  return [node.name, a, kids].filter(Boolean).join(' ');
}

/** Chain row for the zone (hook input when it is the default zone) and one rule row per element. */
export function parseFirewalldZone(
  text: string,
  zoneName: string,
  isDefault: boolean,
): FirewallEntry[] | undefined {
  const zone = parseXml(text);
  if (!zone || zone.name !== 'zone') return undefined;
  const hook = isDefault ? 'input' : null;
  const out: FirewallEntry[] = [
    entry({
      kind: 'chain',
      family: 'inet',
      table: 'zone',
      chain: zoneName,
      chainType: 'filter',
      hook,
      policy: zonePolicy(zone.attrs['target']),
      line: zone.line,
    }),
  ];
  for (const c of zone.children) {
    if (['short', 'description'].includes(c.name)) continue;
    const family = c.attrs['family'] === 'ipv4' ? 'ip' : c.attrs['family'] === 'ipv6' ? 'ip6' : 'inet';
    out.push(
      entry({
        kind: 'rule',
        family,
        table: 'zone',
        chain: zoneName,
        chainType: 'filter',
        hook,
        rule: describe(c),
        line: c.line,
      }),
    );
  }
  const last = out.length > 1 ? out[out.length - 1]!.rule : null;
  out[0]!.lastRule = last;
  return out;
}
