import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsTarget } from '../targets/target.js';
import { makeContext } from './runner.js';
import { collectors as sshd } from './sshd.js';
import { collectors as logging } from './logging.js';
import type { Collector } from './types.js';

async function root(files: Record<string, string | { symlink: string } | Buffer>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-sshd-'));
  for (const [p, v] of Object.entries(files)) {
    const host = path.join(dir, p);
    await fs.mkdir(path.dirname(host), { recursive: true });
    if (typeof v === 'object' && !Buffer.isBuffer(v)) await fs.symlink(v.symlink, host);
    else await fs.writeFile(host, v);
  }
  return dir;
}

const byName = (list: Collector[], name: string): Collector => list.find((c) => c.name === name)!;

async function run(c: Collector, files: Record<string, string | { symlink: string } | Buffer>) {
  const dir = await root(files);
  try {
    return await c.collect(makeContext(await FsTarget.mounted(dir)), {});
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

void test('sshd: absent without sshd_config, error on binary junk', async () => {
  const c = byName(sshd, 'sshd');
  assert.equal((await run(c, { '/etc/ssh/ssh_config': 'Host *\n' })).status, 'absent');
  const junk = await run(c, { '/etc/ssh/sshd_config': Buffer.from([0, 1, 2, 3, 0xff]) });
  assert.equal(junk.status, 'error');
  assert.match(junk.reason ?? '', /binary/);
});

void test('sshd: Include globs inside the root, symlinked drop-in dir, loops are incomplete not crashes', async () => {
  const c = byName(sshd, 'sshd');
  const ok = await run(c, {
    '/etc/ssh/sshd_config': 'Include sshd_config.d/*.conf\nPermitRootLogin yes\n',
    '/etc/ssh/sshd_config.d': { symlink: '/opt/ssh-dropins' },
    '/opt/ssh-dropins/50.conf': 'PermitRootLogin no\n',
  });
  assert.equal(ok.status, 'complete');
  const prl = ok.rows.find((r) => r['key'] === 'permitrootlogin')!;
  assert.equal(prl['value'], 'no');
  assert.equal(prl['path'], '/etc/ssh/sshd_config.d/50.conf');
  const loop = await run(c, {
    '/etc/ssh/sshd_config': 'Include /etc/ssh/loop/*.conf\nPort 22\n',
    '/etc/ssh/loop/a.conf': { symlink: '/etc/ssh/loop/b.conf' },
    '/etc/ssh/loop/b.conf': { symlink: '/etc/ssh/loop/a.conf' },
  });
  assert.equal(loop.status, 'incomplete');
  assert.ok(loop.rows.some((r) => r['key'] === 'port'));
});

void test('auditd_rules: rules.d wins over audit.rules, last marks the final rule', async () => {
  const c = byName(logging, 'auditd_rules');
  const out = await run(c, {
    '/etc/audit/audit.rules': '-w /etc/old -p wa\n',
    '/etc/audit/rules.d/10-base.rules': '-D\n-b 8192\n',
    '/etc/audit/rules.d/99-finalize.rules': '-e 2\n',
  });
  assert.equal(out.status, 'complete');
  assert.deepEqual(
    out.rows.map((r) => [r['option'], r['last']]),
    [
      ['-D', false],
      ['-b', false],
      ['-e', true],
    ],
  );
  assert.equal((await run(c, { '/etc/hostname': 'x\n' })).status, 'absent');
});

void test('rsyslog: includes in place, relative to /etc, missing optional glob is fine', async () => {
  const c = byName(logging, 'rsyslog');
  const out = await run(c, {
    '/etc/rsyslog.conf':
      '$IncludeConfig /etc/rsyslog.d/*.conf\ninclude(file="/etc/rsyslog.extra/*.conf" mode="optional")\n*.* /var/log/all\n',
    '/etc/rsyslog.d/10-remote.conf': '*.* @@loghost:514\n',
  });
  assert.equal(out.status, 'complete');
  assert.deepEqual(
    out.rows.filter((r) => r['kind'] === 'rule').map((r) => [r['path'], r['action']]),
    [
      ['/etc/rsyslog.d/10-remote.conf', '@@loghost:514'],
      ['/etc/rsyslog.conf', '/var/log/all'],
    ],
  );
});

void test('journald and auditd_conf: last assignment wins, defaults when absent', async () => {
  const j = await run(byName(logging, 'journald'), { '/etc/hostname': 'x\n' });
  assert.equal(j.status, 'absent');
  assert.equal(j.rows.find((r) => r['key'] === 'Compress')!['value'], 'yes');
  const a = await run(byName(logging, 'auditd_conf'), {
    '/etc/audit/auditd.conf': 'Max_Log_File = 8\nmax_log_file=16\n# c\n',
  });
  assert.deepEqual(
    a.rows.map((r) => [r['key'], r['value'], r['line']]),
    [['max_log_file', '16', 2]],
  );
});
