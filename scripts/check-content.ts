/**
 * Fails CI when content is not up to standard: invalid rule files, a rule without passing/failing
 * fixtures, without references or fix, an id that does not match its file, a profile selecting an
 * unknown rule, or generated docs that are out of date (`npm run docs:rules`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contentDir, loadBuiltinContent } from '../src/content/load.js';
import { generateDocs } from '../src/content/docs.js';
import { resolveProfile } from '../src/engine/profile.js';
import { formatIssue } from '../src/core/errors.js';
import { parseDocument } from 'yaml';
import { spawnSync } from 'node:child_process';

const problems: string[] = [];
const { catalogue, files, issues } = loadBuiltinContent();
problems.push(...issues.map(formatIssue));
for (const r of catalogue.rules.values()) {
  const f = files.get(r.id) ?? r.id;
  if (r.fixtures.pass.length === 0) problems.push(`${f}: no passing fixture`);
  if (!r.informational && r.fixtures.fail.length === 0) problems.push(`${f}: no failing fixture`);
  if (r.applies_if && !(r.fixtures.not_applicable ?? []).length)
    problems.push(`${f}: has applies_if but no not_applicable fixture`);
  const refs = Object.entries(r.references).filter(
    ([k, v]) =>
      k !== 'cac' &&
      v !== undefined &&
      (typeof v === 'string' || (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0)),
  );
  if (!r.experimental && refs.length === 0)
    problems.push(
      `${f}: no framework reference (cis, stig, nist_800_53, iec62443…); experimental rules are exempt`,
    );
  // Every fix carries both: for a manual fix they assist the person who decides (show, gather, assert).
  if (!r.fix.shell || !r.fix.ansible)
    problems.push(
      `${f}: the fix needs both a shell script and an Ansible task (for a manual fix: what to look at, or an assert)`,
    );
  if (r.fix.shell) {
    // Syntax only (`sh -n` never runs the script); the text comes from our own content files.
    const res = spawnSync('sh', ['-n'], { input: r.fix.shell, encoding: 'utf8' });
    if (res.status !== 0)
      problems.push(`${f}: fix.shell is not valid sh: ${(res.stderr || '').trim().split('\n')[0] ?? ''}`);
  }
  if (r.fix.ansible) {
    const doc = parseDocument(r.fix.ansible);
    const task = doc.toJS() as unknown;
    if (
      doc.errors.length ||
      !Array.isArray(task) ||
      task.length === 0 ||
      typeof (task[0] as { name?: unknown }).name !== 'string'
    )
      problems.push(`${f}: fix.ansible must be a YAML list of tasks, each with a name`);
  }
}
for (const p of catalogue.profiles.keys()) {
  try {
    resolveProfile(catalogue, p);
  } catch (e) {
    problems.push(`profile ${p}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
for (const need of ['default', 'ot-workstation', 'minimal'])
  if (!catalogue.profiles.has(need)) problems.push(`content/profiles: the ${need} profile is missing`);
if (issues.length === 0) {
  const repo = path.dirname(contentDir());
  for (const [rel, text] of generateDocs(catalogue)) {
    const p = path.join(repo, rel);
    const cur = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined;
    if (cur !== text)
      problems.push(`${rel} is out of date: run \`npm run docs:rules\` and commit the result`);
  }
  const dir = path.join(repo, 'docs', 'rules');
  if (fs.existsSync(dir))
    for (const f of fs.readdirSync(dir))
      if (f !== 'README.md' && !generateDocs(catalogue).has(`docs/rules/${f}`))
        problems.push(`docs/rules/${f} belongs to no area: run \`npm run docs:rules\``);
}
if (problems.length) {
  console.error(`content check: ${problems.length} problem(s)`);
  for (const p of problems) console.error('  ' + p);
  process.exit(1);
}
console.log(`content check: ${catalogue.rules.size} rules, ${catalogue.profiles.size} profiles — ok`);
