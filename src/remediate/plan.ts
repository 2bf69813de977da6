/**
 * The planner: failing rules → ordered changes with unified diffs, commands, impact and guards. Every file is
 * read through the Target (chroot semantics, nothing executed) into an overlay, so that several changes to one
 * file compose: each change's diff is against the state the previous changes leave.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Rule } from '../engine/rule.js';
import type { Target } from '../targets/target.js';
import { expandSshdConfig } from '../collect/parsers/sshd-config.js';
import { parseModprobe } from '../collect/parsers/modprobe.js';
import { parsePasswd } from '../collect/parsers/passwd.js';
import { parseGroup } from '../collect/parsers/group.js';
import { deriveEdits } from './derive.js';
import {
  clampMode,
  kvConfSet,
  loginDefsSet,
  modprobeCommentConflicts,
  modprobeDropin,
  pamArgRemove,
  pamArgSet,
  sshdSet,
  sudoersDefaultSet,
  sysctlCommentConflicts,
  sysctlDropinSet,
} from './edits.js';
import { unifiedDiff } from './diff.js';
import { checkGuards, managementSession } from './guards.js';
import type {
  Change,
  Compensation,
  EditSpec,
  FileChange,
  Impact,
  ImpactClass,
  Plan,
  PlanCommand,
} from './types.js';

export const SSHD_CONFIG = '/etc/ssh/sshd_config';
export const SYSCTL_DROPIN = '/etc/sysctl.d/99-bulwark.conf';
export const SUDOERS_DROPIN = '/etc/sudoers.d/50-bulwark';
const LOCKOUT_SSHD_KEYS = new Set([
  'permitrootlogin',
  'passwordauthentication',
  'pubkeyauthentication',
  'usepam',
  'kbdinteractiveauthentication',
  'maxauthtries',
]);

export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

export interface FileState {
  text: string | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
}

/** Files as the plan sees them: read from the target once, then as the earlier changes leave them. */
export class Overlay {
  private readonly files = new Map<string, FileState>();
  private readonly created = new Set<string>();
  private recording: Map<string, FileState> | null = null;
  constructor(readonly target: Target) {}

  /** Records the state of every file read from now on, until end(): the "before" of one change. */
  begin(): Map<string, FileState> {
    this.recording = new Map();
    return this.recording;
  }
  end(): void {
    this.recording = null;
  }

  async get(p: string): Promise<FileState> {
    const s = await this.load(p);
    if (this.recording && !this.recording.has(p)) this.recording.set(p, { ...s });
    return s;
  }

  private async load(p: string): Promise<FileState> {
    const known = this.files.get(p);
    if (known) return known;
    const st = await this.target.stat(p, { follow: true });
    let text: string | null = null;
    if (st && st.type === 'file') {
      const r = await this.target.readText(p);
      if (r.status === 'ok' && !r.binary && !r.truncated) text = r.text;
      else
        throw new Error(
          `${p} cannot be edited: ${r.status === 'ok' ? 'binary or larger than the read cap' : r.status === 'absent' ? 'absent' : r.reason}`,
        );
    }
    const s: FileState = st
      ? { text, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }
      : { text: null, mode: null, uid: null, gid: null };
    this.files.set(p, s);
    return s;
  }
  set(p: string, s: FileState): void {
    if (!this.files.get(p)?.text && s.text !== null) this.created.add(p);
    this.files.set(p, s);
  }
  async glob(pattern: string): Promise<string[]> {
    const onDisk = await this.target.glob(pattern).catch(() => [] as string[]);
    const re = new RegExp('^' + pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '$');
    const mine = [...this.created].filter((p) => re.test(p));
    return [...new Set([...onDisk, ...mine])].sort();
  }
}

export interface PlanRule {
  rule: Rule;
  params: Record<string, unknown>;
  status: string;
  severity: string;
}

export interface PlanInput {
  target: Target;
  rules: PlanRule[];
  asset: { id: string; name: string; modifiability: string } | null;
  scanId: string | null;
  profile: string;
  now?: Date;
}

const RANK: Record<ImpactClass, number> = {
  safe: 0,
  restart: 1,
  disruptive: 2,
  reboot: 3,
  lockout_risk: 4,
  manual: 5,
};

