/**
 * Kernel, filesystem, boot, time and mandatory-access-control facts: configured and running
 * sysctl values, modprobe.d directives and loaded modules, fstab and mounts, the boot loader and
 * kernel command line, core dump limits, time synchronisation and AppArmor / SELinux.
 * Collectors only read and record; rules judge.
 */
import type { Row } from '../core/types.js';
import { errorMessage } from '../core/errors.js';
import type { Collector } from './types.js';
import { effectiveSysctl, normaliseSysctlValue } from './parsers/sysctl.js';
import { Reads } from './read.js';
import { parseModprobe, parseProcModules } from './parsers/modprobe.js';
import { mountUnitName, parseFstab, parseMountUnit, parseProcMounts } from './parsers/fstab.js';
import {
  parseBlsEntry,
  parseGrubCfg,
  parseGrubenv,
  parseShellAssignments,
  parseUserCfg,
  splitArg,
  splitCmdline,
  type GrubEntry,
} from './parsers/grub.js';
import { parseLimits, parseSystemdIni } from './parsers/limits.js';
import { chronydUserOption, parseChronyConf, parseNtpConf, parseTimesyncdConf } from './parsers/chrony.js';
import {
  isAppArmorProfileFileName,
  parseAppArmorProfiles,
  parseLoadedProfiles,
  parseSelinuxConfig,
} from './parsers/mac.js';

// ---------------------------------------------------------------- reading helpers

// ---------------------------------------------------------------- sysctl

const SYSCTL_DIRS = [
  '/etc/sysctl.d',
  '/run/sysctl.d',
  '/usr/local/lib/sysctl.d',
  '/usr/lib/sysctl.d',
  '/lib/sysctl.d',
];

const sysctl: Collector = {
  name: 'sysctl',
  description:
    'Kernel parameters as configured for boot, with systemd-sysctl precedence: *.conf files from /etc/sysctl.d, /run/sysctl.d (live only), /usr/local/lib/sysctl.d, /usr/lib/sysctl.d and /lib/sysctl.d (a name in an earlier directory masks the same name later), applied in file-name order, then /etc/sysctl.conf; the last assignment of a key wins. Keys use dots (kernel/yama/ptrace_scope is kernel.yama.ptrace_scope); globbed keys are kept as written. One row per key, with the file and line that set it.',
  fields: { key: 'string', value: 'string', path: 'string', line: 'int' },
  async collect(ctx) {
    const reads = new Reads(ctx);
    const files = await reads.confDirs(SYSCTL_DIRS, /\.conf$/);
    const sources: { path: string; text: string }[] = [];
    for (const f of files) {
      if (await reads.isMasked(f)) continue;
      const text = await reads.text(f);
      if (text !== undefined) sources.push({ path: f, text });
    }
    const main = await reads.text('/etc/sysctl.conf');
    if (main !== undefined) sources.push({ path: '/etc/sysctl.conf', text: main });
    const rows: Row[] = effectiveSysctl(sources).map((e) => ({
      key: e.key,
      value: e.value,
      path: e.path,
      line: e.line,
    }));
    return reads.out(rows);
  },
};

/** Keys read live from /proc/sys: every key the kernel rules check, and more security-relevant ones. */
export const LIVE_SYSCTL_KEYS = [
  'fs.protected_fifos',
  'fs.protected_hardlinks',
  'fs.protected_regular',
  'fs.protected_symlinks',
  'fs.suid_dumpable',
  'kernel.core_pattern',
  'kernel.core_uses_pid',
  'kernel.dmesg_restrict',
  'kernel.kexec_load_disabled',
  'kernel.kptr_restrict',
  'kernel.modules_disabled',
  'kernel.panic_on_oops',
  'kernel.perf_event_paranoid',
  'kernel.randomize_va_space',
  'kernel.sysrq',
  'kernel.unprivileged_bpf_disabled',
  'kernel.unprivileged_userns_clone',
  'kernel.yama.ptrace_scope',
  'kernel.io_uring_disabled',
  'dev.tty.ldisc_autoload',
  'user.max_user_namespaces',
  'vm.mmap_min_addr',
  'vm.unprivileged_userfaultfd',
  'net.core.bpf_jit_harden',
  'net.ipv4.ip_forward',
  'net.ipv4.icmp_echo_ignore_broadcasts',
  'net.ipv4.icmp_ignore_bogus_error_responses',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.tcp_rfc1337',
  'net.ipv4.tcp_timestamps',
  ...['all', 'default'].flatMap((s) => [
    `net.ipv4.conf.${s}.accept_redirects`,
    `net.ipv4.conf.${s}.accept_source_route`,
    `net.ipv4.conf.${s}.arp_ignore`,
    `net.ipv4.conf.${s}.arp_announce`,
    `net.ipv4.conf.${s}.forwarding`,
    `net.ipv4.conf.${s}.log_martians`,
    `net.ipv4.conf.${s}.rp_filter`,
    `net.ipv4.conf.${s}.secure_redirects`,
    `net.ipv4.conf.${s}.send_redirects`,
    `net.ipv6.conf.${s}.accept_ra`,
    `net.ipv6.conf.${s}.accept_ra_defrtr`,
    `net.ipv6.conf.${s}.accept_ra_pinfo`,
    `net.ipv6.conf.${s}.accept_ra_rtr_pref`,
    `net.ipv6.conf.${s}.accept_redirects`,
    `net.ipv6.conf.${s}.accept_source_route`,
    `net.ipv6.conf.${s}.autoconf`,
    `net.ipv6.conf.${s}.disable_ipv6`,
    `net.ipv6.conf.${s}.forwarding`,
    `net.ipv6.conf.${s}.max_addresses`,
    `net.ipv6.conf.${s}.router_solicitations`,
  ]),
];

