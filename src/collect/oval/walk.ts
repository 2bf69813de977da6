/**
 * Which files a file-based OVAL object (file_object, textfilecontent54_object, …) names, found the
 * way OpenSCAP's oval_fts does it, so that the item sets are the same:
 *
 * - filepath, or path + filename (a nil filename names the directories themselves);
 * - the walk starts at the path for `equals`, at the pattern's fixed prefix for `pattern match`
 *   (oscap's extract_fixed_path_prefix, bugs included), at `/` for other operations; a start that
 *   is a link is followed (FTS_COMFOLLOW);
 * - while looking for matching paths, links are followed (oscap's match phase sets FTS_FOLLOW);
 *   directories whose path cannot begin a match of the pattern are not entered;
 * - below a matched path, `behaviors` apply: recurse (directories / symlinks), recurse_direction
 *   (none / down / up), max_depth (files of directories at depth ≤ max_depth), and
 *   recurse_file_system (local: oscap's local devices; defined: the start's device; all);
 * - cycles through links end the branch (FTS_DC).
 * Directory listings and lstat results come from the shared FsView cache.
 */
import * as path from 'node:path';
import type { ObjectEntity, ProbeRequest } from '../../scap/oval/types.js';
import type { FsView, Stat } from './fsview.js';

export interface FileHit {
  /** Path as oscap reports it (links in it are kept, not resolved). */
  logical: string;
  /** The directory itself (nil filename) rather than a file in it. */
  isDirItem: boolean;
  /** lstat of the entry: what the file item reports. */
  lst: Stat;
  /** stat following a link (equals lst for non-links); null for a dangling link. */
  fst: Stat | null;
  /** Real inner path of the (followed) entry. */
  real: string;
}

export interface WalkBehaviors {
  recurseDirs: boolean;
  recurseLinks: boolean;
  direction: 'none' | 'down' | 'up';
  maxDepth: number;
  fs: 'local' | 'defined' | 'all';
}

/** The OVAL defaults (FileBehaviors): symlinks and directories, none, -1, all. */
export function fileBehaviors(b: Record<string, string>): WalkBehaviors {
  const recurse = b.recurse ?? 'symlinks and directories';
  const dir = b.recurse_direction;
  const fs = b.recurse_file_system;
  const depth = Number.parseInt(b.max_depth ?? '-1', 10);
  return {
    recurseDirs: recurse === 'directories' || recurse.endsWith('and directories'),
    recurseLinks: recurse.startsWith('symlinks'),
    direction: dir === 'down' || dir === 'up' ? dir : 'none',
    maxDepth: Number.isFinite(depth) ? depth : -1,
    fs: fs === 'local' || fs === 'defined' ? fs : 'all',
  };
}

/** oscap's __regex_locate: the first unescaped character of `^*?$.([`. */
function regexLocate(s: string, from: number): number {
  let escaped = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') escaped = !escaped;
    else if ('^*?$.(['.includes(c)) {
      if (!escaped) return i;
      escaped = false;
    }
  }
  return s.length;
}

/** oscap's extract_fixed_path_prefix(), kept as it is (a pattern without any of `^*?$.([` is taken whole). */
export function fixedPathPrefix(pattern: string): string {
  const p0 = pattern.startsWith('^') ? 1 : 0;
  let s = regexLocate(pattern, p0);
  if (s < pattern.length) for (s--; s > p0 + 1 && pattern[s] !== '/'; s--);
  if (s > p0 + 1) {
    const raw = pattern.slice(p0, s);
    if (raw.endsWith('\\')) return '/';
    const un = raw.replace(/\\(.)/g, '$1');
    if (un.startsWith('/')) return un;
  }
  return '/';
}

/**
 * Literal prefixes of a pattern's top-level alternatives, used to skip directories that cannot
 * begin a match (oscap uses PCRE partial matching for this). null: no safe prefix, walk everything.
 */
