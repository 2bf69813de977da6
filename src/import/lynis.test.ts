import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BulwarkError } from '../core/errors.js';
import { parseLynis } from './lynis.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const REPORT = fs.readFileSync(
  path.join(repoRoot(), 'test', 'fixtures', 'import', 'lynis-report.dat'),
  'utf8',
);

test('Lynis report.dat (real Lynis 3.0.8 output, trimmed): warnings fail, suggestions informational, executed tests pass', () => {
  const s = parseLynis(REPORT, 'lynis-report.dat');
  assert.equal(s.profile, 'import:lynis');
  assert.equal(s.startedAt, '2026-11-22T00:49:20.000Z');
  assert.equal(s.finishedAt, '2026-11-22T00:50:34.000Z');
  assert.equal(s.toolScore, 55);
  assert.equal(s.identity.hostname, 'web01');
  assert.equal(s.identity.os, 'Debian GNU/Linux 12 (bookworm)');
  assert.deepEqual(s.identity.macs, ['02:00:5e:10:00:01', '52:54:00:12:34:56', '52:54:00:ab:cd:ef']);
  const by = new Map(s.results.map((r) => [r.rule, r]));
  assert.equal(by.size, s.results.length, 'one result per test');
  const pkgs = by.get('lynis-PKGS-7392')!;
  assert.equal(pkgs.status, 'fail');
  assert.equal(pkgs.severity, 'medium');
  assert.match(pkgs.message, /vulnerable packages.*suggestions: Update your system/);
  assert.equal(by.get('lynis-LOGG-2138')?.status, 'fail');
  const fs6310 = by.get('lynis-FILE-6310')!;
  assert.equal(fs6310.status, 'informational');
  assert.equal(fs6310.severity, 'low');
  assert.match(fs6310.message, /\/home.*\/tmp.*\/var/, 'repeated suggestions of one test are merged');
  assert.equal(by.get('lynis-HRDN-7231')?.status, 'pass');
  const counts = (st: string) => s.results.filter((r) => r.status === st).length;
  assert.equal(counts('fail'), 2);
  assert.ok(counts('pass') > 100);
  assert.ok(s.skipped > 100, 'tests_skipped are counted, not imported');
  assert.ok(!by.has('lynis-MALW-3288'), 'a skipped test is not a pass');
});

test('a report without tests_executed imports only its findings; a truncated or foreign file is refused', () => {
  const s = parseLynis(
    'report_version_major=1\nhostname=h\nreport_datetime_end=2026-01-01 10:00:00\nwarning[]=SSH-7408|Root login allowed|-|-|\n',
    'r.dat',
  );
  assert.deepEqual(
    s.results.map((r) => [r.rule, r.status]),
    [['lynis-SSH-7408', 'fail']],
  );
  assert.ok(s.notes.some((n) => n.includes('tests_executed')));
  const refused = (text: string, re: RegExp) => {
    assert.throws(
      () => parseLynis(text, 'r.dat'),
      (e: unknown) => e instanceof BulwarkError && e.code === 'BW_IMPORT_INVALID' && re.test(e.message),
    );
  };
  refused(REPORT.slice(0, REPORT.indexOf('report_datetime_end')), /report_datetime_end/);
  refused('<?xml version="1.0"?><x/>', /not a Lynis report/);
  refused('', /no key=value lines/);
  refused('a=b\nc=d\n', /not a Lynis report/);
});
