/** The CLI end to end, as a child process: exit codes, reports, errors with hints, refusals, listings. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ReportSchema, type Report } from '../report/json.js';

/** The repository (the directory with package.json), from src/cli or dist/src/cli. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const REPO = repoRoot();
// Run from source through tsx, or the compiled main.js next to this compiled test.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const MAIN = fileURLToPath(new URL(FROM_SOURCE ? './main.ts' : './main.js', import.meta.url));
const NODE_ARGS = FROM_SOURCE ? ['--import', import.meta.resolve('tsx'), MAIN] : [MAIN];
const POLICIES = path.join(REPO, 'test', 'fixtures', 'policies');

let tmp: string;
let good: string; // /etc/shadow 0640 root:shadow
let bad: string; // /etc/shadow 0644: world-readable

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function bulwark(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...NODE_ARGS, ...args],
      {
        cwd: tmp,
        env: { ...process.env, NO_COLOR: '1', BULWARK_DB: path.join(tmp, 'default.db') },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
const show = (r: Run) =>
  `exit ${r.code}\n--- stdout\n${r.stdout.slice(0, 3000)}\n--- stderr\n${r.stderr.slice(0, 3000)}`;

/**
 * A small Debian root. Owners are named from the image's own /etc/passwd and /etc/group, so when the
 * tests do not run as root the image simply calls the current uid "root" and gid "shadow".
 */
function makeRoot(name: string, shadowMode: number): string {
  const root = path.join(tmp, name);
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? 0 : process.getuid!();
  const shadowGid = asRoot ? 42 : process.getgid!();
  const w = (p: string, text: string, mode = 0o644, gid?: number) => {
    const host = path.join(root, p);
    fs.mkdirSync(path.dirname(host), { recursive: true });
    fs.writeFileSync(host, text);
    fs.chmodSync(host, mode);
    if (asRoot) fs.chownSync(host, 0, gid ?? 0);
  };
  w('/etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
  w('/etc/hostname', `${name}\n`);
  w('/etc/machine-id', 'uninitialized\n');
  w('/etc/passwd', `root:x:${uid}:0:root:/root:/bin/bash\n`);
  w('/etc/group', asRoot ? 'root:x:0:\nshadow:x:42:\n' : `shadow:x:${shadowGid}:\n`);
  w('/etc/shadow', 'root:*:19000:0:99999:7:::\n', shadowMode, shadowGid);
  return root;
}
function readReport(file: string): Report {
  const parsed = ReportSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 5)));
  return parsed.data;
}

