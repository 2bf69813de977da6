/**
 * Guards: changes that would lock people out are refused unless forced. Each guard reads the target through
 * the plan's overlay (so it sees the state the plan leaves) and records a BW_GUARD_* finding on the change.
 */
import { parsePasswd } from '../collect/parsers/passwd.js';
import { classifyPassword, parseShadow } from '../collect/parsers/shadow.js';
import { parseGroup } from '../collect/parsers/group.js';
import { parseSudoers } from '../collect/parsers/sudoers.js';
import { parsePam } from '../collect/parsers/pam.js';
import { pamSyntaxProblems } from './edits.js';
import type { Overlay } from './plan.js';
import type { Change, Plan } from './types.js';

export interface GuardFinding {
  code: string;
  message: string;
  hint: string;
}

const NO_LOGIN = /(\/nologin|\/false|\/sync|\/shutdown|\/halt)$/;

interface Account {
  name: string;
  uid: number;
  home: string;
  password: boolean;
  keys: boolean;
  sudo: boolean;
}

/** Accounts that can log in (a real shell), whether they have a usable password or SSH keys, and sudo rights. */
export async function loginAccounts(ov: Overlay): Promise<Account[]> {
  const passwd = parsePasswd((await ov.get('/etc/passwd')).text ?? '');
  const shadow = new Map(parseShadow((await ov.get('/etc/shadow')).text ?? '').map((s) => [s.user, s]));
  const groups = parseGroup((await ov.get('/etc/group')).text ?? '');
  const sudoersFiles = [
    '/etc/sudoers',
    ...(await ov.glob('/etc/sudoers.d/*')).filter((p) => !/[.~]/.test(p.split('/').pop()!)),
  ];
  const subjects: string[] = [];
  for (const f of sudoersFiles) {
    const t = (await ov.get(f).catch(() => ({ text: null }))).text;
    if (t)
      for (const e of parseSudoers(t))
        if (e.kind === 'user_spec' && e.subject) subjects.push(...e.subject.split(','));
  }
  const sudoGroups = new Set(subjects.filter((s) => s.startsWith('%')).map((s) => s.slice(1)));
  const sudoUsers = new Set(subjects.filter((s) => !s.startsWith('%')));
  const out: Account[] = [];
  for (const u of passwd) {
    if (u.legacy || u.malformed || u.uid === null || NO_LOGIN.test(u.shell) || u.shell === '') continue;
    const sh = shadow.get(u.name);
    const password = sh ? sh.status === 'hash' : classifyPassword(u.passwordField).status === 'hash';
    let keys = false;
    for (const f of ['.ssh/authorized_keys', '.ssh/authorized_keys2']) {
      const t = (await ov.get(`${u.home.replace(/\/$/, '')}/${f}`).catch(() => ({ text: null }))).text;
      if (t && t.split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) keys = true;
    }
    const member = groups.some(
      (g) => sudoGroups.has(g.name) && (g.members.includes(u.name) || (g.gid !== null && g.gid === u.gid)),
    );
    out.push({
      name: u.name,
      uid: u.uid,
      home: u.home,
      password,
      keys,
      sudo: sudoUsers.has(u.name) || sudoUsers.has('ALL') || member,
    });
  }
  return out;
}

const PAM_LIB_DIRS = [
  '/lib/security',
  '/lib64/security',
  '/usr/lib/security',
  '/usr/lib64/security',
  '/lib/*-linux-gnu/security',
  '/usr/lib/*-linux-gnu/security',
];

async function pamModuleExists(ov: Overlay, module: string): Promise<boolean> {
  if (module.startsWith('/')) return (await ov.get(module).catch(() => ({ mode: null }))).mode !== null;
  for (const d of PAM_LIB_DIRS) if ((await ov.glob(`${d}/${module}`)).length > 0) return true;
  return false;
}

