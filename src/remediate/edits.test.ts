/**
 * Config edits on real-world samples (test/fixtures/remediate/): the result parses with the same parsers the
 * collectors use and says what the rule asks; every comment and every unrelated line survives, in order.
 * Unified diffs are checked with GNU patch as the oracle (skipped loudly when absent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { effectiveSshdConfig, expandSshdConfig, SSHD_DEFAULTS } from '../collect/parsers/sshd-config.js';
import { effectiveSysctl } from '../collect/parsers/sysctl.js';
import { parseLoginDefs } from '../collect/parsers/login-defs.js';
import { parseModprobe } from '../collect/parsers/modprobe.js';
import { parseKeyValueConf, parsePam } from '../collect/parsers/pam.js';
import { parseSudoers } from '../collect/parsers/sudoers.js';
import {
  kvConfSet,
  loginDefsSet,
  modprobeCommentConflicts,
  modprobeDropin,
  pamArgRemove,
  pamArgSet,
  pamSyntaxProblems,
  sshdSet,
  sudoersDefaultSet,
  sysctlCommentConflicts,
  sysctlDropinSet,
} from './edits.js';
import { unifiedDiff } from './diff.js';

const FIX = path.resolve(import.meta.dirname, '../../../test/fixtures/remediate');
const read = (f: string): string => fs.readFileSync(path.join(FIX, f), 'utf8');

/** Every line of `before` that the edit did not touch appears in `after`, in the same order. */
function keepsOthers(before: string, after: string, touched: (line: string) => boolean): void {
  const a = after.split('\n');
  let i = 0;
  for (const l of before.split('\n')) {
    if (touched(l)) continue;
    while (i < a.length && a[i] !== l) i++;
    assert.ok(i < a.length, `line lost or reordered: ${JSON.stringify(l)}`);
    i++;
  }
}

async function sshdEffective(files: Map<string, string>) {
  const ex = await expandSshdConfig('/etc/ssh/sshd_config', {
    read: (p) =>
      Promise.resolve(
        files.has(p)
          ? { ok: true as const, text: files.get(p)! }
          : { ok: false as const, absent: true, reason: 'absent' },
      ),
    glob: (pat) =>
      Promise.resolve([...files.keys()].filter((k) => k.startsWith(pat.replace(/\*.*$/, ''))).sort()),
  });
  return { ex, rows: effectiveSshdConfig(ex.directives, SSHD_DEFAULTS) };
}

