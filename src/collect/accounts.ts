/**
 * Accounts and authentication: users, groups, shadow, login.defs, PAM, sudoers, last logins and
 * the offline default-credential check. Everything is read through ctx.target and works offline.
 * Password hashes never leave this module: rows carry only their classification.
 */
import type { FactStatus, Row } from '../core/types.js';
import type { CollectContext, CollectOutput, Collector } from './types.js';
import { parsePasswd, type PasswdEntry } from './parsers/passwd.js';
import { parseGroup, parseGshadow, type GroupEntry, type GshadowEntry } from './parsers/group.js';
import { parseShadow, type ShadowEntry } from './parsers/shadow.js';
import { parseLoginDefs } from './parsers/login-defs.js';
import { argSettings, parseKeyValueConf, parsePam, type PamLine } from './parsers/pam.js';
import { parseSudoers } from './parsers/sudoers.js';
import { LASTLOG_RECORD, lastLoginByUser, parseLastlog, parseWtmp } from './parsers/lastlog.js';
import { verifyPassword } from './crypt.js';
import { candidatesFor, defaultCredentials, type DefaultCredential } from './default-credentials.js';

const DAY = 86_400_000;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

interface Table<T> {
  status: FactStatus;
  path: string;
  entries: T[];
  reason?: string;
}

/** Reads and parses one text file of the target, memoised per scan. */
async function table<T>(ctx: CollectContext, p: string, parse: (text: string) => T[]): Promise<Table<T>> {
  return ctx.memo(`accounts:${p}`, async () => {
    const r = await ctx.target.readText(p);
    if (r.status === 'absent') return { status: 'absent' as const, path: p, entries: [] };
    if (r.status !== 'ok')
      return {
        status: r.status === 'not_collected' ? ('not_collected' as const) : ('error' as const),
        path: p,
        entries: [],
        reason: r.reason,
      };
    if (r.binary)
      return { status: 'error' as const, path: p, entries: [], reason: `${p} is binary, not text` };
    const entries = parse(r.text);
    return r.truncated
      ? {
          status: 'incomplete' as const,
          path: p,
          entries,
          reason: `${p} is larger than the read cap; only its beginning was read`,
        }
      : { status: 'complete' as const, path: p, entries };
  });
}

const passwd = (ctx: CollectContext) => table<PasswdEntry>(ctx, '/etc/passwd', parsePasswd);
const group = (ctx: CollectContext) => table<GroupEntry>(ctx, '/etc/group', parseGroup);
const gshadow = (ctx: CollectContext) => table<GshadowEntry>(ctx, '/etc/gshadow', parseGshadow);
const shadowTable = (ctx: CollectContext) => table<ShadowEntry>(ctx, '/etc/shadow', parseShadow);

function output(t: Table<unknown>, rows: Row[], sources: string[], extra?: string): CollectOutput {
  const reason = [t.reason, extra].filter(Boolean).join('; ');
  const status: FactStatus = extra && t.status === 'complete' ? 'incomplete' : t.status;
  return reason ? { status, rows, sources, reason } : { status, rows, sources };
}