export function literalPrefixes(pattern: string): string[] | null {
  if (/\(\?[a-z]*i/.test(pattern)) return null;
  const alts: string[] = [];
  let depth = 0;
  let inClass = false;
  let cur = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      cur += c + (pattern[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      alts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  alts.push(cur);
  const out: string[] = [];
  for (const alt of alts) {
    if (!alt.startsWith('^')) return null;
    out.push(...expandPrefix(alt, 1));
    if (out.length > 256) return null;
  }
  return out;
}

/** One literal character at `i` (escapes undone), or null when `i` starts a regex construct. */
function literalAt(s: string, i: number): { ch: string; next: number } | null {
  const c = s[i];
  if (c === undefined) return null;
  if (c === '\\') {
    const n = s[i + 1] ?? '';
    if (/[A-Za-z0-9]/.test(n) || n === '') return null;
    return { ch: n, next: i + 2 };
  }
  if ('.^$*+?()[]{}|'.includes(c)) return null;
  return { ch: c, next: i + 1 };
}

/**
 * The literal prefixes of one alternative from position `i`: literal characters, and groups of
 * purely literal alternatives (`(|s)bin`, `(?:a|b)`) expanded, up to the first other construct.
 */
function expandPrefix(alt: string, i: number): string[] {
  let prefixes = [''];
  while (i < alt.length) {
    const lit = literalAt(alt, i);
    if (lit) {
      const q = alt[lit.next];
      // A quantifier makes the character optional or repeated: the prefix ends before it.
      if (q === '*' || q === '?' || q === '{') return prefixes;
      if (q === '+') return prefixes.map((p) => p + lit.ch);
      prefixes = prefixes.map((p) => p + lit.ch);
      i = lit.next;
      continue;
    }
    if (alt[i] !== '(') return prefixes;
    // A group of literal alternatives?
    let j = alt.startsWith('(?:', i) ? i + 3 : i + 1;
    const options: string[] = [];
    let cur = '';
    let ok = false;
    while (j < alt.length) {
      if (alt[j] === '|') {
        options.push(cur);
        cur = '';
        j++;
        continue;
      }
      if (alt[j] === ')') {
        options.push(cur);
        ok = true;
        j++;
        break;
      }
      const l = literalAt(alt, j);
      if (!l) break;
      cur += l.ch;
      j = l.next;
    }
    const quantified = alt[j] !== undefined && '*?{+'.includes(alt[j]!);
    const special = alt[i + 1] === '?' && !alt.startsWith('(?:', i);
    if (!ok || quantified || special) return prefixes;
    const next: string[] = [];
    for (const p of prefixes) for (const o of options) next.push(p + o);
    if (next.length > 256) return prefixes;
    prefixes = next;
    i = j;
  }
  return prefixes;
}

function canLeadToMatch(prefixes: string[] | null, dir: string): boolean {
  if (prefixes === null) return true;
  const d = dir === '/' ? '/' : dir + '/';
  return prefixes.some((p) => p.startsWith(d) || p === dir || dir.startsWith(p) || d.startsWith(p));
}

const join = (dir: string, name: string) => (dir === '/' ? '/' + name : dir + '/' + name);
const key = (st: Stat) => `${st.dev}:${st.ino}`;

interface Node {
  logical: string;
  /** Last component of the logical path. */
  name: string;
  real: string;
  lst: Stat;
  fst: Stat | null;
}

async function rootNode(view: FsView, logical: string): Promise<Node | null> {
  const real = await view.realOf(logical, false);
  if (real === null) return null;
  const lst = await view.lstat(real);
  if (!lst) return null;
  const name = path.posix.basename(logical);
  if (lst.type !== 'symlink') return { logical, name, real, lst, fst: lst };
  const f = await view.follow(logical);
  return { logical, name, real: f ? f.real : real, lst, fst: f ? f.st : null };
}

function childNode(
  view: FsView,
  parent: Node,
  name: string,
  st: Stat,
  follow: boolean,
): Node | Promise<Node> {
  const logical = join(parent.logical, name);
  const real = join(parent.real, name);
  if (st.type !== 'symlink' || !follow) return { logical, name, real, lst: st, fst: st };
  return view
    .follow(real)
    .then((f) => ({ logical, name, real: f ? f.real : real, lst: st, fst: f ? f.st : null }));
}

/** Receives what a walk finds; a returned promise is awaited before the walk goes on. */
export type Emit<T> = (x: T) => void | Promise<void>;

export interface WalkContext {
  view: FsView;
  req: ProbeRequest;
  /** Stop early (time budget or caller's reason). */
  cancelled?: () => boolean;
}

function fsAllows(ctx: WalkContext, b: WalkBehaviors, st: Stat, startDev: number): boolean {
  if (b.fs === 'local') return ctx.view.isLocalDev(st.dev);
  if (b.fs === 'defined') return st.dev === startDev;
  return true;
}

/** The match phase: paths (directories) or filepaths (non-directories) that match the entity. */
async function matchPaths(
  ctx: WalkContext,
  ent: ObjectEntity,
  wantDirs: boolean,
  b: WalkBehaviors,
  emit: Emit<Node>,
): Promise<void> {
  const { view, req } = ctx;
  const starts = new Set<string>();
  if (ent.operation === 'equals') for (const v of ent.values) starts.add(path.posix.resolve('/', v));
  else if (ent.operation === 'pattern match') for (const v of ent.values) starts.add(fixedPathPrefix(v));
  else starts.add('/');
  const prefixes =
    ent.operation === 'pattern match'
      ? ent.values.map((v) => literalPrefixes(v.startsWith('^') ? v : '^' + v))
      : [null];
  const anyNull = prefixes.some((p) => p === null);
  const lits = anyNull ? null : prefixes.flatMap((p) => p ?? []);
  for (const start of [...starts].sort()) {
    const root = await rootNode(view, start);
    if (!root) continue;
    const startDev = (root.fst ?? root.lst).dev;
    if (ent.operation === 'equals') {
      // Only the start itself can equal the path.
      const isDir = root.fst?.type === 'dir';
      if (isDir === wantDirs && req.matches(ent.name, root.logical)) {
        const w = emit(root);
        if (w) await w;
      }
      continue;
    }
    const stack: { node: Node; ancestors: Set<string> }[] = [{ node: root, ancestors: new Set() }];
    while (stack.length > 0) {
      if (ctx.cancelled?.()) return;
      const { node, ancestors } = stack.pop()!;
      const isDir = node.fst?.type === 'dir';
      if (isDir) {
        if (!fsAllows(ctx, b, node.fst!, startDev)) continue;
        if (!canLeadToMatch(lits, node.logical)) continue;
      }
      if (isDir === wantDirs && req.matches(ent.name, node.logical)) {
        const w = emit(node);
        if (w) await w;
      }
      if (!isDir) continue;
      const ents = await view.list(node.real, true);
      if (!ents) continue;
      const anc = new Set(ancestors).add(key(node.fst!));
      const kids: Node[] = [];
      for (let i = 0; i < ents.length; i++) {
        const c = childNode(view, node, ents.names[i]!, ents.stat(i), true);
        const child = c instanceof Promise ? await c : c;
        if (child.fst?.type === 'dir' && anc.has(key(child.fst))) continue; // cycle
        kids.push(child);
      }
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i]!, ancestors: anc });
    }
  }
}