const sysctlLive: Collector = {
  name: 'sysctl_live',
  description:
    'Running kernel parameters read from /proc/sys on a live system, for a curated list of security-relevant keys (network, kernel, fs). Keys the kernel does not have are left out. Whitespace in multi-value parameters is collapsed to single spaces.',
  fields: { key: 'string', value: 'string' },
  liveOnly: true,
  async collect(ctx) {
    const rows: Row[] = [];
    const sources: string[] = [];
    const problems: string[] = [];
    for (const key of LIVE_SYSCTL_KEYS) {
      const p = '/proc/sys/' + key.replace(/\./g, '/');
      const r = await ctx.target.readText(p, { maxBytes: 64 * 1024 });
      if (r.status === 'ok') {
        rows.push({ key, value: normaliseSysctlValue(r.text) });
        sources.push(p);
      } else if (r.status === 'error' && r.code !== 'EACCES' && r.code !== 'EPERM') problems.push(r.reason);
    }
    if (rows.length === 0)
      return { status: 'error', rows, sources, reason: problems.join('; ') || '/proc/sys could not be read' };
    return problems.length
      ? { status: 'incomplete', rows, sources, reason: problems.join('; ') }
      : { status: 'complete', rows, sources };
  },
};

// ---------------------------------------------------------------- kernel modules

const MODPROBE_DIRS = [
  '/etc/modprobe.d',
  '/run/modprobe.d',
  '/usr/local/lib/modprobe.d',
  '/usr/lib/modprobe.d',
  '/lib/modprobe.d',
];

const modprobe: Collector = {
  name: 'modprobe',
  description:
    'modprobe.d directives (install, blacklist, options, alias, remove, softdep) from *.conf files in /etc/modprobe.d, /run/modprobe.d (live only), /usr/local/lib/modprobe.d, /usr/lib/modprobe.d and /lib/modprobe.d, a file name in an earlier directory masking the same name later. Module names use `_` for `-` (as kmod treats them).',
  fields: { directive: 'string', module: 'string', args: 'string', path: 'string', line: 'int' },
  async collect(ctx) {
    const reads = new Reads(ctx);
    const files = await reads.confDirs(MODPROBE_DIRS, /\.conf$/);
    const rows: Row[] = [];
    for (const f of files) {
      if (await reads.isMasked(f)) continue;
      const text = await reads.text(f);
      if (text === undefined) continue;
      for (const e of parseModprobe(text).entries)
        rows.push({ directive: e.directive, module: e.module, args: e.args, path: f, line: e.line });
    }
    return reads.out(rows);
  },
};

const kernelModules: Collector = {
  name: 'kernel_modules',
  description: 'Modules loaded in the running kernel, from /proc/modules (names with `_` for `-`).',
  fields: { name: 'string' },
  liveOnly: true,
  async collect(ctx) {
    const r = await ctx.target.readText('/proc/modules');
    if (r.status === 'absent')
      return {
        status: 'absent',
        rows: [],
        sources: ['/proc/modules'],
        reason: 'the kernel has no module support (/proc/modules missing)',
      };
    if (r.status !== 'ok') return { status: 'error', rows: [], sources: [], reason: r.reason };
    return {
      status: 'complete',
      rows: parseProcModules(r.text).map((name) => ({ name })),
      sources: ['/proc/modules'],
    };
  },
};

