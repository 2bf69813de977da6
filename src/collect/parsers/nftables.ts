/**
 * nftables ruleset text (/etc/nftables.conf and its includes, or `nft list ruleset`). Pure.
 * Understands the block form (`table inet filter { chain input { type filter hook input
 * priority 0; policy drop; … } }`) and the command form (`add table`, `add chain … { … }`,
 * `add rule …`). Sets, maps, flowtables and other named objects are skipped; anonymous sets and
 * verdict maps stay inside their rule's text. `include` directives are returned for the caller.
 */
import { entry, linkChains, type FirewallEntry } from './firewall-entry.js';

export interface NftParse {
  entries: FirewallEntry[];
  includes: { path: string; line: number }[];
}

const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

interface Tok {
  t: string;
  line: number;
  /** 'w' word, 's' quoted string, or the punctuation itself: '{', '}', ';', '\n' */
  k: 'w' | 's' | '{' | '}' | ';' | '\n';
}

export function tokenizeNft(text: string): Tok[] {
  const out: Tok[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\r' ? 3 : 2;
      line++;
      continue;
    }
    if (c === '\n') {
      out.push({ t: '\n', k: '\n', line });
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '{' || c === '}' || c === ';') {
      out.push({ t: c, k: c, line });
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"' && text[j] !== '\n') j++;
      out.push({ t: text.slice(i + 1, j), k: 's', line });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < n && !' \t\r\n{};#"'.includes(text[j]!)) j++;
    out.push({ t: text.slice(i, j), k: 'w', line });
    i = j;
  }
  return out;
}

const show = (t: Tok) => (t.k === 's' ? `"${t.t}"` : t.t);

