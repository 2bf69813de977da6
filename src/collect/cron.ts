/** Scheduled jobs: /etc/crontab, /etc/cron.d/*, and users' crontabs (Debian and RHEL spool paths). Informational. */
import type { Row } from '../core/types.js';
import type { Collector } from './types.js';
import { parseCrontab } from './parsers/crontab.js';

const crontab: Collector = {
  name: 'crontab',
  description:
    "Entries of /etc/crontab, /etc/cron.d/* and users' crontabs (/var/spool/cron/crontabs/<user> on Debian, /var/spool/cron/<user> on RHEL): user, schedule (five fields or @nickname), command, path and line.",
  fields: { user: 'string', schedule: 'string', command: 'string', path: 'string', line: 'int' },
  async collect(ctx) {
    const rows: Row[] = [];
    const sources: string[] = [];
    const problems: string[] = [];
    const files: { path: string; system: boolean; owner?: string }[] = [
      { path: '/etc/crontab', system: true },
    ];
    for (const p of await ctx.target.glob('/etc/cron.d/*')) files.push({ path: p, system: true });
    for (const dir of ['/var/spool/cron/crontabs', '/var/spool/cron']) {
      const ents = await ctx.target.readdir(dir);
      for (const e of ents ?? [])
        if (e.type === 'file') files.push({ path: `${dir}/${e.name}`, system: false, owner: e.name });
    }
    for (const f of files) {
      const r = await ctx.target.readText(f.path, { maxBytes: 1024 * 1024 });
      if (r.status === 'absent') continue;
      if (r.status !== 'ok') {
        problems.push(r.reason);
        continue;
      }
      if (r.binary) {
        problems.push(`${f.path} is binary, not a crontab`);
        continue;
      }
      sources.push(f.path);
      if (r.truncated) problems.push(`${f.path} is larger than 1 MiB; only its beginning was read`);
      const opts = f.owner !== undefined ? { system: f.system, owner: f.owner } : { system: f.system };
      for (const e of parseCrontab(r.text, opts))
        rows.push({ user: e.user, schedule: e.schedule, command: e.command, path: f.path, line: e.line });
    }
    if (sources.length === 0 && problems.length === 0) return { status: 'absent', rows, sources };
    const out = {
      status: problems.length > 0 ? ('incomplete' as const) : ('complete' as const),
      rows,
      sources,
    };
    return problems.length > 0 ? { ...out, reason: problems.join('; ') } : out;
  },
};

export const collectors: Collector[] = [crontab];
