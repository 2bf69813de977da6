/**
 * The shell and Ansible exports do exactly what `bulwark fix apply` does: three copies of one fixture root are
 * fixed by apply, by the generated script (sh, ROOT=…) and by the generated playbook (ansible-playbook -c local
 * -e bulwark_root=…), and the three trees must be identical (backup files aside). The playbook also passes
 * `ansible-playbook --syntax-check`. Ansible missing: those parts are skipped loudly.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCatalogue } from '../content/load.js';
import { selectionFor } from '../engine/profile.js';
import { Store } from '../store/db.js';
import { FsTarget } from '../targets/target.js';
import { runScan } from '../scan/run.js';
import { applyPlan } from './apply.js';
import { buildPlan } from './plan.js';
import { toAnsible, toShell } from './export.js';
import { BASE_ROOT, copyTree, fingerprint, makeRoot } from './testing.js';

const cleanup: string[] = [];
after(() => {
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
});

const hasAnsible = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasAnsible)
  console.error(
    '*** SKIPPED: ansible-playbook not installed (Debian package ansible) — the playbook checks did not run ***',
  );

/** Backups the exports leave beside each file (sh: .bulwark-<id>; ansible: <file>.<pid>.<date>~) are not part of the result. */
const withoutBackups = (fp: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(fp).filter(([p]) => !/\.bulwark-[0-9a-f]{8}$|~$/.test(p)));

test('sh and Ansible exports produce the same tree as bulwark fix apply', async (t) => {
  const cat = loadCatalogue();
  const base = makeRoot({
    ...BASE_ROOT,
    '/etc/ssh/sshd_config': {
      content:
        '# sshd\nInclude /etc/ssh/sshd_config.d/*.conf\nX11Forwarding yes\nMatch User x\n  X11Forwarding yes\n',
      mode: 0o644,
    },
    '/etc/sysctl.conf': '# vendor\nkernel.sysrq = 1\n',
    '/etc/login.defs': "# it's quoted 'text'\nPASS_MAX_DAYS\t99999\nUMASK 022\n",
    '/etc/pam.d/common-auth': 'auth required pam_unix.so nullok\n',
    '/usr/lib/x86_64-linux-gnu/security/pam_unix.so': '',
  });
  cleanup.push(base);
  const rules = [
    'ssh-x11-forwarding-disabled',
    'ssh-sshd-config-permissions',
    'kernel-sysrq-disabled',
    'kernel-module-dccp-disabled',
    'accounts-login-defs-pass-max-days',
    'accounts-login-defs-umask',
    'auth-pam-no-nullok',
    'sudo-use-pty',
  ];
  const target = await FsTarget.mounted(base);
  const scan = await runScan(target, { catalogue: cat, profile: 'default', rules });
  const plan = await buildPlan({
    target,
    rules: scan.results.map((r) => {
      const s = selectionFor(cat.rules.get(r.rule)!, {});
      return { rule: s.rule, params: s.params, status: r.status, severity: r.severity };
    }),
    asset: null,
    scanId: null,
    profile: 'default',
  });
  assert.equal(
    plan.summary.automatic,
    rules.length,
    JSON.stringify(plan.changes.map((c) => [c.rules, c.manual, c.guards])),
  );

  const [viaApply, viaSh, viaAnsible] = [copyTree(base), copyTree(base), copyTree(base)];
  cleanup.push(viaApply, viaSh, viaAnsible);
  const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-exp-db-'));
  cleanup.push(dbDir);
  const store = await Store.open(path.join(dbDir, 'e.db'));
  try {
    const applied = await applyPlan(
      { ...plan, target: { kind: 'root', root: fs.realpathSync(viaApply) } },
      { store, catalogue: cat, actor: 't' },
    );
    for (const o of applied.outcomes) assert.equal(o.status, 'verified', `${o.change}: ${o.message}`);
  } finally {
    await store.close();
  }
  const expected = withoutBackups(fingerprint(viaApply));
  assert.notDeepEqual(expected, withoutBackups(fingerprint(base)));

  const script = path.join(dbDir, 'plan.sh');
  fs.writeFileSync(script, toShell(plan), { mode: 0o700 });
  execFileSync('sh', ['-n', script]);
  execFileSync('sh', [script], { env: { ...process.env, ROOT: viaSh }, stdio: 'pipe' });
  assert.deepEqual(withoutBackups(fingerprint(viaSh)), expected);
  assert.ok(
    fs.existsSync(path.join(viaSh, `etc/login.defs.bulwark-${plan.id.slice(0, 8)}`)),
    'the script backs up each file',
  );

  if (!hasAnsible) {
    t.skip('SKIPPED: ansible-playbook not installed (Debian package ansible)');
    return;
  }
  const pb = path.join(dbDir, 'plan.yml');
  fs.writeFileSync(pb, toAnsible(plan, cat.rules));
  const env = {
    ...process.env,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_LOCAL_TEMP: path.join(dbDir, 'ansible-tmp'),
    ANSIBLE_RETRY_FILES_ENABLED: '0',
  };
  const syntax = spawnSync('ansible-playbook', ['--syntax-check', '-i', 'localhost,', pb], {
    env,
    encoding: 'utf8',
  });
  assert.equal(syntax.status, 0, syntax.stdout + syntax.stderr);
  const run = spawnSync(
    'ansible-playbook',
    [
      '-i',
      'localhost,',
      '-c',
      'local',
      '-e',
      `bulwark_root=${viaAnsible}`,
      '-e',
      'ansible_become=false',
      '-e',
      'ansible_python_interpreter=/usr/bin/python3',
      pb,
    ],
    { env, encoding: 'utf8', timeout: 240_000 },
  );
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /failed=0/);
  assert.deepEqual(withoutBackups(fingerprint(viaAnsible)), expected);
});

