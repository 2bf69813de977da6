/**
 * File-based OVAL probes: unix file_object, independent textfilecontent54_object and unix
 * symlink_object. Which files an object names is decided by walk.ts (oscap's oval_fts semantics);
 * items carry what oscap's probes report (entity names, order, value formats).
 */
import * as path from 'node:path';
import type { ItemEntity, OvalItem, ProbeRequest, ProbeResult } from '../../scap/oval/types.js';
import type { OvalProber } from '../../scap/oval/types.js';
import type { FileType } from '../../targets/target.js';
import { AclChecker } from './acl.js';
import type { FsView, Stat } from './fsview.js';
import { bool, int, item, ItemSink, result, str, unresolved } from './items.js';
import { walkObject, type FileHit } from './walk.js';

/** The twelve permission-bit entities of a file item (suid … oexec) from a mode. */
function setModeBits(e: OvalItem['entities'], m: number): void {
  e.suid = bool((m & 0o4000) !== 0);
  e.sgid = bool((m & 0o2000) !== 0);
  e.sticky = bool((m & 0o1000) !== 0);
  e.uread = bool((m & 0o400) !== 0);
  e.uwrite = bool((m & 0o200) !== 0);
  e.uexec = bool((m & 0o100) !== 0);
  e.gread = bool((m & 0o40) !== 0);
  e.gwrite = bool((m & 0o20) !== 0);
  e.gexec = bool((m & 0o10) !== 0);
  e.oread = bool((m & 0o4) !== 0);
  e.owrite = bool((m & 0o2) !== 0);
  e.oexec = bool((m & 0o1) !== 0);
}

const TYPE_NAMES: Record<FileType, string> = {
  file: 'regular',
  dir: 'directory',
  symlink: 'symbolic link',
  char: 'character special',
  block: 'block special',
  fifo: 'fifo',
  socket: 'socket',
  unknown: 'unknown',
};

function fileItem(hit: FileHit, acl: boolean | null | 'absent'): OvalItem {
  const st: Stat = hit.lst;
  const m = st.mode;
  const e: OvalItem['entities'] = {};
  if (hit.isDirItem) {
    e.path = str(hit.logical);
    e.filename = str('');
  } else {
    e.filepath = str(hit.logical);
    e.path = str(path.posix.dirname(hit.logical));
    e.filename = str(path.posix.basename(hit.logical));
  }
  e.type = str(TYPE_NAMES[st.type]);
  e.group_id = int(st.gid);
  e.user_id = int(st.uid);
  e.a_time = int(st.atime);
  e.c_time = int(st.ctime);
  e.m_time = int(st.mtime);
  e.size = int(st.size);
  setModeBits(e, m);
  e.has_extended_acl =
    acl === null
      ? [{ value: '', datatype: 'boolean', status: 'not collected' }]
      : acl === 'absent'
        ? [{ value: '', datatype: 'boolean', status: 'does not exist' }]
        : bool(acl);
  return item('file_item', 'unix', e);
}

/**
 * One reusable file item per shape (file / directory) for asking the filters: a walk of `/` asks
 * about ~500k files and keeps a handful, so only kept hits get an item of their own. The filters
 * (`req.keep`) must not keep a reference to the item they are given.
 */
/** An entity value computed only when the filters read it. */
class LazyCell implements ItemEntity {
  readonly datatype: 'string' | 'int';
  private readonly f: () => string;

  constructor(datatype: 'string' | 'int', f: () => string) {
    this.datatype = datatype;
    this.f = f;
  }

  get value(): string {
    return this.f();
  }
}

class ScratchItems {
  private readonly file: OvalItem;
  private readonly dir: OvalItem;
  private hit: FileHit | null = null;

