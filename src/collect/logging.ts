/** Logging and audit configuration: audit rules, auditd.conf, journald, rsyslog. Config files only. */
import type { Row } from '../core/types.js';
import type { Collector, CollectContext, CollectOutput } from './types.js';
import { readConfigText, safeGlob } from './sshd.js';
import { parseAuditRules } from './parsers/audit-rules.js';
import { parseKeyValue, lastWins } from './parsers/kv-config.js';
import { JOURNALD_DROPIN_DIRS, mergeJournald } from './parsers/journald.js';
import { Reads } from './read.js';
import { parseRsyslog } from './parsers/rsyslog.js';

function finish(rows: Row[], sources: string[], problems: string[], incomplete: boolean): CollectOutput {
  const out: CollectOutput = { status: incomplete ? 'incomplete' : 'complete', rows, sources };
  if (problems.length > 0) out.reason = problems.join('; ');
  return out;
}

const auditdRules: Collector = {
  name: 'auditd_rules',
  description:
    'Audit rules from /etc/audit/rules.d/*.rules (what augenrules compiles and loads at boot), or from /etc/audit/audit.rules when rules.d holds no rules file. ' +
    'One row per rule: watches (-w), syscall rules (-a/-A with -S and -F fields) and control options (-e, -b, -f, -D, --backlog_wait_time …). `last` marks the final rule in load order. Absent when neither exists.',
  fields: {
    path: 'string',
    line: 'int',
    kind: 'string',
    list: 'string',
    action: 'string',
    arch: 'string',
    syscalls: 'string_list',
    fields: 'string_list',
    watch_path: 'string',
    perms: 'string',
    key: 'string',
    option: 'string',
    value: 'string',
    last: 'bool',
    text: 'string',
  },
  async collect(ctx) {
    const problems: string[] = [];
    let files = await safeGlob(ctx, '/etc/audit/rules.d/*.rules', problems);
    if (files.length === 0) files = ['/etc/audit/audit.rules'];
    const rows: Row[] = [];
    const sources: string[] = [];
    let incomplete = problems.length > 0;
    let anyRead = false;
    for (const p of files) {
      const r = await readConfigText(ctx, p);
      if (!r.ok) {
        if (!r.absent) {
          problems.push(r.reason);
          incomplete = true;
        }
        continue;
      }
      anyRead = true;
      sources.push(p);
      if (r.truncated) {
        incomplete = true;
        problems.push(`${p} is larger than the read cap; only its beginning was read`);
      }
      const parsed = parseAuditRules(r.text);
      for (const pr of parsed.problems) problems.push(`${p}:${pr.line}: ${pr.message}`);
      for (const a of parsed.rules) rows.push({ path: p, ...a, last: false });
    }
    if (!anyRead && !incomplete)
      return { status: 'absent', rows: [], sources: files, reason: 'no audit rules files' };
    if (!anyRead) return { status: 'error', rows: [], sources, reason: problems.join('; ') };
    if (rows.length > 0) rows[rows.length - 1] = { ...rows[rows.length - 1]!, last: true };
    return finish(rows, sources, problems, incomplete);
  },
};

const auditdConf: Collector = {
  name: 'auditd_conf',
  description:
    'Settings of /etc/audit/auditd.conf (`key = value`), keys lower-cased, the last assignment of a key wins. Absent when the file does not exist.',
  fields: { key: 'string', value: 'string', path: 'string', line: 'int' },
  async collect(ctx) {
    const path = '/etc/audit/auditd.conf';
    const r = await readConfigText(ctx, path);
    if (!r.ok)
      return r.absent
        ? { status: 'absent', rows: [], sources: [path], reason: `${path} does not exist` }
        : { status: 'error', rows: [], sources: [path], reason: r.reason };
    const parsed = parseKeyValue(r.text, { lowerKeys: true, commentChars: '#' });
    const rows: Row[] = lastWins(parsed.entries).map((e) => ({
      key: e.key,
      value: e.value,
      path,
      line: e.line,
    }));
    const problems = parsed.junk.map((j) => `${path}:${j.line}: not a key = value line`);
    if (r.truncated) problems.push(`${path} is larger than the read cap`);
    return finish(rows, [path], problems, Boolean(r.truncated));
  },
};

async function readMany(
  ctx: CollectContext,
  paths: readonly string[],
  problems: string[],
): Promise<{ files: { path: string; text: string }[]; incomplete: boolean }> {
  const files: { path: string; text: string }[] = [];
  let incomplete = false;
  for (const p of paths) {
    const r = await readConfigText(ctx, p);
    if (!r.ok) {
      if (!r.absent) {
        problems.push(r.reason);
        incomplete = true;
      }
      continue;
    }
    if (r.truncated) {
      incomplete = true;
      problems.push(`${p} is larger than the read cap`);
    }
    files.push({ path: p, text: r.text });
  }
  return { files, incomplete };
}