function impactFor(rule: Rule, edits: readonly EditSpec[], manual: boolean): Impact {
  const restart = new Set(rule.fix.restart ?? []);
  let lockout = rule.fix.lockout_risk === true;
  for (const e of edits) {
    if (e.kind === 'sshd_set') {
      restart.add('sshd.service');
      if (LOCKOUT_SSHD_KEYS.has(e.key)) lockout = true;
    }
    if (e.kind === 'pam_arg_remove' || e.kind === 'pam_option_set') lockout = true;
    if (e.kind === 'sudoers_default') lockout = lockout || false;
  }
  const reboot = rule.fix.reboot === true;
  const disruptive = rule.fix.impact === 'disruptive';
  const cls: ImpactClass = manual
    ? 'manual'
    : lockout
      ? 'lockout_risk'
      : reboot
        ? 'reboot'
        : disruptive
          ? 'disruptive'
          : restart.size
            ? 'restart'
            : 'safe';
  const parts: string[] = [];
  if (manual) parts.push('manual');
  if (restart.size) parts.push(`restarts ${[...restart].join(', ')}`);
  if (reboot) parts.push('needs reboot');
  if (lockout) parts.push('lockout risk');
  if (disruptive) parts.push('disruptive');
  if (parts.length === 0) parts.push('safe');
  return {
    class: cls,
    label: parts.join('; '),
    restart: [...restart],
    reboot,
    lockout_risk: lockout,
    disruptive,
  };
}

const octal = (m: number | null): string | null =>
  m === null ? null : '0' + (m & 0o7777).toString(8).padStart(3, '0');

async function idOf(ov: Overlay, file: '/etc/passwd' | '/etc/group', name: string): Promise<number | null> {
  if (/^\d+$/.test(name)) return Number(name);
  const t = (await ov.get(file)).text ?? '';
  const rows =
    file === '/etc/passwd'
      ? parsePasswd(t).map((u) => [u.name, u.uid] as const)
      : parseGroup(t).map((g) => [g.name, g.gid] as const);
  const hit = rows.find(([n]) => n === name);
  if (hit) return hit[1];
  return name === 'root' ? 0 : null;
}

