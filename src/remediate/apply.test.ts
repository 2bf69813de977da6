/**
 * Plans applied to fixture roots in temporary directories, with a real SQLite store: verification by the real
 * collectors, automatic rollback that leaves every file byte-identical (whole-tree fingerprints), rollback of a
 * verified change, stale plans refused, guards. Then every rule of the catalogue against its own failing
 * fixtures: each automatic fix either verifies or rolls back to the exact bytes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCatalogue } from '../content/load.js';
import { buildFixtureRoot } from '../content/fixtures.js';
import { selectionFor, type Catalogue } from '../engine/profile.js';
import { Store } from '../store/db.js';
import { FsTarget } from '../targets/target.js';
import { runScan } from '../scan/run.js';
import { applyPlan, rollbackApplied } from './apply.js';
import { buildPlan, type PlanRule } from './plan.js';
import { savePlan, verifyAudit } from './store.js';
import { BASE_ROOT, fingerprint, makeRoot, type RootSpec } from './testing.js';
import type { Plan } from './types.js';

let cat: Catalogue;
let store: Store;
let dbDir: string;
const roots: string[] = [];

before(async () => {
  cat = loadCatalogue();
  dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-rem-db-'));
  store = await Store.open(path.join(dbDir, 'b.db'));
});
after(async () => {
  await store.close();
  for (const r of [...roots, dbDir]) fs.rmSync(r, { recursive: true, force: true });
});

function root(spec: RootSpec): string {
  const r = makeRoot({ ...BASE_ROOT, ...spec });
  roots.push(r);
  return r;
}

/** Scans `dir` for the given rules and plans their fixes. */
async function planFor(dir: string, ruleIds: string[], params: Record<string, unknown> = {}): Promise<Plan> {
  const target = await FsTarget.mounted(dir);
  const scan = await runScan(target, { catalogue: cat, profile: 'default', rules: ruleIds });
  const rules: PlanRule[] = scan.results.map((r) => {
    const sel = selectionFor(cat.rules.get(r.rule)!, params);
    return { rule: sel.rule, params: sel.params, status: r.status, severity: r.severity };
  });
  const plan = await buildPlan({ target, rules, asset: null, scanId: null, profile: 'default' });
  await savePlan(store, plan, 'tester');
  return plan;
}

const SSHD =
  '# header comment\nInclude /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nX11Forwarding yes\nMatch User backup\n    X11Forwarding yes\n';

