/**
 * Linux audit rules as written for auditctl / augenrules (/etc/audit/rules.d/*.rules,
 * /etc/audit/audit.rules). One rule per line; pure function of text.
 */

export type AuditRuleKind = 'watch' | 'syscall' | 'control';

export interface AuditRule {
  line: number;
  kind: AuditRuleKind;
  /** filter list: exit, task, user, exclude, filesystem, io_uring (null for watches and controls). */
  list: string | null;
  /** always / never for syscall rules; null otherwise. */
  action: string | null;
  /** b32 / b64 from `-F arch=`, or null. */
  arch: string | null;
  syscalls: string[];
  /** Every `-F` field as written without spaces: `auid>=1000`, `perm=wa`, `exit=-EACCES`. */
  fields: string[];
  /** `-w path`, or `-F path=` / `-F dir=` of a syscall rule. */
  watch_path: string | null;
  /** `-p` or `-F perm=`. */
  perms: string | null;
  /** `-k` or `-F key=` (several keys joined with commas). */
  key: string | null;
  /** Control option (`-e`, `-b`, `-f`, `-r`, `-D`, `--backlog_wait_time`, `--loginuid-immutable` …), null for rules. */
  option: string | null;
  /** Argument of the control option. */
  value: string | null;
  text: string;
}

export interface AuditParse {
  rules: AuditRule[];
  problems: { line: number; message: string }[];
}

const LISTS = new Set(['exit', 'task', 'user', 'exclude', 'filesystem', 'io_uring', 'entry']);
const ACTIONS = new Set(['always', 'never', 'possible']);
const FIELD_RE = /^([A-Za-z_0-9]+)\s*(!=|>=|<=|&=|=|<|>|&)\s*(.*)$/;

/** Shell-like split: whitespace separates, double and single quotes group. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** Watched paths without trailing slashes: `-w /etc/sudoers.d/` and `-w /etc/sudoers.d` watch the same directory. */
export function normalisePath(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') || '/' : p;
}

/** Options that take one argument. */
const WITH_ARG = new Set([
  '-w',
  '-W',
  '-p',
  '-k',
  '-a',
  '-A',
  '-d',
  '-S',
  '-F',
  '-C',
  '-e',
  '-b',
  '-f',
  '-r',
  '-c',
  '--backlog_wait_time',
  '--reset-lost',
  '-t',
  '-R',
]);

export function parseAuditRules(text: string): AuditParse {
  const rules: AuditRule[] = [];
  const problems: { line: number; message: string }[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, idx) => {
      const line = idx + 1;
      const t = raw.trim();
      if (t === '' || t.startsWith('#')) return;
      const args = splitArgs(t);
      const r: AuditRule = {
        line,
        kind: 'control',
        list: null,
        action: null,
        arch: null,
        syscalls: [],
        fields: [],
        watch_path: null,
        perms: null,
        key: null,
        option: null,
        value: null,
        text: t,
      };
      const keys: string[] = [];
      let bad: string | undefined;
      for (let i = 0; i < args.length; i++) {
        let opt = args[i]!;
        let arg: string | undefined;
        if (!opt.startsWith('-')) {
          bad = `unexpected word "${opt.slice(0, 40)}"`;
          break;
        }
        // --opt=value and -kvalue forms
        const eq = /^(--[a-z_-]+)=(.*)$/.exec(opt);
        if (eq) {
          opt = eq[1]!;
          arg = eq[2]!;
        } else if (/^-[a-zA-Z]./.test(opt) && !opt.startsWith('--')) {
          arg = opt.slice(2);
          opt = opt.slice(0, 2);
        } else if (WITH_ARG.has(opt)) {
          arg = args[++i];
          if (arg === undefined) {
            bad = `${opt} needs an argument`;
            break;
          }
        }
        switch (opt) {
          case '-w':
          case '-W':
            r.kind = 'watch';
            r.watch_path = arg === undefined ? null : normalisePath(arg);
            break;
          case '-p':
            r.perms = arg ?? null;
            break;
          case '-k':
            if (arg !== undefined) keys.push(arg);
            break;
          case '-a':
          case '-A':
          case '-d': {
            r.kind = 'syscall';
            for (const part of (arg ?? '').split(',').map((s) => s.trim().toLowerCase())) {
              if (LISTS.has(part)) r.list = part;
              else if (ACTIONS.has(part)) r.action = part;
              else bad = `unknown list or action "${part}"`;
            }
            break;
          }
          case '-S':
            for (const s of (arg ?? '')
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean))
              if (!r.syscalls.includes(s)) r.syscalls.push(s);
            break;
          case '-F':
          case '-C': {
            const m = FIELD_RE.exec(arg ?? '');
            if (!m) {
              bad = `cannot read field "${arg ?? ''}"`;
              break;
            }
            const [, name, op, value] = m as unknown as [string, string, string, string];
            const lname = name.toLowerCase();
            r.fields.push(`${lname}${op}${value}`);
            if (lname === 'arch' && op === '=') r.arch = value;
            else if ((lname === 'path' || lname === 'dir') && op === '=') r.watch_path = normalisePath(value);
            else if (lname === 'perm' && op === '=') r.perms = value;
            else if ((lname === 'key' || lname === 'filterkey') && op === '=') keys.push(value);
            break;
          }
          default:
            if (r.option === null && r.kind === 'control') {
              r.option = opt;
              r.value = arg ?? null;
            } else bad = `unexpected option ${opt}`;
        }
      }
      if (keys.length > 0) r.key = keys.join(',');
      if (r.kind !== 'control') {
        r.option = null;
        r.value = null;
      }
      if (bad) {
        // auditctl refuses such a line; it is reported, not recorded.
        problems.push({ line, message: `${bad}: ${t.slice(0, 120)}` });
        return;
      }
      if (r.kind === 'control' && r.option === null) {
        problems.push({ line, message: `not an audit rule: ${t.slice(0, 120)}` });
        return;
      }
      rules.push(r);
    });
  return { rules, problems };
}