// ---------------------------------------------------------------- filesystems

const SYSTEMD_UNIT_DIRS = [
  '/etc/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
];
/** Mount points whose systemd .mount units are recorded besides fstab. */
const MOUNT_UNITS = ['/tmp', '/var/tmp', '/dev/shm', '/home', '/var', '/var/log', '/var/log/audit'];

const fstab: Collector = {
  name: 'fstab',
  description:
    'Configured mounts: /etc/fstab entries, and systemd .mount units for /tmp, /var/tmp, /dev/shm, /home, /var, /var/log and /var/log/audit (first found in /etc/systemd/system, /usr/local/lib/systemd/system, /usr/lib/systemd/system, /lib/systemd/system). `source` says which; `enabled` is true for fstab entries and for units linked into a .wants/.requires directory under /etc/systemd/system (false when not enabled or masked).',
  fields: {
    source: 'string',
    device: 'string',
    mountpoint: 'string',
    fstype: 'string',
    options: 'string_list',
    dump: 'int',
    pass: 'int',
    enabled: 'bool',
    path: 'string',
    line: 'int',
  },
  async collect(ctx) {
    const reads = new Reads(ctx);
    const rows: Row[] = [];
    const text = await reads.text('/etc/fstab');
    if (text !== undefined)
      for (const e of parseFstab(text).entries)
        rows.push({
          source: 'fstab',
          device: e.device,
          mountpoint: e.mountpoint,
          fstype: e.fstype,
          options: e.options,
          dump: e.dump,
          pass: e.pass,
          enabled: true,
          path: '/etc/fstab',
          line: e.line,
        });
    const wants = await reads.glob('/etc/systemd/system/*.wants');
    const requires = await reads.glob('/etc/systemd/system/*.requires');
    for (const mp of MOUNT_UNITS) {
      const unit = mountUnitName(mp);
      let unitPath: string | undefined;
      let masked = false;
      for (const d of SYSTEMD_UNIT_DIRS) {
        const p = `${d}/${unit}`;
        let st;
        try {
          st = await ctx.target.stat(p);
        } catch (e) {
          reads.problems.push(`${p}: ${errorMessage(e)}`);
          continue;
        }
        if (!st) continue;
        if (st.type === 'symlink' && st.target === '/dev/null') {
          masked = true;
          break;
        }
        unitPath = p;
        break;
      }
      if (masked || !unitPath) continue;
      const body = await reads.text(unitPath);
      if (body === undefined) continue;
      let enabled = false;
      for (const d of [...wants, ...requires]) {
        try {
          if (await ctx.target.stat(`${d}/${unit}`)) enabled = true;
        } catch {
          /* a looping link is not an enablement */
        }
      }
      const u = parseMountUnit(body);
      rows.push({
        source: 'systemd',
        device: u.what,
        mountpoint: u.where ?? mp,
        fstype: u.type,
        options: u.options,
        dump: 0,
        pass: 0,
        enabled,
        path: unitPath,
        line: u.line,
      });
    }
    return reads.out(rows);
  },
};

const mounts: Collector = {
  name: 'mounts',
  description: 'Filesystems mounted in the running system, from /proc/self/mounts.',
  fields: { device: 'string', mountpoint: 'string', fstype: 'string', options: 'string_list' },
  liveOnly: true,
  async collect(ctx) {
    const r = await ctx.target.readText('/proc/self/mounts');
    if (r.status !== 'ok')
      return {
        status: 'error',
        rows: [],
        sources: [],
        reason: r.status === 'absent' ? '/proc/self/mounts does not exist' : r.reason,
      };
    const rows: Row[] = parseProcMounts(r.text).entries.map((e) => ({
      device: e.device,
      mountpoint: e.mountpoint,
      fstype: e.fstype,
      options: e.options,
    }));
    return { status: 'complete', rows, sources: ['/proc/self/mounts'] };
  },
};

// ---------------------------------------------------------------- boot loader

