/**
 * Time synchronisation configuration: chrony.conf (chrony.conf(5)), ntp.conf (ntp.conf(5)) and
 * systemd timesyncd.conf (timesyncd.conf(5)).
 */

export interface TimeDirective {
  directive: string;
  value: string;
  line: number;
}

const CHRONY_KEEP = new Set([
  'server',
  'pool',
  'peer',
  'user',
  'confdir',
  'sourcedir',
  'include',
  'refclock',
  'allow',
  'deny',
  'cmdport',
  'bindcmdaddress',
  'port',
]);

/** chrony.conf: one directive per line, `#`, `%`, `;` and `!` start comments. Directive names lower-cased. */
export function parseChronyConf(text: string): TimeDirective[] {
  const out: TimeDirective[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line === '' || /^[#%;!]/.test(line)) return;
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) return;
    const directive = m[1]!.toLowerCase();
    if (!CHRONY_KEEP.has(directive)) return;
    out.push({ directive, value: m[2]!.replace(/\s+/g, ' ').trim(), line: i + 1 });
  });
  return out;
}

const NTP_KEEP = new Set([
  'server',
  'pool',
  'peer',
  'restrict',
  'includefile',
  'driftfile',
  'disable',
  'enable',
]);

/** ntp.conf / ntpsec: `#` comments. */
export function parseNtpConf(text: string): TimeDirective[] {
  const out: TimeDirective[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) return;
    const directive = m[1]!.toLowerCase();
    if (!NTP_KEEP.has(directive)) return;
    out.push({ directive, value: m[2]!.replace(/\s+/g, ' ').trim(), line: i + 1 });
  });
  return out;
}

/** timesyncd.conf: [Time] section, `NTP=`, `FallbackNTP=`, … (key names as written). */
export function parseTimesyncdConf(text: string): TimeDirective[] {
  const out: TimeDirective[] = [];
  let section = '';
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      return;
    }
    if (section !== 'Time') return;
    const eq = line.indexOf('=');
    if (eq < 0) return;
    out.push({
      directive: line.slice(0, eq).trim(),
      value: line
        .slice(eq + 1)
        .trim()
        .replace(/\s+/g, ' '),
      line: i + 1,
    });
  });
  return out;
}

/** The `-u user` option from chronyd's OPTIONS / DAEMON_OPTS in /etc/sysconfig/chronyd or /etc/default/chrony. */
export function chronydUserOption(text: string): { user: string; line: number } | undefined {
  let found: { user: string; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^\s*(?:OPTIONS|DAEMON_OPTS)\s*=\s*(.*)$/.exec(raw);
    if (!m) return;
    const u = /(?:^|[\s"'])-u\s*([A-Za-z0-9_.-]+)/.exec(m[1]!);
    if (u) found = { user: u[1]!, line: i + 1 };
  });
  return found;
}