export function parseNftables(text: string): NftParse {
  const toks = tokenizeNft(text);
  const entries: FirewallEntry[] = [];
  const includes: NftParse['includes'] = [];
  let pos = 0;

  /** Reads one statement: tokens up to ';' or a newline at depth 0, braces kept balanced. Stops before a '{' when `stopAtBrace`. */
  const statement = (stopAtBrace: boolean): Tok[] => {
    const s: Tok[] = [];
    let depth = 0;
    while (pos < toks.length) {
      const t = toks[pos]!;
      if (depth === 0 && (t.k === ';' || t.k === '\n')) {
        pos++;
        if (s.length > 0) return s;
        continue;
      }
      if (depth === 0 && t.k === '}') return s; // end of the enclosing block
      if (t.k === '{') {
        if (depth === 0 && stopAtBrace) return s;
        depth++;
      } else if (t.k === '}') depth--;
      if (t.k !== '\n') s.push(t);
      pos++;
    }
    return s;
  };

  const skipBlock = () => {
    // at '{'
    let depth = 0;
    while (pos < toks.length) {
      const t = toks[pos++]!;
      if (t.k === '{') depth++;
      else if (t.k === '}' && --depth === 0) return;
    }
  };

  const expect = (k: Tok['k']) => {
    if (toks[pos]?.k === k) pos++;
  };

  const familyAndName = (words: Tok[]): { family: string; name: string; rest: Tok[] } => {
    if (words[0] && FAMILIES.has(words[0].t) && words[1])
      return { family: words[0].t, name: words[1].t, rest: words.slice(2) };
    return { family: 'ip', name: words[0]?.t ?? '', rest: words.slice(1) };
  };

  const ruleText = (ws: Tok[]) => ws.map(show).join(' ').replace(/\s+,/g, ',');

  /** Body of a chain: type/hook/priority/policy statements and rules. */
  const chainBody = (family: string, table: string, chain: string, line: number) => {
    const c = entry({ kind: 'chain', family, table, chain, line });
    entries.push(c);
    expect('{');
    while (pos < toks.length) {
      if (toks[pos]!.k === '}') {
        pos++;
        break;
      }
      const s = statement(false);
      if (s.length === 0) continue;
      const head = s[0]!.t;
      if (head === 'type' && s[0]!.k === 'w') {
        c.chainType = s[1]?.t ?? null;
        const h = s.findIndex((t) => t.t === 'hook');
        if (h >= 0) c.hook = s[h + 1]?.t ?? null;
        const p = s.findIndex((t) => t.t === 'policy');
        if (p >= 0) c.policy = s[p + 1]?.t.toLowerCase() ?? null;
        continue;
      }
      if (head === 'policy' && s[0]!.k === 'w') {
        c.policy = s[1]?.t.replace(/;$/, '').toLowerCase() ?? null;
        continue;
      }
      if (['comment', 'devices', 'device'].includes(head)) continue;
      entries.push(entry({ kind: 'rule', family, table, chain, rule: ruleText(s), line: s[0]!.line }));
    }
    if (c.hook !== null && c.policy === null) c.policy = 'accept'; // a base chain without a policy accepts
  };

  const tableBody = (family: string, table: string) => {
    expect('{');
    while (pos < toks.length) {
      if (toks[pos]!.k === '}') {
        pos++;
        return;
      }
      const s = statement(true);
      if (s.length === 0) {
        if (toks[pos]?.k === '{') skipBlock(); // a block with no head
        continue;
      }
      if (s[0]!.t === 'chain' && s[1]) {
        if (toks[pos]?.k === '{') chainBody(family, table, s[1].t, s[0]!.line);
        else entries.push(entry({ kind: 'chain', family, table, chain: s[1].t, line: s[0]!.line }));
        continue;
      }
      if (s[0]!.t === 'include' && s[1]) includes.push({ path: s[1].t, line: s[0]!.line });
      if (toks[pos]?.k === '{') skipBlock(); // set, map, flowtable, counter, quota, ct helper …
    }
  };

  while (pos < toks.length) {
    if (toks[pos]!.k === '}') {
      pos++; // stray brace
      continue;
    }
    // `add rule … { 22, 80 } accept` keeps its anonymous set; other statements stop before a block.
    let peek = pos;
    while (toks[peek] && (toks[peek]!.k === '\n' || toks[peek]!.k === ';')) peek++;
    const isRule =
      toks[peek]?.t === 'rule' ||
      (['add', 'insert', 'replace', 'create'].includes(toks[peek]?.t ?? '') && toks[peek + 1]?.t === 'rule');
    const s = statement(!isRule);
    if (s.length === 0) {
      if (toks[pos]?.k === '{') skipBlock(); // a block with no head
      continue;
    }
    let words = s;
    let verb = '';
    if (['add', 'create', 'insert', 'replace'].includes(words[0]!.t)) {
      verb = words[0]!.t;
      words = words.slice(1);
    }
    const head = words[0]?.t;
    const line = s[0]!.line;
    if (head === 'include' && words[1]) {
      includes.push({ path: words[1].t, line });
      continue;
    }
    if (head === 'table') {
      const { family, name } = familyAndName(words.slice(1));
      if (toks[pos]?.k === '{') tableBody(family, name);
      continue;
    }
    if (head === 'chain' && verb !== '') {
      const { family, name, rest } = familyAndName(words.slice(1));
      const chain = rest[0]?.t ?? '';
      if (toks[pos]?.k === '{') chainBody(family, name, chain, line);
      else entries.push(entry({ kind: 'chain', family, table: name, chain, line }));
      continue;
    }
    if (head === 'rule' && verb !== '') {
      const { family, name, rest } = familyAndName(words.slice(1));
      const chain = rest[0]?.t ?? '';
      let body = rest.slice(1);
      if (body[0]?.t === 'position' || body[0]?.t === 'handle' || body[0]?.t === 'index')
        body = body.slice(2);
      entries.push(entry({ kind: 'rule', family, table: name, chain, rule: ruleText(body), line }));
      continue;
    }
    if (toks[pos]?.k === '{') skipBlock(); // add set … { }, define x = { … }
  }
  // Rules added with the command form may name a chain declared later.
  return { entries: linkChains(entries), includes };
}
