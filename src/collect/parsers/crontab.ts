/** crontab files: system tables (/etc/crontab, /etc/cron.d/*: with a user column) and user tables. Pure. */

export interface CronEntry {
  user: string | null;
  schedule: string;
  command: string;
  line: number;
}

const NICKNAMES = new Set([
  '@reboot',
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

/**
 * Parses a crontab. `system` tables carry a user name after the schedule; a user table's entries
 * belong to `owner`. Environment assignments, comments and malformed lines are skipped.
 */
export function parseCrontab(text: string, opts: { system: boolean; owner?: string }): CronEntry[] {
  const out: CronEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    if (/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(line)) return; // SHELL=/bin/sh, MAILTO="" …
    const f = line.split(/\s+/);
    let schedule: string;
    let rest: string[];
    if (f[0]!.startsWith('@')) {
      if (!NICKNAMES.has(f[0]!.toLowerCase())) return;
      schedule = f[0]!;
      rest = f.slice(1);
    } else {
      if (f.length < 6 || !f.slice(0, 5).every((x) => /^[0-9A-Za-z*/,\-~]+$/.test(x))) return;
      schedule = f.slice(0, 5).join(' ');
      rest = f.slice(5);
    }
    let user = opts.owner ?? null;
    if (opts.system) {
      if (rest.length < 2) return;
      user = rest[0]!;
      rest = rest.slice(1);
    }
    if (rest.length === 0) return;
    // keep the command's own spacing
    const idx = raw.indexOf(rest[0]!, raw.indexOf(schedule.split(' ').pop()!) + 1);
    const command = idx >= 0 ? raw.slice(idx).replace(/\r$/, '').trim() : rest.join(' ');
    out.push({ user, schedule, command, line: i + 1 });
  });
  return out;
}
