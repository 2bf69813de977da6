#!/usr/bin/env node
// Builds a synthetic but realistic Debian-like root of about N files (default 100,000) for the
// offline-root benchmark: node bench/make-root.mjs [--files N] [--out bench/out/root]
//
// - etc/ is this machine's /etc where readable (modes and owners kept), except secrets: shadow and
//   gshadow are regenerated with locked passwords from passwd/group, private keys are left out;
// - var/lib/dpkg/status and var/lib/dpkg/info are this machine's;
// - usr/bin, usr/sbin, usr/lib hold many small binaries-like files, some SUID/SGID, library
//   version symlinks; usr/share holds many small files (docs, man pages, locales, python modules);
// - world-writable directories with and without the sticky bit, a few world-writable files,
//   files whose owner/group exist in no passwd/group, a deep directory chain, a FIFO;
// - symlinks: merged-usr (bin -> usr/bin), absolute ones (etc/localtime), dangling ones, one
//   escaping the root (../../../../etc/shadow), a two-link loop and a directory loop.
// Deterministic (seeded) for the same N and the same host /etc. Writes a manifest next to the root.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    out: { type: 'string', default: path.join(HERE, 'out', 'root') },
  },
});
const N = Number(values.files);
if (!Number.isInteger(N) || N < 5000) {
  process.stderr.write('make-root: --files wants an integer of at least 5000\n');
  process.exit(2);
}
const OUT = path.resolve(values.out);
const MANIFEST = path.join(path.dirname(OUT), `${path.basename(OUT)}.manifest.json`);
if (OUT === '/' || OUT.split(path.sep).length < 3) {
  process.stderr.write(`make-root: refusing to build in ${OUT}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------- deterministic randomness
let seed = 0x5eed ^ N;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const WORDS =
  'alpha bravo core daemon engine filter gadget hash index jail kernel logger mesh node opal proxy query relay socket tunnel utility vault widget xfer yank zone net util lib tool conf data cache agent proto'.split(
    ' ',
  );
const word = () => pick(WORDS);
const text = (min, max) => {
  const n = int(min, max);
  let s = '';
  while (s.length < n) s += word() + (rand() < 0.12 ? '\n' : ' ');
  return s.slice(0, n) + '\n';
};

// ---------------------------------------------------------------- writing, with counts
const stats = {
  files: 0,
  dirs: 0,
  symlinks: 0,
  fifos: 0,
  bytes: 0,
  suid: 0,
  sgid: 0,
  worldWritableFiles: 0,
  worldWritableDirs: 0,
  stickyWorldWritableDirs: 0,
  unowned: 0,
  copiedFromHost: 0,
};
const madeDirs = new Set();
function mkdir(rel, mode = 0o755, uid = 0, gid = 0) {
  const abs = path.join(OUT, rel);
  if (madeDirs.has(abs)) return abs;
  const parent = path.dirname(rel);
  if (parent !== '.' && parent !== '/' && parent !== '') mkdir(parent);
  try {
    fs.mkdirSync(abs);
    stats.dirs++;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
  }
  fs.chmodSync(abs, mode);
  if (uid || gid) fs.chownSync(abs, uid, gid);
  if ((mode & 0o002) !== 0) {
    stats.worldWritableDirs++;
    if (mode & 0o1000) stats.stickyWorldWritableDirs++;
  }
  madeDirs.add(abs);
  return abs;
}
function file(rel, content, mode = 0o644, uid = 0, gid = 0) {
  mkdir(path.dirname(rel));
  const abs = path.join(OUT, rel);
  fs.writeFileSync(abs, content);
  fs.chmodSync(abs, mode);
  if (uid || gid) fs.chownSync(abs, uid, gid);
  stats.files++;
  stats.bytes += typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  if (mode & 0o4000) stats.suid++;
  if (mode & 0o2000) stats.sgid++;
  if (mode & 0o002) stats.worldWritableFiles++;
}
function symlink(rel, to) {
  mkdir(path.dirname(rel));
  fs.symlinkSync(to, path.join(OUT, rel));
  stats.symlinks++;
}
const count = () => stats.files + stats.symlinks + stats.fifos;

/** A small ELF-looking file: real magic, then noise. */
function elf(size) {
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  for (let i = 8; i + 4 <= size; i += 4) b.writeUInt32LE((rand() * 4294967296) >>> 0, i);
  return b;
}

// ---------------------------------------------------------------- copying from this machine
const SECRET = [
  /^shadow-?$/,
  /^gshadow-?$/,
  /^ssh\/ssh_host_.*_key$/,
  /^ssl\/private\//,
  /\.key$/,
  /^security\/opasswd$/,
];
function copyTree(src, relDst, relBase = '') {
  let names;
  try {
    names = fs.readdirSync(src).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const from = path.join(src, name);
    const rel = path.join(relDst, name);
    const relInSrc = relBase ? `${relBase}/${name}` : name;
    let st;
    try {
      st = fs.lstatSync(from);
    } catch {
      continue;
    }
    if (SECRET.some((re) => re.test(relInSrc))) continue;
    try {
      if (st.isSymbolicLink()) {
        symlink(rel, fs.readlinkSync(from));
        fs.lchownSync(path.join(OUT, rel), st.uid, st.gid);
      } else if (st.isDirectory()) {
        mkdir(rel, st.mode & 0o7777);
        fs.chownSync(path.join(OUT, rel), st.uid, st.gid);
        copyTree(from, rel, relInSrc);
      } else if (st.isFile() && st.size <= 4 * 1048576) {
        file(rel, fs.readFileSync(from), st.mode & 0o7777, st.uid, st.gid);
        stats.copiedFromHost++;
      }
    } catch {
      /* unreadable: left out */
    }
  }
}

// ---------------------------------------------------------------- build
const t0 = Date.now();
fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });
madeDirs.add(OUT);

// Top level, merged /usr.
for (const d of [
  'usr/bin',
  'usr/sbin',
  'usr/lib/x86_64-linux-gnu',
  'usr/lib64',
  'usr/share',
  'usr/local/bin',
  'var/lib',
  'var/log',
  'var/cache',
  'var/spool',
  'home',
  'srv',
  'opt',
  'mnt',
  'media',
  'boot',
])
  mkdir(d);
mkdir('root', 0o700);
for (const d of ['proc', 'sys', 'dev', 'run']) mkdir(d, 0o555);
symlink('bin', 'usr/bin');
symlink('sbin', 'usr/sbin');
symlink('lib', 'usr/lib');
symlink('lib64', 'usr/lib64');
mkdir('tmp', 0o1777);
mkdir('var/tmp', 0o1777);
mkdir('var/spool/cron/crontabs', 0o1730, 0, 0);

// etc: this machine's, minus secrets; shadow and gshadow regenerated, locked.
copyTree('/etc', 'etc');
// The people whose home directories are built below, added to the copied passwd and group.
const people = [['alice', 1000], ...Array.from({ length: 20 }, (_, u) => [`user${u}`, 1001 + u])];
const readOr = (rel, dflt) =>
  fs.existsSync(path.join(OUT, rel)) ? fs.readFileSync(path.join(OUT, rel), 'utf8') : dflt;
let passwd = readOr('etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
let group = readOr('etc/group', 'root:x:0:\n');
const hasId = (text, id) => text.split('\n').some((l) => l.split(':')[2] === String(id));
for (const [name, id] of people) {
  if (!hasId(passwd, id)) passwd += `${name}:x:${id}:${id}:${name}:/home/${name}:/bin/bash\n`;
  if (!hasId(group, id)) group += `${name}:x:${id}:\n`;
}
fs.rmSync(path.join(OUT, 'etc/passwd'), { force: true });
fs.rmSync(path.join(OUT, 'etc/group'), { force: true });
fs.writeFileSync(path.join(OUT, 'etc/passwd'), passwd, { mode: 0o644 });
fs.writeFileSync(path.join(OUT, 'etc/group'), group, { mode: 0o644 });
const users = passwd
  .split('\n')
  .filter(Boolean)
  .map((l) => l.split(':')[0]);
file(
  'etc/shadow',
  users.map((u) => `${u}:${u === 'root' ? '!' : '*'}:19700:0:99999:7:::`).join('\n') + '\n',
  0o640,
  0,
  42,
);
file(
  'etc/gshadow',
  group
    .split('\n')
    .filter(Boolean)
    .map((l) => `${l.split(':')[0]}:*::`)
    .join('\n') + '\n',
  0o640,
  0,
  42,
);
// A few things the host may not have, so the scan has something to read.
if (!fs.existsSync(path.join(OUT, 'etc/ssh/sshd_config')))
  file(
    'etc/ssh/sshd_config',
    'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nPasswordAuthentication yes\nX11Forwarding yes\nUsePAM yes\n',
  );
file('etc/ssh/sshd_config.d/50-bench.conf', 'ClientAliveInterval 300\nMaxAuthTries 6\n');
if (!fs.existsSync(path.join(OUT, 'etc/localtime'))) symlink('etc/localtime', '/usr/share/zoneinfo/Etc/UTC');
if (!fs.existsSync(path.join(OUT, 'etc/mtab'))) symlink('etc/mtab', '../proc/self/mounts');
file('opt/vendor/etc/config.ini', '[server]\nlisten = 0.0.0.0:8080\npassword = changeme\n', 0o666);

// dpkg: this machine's database.
if (fs.existsSync('/var/lib/dpkg/status')) {
  mkdir('var/lib/dpkg');
  file('var/lib/dpkg/status', fs.readFileSync('/var/lib/dpkg/status'));
  copyTree('/var/lib/dpkg/info', 'var/lib/dpkg/info');
}
const pkgs = (() => {
  try {
    return [...fs.readFileSync('/var/lib/dpkg/status', 'utf8').matchAll(/^Package: (\S+)/gm)].map(
      (m) => m[1],
    );
  } catch {
    return Array.from({ length: 400 }, (_, i) => `pkg${i}`);
  }
})();

// Binaries, some SUID/SGID, as on Debian.
const SUID = [
  'usr/bin/passwd',
  'usr/bin/su',
  'usr/bin/mount',
  'usr/bin/umount',
  'usr/bin/chsh',
  'usr/bin/chfn',
  'usr/bin/gpasswd',
  'usr/bin/newgrp',
  'usr/bin/sudo',
  'usr/lib/openssh/ssh-keysign',
  'usr/bin/pkexec',
  'usr/bin/fusermount3',
];
const SGID = [
  'usr/bin/wall',
  'usr/bin/write.ul',
  'usr/bin/chage',
  'usr/bin/expiry',
  'usr/bin/ssh-agent',
  'usr/bin/crontab',
  'usr/sbin/unix_chkpwd',
];
for (const p of SUID) file(p, elf(int(20000, 60000)), 0o4755);
for (const p of SGID) file(p, elf(int(20000, 60000)), 0o2755, 0, 42);
file('usr/lib/dbus-1.0/dbus-daemon-launch-helper', elf(30000), 0o4754, 0, 101);
// Suspicious ones: a SUID shell copy in a home directory, SUID+SGID in /var/tmp.
mkdir('home/alice', 0o750, 1000, 1000);
file('home/alice/.cache/.sh', elf(120000), 0o4755);
file('var/tmp/.x', elf(9000), 0o6755);
for (let i = 0; i < 1500; i++) file(`usr/bin/${word()}-${word()}${i}`, elf(int(600, 6000)), 0o755);
for (let i = 0; i < 400; i++)
  file(`usr/sbin/${word()}d${i}`, elf(int(600, 6000)), i % 50 === 0 ? 0o700 : 0o755);
for (let i = 0; i < 40; i++)
  file(`usr/local/bin/site-${word()}${i}`, `#!/bin/sh\nexec /usr/bin/${word()} "$@"\n`, 0o755);

// Libraries with version symlinks.
for (let i = 0; i < 2500; i++) {
  const base = `usr/lib/x86_64-linux-gnu/lib${word()}${i}.so`;
  file(`${base}.${i % 7}.${i % 3}.0`, elf(int(1000, 8000)));
  symlink(`${base}.${i % 7}`, `lib${path.basename(base).slice(3)}.${i % 7}.${i % 3}.0`);
  if (i % 5 === 0) symlink(base, `lib${path.basename(base).slice(3)}.${i % 7}`);
}
symlink('usr/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');

// World-writable places: without sticky bit (bad), a world-writable file, unowned files.
mkdir('srv/exchange', 0o777);
for (let i = 0; i < 20; i++) file(`srv/exchange/drop-${i}.csv`, text(50, 400), 0o666);
mkdir('opt/legacy', 0o755, 4242, 4242);
for (let i = 0; i < 30; i++) {
  file(`opt/legacy/bin/tool${i}`, elf(2000), 0o755, 4242, 4242);
  stats.unowned++;
}
file('var/log/legacy-app.log', text(1000, 5000), 0o644, 0, 4343);
stats.unowned++;
for (let i = 0; i < 200; i++) file(`var/log/app/app.log.${i}`, text(200, 3000), 0o640, 0, 4);
file('var/log/syslog', text(20000, 60000), 0o640, 0, 4);
file('var/log/auth.log', text(5000, 20000), 0o640, 0, 4);

// Home directories.
for (let u = 0; u < 20; u++) {
  const uid = 1001 + u;
  mkdir(`home/user${u}`, 0o750, uid, uid);
  for (let i = 0; i < 30; i++)
    file(
      `home/user${u}/${pick(['docs', 'src', '.config', '.cache', 'projects'])}/${word()}${i}.txt`,
      text(50, 2000),
      0o644,
      uid,
      uid,
    );
}

// A FIFO, as postfix has.
mkdir('var/spool/postfix/public', 0o2710, 0, 0);
if (spawnSync('mkfifo', ['-m', '622', path.join(OUT, 'var/spool/postfix/public/pickup')]).status === 0)
  stats.fifos++;

// Deep directory chain, and symlinks that must not escape or loop.
let deep = 'usr/share/deep';
for (let i = 0; i < 60; i++) deep += `/level${i}`;
file(`${deep}/bottom.txt`, 'deep\n');
symlink('usr/share/loop/a', 'b');
symlink('usr/share/loop/b', 'a');
symlink('usr/share/loop/self', '/usr/share/loop');
symlink('usr/share/loop/parent', '..');
symlink('usr/share/loop/escape', '../../../../../../../../etc/shadow');
symlink('usr/share/loop/dangling', '/nonexistent/target');
file('usr/share/odd names/file with spaces.txt', 'x\n');
file('usr/share/odd names/ünïcödé-名前.txt', 'x\n');
file('usr/share/odd names/unreadable', 'secret\n', 0o000);

// usr/share: documentation per package, then man pages, locales, python modules until N.
for (const p of pkgs) {
  if (count() >= N) break;
  file(
    `usr/share/doc/${p}/copyright`,
    `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: ${p}\n\n${text(300, 3000)}`,
  );
  file(
    `usr/share/doc/${p}/changelog.Debian.gz`,
    Buffer.from([0x1f, 0x8b, 8, 0, ...Array.from({ length: int(100, 900) }, () => int(0, 255))]),
  );
}
const LANGS = [
  'de',
  'fr',
  'es',
  'it',
  'pt_BR',
  'ru',
  'ja',
  'zh_CN',
  'pl',
  'nl',
  'sv',
  'cs',
  'da',
  'fi',
  'hu',
  'tr',
  'uk',
  'ko',
  'nb',
  'ca',
];
const kinds = [
  (i) => [
    `usr/share/man/man${1 + (i % 8)}/${word()}-${i}.${1 + (i % 8)}.gz`,
    Buffer.from([0x1f, 0x8b, 8, 0, ...Array.from({ length: int(300, 3000) }, () => int(0, 255))]),
  ],
  (i) => [
    `usr/share/locale/${LANGS[i % LANGS.length]}/LC_MESSAGES/${pkgs[i % pkgs.length]}-${Math.floor(i / LANGS.length)}.mo`,
    text(200, 4000),
  ],
  (i) => [
    `usr/lib/python3/dist-packages/${WORDS[i % WORDS.length]}${i % 120}/${['', 'sub/', 'tests/'][i % 3]}${word()}_${i}.py`,
    `"""${word()}."""\nimport os\n\n${text(200, 5000)}`,
  ],
  (i) => [
    `usr/share/${pkgs[Math.floor(i / 5) % pkgs.length]}/${['data', 'templates', 'examples'][Math.floor(i / 5 / pkgs.length) % 3]}/${word()}-${i}.${pick(['xml', 'json', 'txt', 'svg', 'png'])}`,
    text(100, 3000),
  ],
  (i) => [
    `usr/share/icons/hicolor/${pick(['16x16', '32x32', '48x48', 'scalable'])}/apps/${word()}-${i}.png`,
    elf(int(300, 2000)),
  ],
];
for (let i = 0; count() < N; i++) {
  const [rel, content] = kinds[i % kinds.length](i);
  try {
    file(rel, content);
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
  }
}

const manifest = {
  requested: N,
  builtAt: new Date().toISOString(),
  buildSeconds: (Date.now() - t0) / 1000,
  root: OUT,
  entries: count() + stats.dirs,
  ...stats,
};
fs.writeFileSync(MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
process.stderr.write(
  `make-root: ${OUT}: ${stats.files} files, ${stats.symlinks} symlinks, ${stats.fifos} fifo, ${stats.dirs} directories, ${(stats.bytes / 1048576).toFixed(0)} MB, in ${manifest.buildSeconds.toFixed(1)} s\n`,
);
