/**
 * Services that start on their own: systemd units (unit files, enablement links in *.wants/ and
 * *.requires/, masks, aliases, template instances), SysV init scripts linked from /etc/rc[2-5].d,
 * and inetd / xinetd entries. Read offline from the unit directories; the active state only on a
 * running system (the scanning host's own systemctl, or /run/systemd/units).
 */
import { execFile } from 'node:child_process';
import { byText, type Row } from '../core/types.js';
import { mapLimit } from './read.js';
import type { Collector, CollectContext } from './types.js';
import type { DirEntry, FileInfo } from '../targets/target.js';
import { hasSection, lastValue, listValues, parseUnitFile } from './parsers/systemd-unit.js';
import { parseInetdConf, parseXinetdConf, xinetdEnabled } from './parsers/inetd.js';

const UNIT_RE =
  /^[A-Za-z0-9:_.\\@-]+\.(service|socket|target|timer|path|mount|automount|swap|slice|scope|device)$/;
const MAX_UNIT_BYTES = 256 * 1024;

interface UnitDir {
  path: string;
  /** etc: administrator; run: runtime; gen: generator output; vendor: packages. */
  origin: 'etc' | 'run' | 'gen' | 'vendor';
  liveOnly: boolean;
}

/** Precedence order, highest first (systemd.unit(5), "Unit File Load Path"). */
const UNIT_DIRS: UnitDir[] = [
  { path: '/etc/systemd/system', origin: 'etc', liveOnly: false },
  { path: '/run/systemd/system', origin: 'run', liveOnly: true },
  { path: '/run/systemd/generator', origin: 'gen', liveOnly: true },
  { path: '/usr/local/lib/systemd/system', origin: 'vendor', liveOnly: false },
  { path: '/usr/lib/systemd/system', origin: 'vendor', liveOnly: false },
  { path: '/lib/systemd/system', origin: 'vendor', liveOnly: false },
  { path: '/run/systemd/generator.late', origin: 'gen', liveOnly: true },
];

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const dirname = (p: string) => p.slice(0, Math.max(p.lastIndexOf('/'), 0)) || '/';
const joinPath = (dir: string, rel: string) => (rel.startsWith('/') ? rel : `${dir}/${rel}`);
const isNullLink = (t: string | undefined) =>
  t !== undefined && t.replace(/\/+/g, '/').replace(/\/$/, '') === '/dev/null';
/** `foo@bar.service` → `foo@.service`; undefined for a non-instance. */
const templateOf = (name: string) => {
  const m = /^([^@]+)@(.+)(\.[a-z]+)$/.exec(name);
  return m && m[2] !== '' ? `${m[1]}@${m[3]}` : undefined;
};

interface Claim {
  name: string;
  dir: UnitDir;
  entry: string;
  info: FileInfo;
}

interface WantedInfo {
  by: Set<string>;
  origins: Set<UnitDir['origin']>;
}

interface Scan {
  rows: Row[];
  sources: string[];
  problems: string[];
  found: boolean;
}