test('sshd: first value wins — set before Include and Match, conflicting lines commented, Match overrides disabled', async () => {
  const files = new Map([
    ['/etc/ssh/sshd_config', read('sshd_config')],
    ['/etc/ssh/sshd_config.d/50-cloud-init.conf', read('sshd_config.d-50-cloud-init.conf')],
  ]);
  let cur = new Map(files);
  for (const [key, value] of [
    ['permitrootlogin', 'no'],
    ['passwordauthentication', 'no'],
    ['maxauthtries', '4'],
    ['x11forwarding', 'no'],
  ] as const) {
    const { ex } = await sshdEffective(cur);
    const changed = sshdSet(cur, ex.directives, '/etc/ssh/sshd_config', key, value, 'test-rule');
    cur = new Map([...cur, ...changed]);
    const { rows, ex: ex2 } = await sshdEffective(cur);
    assert.deepEqual(ex2.problems, []);
    const mine = rows.filter((r) => r.key === key);
    assert.ok(mine.length > 0);
    for (const r of mine) assert.equal(r.value.toLowerCase(), value, `${key} in ${r.match ?? 'global'}`);
  }
  const main = cur.get('/etc/ssh/sshd_config')!;
  const orig = files.get('/etc/ssh/sshd_config')!;
  keepsOthers(orig, main, (l) =>
    /^\s*(PermitRootLogin|PasswordAuthentication|MaxAuthTries|X11Forwarding)\b/i.test(l),
  );
  const lines = main.split('\n');
  // PermitRootLogin: the effective line was in the main file (no included file sets it): replaced in place.
  assert.equal(lines[lines.indexOf('#LoginGraceTime 2m') + 1], 'PermitRootLogin no');
  // PasswordAuthentication: the included drop-in set it first, so the new line goes before the Include.
  assert.ok(
    lines.indexOf('PasswordAuthentication no') < lines.indexOf('Include /etc/ssh/sshd_config.d/*.conf'),
  );
  assert.ok(lines.indexOf('PasswordAuthentication no') > lines.indexOf('# default value.'));
  // MaxAuthTries was the effective line in the main file: replaced in place.
  assert.equal(lines.filter((l) => /^MaxAuthTries 4$/.test(l)).length, 1);
  assert.match(main, /\tMatch|Match User anoncvs\n\tX11Forwarding no/);
  assert.match(main, /\t# PermitRootLogin yes {4}# disabled by bulwark \(test-rule\)/);
  assert.match(cur.get('/etc/ssh/sshd_config.d/50-cloud-init.conf')!, /^# PasswordAuthentication yes/);
});

test('sysctl: drop-in created and updated, a later /etc/sysctl.conf assignment commented out', () => {
  let d = sysctlDropinSet(null, 'net.ipv4.ip_forward', '0', 'r1');
  d = sysctlDropinSet(d, 'kernel.kptr_restrict', '2', 'r2');
  d = sysctlDropinSet(d, 'net.ipv4.ip_forward', '0', 'r1');
  const sysconf = read('sysctl.conf') + 'net.ipv4.ip_forward=1\nkernel.kptr_restrict = 1\n';
  const after = sysctlCommentConflicts(
    sysctlCommentConflicts(sysconf, 'net.ipv4.ip_forward', '0', 'r1'),
    'kernel.kptr_restrict',
    '2',
    'r2',
  );
  const eff = effectiveSysctl([
    { path: '/etc/sysctl.d/99-bulwark.conf', text: d },
    { path: '/etc/sysctl.conf', text: after },
  ]);
  const get = (k: string) => eff.find((e) => e.key === k)?.value;
  assert.equal(get('net.ipv4.ip_forward'), '0');
  assert.equal(get('kernel.kptr_restrict'), '2');
  assert.equal(d.match(/net\.ipv4\.ip_forward/g)?.length, 1, 'no duplicate line');
  keepsOthers(sysconf, after, (l) => /^(net\.ipv4\.ip_forward|kernel\.kptr_restrict)/.test(l));
});

test('modprobe: install /bin/false drop-in; a conflicting install line elsewhere commented out', () => {
  const bl = read('modprobe-blacklist.conf');
  const after = modprobeCommentConflicts(bl, 'cramfs', 'kernel-module-cramfs-disabled');
  const entries = [...parseModprobe(after).entries, ...parseModprobe(modprobeDropin('cramfs', 'x')).entries];
  const installs = entries.filter((e) => e.directive === 'install' && e.module === 'cramfs');
  assert.equal(installs.length, 1);
  assert.equal(installs[0]!.args, '/bin/false');
  assert.ok(entries.some((e) => e.directive === 'blacklist' && e.module === 'cramfs'));
  keepsOthers(bl, after, (l) => l.startsWith('install cramfs'));
});

test('login.defs: the effective (last) line replaced in place, tabs kept; a missing key appended', () => {
  const src = read('login.defs');
  let t = loginDefsSet(src, 'PASS_MAX_DAYS', '365', 'r');
  t = loginDefsSet(t, 'SHA_CRYPT_MIN_ROUNDS', '65536', 'r');
  const defs = parseLoginDefs(t);
  assert.equal(defs.find((d) => d.key === 'PASS_MAX_DAYS' && d.effective)?.value, '365');
  assert.equal(defs.find((d) => d.key === 'SHA_CRYPT_MIN_ROUNDS' && d.effective)?.value, '65536');
  assert.match(t, /^PASS_MAX_DAYS\t365$/m);
  keepsOthers(src, t, (l) => /^PASS_MAX_DAYS\s/.test(l));
  assert.equal(t.split('\n').length, src.split('\n').length + 2);
});

test('PAM: nullok removed from pam_unix, other arguments and comments kept; pwquality options set in conf and module lines', () => {
  const auth = read('pam-common-auth');
  const out = pamArgRemove(auth, 'pam_unix.so', 'nullok');
  assert.ok(!parsePam(out).some((l) => l.args.includes('nullok')));
  assert.deepEqual(pamSyntaxProblems(out), []);
  keepsOthers(auth, out, (l) => /pam_unix\.so/.test(l));
  const pw = read('pam-common-password').replace(
    /^(password\s+\[success=1 default=ignore\]\s+pam_unix\.so.*)$/m,
    'password\trequisite\t\t\tpam_pwquality.so retry=3 minlen=8\n$1',
  );
  const pw2 = pamArgSet(pw, 'pam_pwquality.so', 'minlen', '14');
  assert.ok(
    parsePam(pw2).some(
      (l) => l.module === 'pam_pwquality.so' && l.args.includes('minlen=14') && l.args.includes('retry=3'),
    ),
  );
  const conf = kvConfSet(read('pwquality.conf'), 'minlen', '14', 'r');
  assert.equal(parseKeyValueConf(conf).find((s) => s.key === 'minlen')?.value, '14');
  // Placed right after the distribution's commented example of the key.
  assert.match(conf, /# minlen = 8\nminlen = 14\n/);
  assert.deepEqual(pamSyntaxProblems('auth requisite\n'), ['line 1: not a PAM module line: auth requisite']);
});

test('sudoers: Defaults drop-in parses; an existing entry is replaced, not duplicated', () => {
  let t = sudoersDefaultSet(null, 'use_pty', null, 'sudo-use-pty');
  t = sudoersDefaultSet(t, 'logfile', '"/var/log/sudo.log"', 'sudo-logfile');
  t = sudoersDefaultSet(t, 'use_pty', null, 'sudo-use-pty');
  const d = parseSudoers(t).filter((e) => e.kind === 'defaults');
  assert.deepEqual(
    d.map((e) => [e.defaultsKey, e.defaultsValue]),
    [
      ['use_pty', 'true'],
      ['logfile', '/var/log/sudo.log'],
    ],
  );
  assert.ok(parseSudoers(read('sudoers')).some((e) => e.kind === 'include'));
});

test('unified diff: GNU patch turns the old text into the new one', (t) => {
  let hasPatch = true;
  try {
    execFileSync('patch', ['--version'], { stdio: 'ignore' });
  } catch {
    hasPatch = false;
  }
  if (!hasPatch) {
    console.error(
      '*** SKIPPED: GNU patch not installed (Debian package patch) — the diff oracle test did not run ***',
    );
    t.skip('SKIPPED: patch not installed');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-diff-'));
  const cases: [string, string][] = [
    [
      read('sshd_config'),
      read('sshd_config').replace('PermitRootLogin yes', 'PermitRootLogin no').replace('UsePAM yes\n', ''),
    ],
    ['', 'a\nb\n'],
    ['a\nb\nc\n', 'x\na\nc\ny\n'],
    [read('login.defs'), loginDefsSet(read('login.defs'), 'UMASK', '027', 'r')],
  ];
  try {
    cases.forEach(([a, b], i) => {
      const f = path.join(dir, `f${i}`);
      fs.writeFileSync(f, a);
      const d = unifiedDiff(`/f${i}`, a, b);
      assert.ok(d.length > 0);
      execFileSync('patch', ['-s', '-p1', '-d', dir], {
        input: d.replace(/^(---|\+\+\+) \/dev\/null$/m, `--- a/f${i}`),
      });
      assert.equal(fs.readFileSync(f, 'utf8'), b, `case ${i}`);
    });
    assert.equal(unifiedDiff('/x', 'same\n', 'same\n'), '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