  constructor() {
    const h = () => this.hit!;
    const cells: Record<string, ItemEntity[]> = {
      filepath: [new LazyCell('string', () => h().logical)],
      path: [new LazyCell('string', () => (h().isDirItem ? h().logical : path.posix.dirname(h().logical)))],
      filename: [new LazyCell('string', () => (h().isDirItem ? '' : path.posix.basename(h().logical)))],
      type: [new LazyCell('string', () => TYPE_NAMES[h().lst.type])],
      group_id: [new LazyCell('int', () => String(h().lst.gid))],
      user_id: [new LazyCell('int', () => String(h().lst.uid))],
      a_time: [new LazyCell('int', () => String(h().lst.atime))],
      c_time: [new LazyCell('int', () => String(h().lst.ctime))],
      m_time: [new LazyCell('int', () => String(h().lst.mtime))],
      size: [new LazyCell('int', () => String(h().lst.size))],
    };
    const mk = (names: string[]): OvalItem => {
      const e: OvalItem['entities'] = {};
      for (const n of names) e[n] = cells[n]!;
      return item('file_item', 'unix', e);
    };
    const common = ['path', 'filename', 'type', 'group_id', 'user_id', 'a_time', 'c_time', 'm_time', 'size'];
    this.file = mk(['filepath', ...common]);
    this.dir = mk(common);
  }