async function safeStat(
  ctx: CollectContext,
  p: string,
  follow: boolean,
  problems: string[],
): Promise<FileInfo | null> {
  try {
    return await ctx.target.stat(p, { follow });
  } catch (e) {
    problems.push(`${p}: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

async function systemdUnits(ctx: CollectContext, scan: Scan): Promise<Set<string>> {
  const claims = new Map<string, Claim>();
  const wanted = new Map<string, WantedInfo>();
  const seenDirs = new Set<string>();
  const direct = new Set<string>();
  const want = (name: string, by: string, origin: UnitDir['origin']) => {
    let w = wanted.get(name);
    if (!w) wanted.set(name, (w = { by: new Set(), origins: new Set() }));
    w.by.add(by);
    w.origins.add(origin);
  };
  for (const dir of UNIT_DIRS) {
    if (dir.liveOnly && ctx.mode !== 'live') continue;
    const st = await safeStat(ctx, dir.path, true, scan.problems);
    if (!st || st.type !== 'dir' || seenDirs.has(st.path)) continue; // /lib → /usr/lib on merged-usr systems
    seenDirs.add(st.path);
    const ents = (await ctx.target.readdir(dir.path)) ?? [];
    scan.sources.push(dir.path);
    scan.found = true;
    // lstat every candidate unit file of this directory at once (the loop below stays in name order).
    const infos = new Map(
      await mapLimit(
        ents.filter(
          (e) => UNIT_RE.test(e.name) && !claims.has(e.name) && (e.type === 'file' || e.type === 'symlink'),
        ),
        16,
        async (e) => [e.name, await safeStat(ctx, `${dir.path}/${e.name}`, false, scan.problems)] as const,
      ),
    );
    for (const e of ents) {
      const full = `${dir.path}/${e.name}`;
      const m = /^(.+)\.(wants|requires)$/.exec(e.name);
      if (m && (e.type === 'dir' || e.type === 'symlink')) {
        const links: DirEntry[] = (await ctx.target.readdir(full)) ?? [];
        for (const l of links) {
          if (!UNIT_RE.test(l.name)) continue;
          want(l.name, m[1]!, dir.origin);
          direct.add(l.name);
          const tpl = templateOf(l.name);
          if (tpl) want(tpl, m[1]!, dir.origin);
          if (l.type === 'symlink') {
            const li = await safeStat(ctx, `${full}/${l.name}`, false, scan.problems);
            const target = li?.target !== undefined ? base(li.target) : undefined;
            // A link named after an alias still enables the unit it points to.
            if (target && target !== l.name && target !== tpl && UNIT_RE.test(target))
              want(target, m[1]!, dir.origin);
          }
        }
        continue;
      }
      if (!UNIT_RE.test(e.name) || claims.has(e.name)) continue;
      if (e.type !== 'file' && e.type !== 'symlink') continue;
      const info = infos.get(e.name);
      if (info) claims.set(e.name, { name: e.name, dir, entry: full, info });
    }
  }

  const names = new Set<string>([...claims.keys()]);
  const rowsByName = new Map<string, Row>();
  const aliasOf = new Map<string, string>();
  const ordered = [...claims.values()].sort((a, b) => byText(a.name, b.name));
  const fragmentOf = (c: (typeof ordered)[number]) =>
    c.info.type === 'symlink' && !isNullLink(c.info.target)
      ? joinPath(dirname(c.entry), c.info.target ?? '')
      : c.entry;
  const texts = await mapLimit(ordered, 16, (c) =>
    (c.info.type === 'symlink' ? isNullLink(c.info.target) : c.info.size === 0)
      ? Promise.resolve(undefined)
      : ctx.target.readText(fragmentOf(c), { maxBytes: MAX_UNIT_BYTES }),
  );
  for (const [i, c] of ordered.entries()) {
    const unitType = c.name.slice(c.name.lastIndexOf('.') + 1);
    let fragment = c.entry;
    let masked = false;
    if (c.info.type === 'symlink') {
      if (isNullLink(c.info.target)) masked = true;
      else {
        fragment = joinPath(dirname(c.entry), c.info.target ?? '');
        const t = base(fragment);
        if (t !== c.name && UNIT_RE.test(t)) aliasOf.set(c.name, t);
      }
    } else if (c.info.size === 0) masked = true;
    let wantedBy: string[] = [];
    let exec: string | null = null;
    let install = false;
    let also: string[] = [];
    let line: number | null = null;
    if (!masked) {
      const r = texts[i] ?? (await ctx.target.readText(fragment, { maxBytes: MAX_UNIT_BYTES }));
      if (r.status === 'ok' && !r.binary) {
        const entries = parseUnitFile(r.text);
        wantedBy = [
          ...listValues(entries, 'Install', 'WantedBy'),
          ...listValues(entries, 'Install', 'RequiredBy'),
        ];
        also = listValues(entries, 'Install', 'Also');
        install =
          hasSection(entries, 'Install') &&
          (wantedBy.length > 0 ||
            also.length > 0 ||
            listValues(entries, 'Install', 'Alias').length > 0 ||
            lastValue(entries, 'Install', 'DefaultInstance') !== undefined);
        exec =
          lastValue(entries, 'Service', 'ExecStart') ??
          lastValue(entries, 'Socket', 'ListenStream') ??
          lastValue(entries, 'Socket', 'ListenDatagram') ??
          null;
        line =
          entries.find((x) => x.section === 'Install' && (x.key === 'WantedBy' || x.key === 'RequiredBy'))
            ?.line ?? null;
      } else if (r.status === 'absent') {
        // A link whose target is gone: systemd reports the unit as not found.
      } else
        scan.problems.push(
          r.status === 'ok'
            ? `${fragment} is binary`
            : `${fragment}: ${r.status === 'not_collected' || r.status === 'error' ? r.reason : 'unreadable'}`,
        );
    }
    const w = wanted.get(c.name);
    let state: string;
    let enabled = false;
    if (masked) state = 'masked';
    else if (w) {
      enabled = true;
      // A template enabled through instances only (getty@tty1.service → getty@.service) is indirect.
      if (c.name.includes('@.') && !direct.has(c.name)) state = 'indirect';
      else
        state = w.origins.has('etc')
          ? 'enabled'
          : w.origins.has('run')
            ? 'enabled-runtime'
            : w.origins.has('gen')
              ? 'generated'
              : install
                ? 'enabled'
                : 'static';
    } else if (c.dir.origin === 'gen') state = 'generated';
    else if (!install) state = 'static';
    else if (also.length > 0 && wantedBy.length === 0) state = 'indirect';
    else state = 'disabled';
    const row: Record<string, Row[string]> = {
      name: c.name,
      unit_type: unitType,
      source: 'systemd',
      state,
      enabled,
      masked,
      active: null,
      path: masked ? c.entry : fragment,
      line,
      wanted_by: wantedBy,
      enabled_by: w ? [...w.by].sort() : [],
      exec,
    };
    rowsByName.set(c.name, row);
  }
  // Aliases take the state of the unit they name.
  for (const [alias, canonical] of aliasOf) {
    const r = rowsByName.get(alias);
    const target = rowsByName.get(canonical);
    if (!r) continue;
    const enabled = Boolean(r['enabled']) || Boolean(target?.['enabled']);
    rowsByName.set(alias, {
      ...r,
      state: 'alias',
      enabled,
      wanted_by: target?.['wanted_by'] ?? r['wanted_by'] ?? [],
      exec: target?.['exec'] ?? r['exec'] ?? null,
    });
  }
  // Instances of templates enabled through wants links (getty@tty1.service), and links to units not found.
  for (const [name, w] of wanted) {
    if (rowsByName.has(name)) continue;
    const tpl = templateOf(name);
    const t = tpl ? rowsByName.get(tpl) : undefined;
    const masked = false;
    rowsByName.set(name, {
      name,
      unit_type: name.slice(name.lastIndexOf('.') + 1),
      source: 'systemd',
      state: t
        ? w.origins.has('etc')
          ? 'enabled'
          : w.origins.has('run')
            ? 'enabled-runtime'
            : 'static'
        : 'not-found',
      enabled: t ? !t['masked'] : true,
      masked,
      active: null,
      path: t ? (t['path'] ?? null) : null,
      line: null,
      wanted_by: t?.['wanted_by'] ?? [],
      enabled_by: [...w.by].sort(),
      exec: t?.['exec'] ?? null,
    });
    names.add(name);
  }
  for (const name of [...rowsByName.keys()].sort()) scan.rows.push(rowsByName.get(name)!);
  return names;
}

const SYSV_SKIP = new Set([
  'README',
  'skeleton',
  'rc',
  'rcS',
  'functions',
  '.depend.boot',
  '.depend.start',
  '.depend.stop',
  '.legacy-bootordering',
]);

async function sysv(
  ctx: CollectContext,
  scan: Scan,
  native: Set<string>,
  systemdPresent: boolean,
): Promise<void> {
  const scripts = await ctx.target.readdir('/etc/init.d');
  if (!scripts) return;
  scan.found = true;
  scan.sources.push('/etc/init.d');
  const started = new Map<string, string[]>();
  for (const level of ['2', '3', '4', '5']) {
    const dir = `/etc/rc${level}.d`;
    const ents = await ctx.target.readdir(dir);
    if (!ents) continue;
    scan.sources.push(dir);
    for (const e of ents) {
      const m = /^S\d{0,3}(.+)$/.exec(e.name);
      if (!m) continue;
      let name = m[1]!;
      if (e.type === 'symlink') {
        const li = await safeStat(ctx, `${dir}/${e.name}`, false, scan.problems);
        if (li?.target) name = base(li.target);
      }
      const l = started.get(name) ?? [];
      l.push(level);
      started.set(name, l);
    }
  }
  for (const s of scripts) {
    if (
      SYSV_SKIP.has(s.name) ||
      s.name.startsWith('.') ||
      s.name.endsWith('.dpkg-dist') ||
      s.name.endsWith('.rpmsave')
    )
      continue;
    if (s.type !== 'file' && s.type !== 'symlink') continue;
    const levels = started.get(s.name) ?? [];
    // systemd ignores an init script that has a native unit of the same name.
    const shadowed = systemdPresent && native.has(`${s.name}.service`);
    scan.rows.push({
      name: s.name,
      unit_type: 'service',
      source: 'sysv',
      state: shadowed ? 'shadowed' : levels.length > 0 ? 'enabled' : 'disabled',
      enabled: !shadowed && levels.length > 0,
      masked: false,
      active: null,
      path: `/etc/init.d/${s.name}`,
      line: null,
      wanted_by: levels.map((l) => `runlevel${l}`),
      enabled_by: levels.map((l) => `rc${l}.d`),
      exec: null,
    });
  }
}

async function readConf(ctx: CollectContext, p: string, scan: Scan): Promise<string | undefined> {
  const r = await ctx.target.readText(p, { maxBytes: 1024 * 1024 });
  if (r.status === 'absent') return undefined;
  if (r.status !== 'ok') {
    scan.problems.push(r.reason);
    return undefined;
  }
  if (r.binary) {
    scan.problems.push(`${p} is binary, not text`);
    return undefined;
  }
  if (r.truncated) scan.problems.push(`${p} is larger than 1 MiB; only its beginning was read`);
  scan.sources.push(p);
  scan.found = true;
  return r.text;
}

async function inetd(ctx: CollectContext, scan: Scan): Promise<void> {
  const text = await readConf(ctx, '/etc/inetd.conf', scan);
  if (text === undefined) return;
  for (const e of parseInetdConf(text))
    scan.rows.push({
      name: e.name,
      unit_type: e.protocol,
      source: 'inetd',
      state: e.enabled ? 'enabled' : 'disabled',
      enabled: e.enabled,
      masked: false,
      active: null,
      path: '/etc/inetd.conf',
      line: e.line,
      wanted_by: [],
      enabled_by: [],
      exec: e.server,
    });
}

async function xinetd(ctx: CollectContext, scan: Scan): Promise<void> {
  const main = await readConf(ctx, '/etc/xinetd.conf', scan);
  const files: { path: string; text: string }[] = [];
  let dirs = ['/etc/xinetd.d'];
  let defaults: Record<string, string> = {};
  if (main !== undefined) {
    const p = parseXinetdConf(main);
    defaults = p.defaults;
    files.push({ path: '/etc/xinetd.conf', text: main });
    if (p.includeDirs.length > 0) dirs = p.includeDirs;
    for (const inc of p.includes) {
      const t = await readConf(ctx, inc, scan);
      if (t !== undefined) files.push({ path: inc, text: t });
    }
  }
  for (const d of dirs) {
    const ents = await ctx.target.readdir(d);
    if (!ents) continue;
    // xinetd skips files with a dot or ending in ~ in an includedir.
    for (const e of ents) {
      if (e.name.includes('.') || e.name.endsWith('~') || (e.type !== 'file' && e.type !== 'symlink'))
        continue;
      const t = await readConf(ctx, `${d}/${e.name}`, scan);
      if (t !== undefined) files.push({ path: `${d}/${e.name}`, text: t });
    }
  }
  for (const f of files)
    for (const s of parseXinetdConf(f.text).services) {
      const on = xinetdEnabled(s, defaults);
      scan.rows.push({
        name: s.name,
        unit_type: s.attrs['protocol'] ?? s.attrs['socket_type'] ?? 'service',
        source: 'xinetd',
        state: on ? 'enabled' : 'disabled',
        enabled: on,
        masked: false,
        active: null,
        path: f.path,
        line: s.line,
        wanted_by: [],
        enabled_by: [],
        exec: [s.attrs['server'], s.attrs['server_args']].filter(Boolean).join(' ') || null,
      });
    }
}

/** Parses `systemctl list-units --all --plain --no-legend` lines: UNIT LOAD ACTIVE SUB DESCRIPTION. */
export function parseListUnits(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const f = raw
      .replace(/^[\s●*×]+/, '')
      .trim()
      .split(/\s+/);
    if (f.length >= 3 && UNIT_RE.test(f[0]!)) out.set(f[0]!, f[2]!);
  }
  return out;
}

function runSystemctl(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'systemctl',
      ['list-units', '--all', '--plain', '--no-legend', '--no-pager'],
      { timeout: 5000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, SYSTEMD_COLORS: '0' } },
      (err, stdout) => {
        if (err) reject(new Error(err.message));
        else resolve(stdout);
      },
    );
  });
}

/** Live only: the active state of each unit, or why it is unknown. */
async function activeStates(
  ctx: CollectContext,
  scan: Scan,
): Promise<{ states?: Map<string, string>; reason?: string }> {
  if (ctx.mode !== 'live') return { reason: 'active state only exists on a running system' };
  // sd_booted(3): systemd is PID 1 exactly when /run/systemd/system exists.
  const booted = await safeStat(ctx, '/run/systemd/system', true, scan.problems);
  if (!booted || booted.type !== 'dir')
    return { reason: 'systemd is not running on this host (no /run/systemd/system); active state unknown' };
  try {
    const states = parseListUnits(await runSystemctl());
    scan.sources.push('systemctl list-units');
    return { states };
  } catch {
    const ents = await ctx.target.readdir('/run/systemd/units');
    if (!ents)
      return { reason: 'systemctl failed and /run/systemd/units is unreadable; active state unknown' };
    scan.sources.push('/run/systemd/units');
    const states = new Map<string, string>();
    for (const e of ents)
      if (e.name.startsWith('invocation:')) states.set(e.name.slice('invocation:'.length), 'active');
    return { states };
  }
}

const services: Collector = {
  name: 'services',
  description:
    'Services that start on their own: systemd units from /etc/systemd/system, /usr/local/lib/systemd/system, /usr/lib/systemd/system and /lib/systemd/system (plus /run when live), first name wins; enabled through *.wants/ and *.requires/ links (template instances and alias names included); masked when linked to /dev/null or empty; static without an [Install] section. SysV scripts in /etc/init.d enabled by S links in /etc/rc[2-5].d (source sysv; "shadowed" when a native unit exists), inetd.conf lines and xinetd services (disable = yes honoured). `active` only live (systemctl list-units of the running host, else /run/systemd/units), null offline.',
  fields: {
    name: 'string',
    unit_type: 'string',
    source: 'string',
    state: 'string',
    enabled: 'bool',
    masked: 'bool',
    active: 'string',
    path: 'string',
    line: 'int',
    wanted_by: 'string_list',
    enabled_by: 'string_list',
    exec: 'string',
  },
  async collect(ctx) {
    const scan: Scan = { rows: [], sources: [], problems: [], found: false };
    const native = await systemdUnits(ctx, scan);
    const systemdPresent = scan.found;
    await sysv(ctx, scan, native, systemdPresent);
    await inetd(ctx, scan);
    await xinetd(ctx, scan);
    if (!scan.found)
      return {
        status: scan.problems.length > 0 ? 'error' : 'absent',
        rows: [],
        sources: scan.sources,
        reason:
          scan.problems.join('; ') ||
          'no systemd unit directory, init.d, inetd.conf or xinetd configuration found',
      };
    const act = systemdPresent ? await activeStates(ctx, scan) : { reason: 'no systemd units' };
    let rows = scan.rows;
    if (act.states) {
      const states = act.states;
      rows = rows.map((r) =>
        r['source'] === 'systemd' ? { ...r, active: states.get(r['name'] as string) ?? 'inactive' } : r,
      );
    }
    const notes = [...scan.problems];
    if (scan.problems.length > 0)
      return { status: 'incomplete', rows, sources: scan.sources, reason: notes.join('; ') };
    if (ctx.mode === 'live' && act.reason)
      return { status: 'complete', rows, sources: scan.sources, reason: act.reason };
    return { status: 'complete', rows, sources: scan.sources };
  },
};

export const collectors: Collector[] = [services];