async function guardsFor(
  c: Change,
  plan: Plan,
  ov: Overlay,
  accounts: () => Promise<Account[]>,
): Promise<GuardFinding[]> {
  const out: GuardFinding[] = [];
  for (const e of c.edits) {
    if (e['kind'] !== 'sshd_set') continue;
    const key = String(e['key']);
    const value = String(e['value']).toLowerCase();
    if (key === 'permitrootlogin' && value === 'no') {
      const others = (await accounts()).filter((a) => a.uid !== 0 && (a.password || a.keys) && a.sudo);
      if (others.length === 0)
        out.push({
          code: 'BW_GUARD_ROOT_LOGIN',
          message: `${c.id} (${c.rules.join(', ')}): disabling root SSH login would leave no way in as an administrator: no other account can log in (shell, password or authorized key) and use sudo`,
          hint: 'create an administrator account with a password or SSH key and sudo rights first (e.g. in group sudo/wheel), or pass --force if console access is assured',
        });
    }
    if (key === 'passwordauthentication' && value === 'no') {
      const rootOff = plan.changes.some((x) =>
        x.edits.some((y) => y['key'] === 'permitrootlogin' && y['value'] === 'no'),
      );
      const withKeys = (await accounts()).filter((a) => a.keys && !(a.uid === 0 && rootOff));
      if (withKeys.length === 0)
        out.push({
          code: 'BW_GUARD_NO_AUTHORIZED_KEYS',
          message: `${c.id} (${c.rules.join(', ')}): disabling SSH password authentication would lock everyone out: no login-capable account has an authorized_keys file with a key`,
          hint: 'install an SSH public key in ~/.ssh/authorized_keys of an administrator account first, or pass --force if another way in exists',
        });
    }
  }
  for (const f of c.files) {
    if (f.validate !== 'pam' || f.after === null) continue;
    const problems = pamSyntaxProblems(f.after);
    const beforeLines = new Set((f.before ?? '').split('\n'));
    const changed = new Set(
      f.after
        .split('\n')
        .map((l, i) => (beforeLines.has(l) ? -1 : i + 1))
        .filter((i) => i > 0),
    );
    for (const l of parsePam(f.after)) {
      if (
        !changed.has(l.line) ||
        l.optional ||
        l.control === 'include' ||
        l.control === 'substack' ||
        l.type === 'include'
      )
        continue;
      if (!(await pamModuleExists(ov, l.module)))
        problems.push(
          `line ${l.line}: module ${l.module} is not in the target's PAM module directories (${PAM_LIB_DIRS.join(', ')})`,
        );
    }
    if (problems.length)
      out.push({
        code: 'BW_GUARD_PAM_INVALID',
        message: `${c.id} (${c.rules.join(', ')}): the edited ${f.path} would not be a valid PAM stack: ${problems.join('; ')}`,
        hint: 'a PAM stack naming a missing module can refuse every login: install the module package or fix the file by hand, or pass --force',
      });
  }
  return out;
}

export async function checkGuards(plan: Plan, ov: Overlay): Promise<void> {
  let cache: Account[] | undefined;
  const accounts = async (): Promise<Account[]> => (cache ??= await loginAccounts(ov));
  for (const c of plan.changes) if (!c.manual) c.guards = await guardsFor(c, plan, ov, accounts);
}

/**
 * The management session a firewall change must keep: live, the SSH client's address and the local port from
 * SSH_CONNECTION ("client-ip client-port server-ip server-port"); offline, the ports sshd listens on.
 */
export function managementSession(
  env: NodeJS.ProcessEnv,
  sshdPorts: readonly number[],
): { addr: string | null; ports: number[] } {
  const sc = env['SSH_CONNECTION']?.trim().split(/\s+/);
  if (sc && sc.length === 4 && /^\d+$/.test(sc[3]!)) return { addr: sc[0]!, ports: [Number(sc[3])] };
  return { addr: null, ports: sshdPorts.length ? [...sshdPorts] : [22] };
}

/**
 * Would an input policy of drop with these accept rules (nft or iptables text) still admit the session?
 * A rule admits it when it accepts tcp to one of the ports (or accepts everything from the client address).
 */
export function firewallKeepsSession(
  acceptRules: readonly string[],
  session: { addr: string | null; ports: number[] },
): boolean {
  return acceptRules.some((r) => {
    if (!/\b(accept|ACCEPT)\b/.test(r)) return false;
    if (
      /ct state (\{[^}]*)?established|--ctstate [A-Z,]*ESTABLISHED|--state [A-Z,]*ESTABLISHED/.test(r) &&
      session.addr
    )
      return true;
    if (
      session.addr &&
      new RegExp(
        `saddr ${session.addr.replace(/\./g, '\\.')}(\\s|$)|-s ${session.addr.replace(/\./g, '\\.')}(/32)?\\s`,
      ).test(r) &&
      !/dport/.test(r)
    )
      return true;
    return session.ports.some((p) =>
      new RegExp(`(dport|--dport) ${p}(\\s|$)|dport \\{[^}]*\\b${p}\\b`).test(r),
    );
  });
}