const bootloader: Collector = {
  name: 'bootloader',
  description:
    "GRUB 2 and Boot Loader Specification configuration: superusers and passwords (kind superusers, password; args [scheme, hash]) from grub.cfg (/boot/grub, /boot/grub2, /boot/efi/EFI/*), the /etc/grub.d scripts and RHEL's /boot/grub2/user.cfg (GRUB2_PASSWORD); kernel command lines from grub.cfg `linux` lines (cmdline, value = kernel image), GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub and /etc/default/grub.d/*.cfg (default_cmdline, value = variable, effective value after all files) and BLS entries in /boot/loader/entries (bls_options, $kernelopts expanded from grubenv).",
  fields: { kind: 'string', value: 'string', args: 'string_list', path: 'string', line: 'int' },
  async collect(ctx) {
    const reads = new Reads(ctx);
    const rows: Row[] = [];
    const add = (p: string, es: GrubEntry[]) => {
      for (const e of es) rows.push({ kind: e.kind, value: e.value, args: e.args, path: p, line: e.line });
    };
    const cfgs = [
      '/boot/grub/grub.cfg',
      '/boot/grub2/grub.cfg',
      ...(await reads.glob('/boot/efi/EFI/*/grub.cfg')),
      ...(await reads.filesIn('/etc/grub.d', /^[^.].*[^~]$/)),
    ];
    const seen = new Set<string>();
    for (const p of cfgs) {
      if (seen.has(p)) continue;
      seen.add(p);
      const text = await reads.text(p);
      if (text !== undefined) add(p, parseGrubCfg(text));
    }
    for (const p of ['/boot/grub2/user.cfg', '/boot/grub/user.cfg']) {
      const text = await reads.text(p);
      if (text !== undefined) add(p, parseUserCfg(text));
    }
    // /etc/default/grub, then /etc/default/grub.d/*.cfg (Debian's update-grub sources them in order).
    const vars = new Map<string, string>();
    const last = new Map<string, { value: string; path: string; line: number }>();
    for (const p of ['/etc/default/grub', ...(await reads.filesIn('/etc/default/grub.d', /\.cfg$/))]) {
      const text = await reads.text(p);
      if (text === undefined) continue;
      for (const a of parseShellAssignments(text, vars))
        if (a.name === 'GRUB_CMDLINE_LINUX' || a.name === 'GRUB_CMDLINE_LINUX_DEFAULT')
          last.set(a.name, { value: a.value, path: p, line: a.line });
    }
    for (const [name, a] of last)
      rows.push({
        kind: 'default_cmdline',
        value: name,
        args: splitCmdline(a.value),
        path: a.path,
        line: a.line,
      });
    // BLS entries; RHEL 8 keeps `kernelopts` in grubenv.
    let env = new Map<string, string>();
    for (const p of ['/boot/grub2/grubenv', '/boot/grub/grubenv']) {
      const text = await reads.text(p, 64 * 1024);
      if (text !== undefined) {
        env = parseGrubenv(text);
        break;
      }
    }
    for (const p of await reads.filesIn('/boot/loader/entries', /\.conf$/)) {
      const text = await reads.text(p);
      if (text !== undefined) add(p, parseBlsEntry(text, env));
    }
    return reads.out(rows);
  },
};

const kernelCmdline: Collector = {
  name: 'kernel_cmdline',
  description:
    'Arguments the running kernel was booted with, from /proc/cmdline: the argument, its key and its value (null for a bare flag).',
  fields: { arg: 'string', key: 'string', value: 'string' },
  liveOnly: true,
  async collect(ctx) {
    const r = await ctx.target.readText('/proc/cmdline', { maxBytes: 64 * 1024 });
    if (r.status !== 'ok')
      return {
        status: 'error',
        rows: [],
        sources: [],
        reason: r.status === 'absent' ? '/proc/cmdline does not exist' : r.reason,
      };
    const rows: Row[] = splitCmdline(r.text).map((arg) => ({ arg, ...splitArg(arg) }));
    return { status: 'complete', rows, sources: ['/proc/cmdline'] };
  },
};

// ---------------------------------------------------------------- core dumps

