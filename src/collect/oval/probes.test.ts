import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedPathPrefix, literalPrefixes, fileBehaviors } from './walk.js';
import { splitDebVersion } from './package-probes.js';
import { encryptMethod } from './system-probes.js';
import { parseUnitText } from './systemd-probes.js';
import { parseLs, unescapeLs } from './acl.js';
import { isLocalMount, parseMountTable } from './fsview.js';

test('fixedPathPrefix follows oscap extract_fixed_path_prefix, quirks included', () => {
  assert.equal(fixedPathPrefix('^/etc/audit/rules\\.d/.*\\.rules$'), '/etc/audit/rules.d');
  assert.equal(fixedPathPrefix('^/etc/sysconfig/chronyd'), '/etc/sysconfig/chronyd');
  assert.equal(fixedPathPrefix('^\\/(|s)bin|^\\/usr\\/(|local\\/)(|s)bin'), '/');
  assert.equal(fixedPathPrefix('^/data/(sub|link)'), '/data');
  // '+' is not one of oscap's regex characters: the whole pattern is taken as a path.
  assert.equal(fixedPathPrefix('^/etc/foo+'), '/etc/foo+');
  assert.equal(fixedPathPrefix('.*'), '/');
});

test('literalPrefixes expands literal groups and stops at other constructs', () => {
  assert.deepEqual(literalPrefixes('^\\/(|s)bin|^\\/usr\\/(|local\\/)(|s)bin|^\\/usr\\/libexec'), [
    '/bin',
    '/sbin',
    '/usr/bin',
    '/usr/sbin',
    '/usr/local/bin',
    '/usr/local/sbin',
    '/usr/libexec',
  ]);
  assert.deepEqual(literalPrefixes('^/etc/x?y'), ['/etc/']);
  assert.deepEqual(literalPrefixes('^/a+b'), ['/a']);
  assert.deepEqual(literalPrefixes('^/(a|b)*c'), ['/']);
  assert.equal(literalPrefixes('/etc|^/usr'), null, 'an alternative without ^ can match anywhere');
  assert.equal(literalPrefixes('(?i)^/etc'), null);
});

test('fileBehaviors applies the OVAL defaults', () => {
  assert.deepEqual(fileBehaviors({}), {
    recurseDirs: true,
    recurseLinks: true,
    direction: 'none',
    maxDepth: -1,
    fs: 'all',
  });
  const b = fileBehaviors({
    recurse: 'directories',
    recurse_direction: 'down',
    max_depth: '2',
    recurse_file_system: 'local',
  });
  assert.equal(b.recurseLinks, false);
  assert.equal(b.maxDepth, 2);
  assert.equal(b.fs, 'local');
});

test('splitDebVersion splits as oscap: first colon, first hyphen', () => {
  assert.deepEqual(splitDebVersion('1:2.38.1-5+deb12u3'), {
    epoch: '1',
    version: '2.38.1',
    release: '5+deb12u3',
    evr: '1:2.38.1-5+deb12u3',
  });
  assert.deepEqual(splitDebVersion('3.1-20221030-2'), {
    epoch: '0',
    version: '3.1',
    release: '20221030-2',
    evr: '0:3.1-20221030-2',
  });
  assert.deepEqual(splitDebVersion('3.134'), { epoch: '0', version: '3.134', release: '', evr: '0:3.134' });
});

test('encryptMethod mirrors oscap shadow probe', () => {
  assert.equal(encryptMethod('$6$salt$hash'), 'SHA-512');
  assert.equal(encryptMethod('$5$salt$hash'), 'SHA-256');
  assert.equal(encryptMethod('$1$salt$hash'), 'MD5');
  assert.equal(encryptMethod('$2a$05$x'), 'Blowfish');
  assert.equal(encryptMethod('$2b$05$x'), null);
  assert.equal(encryptMethod('$y$j9T$x'), null);
  assert.equal(encryptMethod('_abcd'), 'BSDi');
  assert.equal(encryptMethod('*'), 'DES');
  assert.equal(encryptMethod('!$6$x$y'), 'DES');
  assert.equal(encryptMethod(''), 'DES');
});

test('parseUnitText accumulates list values, resets on empty assignment, joins continuations', () => {
  const m = new Map<string, Map<string, string[]>>();
  parseUnitText(
    '[Unit]\nWants=a.service b.service\nWants=c.service\nRequires=x \\\n  y\n[Install]\nWantedBy=multi-user.target\n',
    m,
  );
  parseUnitText('[Unit]\nWants=\nWants=d.service\n', m);
  assert.deepEqual(m.get('Unit')!.get('Wants'), ['d.service']);
  assert.deepEqual(m.get('Unit')!.get('Requires'), ['x', 'y']);
  assert.deepEqual(m.get('Install')!.get('WantedBy'), ['multi-user.target']);
});

test('parseLs reads the ACL mark of ls -dlnUb lines', () => {
  const out = [
    '-rw-r--r--+ 1 0 0 12 1795311387 /tmp/a\\ b',
    'drwxr-xr-x  2 0 0 4096 1795311387 /tmp/dir',
    'crw-rw-rw-  1 0 0 1, 3 1795131079 /dev/null',
  ].join('\n');
  const m = parseLs(out);
  assert.equal(m.get('/tmp/a b'), true);
  assert.equal(m.get('/tmp/dir'), false);
  assert.equal(m.get('/dev/null'), false);
  assert.equal(unescapeLs('a\\nb\\\\c\\303\\251'), 'a\nb\\c\u00c3\u00a9');
});

test('isLocalMount follows oscap fsdev rules', () => {
  const [nfs, cifs, disk, proc, auto] = parseMountTable(
    'srv:/export /mnt/a nfs4 rw 0 0\n//srv/share /mnt/b cifs rw 0 0\n/dev/vda1 / ext4 rw 0 0\nproc /proc proc rw 0 0\n/etc/auto.misc /misc autofs rw 0 0\n',
  );
  assert.equal(isLocalMount(nfs!), false);
  assert.equal(isLocalMount(cifs!), false);
  assert.equal(isLocalMount(disk!), true);
  assert.equal(isLocalMount(proc!), true, 'oscap counts proc as local (Bulwark prunes it separately)');
  assert.equal(isLocalMount(auto!), false);
});