test('apply: sshd, sysctl, modprobe, login.defs and file mode are written, verified by re-collection, and pass', async () => {
  const dir = root({
    '/etc/ssh/sshd_config': { content: SSHD, mode: 0o644 },
    '/etc/sysctl.conf': '# keep me\nnet.ipv4.ip_forward=1\n',
    '/etc/login.defs': '# comment\nPASS_MAX_DAYS\t99999\n',
    '/etc/modprobe.d/old.conf': 'install cramfs /sbin/modprobe --ignore-install cramfs\n',
  });
  const rules = [
    'ssh-x11-forwarding-disabled',
    'kernel-ipv4-forwarding-disabled',
    'kernel-module-cramfs-disabled',
    'accounts-login-defs-pass-max-days',
    'ssh-sshd-config-permissions',
  ];
  const plan = await planFor(dir, rules);
  assert.equal(plan.summary.automatic, 5, JSON.stringify(plan.changes.map((c) => [c.rules, c.manual])));
  assert.deepEqual(plan.summary.restarts, ['sshd.service']);
  assert.deepEqual(
    plan.finally.map((f) => f.argv.join(' ')),
    ['sshd -t', 'systemctl reload sshd.service', 'sysctl --system'],
  );
  const report = await applyPlan(plan, { store, catalogue: cat, actor: 'alice' });
  for (const o of report.outcomes) assert.equal(o.status, 'verified', `${o.change}: ${o.message}`);
  for (const o of report.outcomes) {
    assert.ok(o.before.every((r) => r.status === 'fail'));
    assert.ok(o.after.every((r) => r.status === 'pass'));
  }
  // ssh-sshd-config-permissions narrowed the mode after the content edits kept it; comments survive.
  const st = fs.statSync(path.join(dir, 'etc/ssh/sshd_config'));
  assert.equal(st.mode & 0o777, 0o600);
  assert.match(fs.readFileSync(path.join(dir, 'etc/ssh/sshd_config'), 'utf8'), /^# header comment\n/);
  // A mounted root never runs the reload: it is reported as skipped.
  assert.ok(report.finally.every((f) => f.skipped));
  assert.deepEqual((await verifyAudit(store)).problems, []);
});

test('a failed verification rolls back: every file byte-identical to before (whole-tree fingerprint)', async () => {
  // A vendor file sorting after Bulwark's drop-in sets the key back: the drop-in cannot win, verification fails.
  const dir = root({
    '/etc/sysctl.conf': 'net.ipv4.ip_forward=1\n',
    '/usr/lib/sysctl.d/99-zz-vendor.conf': 'net.ipv4.ip_forward = 1\n',
  });
  const plan = await planFor(dir, ['kernel-ipv4-forwarding-disabled']);
  const fp = fingerprint(dir);
  const report = await applyPlan(plan, { store, catalogue: cat, actor: 'alice' });
  const o = report.outcomes[0]!;
  assert.equal(o.status, 'failed');
  assert.match(o.message, /verification failed: kernel-ipv4-forwarding-disabled is fail/);
  assert.match(o.message, /byte-identical/);
  assert.deepEqual(fingerprint(dir), fp);
});

test('rollback of a verified change restores content, mode and owner; a file changed since is refused', async () => {
  const dir = root({
    '/etc/login.defs': { content: '# c\nPASS_MAX_DAYS 99999\n', mode: 0o640, uid: 0, gid: 42 },
  });
  const plan = await planFor(dir, ['accounts-login-defs-pass-max-days']);
  const fp = fingerprint(dir);
  const report = await applyPlan(plan, { store, catalogue: cat, actor: 'alice' });
  const id = report.outcomes[0]!.applied_id!;
  assert.notDeepEqual(fingerprint(dir), fp);
  // Someone edits the file afterwards: rollback would discard it, so it is refused unless forced.
  fs.appendFileSync(path.join(dir, 'etc/login.defs'), '# local edit\n');
  await assert.rejects(rollbackApplied(store, id, 'bob'), /changed after the change was applied/);
  await rollbackApplied(store, id, 'bob', true);
  assert.deepEqual(fingerprint(dir), fp);
  await assert.rejects(rollbackApplied(store, id, 'bob'), /already rolled back/);
});

test('a stale plan is refused: the file changed between plan and apply', async () => {
  const dir = root({ '/etc/login.defs': 'PASS_MAX_DAYS 99999\n' });
  const plan = await planFor(dir, ['accounts-login-defs-pass-max-days']);
  fs.writeFileSync(path.join(dir, 'etc/login.defs'), 'PASS_MAX_DAYS 500\n');
  const fp = fingerprint(dir);
  const report = await applyPlan(plan, { store, catalogue: cat, actor: 'alice' });
  assert.equal(report.outcomes[0]!.status, 'refused');
  assert.match(
    report.outcomes[0]!.message,
    /BW_PLAN_STALE: \/etc\/login\.defs changed since the plan was made/,
  );
  assert.deepEqual(fingerprint(dir), fp);
});

test('guard: root SSH login is not disabled when no other account can log in and use sudo', async () => {
  const noAdmin: RootSpec = {
    '/etc/ssh/sshd_config': 'PermitRootLogin yes\n',
    '/etc/group': 'root:x:0:\nsudo:x:27:\nadmin:x:1000:\n',
  };
  const dir = root(noAdmin);
  const plan = await planFor(dir, ['ssh-root-login-disabled']);
  assert.deepEqual(
    plan.changes[0]!.guards.map((g) => g.code),
    ['BW_GUARD_ROOT_LOGIN'],
  );
  const fp = fingerprint(dir);
  const refused = await applyPlan(plan, { store, catalogue: cat, actor: 'alice' });
  assert.equal(refused.outcomes[0]!.status, 'refused');
  assert.match(refused.outcomes[0]!.message, /BW_GUARD_ROOT_LOGIN.*no other account can log in/);
  assert.deepEqual(fingerprint(dir), fp);
  // --force applies it anyway (backed up and verified as usual).
  const forced = await applyPlan(plan, { store, catalogue: cat, actor: 'alice', force: true });
  assert.equal(forced.outcomes[0]!.status, 'verified');
  // With an administrator in group sudo (BASE_ROOT), the guard does not trip.
  const ok = await planFor(root({ '/etc/ssh/sshd_config': 'PermitRootLogin yes\n' }), [
    'ssh-root-login-disabled',
  ]);
  assert.deepEqual(ok.changes[0]!.guards, []);
});

test('guard: password authentication is not disabled without an authorized key', async () => {
  const plan = await planFor(root({ '/etc/ssh/sshd_config': 'PasswordAuthentication yes\n' }), [
    'ssh-password-auth-disabled',
  ]);
  assert.deepEqual(
    plan.changes[0]!.guards.map((g) => g.code),
    ['BW_GUARD_NO_AUTHORIZED_KEYS'],
  );
  const withKey = await planFor(
    root({
      '/etc/ssh/sshd_config': 'PasswordAuthentication yes\n',
      '/home/admin/.ssh/authorized_keys': 'ssh-ed25519 AAAAC3Nza admin@laptop\n',
    }),
    ['ssh-password-auth-disabled'],
  );
  assert.deepEqual(withKey.changes[0]!.guards, []);
});

test('guard: a PAM edit naming a module missing from the target lib paths is refused; present, it applies', async () => {
  const pam = {
    '/etc/pam.d/common-auth':
      'auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\tpam_deny.so\n',
  };
  const missing = await planFor(root(pam), ['auth-pam-no-nullok']);
  assert.deepEqual(
    missing.changes[0]!.guards.map((g) => g.code),
    ['BW_GUARD_PAM_INVALID'],
  );
  assert.match(
    missing.changes[0]!.guards[0]!.message,
    /pam_unix\.so is not in the target's PAM module directories/,
  );
  const dir = root({ ...pam, '/usr/lib/x86_64-linux-gnu/security/pam_unix.so': '' });
  const present = await planFor(dir, ['auth-pam-no-nullok']);
  assert.deepEqual(present.changes[0]!.guards, []);
  const r = await applyPlan(present, { store, catalogue: cat, actor: 'alice' });
  assert.equal(r.outcomes[0]!.status, 'verified', r.outcomes[0]!.message);
  assert.equal(
    fs.readFileSync(path.join(dir, 'etc/pam.d/common-auth'), 'utf8'),
    'auth\t[success=1 default=ignore]\tpam_unix.so\nauth\trequisite\tpam_deny.so\n',
  );
});

test('legacy asset (modifiability limited): no edits, compensating controls proposed, apply refused', async () => {
  const dir = root({ '/etc/login.defs': 'PASS_MAX_DAYS 99999\n' });
  const target = await FsTarget.mounted(dir);
  const rule = cat.rules.get('accounts-login-defs-pass-max-days')!;
  const plan = await buildPlan({
    target,
    rules: [{ rule, params: selectionFor(rule, {}).params, status: 'fail', severity: rule.severity }],
    asset: { id: 'a1', name: 'plc-hmi', modifiability: 'limited' },
    scanId: null,
    profile: 'default',
  });
  assert.equal(plan.changes.length, 0);
  assert.equal(plan.compensations.length, 1);
  assert.ok(plan.compensations[0]!.proposals.some((p) => p.startsWith('zone isolation')));
});

test('every rule against its own failing fixtures: an automatic fix verifies, or rolls back to the exact bytes', async () => {
  let verified = 0;
  let rolledBack = 0;
  const fixed: string[] = [];
  for (const rule of [...cat.rules.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    const fx = rule.fixtures.fail.find((f) => !f.facts && f.mode !== 'live');
    if (!fx || rule.experimental) continue;
    const dir = await buildFixtureRoot(fx);
    roots.push(dir);
    const plan = await planFor(dir, [rule.id]);
    const c = plan.changes[0];
    if (!c || c.manual || c.guards.length || c.files.length === 0) continue;
    const fp = fingerprint(dir);
    const r = await applyPlan(plan, { store, catalogue: cat, actor: 'sweep' });
    const o = r.outcomes[0]!;
    if (o.status === 'verified') {
      verified++;
      fixed.push(rule.id);
    } else {
      assert.equal(o.status, 'failed', `${rule.id}: ${o.message}`);
      assert.deepEqual(fingerprint(dir), fp, `${rule.id}: rollback left the tree changed`);
      rolledBack++;
    }
  }
  console.error(`remediation sweep: ${verified} rules fixed and verified, ${rolledBack} rolled back`);
  assert.ok(verified >= 60, `only ${verified} rules fixed automatically: ${fixed.join(' ')}`);
});

test('firewall findings are manual, with the management session to keep (offline: sshd Port)', async () => {
  const dir = root({
    '/etc/ssh/sshd_config': 'Port 2222\n',
    '/etc/nftables.conf':
      'table inet filter {\n  chain input {\n    type filter hook input priority 0; policy accept;\n  }\n}\n',
  });
  const plan = await planFor(dir, ['firewall-input-default-deny']);
  const c = plan.changes[0];
  assert.ok(c, 'the input chain with policy accept fails the rule');
  assert.ok(c.manual);
  assert.ok(
    c.notes.some((n) => /BW_GUARD_FIREWALL_SESSION: .*accept tcp port 2222/.test(n)),
    JSON.stringify(c.notes),
  );
});

test('management session: SSH_CONNECTION live, sshd ports offline; which accept rules keep it', async () => {
  const { managementSession, firewallKeepsSession } = await import('./guards.js');
  const live = managementSession({ SSH_CONNECTION: '10.1.2.3 51000 10.1.2.10 22' }, [2222]);
  assert.deepEqual(live, { addr: '10.1.2.3', ports: [22] });
  const off = managementSession({}, [2222]);
  assert.deepEqual(off, { addr: null, ports: [2222] });
  assert.deepEqual(managementSession({}, []), { addr: null, ports: [22] });
  assert.ok(firewallKeepsSession(['tcp dport 22 accept'], live));
  assert.ok(firewallKeepsSession(['ct state established,related accept'], live));
  assert.ok(firewallKeepsSession(['-A INPUT -p tcp --dport 2222 -j ACCEPT'], off));
  assert.ok(!firewallKeepsSession(['tcp dport 80 accept', 'tcp dport 22 drop'], live));
  assert.ok(!firewallKeepsSession(['tcp dport 22 accept'], off));
});

test('a failing `sshd -t` after the sshd edits rolls every one of them back, byte-identical', async () => {
  const dir = root({ '/etc/ssh/sshd_config': { content: SSHD, mode: 0o600 } });
  const plan = await planFor(dir, ['ssh-x11-forwarding-disabled', 'ssh-max-auth-tries']);
  const fp = fingerprint(dir);
  const ran: string[] = [];
  const report = await applyPlan(plan, {
    store,
    catalogue: cat,
    actor: 'alice',
    commandsOnRoot: true,
    runCommand: (c) => {
      ran.push(c.argv.join(' '));
      return Promise.resolve(
        c.argv[0] === 'sshd'
          ? { ok: false, output: 'line 3: Bad configuration option' }
          : { ok: true, output: '' },
      );
    },
  });
  assert.deepEqual(ran, ['sshd -t'], 'no reload after a failed check');
  assert.deepEqual(
    report.outcomes.map((o) => o.status),
    ['failed', 'failed'],
  );
  assert.match(report.outcomes[0]!.message, /sshd -t failed after the change .*; rolled back/);
  assert.deepEqual(fingerprint(dir), fp);
});