  fill(hit: FileHit, acl: boolean): OvalItem {
    this.hit = hit;
    const it = hit.isDirItem ? this.dir : this.file;
    const e = it.entities;
    const m = hit.lst.mode;
    setModeBits(e, m);
    e.has_extended_acl = bool(acl);
    return it;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const MAX_TEXT = 16 * 1024 * 1024;

export class FileProbes implements OvalProber {
  private readonly view: FsView;
  private readonly acl = new AclChecker();
  private readonly scratch = new ScratchItems();

  constructor(view: FsView) {
    this.view = view;
  }

  supports(type: string, family: ProbeRequest['family']): boolean {
    return (
      (family === 'unix' && (type === 'file_object' || type === 'symlink_object')) ||
      (family === 'independent' && type === 'textfilecontent54_object')
    );
  }

  async collect(req: ProbeRequest): Promise<ProbeResult> {
    if (unresolved(req)) return result('does not exist', [], ['a variable of the object has no value']);
    await this.view.ready();
    try {
      if (req.type === 'file_object') return await this.file(req);
      if (req.type === 'textfilecontent54_object') return await this.textfilecontent(req);
      return await this.symlink(req);
    } catch (e) {
      return result('error', [], [`${req.id}: ${errorText(e)}`]);
    }
  }

  private async file(req: ProbeRequest): Promise<ProbeResult> {
    const sink = new ItemSink(req);
    let batch: FileHit[] = [];
    const flush = async () => {
      // The filters decide most items whatever the ACL: asking them with both answers spares an
      // `ls` for every file of a walk; only kept items (and undecided ones) are asked about.
      if (req.keep) {
        const keep = req.keep.bind(req);
        batch = batch.filter((h) => keep(this.scratch.fill(h, true)) || keep(this.scratch.fill(h, false)));
      }
      // oscap asks acl_extended_file(), which follows links: a link reports its target's ACL, and
      // a dangling link has none ("does not exist").
      const hosts = new Map<FileHit, string | null>();
      for (const h of batch) {
        if (h.lst.type !== 'symlink') hosts.set(h, this.view.hostOf(h.real));
        else {
          const c = await this.view.canonical(h.logical);
          hosts.set(h, c === null ? null : this.view.hostOf(c));
        }
      }
      const acls = await this.acl.check([...hosts.values()].filter((x): x is string => x !== null));
      for (const h of batch) {
        const host = hosts.get(h) ?? null;
        sink.push(fileItem(h, host === null ? 'absent' : (acls.get(host) ?? null)));
      }
      batch = [];
    };
    await walkObject({ view: this.view, req }, (hit) => {
      batch.push(hit);
      return batch.length >= 256 ? flush() : undefined;
    });
    await flush();
    return sink.result();
  }

  private async textfilecontent(req: ProbeRequest): Promise<ProbeResult> {
    const sink = new ItemSink(req);
    const patterns = req.entities.pattern?.values ?? [];
    const multiline = (req.behaviors.multiline ?? 'true') !== 'false';
    const singleline = (req.behaviors.singleline ?? 'false') === 'true';
    const flags = 'g' + (multiline ? 'm' : '') + (singleline ? 's' : '');
    const regexes = patterns.map((p) => ({ p, re: req.regex(p, flags) }));
    const hasInstance = req.entities.instance !== undefined;
    await walkObject({ view: this.view, req }, async (hit) => {
      if (hit.isDirItem || hit.fst?.type !== 'file') return;
      const r = await this.view.target.readText(hit.real, { maxBytes: MAX_TEXT });
      if (r.status !== 'ok') {
        if (r.status !== 'absent') sink.messages.push(`${hit.logical}: ${r.reason}`);
        return;
      }
      if (r.truncated) {
        sink.messages.push(
          `${hit.logical} is larger than ${MAX_TEXT} bytes; only its beginning was searched`,
        );
        sink.flag = 'incomplete';
      }
      for (const { p, re } of regexes) {
        re.lastIndex = 0;
        let instance = 0;
        for (;;) {
          const m = re.exec(r.text);
          if (!m) break;
          if (m[0] === '') {
            // PCRE's multiline ^ does not match after a newline that ends the subject; JavaScript's does.
            if (m.index === r.text.length && r.text.endsWith('\n')) break;
            re.lastIndex++;
          }
          instance++;
          if (hasInstance && !req.matches('instance', String(instance))) continue;
          // As PCRE's ovector: groups up to the last one that took part; earlier unset ones are empty.
          let last = m.length - 1;
          while (last > 0 && m[last] === undefined) last--;
          const subs: string[] = [];
          for (let i = 1; i <= last; i++) subs.push(m[i] ?? '');
          const e: OvalItem['entities'] = {
            filepath: str(hit.logical),
            path: str(path.posix.dirname(hit.logical)),
            filename: str(path.posix.basename(hit.logical)),
            pattern: str(p),
            instance: int(instance),
            line: str(p),
            text: str(m[0]),
          };
          if (subs.length > 0)
            e.subexpression = subs.map((value) => ({ value, datatype: 'string' as const }));
          sink.push(item('textfilecontent_item', 'independent', e));
        }
      }
    });
    return sink.result();
  }

  private async symlink(req: ProbeRequest): Promise<ProbeResult> {
    const ent = req.entities.filepath;
    if (!ent) return result('error', [], [`${req.id}: a symlink_object needs a filepath`]);
    const sink = new ItemSink(req);
    const emit = async (logical: string) => {
      const canonical = await this.view.canonical(logical);
      if (canonical === null) {
        sink.push({
          type: 'symlink_item',
          family: 'unix',
          status: 'error',
          entities: { filepath: str(logical), canonical_path: str('', 'error') },
          messages: [`the link ${logical} does not lead to an existing file`],
        });
        return;
      }
      sink.push(item('symlink_item', 'unix', { filepath: str(logical), canonical_path: str(canonical) }));
    };
    if (ent.operation === 'equals') {
      for (const v of ent.values) {
        const logical = path.posix.resolve('/', v);
        const real = await this.view.realOf(logical, false);
        const st = real === null ? null : await this.view.lstat(real);
        if (!st) sink.messages.push(`File '${v}' does not exist.`);
        else if (st.type !== 'symlink') sink.messages.push(`File '${v}' is not a symlink.`);
        else if (req.matches('filepath', logical)) await emit(logical);
      }
      return sink.result();
    }
    await walkObject({ view: this.view, req }, (hit) =>
      hit.lst.type === 'symlink' ? emit(hit.logical) : undefined,
    );
    return sink.result();
  }
}