const journald: Collector = {
  name: 'journald',
  description:
    'Effective [Journal] settings of systemd-journald: /etc/systemd/journald.conf then drop-ins (*.conf in /etc, /run (live only), /usr/local/lib and /usr/lib journald.conf.d, ordered by file name, /etc masking same-named files); later assignments win. ' +
    'Settings not assigned get a row with the systemd default (is_default=true). Absent when no journald configuration file exists.',
  fields: { key: 'string', value: 'string', path: 'string', line: 'int', is_default: 'bool' },
  async collect(ctx) {
    const problems: string[] = [];
    // systemd's drop-in precedence, with a drop-in linked to /dev/null masking its name.
    const reads = new Reads(ctx);
    const dropins: string[] = [];
    for (const f of await reads.confDirs(JOURNALD_DROPIN_DIRS, /\.conf$/))
      if (!(await reads.isMasked(f))) dropins.push(f);
    problems.push(...reads.problems);
    let main = '/etc/systemd/journald.conf';
    const st = await readConfigText(ctx, main);
    if (!st.ok && st.absent) main = '/usr/lib/systemd/journald.conf';
    const paths = [main, ...dropins];
    const { files, incomplete } = await readMany(ctx, paths, problems);
    const merged = mergeJournald(files);
    problems.push(...merged.junk.map((j) => `not a setting: ${j}`));
    const rows: Row[] = merged.settings.map((s) => ({ ...s }));
    if (files.length === 0 && !incomplete)
      return {
        status: 'absent',
        rows,
        sources: paths,
        reason: 'no journald configuration file; systemd defaults apply',
      };
    if (files.length === 0) return { status: 'error', rows: [], sources: [], reason: problems.join('; ') };
    return finish(
      rows,
      files.map((f) => f.path),
      problems,
      incomplete || problems.some((p) => !p.startsWith('not a setting')),
    );
  },
};

const MAX_INCLUDE_DEPTH = 8;

const rsyslog: Collector = {
  name: 'rsyslog',
  description:
    'rsyslog configuration statements from /etc/rsyslog.conf and its includes ($IncludeConfig, include(file=…), globs and directories, processed in place): legacy $directives, modules, inputs, actions, selector rules, includes. ' +
    '`params` holds object parameters as name=value; `mode` the file creation mode a statement sets. Absent when /etc/rsyslog.conf does not exist.',
  fields: {
    path: 'string',
    line: 'int',
    kind: 'string',
    name: 'string',
    value: 'string',
    selector: 'string',
    action: 'string',
    params: 'string_list',
    mode: 'mode',
    text: 'string',
  },
  async collect(ctx) {
    const problems: string[] = [];
    const rows: Row[] = [];
    const sources: string[] = [];
    let incomplete = false;
    const seen = new Set<string>();
    const walk = async (p: string, depth: number, optional: boolean): Promise<boolean> => {
      if (depth > MAX_INCLUDE_DEPTH || seen.has(p)) {
        problems.push(`${p}: include loop or nesting too deep`);
        incomplete = true;
        return true;
      }
      const r = await readConfigText(ctx, p);
      if (!r.ok) {
        if (!r.absent || !optional) {
          if (depth > 0 || !r.absent) {
            problems.push(r.reason);
            incomplete = true;
          }
        }
        return false;
      }
      seen.add(p);
      sources.push(p);
      if (r.truncated) {
        incomplete = true;
        problems.push(`${p} is larger than the read cap`);
      }
      const parsed = parseRsyslog(r.text);
      for (const pr of parsed.problems) problems.push(`${p}:${pr.line}: ${pr.message}`);
      for (const s of parsed.statements) {
        rows.push({ path: p, ...s });
        if (s.kind !== 'include' || !s.name) continue;
        let pattern = s.name.startsWith('/') ? s.name : `/etc/${s.name}`;
        const info = await ctx.target.stat(pattern, { follow: true }).catch(() => null);
        if (info?.type === 'dir') pattern = pattern.replace(/\/$/, '') + '/*';
        const targets = /[*?[]/.test(pattern) ? await safeGlob(ctx, pattern, problems) : [pattern];
        for (const t of targets) await walk(t, depth + 1, s.value === 'optional' || /[*?[]/.test(pattern));
      }
      return true;
    };
    const found = await walk('/etc/rsyslog.conf', 0, false);
    if (!found && !incomplete)
      return {
        status: 'absent',
        rows: [],
        sources: ['/etc/rsyslog.conf'],
        reason: '/etc/rsyslog.conf does not exist',
      };
    if (!found) return { status: 'error', rows: [], sources, reason: problems.join('; ') };
    return finish(rows, sources, problems, incomplete);
  },
};

export const collectors: Collector[] = [auditdRules, auditdConf, journald, rsyslog];