const coredump: Collector = {
  name: 'coredump',
  description:
    'Core dump settings: `core` limits from /etc/security/limits.conf and /etc/security/limits.d/*.conf (source limits: domain, type, item, value; every line, in the order pam_limits reads them), and systemd-coredump settings (source systemd: key Storage, ProcessSizeMax, …; the effective value after /etc/systemd/coredump.conf and the coredump.conf.d drop-ins).',
  fields: {
    source: 'string',
    domain: 'string',
    type: 'string',
    item: 'string',
    key: 'string',
    value: 'string',
    path: 'string',
    line: 'int',
  },
  async collect(ctx) {
    const reads = new Reads(ctx);
    const rows: Row[] = [];
    for (const p of [
      '/etc/security/limits.conf',
      ...(await reads.filesIn('/etc/security/limits.d', /\.conf$/)),
    ]) {
      const text = await reads.text(p);
      if (text === undefined) continue;
      for (const e of parseLimits(text).entries)
        if (e.item === 'core')
          rows.push({
            source: 'limits',
            domain: e.domain,
            type: e.type,
            item: e.item,
            key: null,
            value: e.value,
            path: p,
            line: e.line,
          });
    }
    const dropins = await reads.confDirs(
      [
        '/etc/systemd/coredump.conf.d',
        '/run/systemd/coredump.conf.d',
        '/usr/local/lib/systemd/coredump.conf.d',
        '/usr/lib/systemd/coredump.conf.d',
      ],
      /\.conf$/,
    );
    const eff = new Map<string, Row>();
    for (const p of ['/usr/lib/systemd/coredump.conf', '/etc/systemd/coredump.conf', ...dropins]) {
      if (await reads.isMasked(p)) continue;
      const text = await reads.text(p);
      if (text === undefined) continue;
      for (const a of parseSystemdIni(text))
        if (a.section === 'Coredump')
          eff.set(a.key, {
            source: 'systemd',
            domain: null,
            type: null,
            item: null,
            key: a.key,
            value: a.value,
            path: p,
            line: a.line,
          });
    }
    rows.push(...eff.values());
    return reads.out(rows);
  },
};

// ---------------------------------------------------------------- time synchronisation

const timesync: Collector = {
  name: 'timesync',
  description:
    'Time synchronisation configuration: chrony (/etc/chrony.conf or /etc/chrony/chrony.conf and their confdir / sourcedir / include files; server, pool, peer, user …; `-u user` from /etc/sysconfig/chronyd or /etc/default/chrony as directive user), systemd-timesyncd (/etc/systemd/timesyncd.conf and drop-ins; NTP, FallbackNTP …) and ntpd / ntpsec (/etc/ntp.conf, /etc/ntpsec/ntp.conf; server, pool, restrict …). Whether a daemon is enabled is in the `services` fact.',
  fields: { daemon: 'string', directive: 'string', value: 'string', path: 'string', line: 'int' },
  async collect(ctx) {
    const reads = new Reads(ctx);
    const rows: Row[] = [];
    // chrony: main file, then includes (confdir / sourcedir / include), one level deep.
    for (const main of ['/etc/chrony.conf', '/etc/chrony/chrony.conf']) {
      const text = await reads.text(main);
      if (text === undefined) continue;
      const ds = parseChronyConf(text);
      for (const d of ds)
        rows.push({ daemon: 'chrony', directive: d.directive, value: d.value, path: main, line: d.line });
      for (const d of ds) {
        let patterns: string[] = [];
        if (d.directive === 'include') patterns = [d.value.split(' ')[0]!];
        else if (d.directive === 'confdir') patterns = d.value.split(' ').map((x) => `${x}/*.conf`);
        else if (d.directive === 'sourcedir') patterns = d.value.split(' ').map((x) => `${x}/*.sources`);
        for (const pat of patterns) {
          if (pat.startsWith('/run/') && ctx.mode !== 'live') continue;
          for (const p of await reads.glob(pat)) {
            const inc = await reads.text(p);
            if (inc === undefined) continue;
            for (const x of parseChronyConf(inc))
              rows.push({ daemon: 'chrony', directive: x.directive, value: x.value, path: p, line: x.line });
          }
        }
      }
    }
    for (const p of ['/etc/sysconfig/chronyd', '/etc/default/chrony']) {
      const text = await reads.text(p);
      const u = text === undefined ? undefined : chronydUserOption(text);
      if (u) rows.push({ daemon: 'chrony', directive: 'user', value: u.user, path: p, line: u.line });
    }
    const tsFiles = [
      '/usr/lib/systemd/timesyncd.conf',
      '/etc/systemd/timesyncd.conf',
      ...(await reads.confDirs(
        [
          '/etc/systemd/timesyncd.conf.d',
          '/run/systemd/timesyncd.conf.d',
          '/usr/local/lib/systemd/timesyncd.conf.d',
          '/usr/lib/systemd/timesyncd.conf.d',
        ],
        /\.conf$/,
      )),
    ];
    for (const p of tsFiles) {
      const text = await reads.text(p);
      if (text === undefined) continue;
      for (const d of parseTimesyncdConf(text))
        rows.push({ daemon: 'timesyncd', directive: d.directive, value: d.value, path: p, line: d.line });
    }
    for (const p of ['/etc/ntp.conf', '/etc/ntpsec/ntp.conf']) {
      const text = await reads.text(p);
      if (text === undefined) continue;
      for (const d of parseNtpConf(text))
        rows.push({
          daemon: p.includes('ntpsec') ? 'ntpsec' : 'ntp',
          directive: d.directive,
          value: d.value,
          path: p,
          line: d.line,
        });
    }
    return reads.out(rows);
  },
};