// Each test uses its own files under tmp, so they run side by side (each CLI run is a child process).
describe('bulwark CLI', { concurrency: 4 }, () => {
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-cli-'));
    good = makeRoot('good', 0o640);
    bad = makeRoot('bad', 0o644);
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('scan an offline root with the default profile: exit 0, stored, JSON report valid', async () => {
    const db = path.join(tmp, 'out', 'scan.db');
    const report = path.join(tmp, 'out', 'report.json');
    const r = await bulwark('scan', '--root', good, '--db', db, '--report', report, '-q');
    assert.equal(r.code, 0, show(r));
    const rep = readReport(report);
    assert.equal(rep.scan.mode, 'offline');
    assert.equal(rep.scan.target.kind, 'root');
    assert.equal(rep.scan.target.root, fs.realpathSync(good));
    assert.equal(rep.scan.stored_in, db);
    assert.equal(rep.scan.profile, 'default');
    assert.equal(
      rep.bulwark.version,
      (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version,
    );
    assert.ok(rep.results.length > 0);
    assert.equal(rep.results.find((x) => x.rule === 'shadow-file-permissions')?.status, 'pass');
    assert.equal(rep.asset.os, 'Debian GNU/Linux 12 (bookworm)');
    // Offline, nothing is ever "pass" for want of data: results whose facts were not collected are not_checked.
    const total = Object.values(rep.summary.counts).reduce((a, b) => a + b, 0);
    assert.equal(total, rep.results.length);
    assert.ok(fs.statSync(db).size > 0);
    assert.match(r.stdout, /JSON report: /);
  });

  test('--fail-on high exits 1 when a high rule fails; evidence points at the file', async () => {
    const report = path.join(tmp, 'fail.json');
    const r = await bulwark(
      'scan',
      '--root',
      bad,
      '--rule',
      'shadow-file-permissions',
      '--no-store',
      '--report',
      report,
      '--fail-on',
      'high',
      '-q',
    );
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /1 failed rule\(s\) at or above high/);
    const rep = readReport(report);
    assert.equal(rep.results.length, 1);
    const res = rep.results[0]!;
    assert.equal(res.status, 'fail');
    assert.equal(res.evidence[0]?.path, '/etc/shadow');
    assert.equal(res.evidence[0]?.field, 'mode');
    assert.equal(rep.scan.stored_in, null);
    // Below the threshold: exit 0.
    const r2 = await bulwark(
      'scan',
      '--root',
      bad,
      '--rule',
      'shadow-file-permissions',
      '--no-store',
      '--no-report',
      '--fail-on',
      'critical',
      '-q',
    );
    assert.equal(r2.code, 0, show(r2));
    // Same root, passing: exit 0.
    const r3 = await bulwark(
      'scan',
      '--root',
      good,
      '--rule',
      'shadow-file-permissions',
      '--no-store',
      '--no-report',
      '--fail-on',
      'high',
      '-q',
    );
    assert.equal(r3.code, 0, show(r3));
  });

  test('--format json prints the report on stdout', async () => {
    const r = await bulwark(
      'scan',
      '--root',
      bad,
      '--rule',
      'shadow-file-permissions',
      '--no-store',
      '--no-report',
      '--format',
      'json',
      '-q',
    );
    assert.equal(r.code, 0, show(r));
    const parsed = ReportSchema.safeParse(JSON.parse(r.stdout));
    assert.ok(parsed.success, r.stdout.slice(0, 500));
    assert.equal(parsed.data.results[0]?.status, 'fail');
  });

  test('a missing root exits 2 with BW_TARGET_NOT_FOUND and a hint', async () => {
    const r = await bulwark('scan', '--root', path.join(tmp, 'no-such-root'), '--no-store', '--no-report');
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /BW_TARGET_NOT_FOUND/);
    assert.match(r.stderr, /hint: /);
    const f = await bulwark('scan', '--root', path.join(good, 'etc', 'passwd'), '--no-store', '--no-report');
    assert.equal(f.code, 2, show(f));
    assert.match(f.stderr, /BW_TARGET_NOT_DIR/);
  });

  test('a malformed --policy exits 2 and prints file:line:column', async () => {
    const file = path.join(POLICIES, 'malformed-policy.yaml');
    const r = await bulwark('scan', '--root', good, '--policy', file, '--no-store', '--no-report');
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /BW_POLICY_INVALID/);
    assert.ok(r.stderr.includes(`${file}:13:13:`), show(r));
    assert.match(r.stderr, /mode_not_octal/);
    assert.match(r.stderr, /hint: /);
    const y = path.join(tmp, 'syntax.yaml');
    fs.writeFileSync(y, 'id: x\ncheck: { fact: file\n');
    const r2 = await bulwark('scan', '--root', good, '--policy', y, '--no-store', '--no-report');
    assert.equal(r2.code, 2, show(r2));
    assert.match(r2.stderr, /syntax\.yaml:\d+:\d+: /);
    const r3 = await bulwark(
      'scan',
      '--root',
      good,
      '--policy',
      path.join(tmp, 'missing.yaml'),
      '--no-store',
      '--no-report',
    );
    assert.equal(r3.code, 2, show(r3));
    assert.match(r3.stderr, /BW_FILE_UNREADABLE/);
  });

  test('a policy runs its own rules; its profile can be chosen', async () => {
    const file = path.join(POLICIES, 'valid-policy.yaml');
    const r = await bulwark(
      'scan',
      '--root',
      good,
      '--policy',
      file,
      '--no-store',
      '--no-report',
      '--format',
      'json',
      '-q',
    );
    assert.equal(r.code, 0, show(r));
    const rep = ReportSchema.parse(JSON.parse(r.stdout));
    assert.deepEqual(
      rep.results.map((x) => [x.rule, x.status]),
      [['plant-hmi-config-private', 'pass']],
    );
    assert.equal(rep.scan.profile, 'policy');
    const r2 = await bulwark(
      'scan',
      '--root',
      bad,
      '--policy',
      file,
      '--profile',
      'plant-hmi',
      '--no-store',
      '--no-report',
      '--format',
      'json',
      '-q',
    );
    assert.equal(r2.code, 0, show(r2));
    const rep2 = ReportSchema.parse(JSON.parse(r2.stdout));
    assert.deepEqual(rep2.results.map((x) => [x.rule, x.status]).sort(), [
      ['plant-hmi-config-private', 'pass'],
      ['shadow-file-permissions', 'fail'],
    ]);
  });

  test('--db or --report inside the scanned root is refused (BW_WRITE_INSIDE_TARGET), nothing is written', async () => {
    const inside = path.join(good, 'var', 'lib', 'bulwark', 'x.db');
    const r = await bulwark('scan', '--root', good, '--db', inside, '--no-report');
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /BW_WRITE_INSIDE_TARGET/);
    assert.ok(!fs.existsSync(path.join(good, 'var')));
    const r2 = await bulwark(
      'scan',
      '--root',
      good,
      '--no-store',
      '--report',
      path.join(good, 'etc', 'report.json'),
    );
    assert.equal(r2.code, 2, show(r2));
    assert.match(r2.stderr, /BW_WRITE_INSIDE_TARGET/);
    // The root given through a symlink, the database under a directory that does not exist yet.
    const link = path.join(tmp, 'good-link');
    fs.symlinkSync(good, link);
    const r3 = await bulwark(
      'scan',
      '--root',
      link,
      '--db',
      path.join(link, 'new', 'dir', 'x.db'),
      '--no-report',
    );
    assert.equal(r3.code, 2, show(r3));
    assert.match(r3.stderr, /BW_WRITE_INSIDE_TARGET/);
    assert.ok(!fs.existsSync(path.join(good, 'new')));
    // A database path that is a symlink into the root.
    const dbLink = path.join(tmp, 'db-link.db');
    fs.symlinkSync(path.join(good, 'etc', 'bulwark.db'), dbLink);
    const r4 = await bulwark('scan', '--root', good, '--db', dbLink, '--no-report');
    assert.equal(r4.code, 2, show(r4));
    assert.match(r4.stderr, /BW_WRITE_INSIDE_TARGET/);
    assert.ok(!fs.existsSync(path.join(good, 'etc', 'bulwark.db')));
  });

  test('a corrupt or unusable database exits 3, but the report is still written', async () => {
    const junk = path.join(tmp, 'junk.db');
    fs.writeFileSync(junk, 'not a database '.repeat(500));
    const report = path.join(tmp, 'with-bad-db.json');
    const r = await bulwark(
      'scan',
      '--root',
      bad,
      '--rule',
      'shadow-file-permissions',
      '--db',
      junk,
      '--report',
      report,
      '--fail-on',
      'high',
      '-q',
    );
    assert.equal(r.code, 3, show(r));
    assert.match(r.stderr, /BW_DB_CORRUPT/);
    assert.match(r.stderr, /hint: /);
    const rep = readReport(report);
    assert.equal(rep.scan.stored_in, null);
    assert.equal(rep.results[0]?.status, 'fail');
    const notDir = path.join(tmp, 'a-file');
    fs.writeFileSync(notDir, 'x');
    const report2 = path.join(tmp, 'with-bad-db2.json');
    const r2 = await bulwark(
      'scan',
      '--root',
      good,
      '--rule',
      'shadow-file-permissions',
      '--db',
      path.join(notDir, 'x.db'),
      '--report',
      report2,
      '-q',
    );
    assert.equal(r2.code, 3, show(r2));
    assert.match(r2.stderr, /BW_DB_OPEN/);
    assert.ok(fs.existsSync(report2));
  });

  test('an unknown rule or profile exits 2; an unknown option exits 2', async () => {
    const r = await bulwark('scan', '--root', good, '--rule', 'no-such-rule', '--no-store', '--no-report');
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /BW_RULE_NOT_FOUND/);
    const p = await bulwark(
      'scan',
      '--root',
      good,
      '--profile',
      'no-such-profile',
      '--no-store',
      '--no-report',
    );
    assert.equal(p.code, 2, show(p));
    assert.match(p.stderr, /BW_PROFILE_NOT_FOUND/);
    const o = await bulwark('scan', '--frobnicate');
    assert.equal(o.code, 2, show(o));
    const s = await bulwark('scan', '--fail-on', 'urgent');
    assert.equal(s.code, 2, show(s));
  });

  test('rules list, rules show, profiles list, facts list', async () => {
    const list = await bulwark('rules', 'list');
    assert.equal(list.code, 0, show(list));
    assert.match(list.stdout, /^ID\s+AREA\s+SEVERITY\s+TITLE/m);
    assert.match(list.stdout, /^shadow-file-permissions\s+files\s+high\s/m);
    assert.match(list.stdout, /^\d+ rules$/m);
    const json = await bulwark('rules', 'list', '--format', 'json', '--area', 'files');
    assert.equal(json.code, 0, show(json));
    const rows = JSON.parse(json.stdout) as { id: string; area: string }[];
    assert.ok(rows.some((x) => x.id === 'shadow-file-permissions'));
    assert.ok(rows.every((x) => x.area === 'files'));
    const showR = await bulwark('rules', 'show', 'shadow-file-permissions');
    assert.equal(showR.code, 0, show(showR));
    assert.match(showR.stdout, /^shadow-file-permissions\s+\[files, high\]/);
    assert.match(showR.stdout, /Fix \(safe\)/);
    assert.match(showR.stdout, /References: .*cis/);
    const missing = await bulwark('rules', 'show', 'no-such-rule');
    assert.equal(missing.code, 2, show(missing));
    const profiles = await bulwark('profiles', 'list');
    assert.equal(profiles.code, 0, show(profiles));
    assert.match(profiles.stdout, /^default\s+\d+\s+/m);
    const facts = await bulwark('facts', 'list');
    assert.equal(facts.code, 0, show(facts));
    assert.match(facts.stdout, /^file\(path, follow\)/m);
    assert.match(facts.stdout, /columns: .*mode:mode/);
    assert.match(facts.stdout, /^os$/m);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const v = await bulwark('--version');
    assert.equal(v.code, 0, show(v));
    assert.equal(v.stdout.trim(), pkg.version);
    const help = await bulwark('scan', '--help');
    assert.equal(help.code, 0, show(help));
    assert.match(help.stdout, /--root <dir>/);
  });

  test('scans lists what was stored', async () => {
    const db = path.join(tmp, 'listed.db');
    const r = await bulwark(
      'scan',
      '--root',
      good,
      '--rule',
      'shadow-file-permissions',
      '--db',
      db,
      '--no-report',
      '-q',
    );
    assert.equal(r.code, 0, show(r));
    const again = await bulwark(
      'scan',
      '--root',
      good,
      '--rule',
      'shadow-file-permissions',
      '--db',
      db,
      '--no-report',
      '-q',
    );
    assert.equal(again.code, 0, show(again));
    const l = await bulwark('scans', '--db', db);
    assert.equal(l.code, 0, show(l));
    assert.equal(l.stdout.trim().split('\n').length, 3, l.stdout);
    assert.ok(l.stdout.includes(fs.realpathSync(good)));
  });
});
