#!/usr/bin/env node
// Remediation: one plan of 8 changes (sshd, sysctl, modprobe, login.defs, PAM, sudoers, file mode) applied to
// copies of one fixture root, side by side in one run:
//   Bulwark  `applyPlan`: stale check, backup into SQLite, atomic writes, re-collection and re-evaluation of each
//            change's rules (verification), per change
//   peer     `ansible-playbook -c local` running the playbook Bulwark exports for the same plan (copy tasks,
//            backup: true; no verification)
// Both must leave identical trees. Usage: npm run build && node bench/remediate.mjs [--runs N]
// Needs Debian package ansible; says so and stops when it is missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const D = (p) => path.join(REPO, 'dist', 'src', p);
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error('bench/remediate: ansible-playbook not found — install the Debian package ansible');
  process.exit(2);
}
const { loadCatalogue } = await import(D('content/load.js'));
const { selectionFor } = await import(D('engine/profile.js'));
const { Store } = await import(D('store/db.js'));
const { FsTarget } = await import(D('targets/target.js'));
const { runScan } = await import(D('scan/run.js'));
const { applyPlan } = await import(D('remediate/apply.js'));
const { buildPlan } = await import(D('remediate/plan.js'));
const { toAnsible } = await import(D('remediate/export.js'));
const { BASE_ROOT, copyTree, fingerprint, makeRoot } = await import(D('remediate/testing.js'));

const cat = loadCatalogue();
const base = makeRoot({
  ...BASE_ROOT,
  '/etc/ssh/sshd_config': {
    content: '# sshd\nInclude /etc/ssh/sshd_config.d/*.conf\nX11Forwarding yes\nMaxAuthTries 10\n',
    mode: 0o644,
  },
  '/etc/sysctl.conf': 'kernel.sysrq = 1\n',
  '/etc/login.defs': 'PASS_MAX_DAYS\t99999\nUMASK 022\n',
  '/etc/pam.d/common-auth': 'auth required pam_unix.so nullok\n',
  '/usr/lib/x86_64-linux-gnu/security/pam_unix.so': '',
});
const rules = [
  'ssh-x11-forwarding-disabled',
  'ssh-max-auth-tries',
  'kernel-sysrq-disabled',
  'kernel-module-dccp-disabled',
  'accounts-login-defs-pass-max-days',
  'auth-pam-no-nullok',
  'sudo-use-pty',
  'ssh-sshd-config-permissions',
];
const target = await FsTarget.mounted(base);
const scan = await runScan(target, { catalogue: cat, profile: 'default', rules });
const plan = await buildPlan({
  target,
  rules: scan.results.map((r) => {
    const s = selectionFor(cat.rules.get(r.rule), {});
    return { rule: s.rule, params: s.params, status: r.status, severity: r.severity };
  }),
  asset: null,
  scanId: null,
  profile: 'default',
});
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-bench-rem-'));
const pb = path.join(work, 'plan.yml');
fs.writeFileSync(pb, toAnsible(plan, cat.rules));
const strip = (fp) =>
  Object.fromEntries(Object.entries(fp).filter(([p]) => !/\.bulwark-[0-9a-f]{8}$|~$/.test(p)));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tb = [];
const ta = [];
for (let i = 0; i < runs; i++) {
  const a = copyTree(base);
  const b = copyTree(base);
  const store = await Store.open(path.join(work, `b${i}.db`));
  let t0 = performance.now();
  const rep = await applyPlan(
    { ...plan, target: { kind: 'root', root: fs.realpathSync(a) } },
    { store, catalogue: cat, actor: 'bench' },
  );
  tb.push(performance.now() - t0);
  await store.close();
  if (rep.outcomes.some((o) => o.status !== 'verified')) throw new Error(JSON.stringify(rep.outcomes));
  t0 = performance.now();
  const r = spawnSync(
    'ansible-playbook',
    [
      '-i',
      'localhost,',
      '-c',
      'local',
      '-e',
      `bulwark_root=${b}`,
      '-e',
      'ansible_become=false',
      '-e',
      'ansible_python_interpreter=/usr/bin/python3',
      pb,
    ],
    { encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } },
  );
  ta.push(performance.now() - t0);
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
  if (JSON.stringify(strip(fingerprint(a))) !== JSON.stringify(strip(fingerprint(b))))
    throw new Error('trees differ');
  fs.rmSync(a, { recursive: true });
  fs.rmSync(b, { recursive: true });
}
fs.rmSync(work, { recursive: true });
fs.rmSync(base, { recursive: true });
const mb = median(tb);
const ma = median(ta);
console.log(
  `remediation of ${plan.summary.automatic} changes (${plan.summary.files} files), median of ${runs} runs, identical trees:`,
);
console.log(`  bulwark fix apply (backup + verify): ${(mb / 1000).toFixed(2)} s`);
console.log(`  ansible-playbook -c local (same content): ${(ma / 1000).toFixed(2)} s`);
console.log(`  ratio: ${(ma / mb).toFixed(1)}× (ansible time / bulwark time)`);