// ---------------------------------------------------------------- mandatory access control

const mac: Collector = {
  name: 'mac',
  description:
    'AppArmor and SELinux. AppArmor: one row per profile defined in /etc/apparmor.d (key profile, name, value = mode flag: enforce, complain, kill, unconfined, prompt; `disabled` for profiles linked in /etc/apparmor.d/disable, `complain` for force-complain), and live: key state (enabled / disabled from /sys/module/apparmor/parameters/enabled) and key loaded (each profile in /sys/kernel/security/apparmor/profiles with its mode). SELinux: keys SELINUX and SELINUXTYPE from /etc/selinux/config (lower-cased values), and live: key state (enforcing / permissive from /sys/fs/selinux/enforce, disabled when selinuxfs is not mounted).',
  fields: {
    framework: 'string',
    key: 'string',
    name: 'string',
    value: 'string',
    path: 'string',
    line: 'int',
  },
  async collect(ctx) {
    const reads = new Reads(ctx);
    const rows: Row[] = [];
    const t = ctx.target;
    // AppArmor profile files.
    const dir = '/etc/apparmor.d';
    const ents = (await t.readdir(dir)) ?? [];
    const linked = async (sub: string) =>
      new Set(((await t.readdir(`${dir}/${sub}`)) ?? []).map((e) => e.name));
    const disabled = await linked('disable');
    const forced = await linked('force-complain');
    for (const e of ents) {
      if (e.type !== 'file' && e.type !== 'symlink') continue;
      if (!isAppArmorProfileFileName(e.name)) continue;
      const p = `${dir}/${e.name}`;
      const text = await reads.text(p);
      if (text === undefined) continue;
      for (const prof of parseAppArmorProfiles(text)) {
        const mode = disabled.has(e.name)
          ? 'disabled'
          : forced.has(e.name) && prof.mode === 'enforce'
            ? 'complain'
            : prof.mode;
        rows.push({
          framework: 'apparmor',
          key: 'profile',
          name: prof.name,
          value: mode,
          path: p,
          line: prof.line,
        });
      }
    }
    // SELinux configuration.
    const cfg = await reads.text('/etc/selinux/config');
    if (cfg !== undefined)
      for (const a of parseSelinuxConfig(cfg))
        if (a.key === 'SELINUX' || a.key === 'SELINUXTYPE')
          rows.push({
            framework: 'selinux',
            key: a.key,
            name: null,
            value: a.value,
            path: '/etc/selinux/config',
            line: a.line,
          });
    if (ctx.mode === 'live') {
      const en = await t.readText('/sys/module/apparmor/parameters/enabled', { maxBytes: 64 });
      if (en.status === 'ok' || en.status === 'absent') {
        const on = en.status === 'ok' && en.text.trim().toUpperCase().startsWith('Y');
        rows.push({
          framework: 'apparmor',
          key: 'state',
          name: null,
          value: on ? 'enabled' : 'disabled',
          path: '/sys/module/apparmor/parameters/enabled',
          line: null,
        });
        reads.found++;
        if (on) {
          const prof = await t.readText('/sys/kernel/security/apparmor/profiles');
          if (prof.status === 'ok')
            for (const l of parseLoadedProfiles(prof.text))
              rows.push({
                framework: 'apparmor',
                key: 'loaded',
                name: l.name,
                value: l.mode,
                path: '/sys/kernel/security/apparmor/profiles',
                line: null,
              });
          else if (prof.status === 'error') reads.problems.push(prof.reason);
        }
      }
      const enf = await t.readText('/sys/fs/selinux/enforce', { maxBytes: 64 });
      const state = enf.status === 'ok' ? (enf.text.trim() === '1' ? 'enforcing' : 'permissive') : 'disabled';
      rows.push({
        framework: 'selinux',
        key: 'state',
        name: null,
        value: state,
        path: '/sys/fs/selinux/enforce',
        line: null,
      });
      reads.found++;
    }
    return reads.out(rows);
  },
};

export const collectors: Collector[] = [
  sysctl,
  sysctlLive,
  modprobe,
  kernelModules,
  fstab,
  mounts,
  bootloader,
  kernelCmdline,
  coredump,
  timesync,
  mac,
];