async function osFamily(target: Target): Promise<'debian' | 'rhel' | 'unknown'> {
  const r = await target.readText('/etc/os-release');
  if (r.status !== 'ok') return 'unknown';
  const ids = /^(?:ID|ID_LIKE)=(.*)$/gm;
  let m: RegExpExecArray | null;
  let all = '';
  while ((m = ids.exec(r.text))) all += ' ' + m[1]!.replace(/"/g, '');
  if (/\b(debian|ubuntu|raspbian)\b/.test(all)) return 'debian';
  if (/\b(rhel|fedora|centos|rocky|almalinux)\b/.test(all)) return 'rhel';
  return 'unknown';
}

interface Work {
  files: Map<string, FileState>;
  commands: PlanCommand[];
  notes: string[];
  manual: string | null;
}

/** Runs one edit against the overlay, recording the new state of every file it touches. */
async function runEdit(
  ov: Overlay,
  e: EditSpec,
  tag: string,
  work: Work,
  target: Target,
  family: string,
): Promise<void> {
  const put = async (p: string, text: string): Promise<void> => {
    const cur = await ov.get(p);
    if (cur.text === text) return;
    const next = { ...cur, text, mode: cur.mode ?? 0o644, uid: cur.uid ?? 0, gid: cur.gid ?? 0 };
    work.files.set(p, next);
    ov.set(p, next);
  };
  switch (e.kind) {
    case 'sshd_set': {
      const main = await ov.get(SSHD_CONFIG);
      if (main.text === null) {
        work.manual = `${SSHD_CONFIG} does not exist; install and configure the OpenSSH server first`;
        return;
      }
      const texts = new Map<string, string>();
      const ex = await expandSshdConfig(SSHD_CONFIG, {
        read: async (p) => {
          const s = await ov.get(p).catch(() => null);
          if (!s || s.text === null) return { ok: false, absent: true, reason: `${p} does not exist` };
          texts.set(p, s.text);
          return { ok: true, text: s.text };
        },
        glob: (pattern) => ov.glob(pattern),
      });
      if (ex.problems.length) work.notes.push(...ex.problems.map((p) => `sshd_config: ${p}`));
      for (const [p, t] of sshdSet(texts, ex.directives, SSHD_CONFIG, e.key, e.value, tag)) await put(p, t);
      return;
    }
    case 'sysctl_set': {
      const cur = await ov.get(SYSCTL_DROPIN);
      await put(SYSCTL_DROPIN, sysctlDropinSet(cur.text, e.key, e.value, tag));
      // Files applied after the drop-in (later names, /etc/sysctl.conf last) would override it.
      const later = (await ov.glob('/etc/sysctl.d/*.conf')).filter(
        (p) => p.split('/').pop()! > '99-bulwark.conf',
      );
      for (const p of [...later, '/etc/sysctl.conf']) {
        const s = await ov.get(p);
        if (s.text !== null) await put(p, sysctlCommentConflicts(s.text, e.key, e.value, tag));
      }
      work.commands.push({
        argv: ['sysctl', '--system'],
        why: 'load the kernel parameters now',
        when: 'live',
      });
      return;
    }
    case 'modprobe_disable': {
      const dropin = `/etc/modprobe.d/bulwark-${e.module}.conf`;
      for (const p of await ov.glob('/etc/modprobe.d/*.conf')) {
        if (p === dropin) continue;
        const s = await ov.get(p);
        if (s.text !== null && parseModprobe(s.text).entries.some((x) => x.module === e.module))
          await put(p, modprobeCommentConflicts(s.text, e.module, tag));
      }
      await put(dropin, modprobeDropin(e.module, tag));
      work.notes.push(
        `a ${e.module} module loaded now stays loaded until it is unloaded (modprobe -r) or the host reboots`,
      );
      return;
    }
    case 'login_defs_set': {
      const s = await ov.get('/etc/login.defs');
      await put('/etc/login.defs', loginDefsSet(s.text ?? '', e.key, e.value, tag));
      if (/^PASS_(MAX|MIN|WARN)/.test(e.key))
        work.notes.push(
          'login.defs applies to accounts created from now on; existing accounts keep their shadow ages (chage)',
        );
      return;
    }
    case 'pam_option_set': {
      const conf = `/etc/security/${e.family}.conf`;
      const s = await ov.get(conf);
      await put(conf, kvConfSet(s.text, e.key, e.value, tag));
      const module = `pam_${e.family}.so`;
      for (const p of await ov.glob('/etc/pam.d/*')) {
        const f = await ov.get(p);
        if (f.text !== null) await put(p, pamArgSet(f.text, module, e.key, e.value));
      }
      return;
    }
    case 'pam_arg_remove': {
      for (const p of await ov.glob('/etc/pam.d/*')) {
        const f = await ov.get(p);
        if (f.text !== null) await put(p, pamArgRemove(f.text, e.module, e.arg));
      }
      return;
    }
    case 'file_perms': {
      const paths = /[*?[]/.test(e.path) ? await ov.glob(e.path) : [e.path];
      for (const p of paths) {
        const s = await ov.get(p);
        if (s.mode === null) continue;
        const mode = e.maxMode === undefined ? s.mode : clampMode(s.mode, e.maxMode);
        const uid = e.owner ? await idOf(ov, '/etc/passwd', e.owner) : s.uid;
        const gid = e.group ? await idOf(ov, '/etc/group', e.group) : s.gid;
        if (uid === null || gid === null) {
          work.manual = `${p}: the owner ${e.owner ?? ''} or group ${e.group ?? ''} does not exist on the target`;
          return;
        }
        if (mode === s.mode && uid === s.uid && gid === s.gid) continue;
        const next = { ...s, mode, uid, gid };
        work.files.set(p, next);
        ov.set(p, next);
      }
      return;
    }
    case 'sudoers_default': {
      const main = await ov.get('/etc/sudoers');
      if (!main.text || !/^\s*[#@]includedir\s+\/etc\/sudoers\.d\s*$/m.test(main.text)) {
        work.manual = '/etc/sudoers does not include /etc/sudoers.d; add the Defaults entry with visudo';
        return;
      }
      const cur = await ov.get(SUDOERS_DROPIN);
      const text = sudoersDefaultSet(cur.text, e.key, e.value, tag);
      if (cur.text === text) return;
      const next = { ...cur, text, mode: 0o440, uid: 0, gid: 0 };
      work.files.set(SUDOERS_DROPIN, next);
      ov.set(SUDOERS_DROPIN, next);
      return;
    }
    case 'package_remove':
    case 'package_install': {
      const remove = e.kind === 'package_remove';
      const argv =
        family === 'rhel'
          ? ['dnf', remove ? 'remove' : 'install', '-y', ...e.packages]
          : ['apt-get', remove ? 'purge' : 'install', '-y', ...e.packages];
      work.commands.push({
        argv,
        why: `${remove ? 'remove' : 'install'} ${e.packages.join(', ')}`,
        when: 'live',
      });
      if (target.kind === 'root')
        work.manual = `packages are ${remove ? 'removed' : 'installed'} with the package manager of the running system (${argv.join(' ')}); an image is never changed by running its programs`;
      return;
    }
    case 'service_disable': {
      const argv = ['systemctl', 'disable', '--now', ...e.units];
      work.commands.push({ argv, why: `stop and disable ${e.units.join(', ')}`, when: 'live' });
      if (target.kind === 'root')
        work.manual = `services are disabled on the running system (${argv.join(' ')}); nothing is run for an image`;
      return;
    }
  }
}

const KIND_ORDER = [
  'package_install',
  'sshd_set',
  'sysctl_set',
  'modprobe_disable',
  'login_defs_set',
  'pam_option_set',
  'pam_arg_remove',
  'sudoers_default',
  'file_perms',
  'service_disable',
  'package_remove',
  'manual',
];

export const COMPENSATING_CONTROLS = [
  'zone isolation: keep the asset in its own IEC 62443 zone, reachable only through a managed conduit',
  'conduit rules: allow only the engineering and operations flows this finding concerns, from named hosts',
  'monitoring: alert on use of the weakness (logins, changes, traffic) at the zone boundary',
  'procedure: a documented operating procedure (access approval, two-person rule) until the vendor qualifies the fix',
];

export async function buildPlan(input: PlanInput): Promise<Plan> {
  const { target } = input;
  const now = input.now ?? new Date();
  const failing = input.rules.filter((r) => r.status === 'fail');
  const plan: Plan = {
    format: 'bulwark-plan/1',
    id: randomUUID(),
    created_at: now.toISOString(),
    target: { kind: target.kind, root: target.root },
    asset: input.asset,
    scan_id: input.scanId,
    profile: input.profile,
    changes: [],
    finally: [],
    compensations: [],
    summary: {
      changes: 0,
      automatic: 0,
      manual: 0,
      files: 0,
      restarts: [],
      reboot: false,
      lockout_risk: false,
    },
  };
  if (input.asset && input.asset.modifiability !== 'full') {
    plan.compensations = failing.map((r) => ({
      rule: r.rule.id,
      title: r.rule.title,
      severity: r.severity,
      proposals: [...COMPENSATING_CONTROLS],
    })) satisfies Compensation[];
    return plan;
  }
  const derived = failing.map((r) => ({ r, d: deriveEdits(r.rule, r.params) }));
  const kindOf = (x: (typeof derived)[number]): string => (x.d.manual ? 'manual' : x.d.edits[0]!.kind);
  derived.sort(
    (a, b) =>
      KIND_ORDER.indexOf(kindOf(a)) - KIND_ORDER.indexOf(kindOf(b)) || a.r.rule.id.localeCompare(b.r.rule.id),
  );
  const ov = new Overlay(target);
  const family = await osFamily(target);
  const lastWriter = new Map<string, string>();
  let n = 0;
  for (const { r, d } of derived) {
    const id = `c${String(++n).padStart(2, '0')}`;
    const work: Work = { files: new Map(), commands: [], notes: [], manual: d.manual };
    const before = ov.begin();
    if (!d.manual) {
      for (const e of d.edits) {
        try {
          await runEdit(ov, e, r.rule.id, work, target, family);
        } catch (err) {
          work.manual = `cannot plan this edit: ${err instanceof Error ? err.message : String(err)}`;
        }
        if (work.manual) break;
      }
    }
    ov.end();
    const files: FileChange[] = [];
    for (const [p, after] of work.files) {
      const b = before.get(p)!;
      const textChanged = after.text !== b.text;
      files.push({
        path: p,
        before: b.text,
        after: textChanged ? after.text : null,
        before_sha256: b.text === null ? null : sha256(b.text),
        diff:
          (textChanged ? unifiedDiff(p, b.text, after.text) : '') +
          (after.mode !== b.mode || after.uid !== b.uid || after.gid !== b.gid
            ? `# ${p}: mode ${octal(b.mode) ?? '(new)'} → ${octal(after.mode)}, owner ${b.uid ?? '-'}:${b.gid ?? '-'} → ${after.uid}:${after.gid}\n`
            : ''),
        mode_before: octal(b.mode),
        mode_after: octal(after.mode),
        uid_before: b.uid,
        uid_after: after.uid,
        gid_before: b.gid,
        gid_after: after.gid,
        validate: p.startsWith('/etc/ssh/')
          ? 'sshd'
          : p.startsWith('/etc/sudoers')
            ? 'sudoers'
            : p.startsWith('/etc/pam.d/')
              ? 'pam'
              : 'none',
      });
    }
    const depends = new Set<string>();
    for (const f of files) {
      const w = lastWriter.get(f.path);
      if (w) depends.add(w);
      lastWriter.set(f.path, id);
    }
    if (d.edits.some((e) => e.kind === 'pam_option_set' && e.family === 'pwquality')) {
      const inst = plan.changes.find((c) => c.rules.includes('auth-pwquality-installed'));
      if (inst) depends.add(inst.id);
    }
    const manual = work.manual;
    const change: Change = {
      id,
      rules: [r.rule.id],
      title: r.rule.title,
      kind: manual ? 'manual' : d.edits.map((e) => e.kind).join('+') || 'manual',
      edits: d.edits.map((e) => ({ ...e })),
      impact: impactFor(r.rule, d.edits, manual !== null),
      files: manual ? [] : files,
      commands: work.commands,
      depends_on: [...depends].sort(),
      manual,
      params: r.params,
      notes: work.notes,
      guards: [],
    };
    if (manual && r.rule.area === 'firewall') change.notes.push(await sessionNote(ov, target));
    if (manual) {
      // A manual change leaves the overlay as it was.
      for (const [p, s] of before) ov.set(p, s);
    } else if (files.length === 0 && work.commands.length === 0) {
      change.notes.push(
        'the files already say what the rule asks; nothing to edit (the finding may come from a live-only check or a stale scan)',
      );
    }
    plan.changes.push(change);
  }
  // Commands run once, after every change that asked for them: one sshd reload after all sshd edits.
  const sshdChanges = plan.changes.filter(
    (c) => !c.manual && c.files.some((f) => f.path.startsWith('/etc/ssh/')),
  );
  if (sshdChanges.length)
    plan.finally.push(
      {
        argv: ['sshd', '-t'],
        why: 'check the new sshd configuration before reloading',
        when: 'live',
        after: sshdChanges.map((c) => c.id),
      },
      {
        argv: ['systemctl', 'reload', 'sshd.service'],
        why: `reload sshd once after ${sshdChanges.length} sshd_config change(s)`,
        when: 'live',
        after: sshdChanges.map((c) => c.id),
      },
    );
  const sysctlChanges = plan.changes.filter(
    (c) => !c.manual && c.commands.some((x) => x.argv[0] === 'sysctl'),
  );
  for (const c of sysctlChanges) c.commands = c.commands.filter((x) => x.argv[0] !== 'sysctl');
  if (sysctlChanges.length)
    plan.finally.push({
      argv: ['sysctl', '--system'],
      why: `load ${sysctlChanges.length} kernel parameter change(s) now`,
      when: 'live',
      after: sysctlChanges.map((c) => c.id),
    });
  await checkGuards(plan, ov);
  summarise(plan);
  return plan;
}

/** What a firewall change must keep open: the management session (live: SSH_CONNECTION; offline: sshd's ports). */
async function sessionNote(ov: Overlay, target: Target): Promise<string> {
  const ports: number[] = [];
  const main = await ov.get(SSHD_CONFIG).catch(() => null);
  if (main?.text) {
    const ex = await expandSshdConfig(SSHD_CONFIG, {
      read: async (p) => {
        const s = await ov.get(p).catch(() => null);
        return s?.text != null
          ? { ok: true, text: s.text }
          : { ok: false, absent: true, reason: `${p} absent` };
      },
      glob: (pattern) => ov.glob(pattern),
    });
    for (const d of ex.directives)
      if (d.key === 'port' && d.match === null && /^\d+$/.test(d.args[0] ?? ''))
        ports.push(Number(d.args[0]));
  }
  const s = managementSession(target.kind === 'live' ? process.env : {}, ports);
  return `BW_GUARD_FIREWALL_SESSION: before any input policy of drop, accept tcp port ${s.ports.join(', ')}${s.addr ? ` from ${s.addr} (this SSH session)` : ' (sshd, from the management network)'} and established connections, or the change drops the management session`;
}

export function summarise(plan: Plan): void {
  const auto = plan.changes.filter((c) => !c.manual);
  plan.summary = {
    changes: plan.changes.length,
    automatic: auto.length,
    manual: plan.changes.length - auto.length,
    files: new Set(auto.flatMap((c) => c.files.map((f) => f.path))).size,
    restarts: [...new Set(auto.flatMap((c) => c.impact.restart))].sort(),
    reboot: auto.some((c) => c.impact.reboot),
    lockout_risk: auto.some((c) => c.impact.lockout_risk),
  };
}

export { RANK as IMPACT_RANK };