function counts<T>(items: readonly T[], key: (x: T) => string | number | null): Map<string | number, number> {
  const m = new Map<string | number, number>();
  for (const x of items) {
    const k = key(x);
    if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

// ---------------------------------------------------------------- users

const users: Collector = {
  name: 'users',
  description:
    "Local accounts from /etc/passwd, one row per line (NIS `+`/`-` lines included with legacy=true), with how often the uid and name occur, whether the primary group exists in /etc/group, the classification of the passwd password field (x, empty, other — never its value), and the home directory's existence, type, mode and owner inside the target (home_owned_by_user: its owner is the account's uid).",
  fields: {
    name: 'string',
    uid: 'int',
    gid: 'int',
    gecos: 'string',
    home: 'string',
    shell: 'string',
    path: 'string',
    line: 'int',
    legacy: 'bool',
    malformed: 'bool',
    password_field: 'string',
    uid_count: 'int',
    name_count: 'int',
    primary_group: 'string',
    primary_group_exists: 'bool',
    home_exists: 'bool',
    home_type: 'string',
    home_mode: 'mode',
    home_uid: 'int',
    home_owned_by_user: 'bool',
  },
  async collect(ctx) {
    const t = await passwd(ctx);
    if (t.status === 'absent' || t.status === 'error' || t.status === 'not_collected')
      return output(t, [], [t.path]);
    const g = await group(ctx);
    const gids = new Map<number, string>();
    for (const e of g.entries) if (e.gid !== null && !e.legacy && !gids.has(e.gid)) gids.set(e.gid, e.name);
    const real = t.entries.filter((e) => !e.legacy);
    const uidCount = counts(real, (e) => e.uid);
    const nameCount = counts(real, (e) => e.name);
    const rows: Row[] = [];
    const problems: string[] = [];
    for (const e of t.entries) {
      let home: { exists: boolean | null; type: string | null; mode: number | null; uid: number | null } = {
        exists: null,
        type: null,
        mode: null,
        uid: null,
      };
      if (!e.legacy && e.home.startsWith('/')) {
        try {
          const st = await ctx.target.stat(e.home, { follow: true });
          home = st
            ? { exists: true, type: st.type, mode: st.mode, uid: st.uid }
            : { exists: false, type: null, mode: null, uid: null };
        } catch (err) {
          problems.push(`home of ${e.name}: ${errText(err)}`);
        }
      } else if (!e.legacy) home = { exists: false, type: null, mode: null, uid: null };
      rows.push({
        name: e.name,
        uid: e.uid,
        gid: e.gid,
        gecos: e.gecos,
        home: e.home,
        shell: e.shell,
        path: t.path,
        line: e.line,
        legacy: e.legacy,
        malformed: e.malformed,
        password_field: e.passwordField === 'x' ? 'x' : e.passwordField === '' ? 'empty' : 'other',
        uid_count: e.legacy || e.uid === null ? 0 : (uidCount.get(e.uid) ?? 0),
        name_count: e.legacy ? 0 : (nameCount.get(e.name) ?? 0),
        primary_group: e.gid === null ? null : (gids.get(e.gid) ?? null),
        primary_group_exists:
          g.status === 'absent' || g.status === 'error' || e.gid === null ? null : gids.has(e.gid),
        home_exists: home.exists,
        home_type: home.type,
        home_mode: home.mode,
        home_uid: home.uid,
        home_owned_by_user: home.uid === null || e.uid === null ? null : home.uid === e.uid,
      });
    }
    return output(t, rows, [t.path, g.path], problems.length ? problems.slice(0, 5).join('; ') : undefined);
  },
};

// ---------------------------------------------------------------- groups

const groups: Collector = {
  name: 'groups',
  description:
    'Local groups from /etc/group (legacy `+`/`-` lines included), with how often the gid and name occur, the users whose primary group it is, and whether /etc/gshadow lists the group (null when there is no gshadow).',
  fields: {
    name: 'string',
    gid: 'int',
    members: 'string_list',
    primary_members: 'string_list',
    path: 'string',
    line: 'int',
    legacy: 'bool',
    malformed: 'bool',
    gid_count: 'int',
    name_count: 'int',
    in_gshadow: 'bool',
  },
  async collect(ctx) {
    const t = await group(ctx);
    if (t.status === 'absent' || t.status === 'error' || t.status === 'not_collected')
      return output(t, [], [t.path]);
    const p = await passwd(ctx);
    const gs = await gshadow(ctx);
    const gsNames = new Set(gs.entries.map((e) => e.name));
    const real = t.entries.filter((e) => !e.legacy);
    const gidCount = counts(real, (e) => e.gid);
    const nameCount = counts(real, (e) => e.name);
    const rows: Row[] = t.entries.map((e) => ({
      name: e.name,
      gid: e.gid,
      members: e.members,
      primary_members:
        e.gid === null || e.legacy
          ? []
          : p.entries.filter((u) => !u.legacy && u.gid === e.gid).map((u) => u.name),
      path: t.path,
      line: e.line,
      legacy: e.legacy,
      malformed: e.malformed,
      gid_count: e.legacy || e.gid === null ? 0 : (gidCount.get(e.gid) ?? 0),
      name_count: e.legacy ? 0 : (nameCount.get(e.name) ?? 0),
      in_gshadow: gs.status === 'complete' || gs.status === 'incomplete' ? gsNames.has(e.name) : null,
    }));
    return output(t, rows, [t.path, p.path, gs.path]);
  },
};

// ---------------------------------------------------------------- shadow

const shadow: Collector = {
  name: 'shadow',
  description:
    "Password state of each account from /etc/shadow: hash / empty / locked / no_password and the hash algorithm (never the hash), password ageing in days (last change since the epoch, age relative to the scan time, min, max, warn, inactive, expire), the account's uid and shell from /etc/passwd, whether it exists there, and how often the name occurs.",
  fields: {
    user: 'string',
    uid: 'int',
    shell: 'string',
    in_passwd: 'bool',
    password_status: 'string',
    hash_alg: 'string',
    last_change_days: 'int',
    password_age_days: 'int',
    min_days: 'int',
    max_days: 'int',
    warn_days: 'int',
    inactive_days: 'int',
    expire_days: 'int',
    path: 'string',
    line: 'int',
    legacy: 'bool',
    malformed: 'bool',
    name_count: 'int',
  },
  async collect(ctx) {
    const t = await shadowTable(ctx);
    if (t.status === 'absent' || t.status === 'error' || t.status === 'not_collected')
      return output(t, [], [t.path]);
    const p = await passwd(ctx);
    const byName = new Map<string, PasswdEntry>();
    for (const u of p.entries) if (!u.legacy && !byName.has(u.name)) byName.set(u.name, u);
    const today = Math.floor(ctx.now.getTime() / DAY);
    const nameCount = counts(
      t.entries.filter((e) => !e.legacy),
      (e) => e.user,
    );
    const rows: Row[] = t.entries.map((e) => {
      const u = byName.get(e.user);
      return {
        user: e.user,
        uid: u?.uid ?? null,
        shell: u?.shell ?? null,
        in_passwd: e.legacy ? null : u !== undefined,
        password_status: e.status,
        hash_alg: e.alg,
        last_change_days: e.lastChange,
        password_age_days: e.lastChange === null || e.lastChange === 0 ? null : today - e.lastChange,
        min_days: e.min,
        max_days: e.max,
        warn_days: e.warn,
        inactive_days: e.inactive,
        expire_days: e.expire,
        path: t.path,
        line: e.line,
        legacy: e.legacy,
        malformed: e.malformed,
        name_count: e.legacy ? 0 : (nameCount.get(e.user) ?? 0),
      };
    });
    return output(t, rows, [t.path, p.path]);
  },
};

// ---------------------------------------------------------------- login.defs

const loginDefs: Collector = {
  name: 'login_defs',
  description:
    'Settings of /etc/login.defs (shadow-utils), one row per line; `effective` marks the occurrence that applies (the last one for its key). Keys keep their case (PASS_MAX_DAYS).',
  fields: { key: 'string', value: 'string', path: 'string', line: 'int', effective: 'bool' },
  async collect(ctx) {
    const t = await table(ctx, '/etc/login.defs', parseLoginDefs);
    const rows: Row[] = t.entries.map((d) => ({
      key: d.key,
      value: d.value,
      path: t.path,
      line: d.line,
      effective: d.effective,
    }));
    return output(t, rows, [t.path]);
  },
};

const useraddDefaults: Collector = {
  name: 'useradd_defaults',
  description:
    'Defaults of useradd from /etc/default/useradd (KEY=value lines: INACTIVE, EXPIRE, SHELL, HOME, CREATE_MAIL_SPOOL …), one row per line.',
  fields: { key: 'string', value: 'string', path: 'string', line: 'int' },
  async collect(ctx) {
    const t = await table(ctx, '/etc/default/useradd', (text) =>
      text.split('\n').flatMap((raw, i) => {
        const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(raw.replace(/\r$/, ''));
        if (!m) return [];
        const v = m[2]!.replace(/^"(.*)"$/, '$1');
        return [{ key: m[1]!, value: v, line: i + 1 }];
      }),
    );
    return output(
      t,
      t.entries.map((d) => ({ key: d.key, value: d.value, path: t.path, line: d.line })),
      [t.path],
    );
  },
};

// ---------------------------------------------------------------- PAM

const PAM_DIRS = ['/etc/pam.d', '/usr/lib/pam.d'];
const MAX_INCLUDE_DEPTH = 10;

interface PamFile {
  path: string;
  lines: PamLine[];
}

async function pamFiles(
  ctx: CollectContext,
): Promise<{ services: Map<string, PamFile>; problems: string[]; any: boolean }> {
  return ctx.memo('accounts:pam', async () => {
    const services = new Map<string, PamFile>();
    const problems: string[] = [];
    let any = false;
    for (const dir of PAM_DIRS) {
      const ents = await ctx.target.readdir(dir);
      if (!ents) continue;
      any = true;
      for (const e of ents) {
        if (
          services.has(e.name) ||
          e.type === 'dir' ||
          e.name.startsWith('.') ||
          e.name.endsWith('~') ||
          e.name.endsWith('.dpkg-old') ||
          e.name.endsWith('.dpkg-dist') ||
          e.name.endsWith('.rpmnew') ||
          e.name.endsWith('.rpmsave')
        )
          continue;
        const p = `${dir}/${e.name}`;
        const r = await ctx.target.readText(p, { maxBytes: 1024 * 1024 });
        if (r.status !== 'ok') {
          if (r.status !== 'absent') problems.push(r.reason);
          continue;
        }
        if (r.binary) {
          problems.push(`${p} is binary`);
          continue;
        }
        services.set(e.name, { path: p, lines: parsePam(r.text) });
      }
    }
    return { services, problems, any };
  });
}

function resolvePam(
  files: Map<string, PamFile>,
  service: string,
  onlyType: string | null,
  depth: number,
  from: string | null,
  seen: Set<string>,
  out: Row[],
  problems: string[],
  name: string,
): void {
  const f = files.get(service.startsWith('/') ? service.slice(service.lastIndexOf('/') + 1) : service);
  if (!f) {
    problems.push(`${name}: included service ${service} not found`);
    return;
  }
  if (depth > MAX_INCLUDE_DEPTH || seen.has(f.path)) {
    problems.push(`${name}: include loop or depth over ${MAX_INCLUDE_DEPTH} at ${f.path}`);
    return;
  }
  const seen2 = new Set(seen).add(f.path);
  for (const l of f.lines) {
    if (onlyType !== null && l.type !== onlyType && l.type !== 'include') continue;
    out.push({
      service: name,
      path: f.path,
      line: l.line,
      type: l.type,
      control: l.control,
      module: l.module,
      args: l.args,
      optional: l.optional,
      included_from: from,
    });
    if (l.type === 'include')
      resolvePam(files, l.module, onlyType, depth + 1, f.path, seen2, out, problems, name);
    else if (l.control === 'include' || l.control === 'substack')
      resolvePam(files, l.module, l.type, depth + 1, f.path, seen2, out, problems, name);
  }
}

const pam: Collector = {
  name: 'pam',
  description:
    'PAM stacks of every service in /etc/pam.d (then /usr/lib/pam.d): one row per module line, with `@include`, `include` and `substack` resolved so that the lines of common-auth, system-auth etc. also appear under each including service, keeping their own path and line (`included_from` names the including file). `module` is the file name (pam_unix.so); for include lines it is the included service.',
  fields: {
    service: 'string',
    path: 'string',
    line: 'int',
    type: 'string',
    control: 'string',
    module: 'string',
    args: 'string_list',
    optional: 'bool',
    included_from: 'string',
  },
  async collect(ctx) {
    const { services, problems, any } = await pamFiles(ctx);
    if (!any) return { status: 'absent', rows: [], sources: PAM_DIRS, reason: 'no /etc/pam.d directory' };
    const rows: Row[] = [];
    const resolveProblems: string[] = [];
    for (const name of services.keys())
      resolvePam(services, name, null, 0, null, new Set(), rows, resolveProblems, name);
    const all = [...problems, ...resolveProblems];
    const sources = [...services.values()].map((f) => f.path);
    // A missing included file is what PAM itself reports at run time; it is evidence, not a collection failure.
    return problems.length
      ? { status: 'incomplete', rows, sources, reason: all.slice(0, 5).join('; ') }
      : resolveProblems.length
        ? { status: 'complete', rows, sources, reason: resolveProblems.slice(0, 5).join('; ') }
        : { status: 'complete', rows, sources };
  },
};

const PAM_CONF_FILES: [string, string][] = [
  ['pwquality', '/etc/security/pwquality.conf'],
  ['pwquality', '/etc/security/pwquality.conf.d/*.conf'],
  ['faillock', '/etc/security/faillock.conf'],
  ['pwhistory', '/etc/security/pwhistory.conf'],
];
const MODULE_FILE: Record<string, string> = {
  'pam_pwquality.so': 'pwquality',
  'pam_cracklib.so': 'pwquality',
  'pam_faillock.so': 'faillock',
  'pam_pwhistory.so': 'pwhistory',
  'pam_unix.so': 'unix',
  'pam_tally2.so': 'tally2',
  'pam_faildelay.so': 'faildelay',
};

const pamSettings: Collector = {
  name: 'pam_settings',
  description:
    'Options of the PAM password modules: key=value lines of /etc/security/pwquality.conf (+ pwquality.conf.d/*.conf), faillock.conf and pwhistory.conf (origin "conf"), and the arguments of pam_pwquality/pam_cracklib, pam_faillock, pam_pwhistory, pam_unix, pam_tally2 and pam_faildelay lines in /etc/pam.d (origin "pam", with the service). `file` names the module family: pwquality, faillock, pwhistory, unix, tally2, faildelay. Flags have the value "". Keys are lower case.',
  fields: {
    file: 'string',
    key: 'string',
    value: 'string',
    path: 'string',
    line: 'int',
    origin: 'string',
    service: 'string',
  },
  async collect(ctx) {
    const rows: Row[] = [];
    const sources: string[] = [];
    const problems: string[] = [];
    for (const [file, pattern] of PAM_CONF_FILES) {
      const paths = pattern.includes('*') ? await ctx.target.glob(pattern) : [pattern];
      for (const p of paths) {
        const r = await ctx.target.readText(p, { maxBytes: 1024 * 1024 });
        if (r.status === 'absent') continue;
        if (r.status !== 'ok' || r.binary) {
          problems.push(r.status === 'ok' ? `${p} is binary` : r.reason);
          continue;
        }
        sources.push(p);
        for (const s of parseKeyValueConf(r.text))
          rows.push({
            file,
            key: s.key,
            value: s.value,
            path: p,
            line: s.line,
            origin: 'conf',
            service: null,
          });
      }
    }
    const { services, problems: pamProblems, any } = await pamFiles(ctx);
    problems.push(...pamProblems);
    for (const [name, f] of services) {
      for (const l of f.lines) {
        const file = MODULE_FILE[l.module];
        if (!file || l.control === 'include' || l.control === 'substack') continue;
        for (const a of argSettings(l.args))
          rows.push({
            file,
            key: a.key,
            value: a.value,
            path: f.path,
            line: l.line,
            origin: 'pam',
            service: name,
          });
      }
      if (f.lines.some((l) => MODULE_FILE[l.module])) sources.push(f.path);
    }
    if (!any && sources.length === 0)
      return {
        status: 'absent',
        rows,
        sources: PAM_CONF_FILES.map((x) => x[1]),
        reason: 'no PAM configuration',
      };
    return problems.length
      ? { status: 'incomplete', rows, sources, reason: problems.slice(0, 5).join('; ') }
      : { status: 'complete', rows, sources };
  },
};

// ---------------------------------------------------------------- sudoers

const MAX_SUDOERS_FILES = 500;

const sudoers: Collector = {
  name: 'sudoers',
  description:
    'sudo policy from /etc/sudoers and everything it includes (#include/@include, #includedir/@includedir — files whose name contains "." or ends in "~" are skipped, as sudo does), continuation lines joined. One row per Defaults entry (defaults_key, defaults_value: "true"/"false" for flags, the text for values, "+"/"-" prefixed for += / -=), per alias, per include directive and per user specification (subject = users, commands, nopasswd when any command carries NOPASSWD).',
  fields: {
    path: 'string',
    line: 'int',
    kind: 'string',
    text: 'string',
    subject: 'string',
    nopasswd: 'bool',
    authenticate_off: 'bool',
    commands: 'string_list',
    defaults_key: 'string',
    defaults_value: 'string',
  },
  async collect(ctx) {
    const rows: Row[] = [];
    const sources: string[] = [];
    const problems: string[] = [];
    const visited = new Set<string>();
    const visit = async (p: string, depth: number): Promise<boolean> => {
      if (visited.has(p) || visited.size >= MAX_SUDOERS_FILES) {
        if (!visited.has(p)) problems.push(`more than ${MAX_SUDOERS_FILES} sudoers files`);
        return true;
      }
      if (depth > 128) {
        problems.push(`include depth over 128 at ${p}`);
        return true;
      }
      visited.add(p);
      const r = await ctx.target.readText(p, { maxBytes: 1024 * 1024 });
      if (r.status === 'absent') return false;
      if (r.status !== 'ok' || r.binary) {
        problems.push(r.status === 'ok' ? `${p} is binary` : r.reason);
        return true;
      }
      if (r.truncated) problems.push(`${p} is larger than 1 MiB; only its beginning was read`);
      sources.push(p);
      const dir = p.slice(0, p.lastIndexOf('/')) || '/';
      for (const e of parseSudoers(r.text)) {
        rows.push({
          path: p,
          line: e.line,
          kind: e.kind,
          text: e.text,
          subject: e.subject,
          nopasswd: e.nopasswd,
          authenticate_off: e.authenticateOff,
          commands: e.commands,
          defaults_key: e.defaultsKey,
          defaults_value: e.defaultsValue,
        });
        if (!e.include) continue;
        const target = e.include.path.startsWith('/') ? e.include.path : `${dir}/${e.include.path}`;
        if (e.include.dir) {
          const ents = await ctx.target.readdir(target);
          for (const d of ents ?? [])
            if (d.type !== 'dir' && !d.name.includes('.') && !d.name.endsWith('~'))
              await visit(`${target}/${d.name}`, depth + 1);
        } else if (!(await visit(target, depth + 1)))
          problems.push(`${p}:${e.line}: included file ${target} does not exist`);
      }
      return true;
    };
    const found = await visit('/etc/sudoers', 0);
    if (!found) return { status: 'absent', rows: [], sources: ['/etc/sudoers'] };
    return problems.length
      ? { status: 'incomplete', rows, sources, reason: problems.slice(0, 5).join('; ') }
      : { status: 'complete', rows, sources };
  },
};

// ---------------------------------------------------------------- logins

/** lastlog is sparse and indexed by uid: read at most this much of it. */
const MAX_LASTLOG_BYTES = 64 * 1024 * 1024;
const MAX_WTMP_BYTES = 32 * 1024 * 1024;

const logins: Collector = {
  name: 'logins',
  description:
    "Last login of each account in /etc/passwd, from /var/log/lastlog (records indexed by uid) and /var/log/wtmp (USER_PROCESS records), whichever is later; days since then relative to the scan time. Carries the account's shell and password status from /etc/shadow so rules can ask whether unused accounts are locked. Not collected when neither file exists (e.g. systems with lastlog2 only).",
  fields: {
    user: 'string',
    uid: 'int',
    shell: 'string',
    password_status: 'string',
    password_age_days: 'int',
    last_login_days: 'int',
    never_logged_in: 'bool',
    source: 'string',
  },
  async collect(ctx) {
    const p = await passwd(ctx);
    if (p.status === 'absent' || p.status === 'error' || p.status === 'not_collected')
      return output(p, [], [p.path]);
    const accounts = p.entries.filter((e) => !e.legacy && e.uid !== null);
    const maxUid = Math.floor(MAX_LASTLOG_BYTES / LASTLOG_RECORD) - 1;
    const readable = accounts.filter((e) => e.uid! <= maxUid);
    const sources: string[] = [];
    const problems: string[] = [];
    let lastlog: Map<number, number> | undefined;
    const top = readable.reduce((m, e) => Math.max(m, e.uid!), 0);
    const ll = await ctx.target.readBytes('/var/log/lastlog', { maxBytes: (top + 1) * LASTLOG_RECORD });
    if (Buffer.isBuffer(ll)) {
      sources.push('/var/log/lastlog');
      lastlog = new Map();
      for (const r of parseLastlog(
        ll,
        readable.map((e) => e.uid!),
      ))
        if (r.time !== null) lastlog.set(r.uid, r.time);
      if (readable.length < accounts.length)
        problems.push(`uids above ${maxUid} were not looked up in lastlog`);
    } else if (ll.status !== 'absent') problems.push(ll.status === 'ok' ? 'lastlog unreadable' : ll.reason);
    let wtmp: Map<string, number> | undefined;
    const wt = await ctx.target.readBytes('/var/log/wtmp', { maxBytes: MAX_WTMP_BYTES });
    if (Buffer.isBuffer(wt)) {
      sources.push('/var/log/wtmp');
      if (wt.length > MAX_WTMP_BYTES)
        problems.push(`/var/log/wtmp is larger than ${MAX_WTMP_BYTES} bytes; later records were not read`);
      wtmp = lastLoginByUser(parseWtmp(wt.subarray(0, MAX_WTMP_BYTES)));
    } else if (wt.status !== 'absent') problems.push(wt.status === 'ok' ? 'wtmp unreadable' : wt.reason);
    if (!lastlog && !wtmp)
      return {
        status: problems.length ? 'error' : 'not_collected',
        rows: [],
        sources: ['/var/log/lastlog', '/var/log/wtmp'],
        reason: problems.length
          ? problems.join('; ')
          : 'neither /var/log/lastlog nor /var/log/wtmp exists; last logins are unknown',
      };
    const sh = await shadowTable(ctx);
    const shadowBy = new Map(sh.entries.map((e) => [e.user, e] as const));
    const today = Math.floor(ctx.now.getTime() / DAY);
    const rows: Row[] = accounts.map((e) => {
      const a = lastlog?.get(e.uid!);
      const b = wtmp?.get(e.name);
      const t = Math.max(a ?? 0, b ?? 0);
      const s = shadowBy.get(e.name);
      const lc = s?.lastChange ?? null;
      return {
        user: e.name,
        uid: e.uid,
        shell: e.shell,
        password_status: s?.status ?? null,
        password_age_days: lc === null || lc === 0 ? null : today - lc,
        last_login_days: t > 0 ? Math.floor((ctx.now.getTime() - t * 1000) / DAY) : null,
        never_logged_in: t === 0,
        source: a !== undefined && (b === undefined || a >= b) ? 'lastlog' : b !== undefined ? 'wtmp' : null,
      };
    });
    return problems.length
      ? { status: 'incomplete', rows, sources, reason: problems.join('; ') }
      : { status: 'complete', rows, sources };
  },
};

// ---------------------------------------------------------------- default credentials

/** Bounds the work of one scan: a SHA-crypt check costs milliseconds, a default yescrypt one (`$y$j9T$`) about 25 ms, bcrypt cost 10 about 100 ms. */
const MAX_VERIFICATIONS = 3000;
const MAX_VERIFY_MS = 60_000;

const defaultCreds: Collector = {
  name: 'default_credentials',
  description:
    "For every account of /etc/shadow with a password hash, whether the hash verifies offline against the bundled list of well-known default passwords (content/data/default-credentials.yaml: the account's own entries and the generic ones). Status matched / not_matched / unsupported_hash (a scheme this version cannot verify — DES, gost-yescrypt, yescrypt with a ROM, or a cost beyond the scan budget; the fact is then incomplete). Verified: SHA-512/256-crypt, MD5-crypt, yescrypt and scrypt ($y$, $7$), bcrypt ($2a/b/y$) / locked / no_hash. Neither the password nor the hash is ever reported.",
  fields: {
    user: 'string',
    uid: 'int',
    status: 'string',
    hash_alg: 'string',
    source: 'string',
    path: 'string',
    line: 'int',
  },
  async collect(ctx) {
    const t = await shadowTable(ctx);
    if (t.status === 'absent' || t.status === 'error' || t.status === 'not_collected')
      return output(t, [], [t.path]);
    const p = await passwd(ctx);
    const uids = new Map(p.entries.filter((e) => !e.legacy).map((e) => [e.name, e.uid] as const));
    const rows: Row[] = [];
    const unsupported: string[] = [];
    let budget = MAX_VERIFICATIONS;
    let list: DefaultCredential[] | undefined;
    const deadline = Date.now() + MAX_VERIFY_MS;
    let exhausted = false;
    for (const e of t.entries) {
      if (e.legacy) continue;
      const base = {
        user: e.user,
        uid: uids.get(e.user) ?? null,
        hash_alg: e.alg,
        path: t.path,
        line: e.line,
      };
      if (e.status === 'locked') {
        rows.push({ ...base, status: 'locked', source: null });
        continue;
      }
      if (e.status !== 'hash' || e.hash === null) {
        rows.push({ ...base, status: 'no_hash', source: null });
        continue;
      }
      let status = 'not_matched';
      let source: string | null = null;
      list ??= await defaultCredentials();
      for (const c of candidatesFor(e.user, list)) {
        if (budget-- <= 0 || Date.now() > deadline) {
          exhausted = true;
          status = 'unsupported_hash';
          break;
        }
        const v = verifyPassword(c.password, e.hash);
        if (v === 'unsupported') {
          status = 'unsupported_hash';
          unsupported.push(`${e.user} (${e.alg ?? 'unknown'})`);
          break;
        }
        if (v === 'match') {
          status = 'matched';
          source = c.source;
          break;
        }
      }
      rows.push({ ...base, status, source });
    }
    const notes = [
      ...(unsupported.length
        ? [
            `cannot verify the hash scheme of ${unsupported.slice(0, 5).join(', ')}${unsupported.length > 5 ? ' …' : ''}`,
          ]
        : []),
      ...(exhausted
        ? [
            `stopped after ${MAX_VERIFICATIONS} verifications or ${MAX_VERIFY_MS / 1000} s; the remaining accounts were not checked`,
          ]
        : []),
    ];
    return output(t, rows, [t.path], notes.length ? notes.join('; ') : undefined);
  },
};

export const collectors: Collector[] = [
  users,
  groups,
  shadow,
  loginDefs,
  useraddDefaults,
  pam,
  pamSettings,
  sudoers,
  logins,
  defaultCreds,
];