/** The recursion phase below one matched directory. */
async function recursePath(
  ctx: WalkContext,
  m: Node,
  filename: ObjectEntity | null,
  b: WalkBehaviors,
  emit: Emit<FileHit>,
): Promise<void> {
  const { view, req } = ctx;
  const collectDirs = filename === null;
  const dirHit = (n: Node): FileHit => ({
    logical: n.logical,
    isDirItem: true,
    lst: n.lst,
    fst: n.fst,
    real: n.real,
  });
  const fileHit = (n: Node): FileHit => ({
    logical: n.logical,
    isDirItem: false,
    lst: n.lst,
    fst: n.fst,
    real: n.real,
  });
  const nameMatches = (n: Node) => filename !== null && req.matches(filename.name, n.name);
  const startDev = (m.fst ?? m.lst).dev;

  if (b.direction === 'none' && collectDirs) {
    {
      const w = emit(dirHit(m));
      if (w) await w;
    }
    return;
  }
  if (b.direction === 'up') {
    let cur = m.logical;
    for (let depth = 0; b.maxDepth === -1 || depth <= b.maxDepth; depth++) {
      const root = depth === 0 ? m : await rootNode(view, cur);
      const ok = root && root.fst?.type === 'dir' && fsAllows(ctx, b, root.fst, startDev);
      if (root && ok) {
        if (collectDirs) {
          const w = emit(dirHit(root));
          if (w) await w;
        } else {
          const ents = await view.list(root.real, false);
          for (let i = 0; i < (ents?.length ?? 0); i++) {
            const c = childNode(view, root, ents!.names[i]!, ents!.stat(i), true);
            const child = c instanceof Promise ? await c : c;
            if (child.lst.type !== 'dir' && child.fst?.type !== 'dir' && nameMatches(child)) {
              const w = emit(fileHit(child));
              if (w) await w;
            }
          }
        }
      }
      if (cur === '/') break;
      cur = path.posix.dirname(cur);
    }
    return;
  }
  // down, or none with a filename: files of the directory (and of its subdirectories for down).
  const deep = b.direction === 'down' && b.maxDepth === -1;
  const stack: { node: Node; level: number; ancestors: Set<string> }[] = [
    { node: m, level: 0, ancestors: new Set() },
  ];
  while (stack.length > 0) {
    if (ctx.cancelled?.()) return;
    const { node, level, ancestors } = stack.pop()!;
    let cur = node;
    if (level > 0 && node.lst.type === 'symlink') {
      // The link entry itself is a candidate (a non-directory); then, if links are recursed,
      // fts returns it again followed.
      if (!collectDirs && nameMatches(node)) {
        const w = emit(fileHit({ ...node, fst: node.lst }));
        if (w) await w;
      }
      if (b.direction === 'none' || (b.maxDepth !== -1 && level > b.maxDepth)) continue;
      if (!b.recurseLinks) continue;
      if (!fsAllows(ctx, b, node.lst, startDev)) continue;
      if (node.fst === null || node.fst.type !== 'dir') continue; // dangling, or a file: same item again
      if (ancestors.has(key(node.fst))) continue; // cycle
      cur = node;
    }
    const isDir = cur.fst?.type === 'dir';
    if (collectDirs) {
      if (isDir && (b.maxDepth === -1 || level <= b.maxDepth)) {
        const w = emit(dirHit(cur));
        if (w) await w;
      }
    } else if (!isDir && cur.lst.type !== 'symlink' && nameMatches(cur)) {
      const w = emit(fileHit(cur));
      if (w) await w;
    }
    if (!isDir) continue;
    if (level > 0) {
      if (b.direction === 'none' || (b.maxDepth !== -1 && level > b.maxDepth)) continue;
      if (cur.lst.type === 'dir' && !b.recurseDirs) continue;
      if (cur.lst.type === 'symlink' && !b.recurseDirs) continue; // followed link: now a directory
    }
    if (!fsAllows(ctx, b, cur.fst!, startDev)) continue;
    const ents = await view.list(cur.real, deep);
    if (!ents) continue;
    const anc = new Set(ancestors).add(key(cur.fst!));
    const kids: { node: Node; level: number; ancestors: Set<string> }[] = [];
    for (let i = 0; i < ents.length; i++) {
      const c = childNode(view, cur, ents.names[i]!, ents.stat(i), b.recurseLinks);
      const child = c instanceof Promise ? await c : c;
      kids.push({ node: child, level: level + 1, ancestors: anc });
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}

/**
 * Every file (or directory, for a nil filename) the object names, as oscap would find them. `req.entities` must hold filepath, or path (+ filename, maybe nil).
 */
export async function walkObject(ctx: WalkContext, emit: Emit<FileHit>): Promise<void> {
  const { req } = ctx;
  const b = fileBehaviors(req.behaviors);
  // Duplicates (a path reached twice through links) make identical items, which the ItemSink drops.
  const filepath = req.entities.filepath;
  if (filepath) {
    await matchPaths(ctx, filepath, false, b, (n) =>
      emit({ logical: n.logical, isDirItem: false, lst: n.lst, fst: n.fst, real: n.real }),
    );
    return;
  }
  const p = req.entities.path;
  if (!p) return;
  const fn = req.entities.filename;
  const filename = !fn || fn.nil ? null : fn;
  await matchPaths(ctx, p, true, b, (m) => recursePath(ctx, m, filename, b, emit));
}