test('live-host plan: package and service changes use the rules’ own Ansible tasks; the playbook passes --syntax-check', async (t) => {
  const cat = loadCatalogue();
  const dir = makeRoot({
    ...BASE_ROOT,
    '/var/lib/dpkg/status':
      'Package: telnet\nStatus: install ok installed\nVersion: 0.17-44\nArchitecture: amd64\n\n',
    '/etc/systemd/system/multi-user.target.wants/avahi-daemon.service': '',
    '/usr/lib/systemd/system/avahi-daemon.service':
      '[Unit]\nDescription=Avahi\n[Install]\nWantedBy=multi-user.target\n',
  });
  cleanup.push(dir);
  const mounted = await FsTarget.mounted(dir);
  // The live host seen through a fixture root: the planner only reads, and nothing is applied here.
  const asLive = Object.assign(Object.create(mounted) as FsTarget, {
    kind: 'live' as const,
    mode: 'live' as const,
  });
  const rules = ['package-telnet-client-absent', 'service-avahi-disabled'].map((id) => {
    const s = selectionFor(cat.rules.get(id)!, {});
    return { rule: s.rule, params: s.params, status: 'fail', severity: s.severity };
  });
  const plan = await buildPlan({ target: asLive, rules, asset: null, scanId: null, profile: 'default' });
  assert.deepEqual(
    plan.changes.map((c) => [c.manual, c.commands.map((x) => x.argv.join(' '))]),
    [
      [null, ['systemctl disable --now avahi-daemon.service avahi-daemon.socket']],
      [null, ['apt-get purge -y telnet inetutils-telnet']],
    ],
  );
  const sh = toShell(plan);
  assert.match(sh, /if bw_live; then 'apt-get' 'purge' '-y' 'telnet' 'inetutils-telnet'; fi/);
  const yml = toAnsible(plan, cat.rules);
  assert.match(yml, /ansible\.builtin\.package:/);
  assert.match(yml, /when: bulwark_root == ''/);
  if (!hasAnsible) {
    t.skip('SKIPPED: ansible-playbook not installed (Debian package ansible)');
    return;
  }
  const pb = path.join(dir, '..', `${path.basename(dir)}-live.yml`);
  cleanup.push(pb);
  fs.writeFileSync(pb, yml);
  const syntax = spawnSync('ansible-playbook', ['--syntax-check', '-i', 'localhost,', pb], {
    encoding: 'utf8',
    env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
  });
  assert.equal(syntax.status, 0, syntax.stdout + syntax.stderr);
});
