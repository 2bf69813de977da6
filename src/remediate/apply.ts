/**
 * Apply, verify, roll back. For each change of a plan: refuse it when a guard trips (unless forced) or when a
 * file no longer is what the plan was computed from; back up every file it touches (content, mode, owner) into
 * the store — outside the target; write atomically (a temporary file beside it, then rename, mode and owner
 * kept); re-collect and re-evaluate the change's rules through a fresh Target; roll back when verification
 * fails. A rolled-back file is byte-identical to what it was. Nothing from a mounted image is ever executed:
 * commands run on the live host only.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BulwarkError } from '../core/errors.js';
import type { Catalogue } from '../engine/profile.js';
import { selectionFor } from '../engine/profile.js';
import { requiredFacts, type RuleSelection } from '../engine/evaluate.js';
import { collectFacts, makeContext } from '../collect/runner.js';
import { lexSshdConfig } from '../collect/parsers/sshd-config.js';
import { parseSudoers } from '../collect/parsers/sudoers.js';
import { evaluateSelections } from '../scan/run.js';
import { FsTarget } from '../targets/target.js';
import type { Store } from '../store/db.js';
import { pamSyntaxProblems } from './edits.js';
import { sha256 } from './plan.js';
import {
  appendAudit,
  findApplied,
  findPlan,
  recordApplied,
  updateApplied,
  type AppliedTable,
  type BackupTable,
} from './store.js';
import type { Change, FileChange, Plan, PlanCommand } from './types.js';

export interface RuleEvidence {
  rule: string;
  status: string;
  message: string;
}

export interface ChangeOutcome {
  change: string;
  rules: string[];
  /** verified: applied and the rules pass; failed: verification failed, rolled back; refused: a guard or a stale
   * file; skipped: manual, or a change it depends on was not applied; unchanged: nothing to write. */
  status: 'verified' | 'failed' | 'refused' | 'skipped' | 'unchanged';
  applied_id: string | null;
  message: string;
  before: RuleEvidence[];
  after: RuleEvidence[];
}

export interface ApplyOptions {
  store: Store;
  catalogue: Catalogue;
  actor: string;
  /** Apply despite guards (a guard's finding is still recorded). */
  force?: boolean;
  /** Only these change ids. */
  only?: string[];
  requestId?: string | null;
  /** Commands are run only for the live host; tests can observe them here instead. */
  runCommand?: (c: PlanCommand) => Promise<{ ok: boolean; output: string }>;
  onEvent?: (line: string) => void;
  /** Tests only: run the commands (through runCommand) for a mounted root too. */
  commandsOnRoot?: boolean;
}

async function targetFor(plan: Plan): Promise<FsTarget> {
  return plan.target.kind === 'live' ? FsTarget.live() : FsTarget.mounted(plan.target.root);
}

function selections(catalogue: Catalogue, c: Change): RuleSelection[] {
  return c.rules.flatMap((id) => {
    const rule = catalogue.rules.get(id);
    return rule
      ? [selectionFor(rule, Object.fromEntries(Object.entries(c.params).map(([k, v]) => [`${id}.${k}`, v])))]
      : [];
  });
}

/** Collects what the change's rules need through a fresh Target (no cached lookups) and evaluates them. */
export async function evaluateRules(plan: Plan, catalogue: Catalogue, c: Change): Promise<RuleEvidence[]> {
  const target = await targetFor(plan);
  const sels = selections(catalogue, c);
  const facts = await collectFacts(makeContext(target), requiredFacts(sels));
  return evaluateSelections(sels, facts, target.mode).map((r) => ({
    rule: r.rule,
    status: r.status,
    message: r.message,
  }));
}

interface Snapshot {
  path: string;
  host: string;
  existed: boolean;
  /** A directory (only its mode and owner are changed and restored). */
  dir: boolean;
  content: Buffer | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  /** Directories that did not exist and that writing the file creates (removed again by a rollback). */
  created: string[];
}

async function snapshot(target: FsTarget, p: string): Promise<Snapshot> {
  const host = await target.resolve(p);
  const created: string[] = [];
  for (let d = path.dirname(host); !fs.existsSync(d) && d.startsWith(target.root); d = path.dirname(d))
    created.push(d);
  try {
    const st = fs.lstatSync(host);
    if (st.isDirectory())
      return {
        path: p,
        host,
        existed: true,
        dir: true,
        content: null,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        created,
      };
    if (!st.isFile())
      throw new BulwarkError('BW_PLAN_STALE', `${p} is no longer a regular file`, 'plan again');
    return {
      path: p,
      host,
      existed: true,
      dir: false,
      content: fs.readFileSync(host),
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      created,
    };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      return {
        path: p,
        host,
        existed: false,
        dir: false,
        content: null,
        mode: null,
        uid: null,
        gid: null,
        created,
      };
    throw e;
  }
}

/** Writes a file atomically: a temporary file in the same directory, fsync, mode and owner, rename. */
function atomicWrite(host: string, content: Buffer | string, mode: number, uid: number, gid: number): void {
  const dir = path.dirname(host);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tmp = path.join(dir, `.${path.basename(host)}.bulwark-${randomBytes(6).toString('hex')}`);
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.chownSync(tmp, uid, gid);
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, host);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Puts every snapshot back: content, mode and owner; a file (and directories) that did not exist are removed. */
export function restore(snaps: readonly Snapshot[]): void {
  for (const s of [...snaps].reverse()) {
    if (!s.existed) fs.rmSync(s.host, { force: true });
    else if (s.dir) {
      fs.chownSync(s.host, s.uid!, s.gid!);
      fs.chmodSync(s.host, s.mode!);
    } else atomicWrite(s.host, s.content!, s.mode!, s.uid!, s.gid!);
    for (const d of s.created) {
      try {
        fs.rmdirSync(d);
      } catch {
        // not empty (another file of the change) or already gone
      }
    }
  }
}

function staleReason(f: FileChange, s: Snapshot): string | null {
  if (f.before === null && f.mode_before === null)
    return s.existed ? `${f.path} exists now but did not when the plan was made` : null;
  if (!s.existed) return `${f.path} no longer exists`;
  if (s.content && sha256(s.content) !== f.before_sha256) return `${f.path} changed since the plan was made`;
  const mode = s.mode === null ? null : '0' + s.mode.toString(8).padStart(3, '0');
  if (f.mode_before !== null && mode !== f.mode_before)
    return `${f.path}: mode is ${mode}, the plan expected ${f.mode_before}`;
  if (f.uid_before !== null && (s.uid !== f.uid_before || s.gid !== f.gid_before))
    return `${f.path}: owner is ${s.uid}:${s.gid}, the plan expected ${f.uid_before}:${f.gid_before}`;
  return null;
}

function run(argv: readonly string[], timeoutMs = 60_000): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ ok: !err, output: `${stdout}${stderr}`.trim().slice(0, 2000) });
    });
  });
}

function onPath(cmd: string): string | null {
  for (const d of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const p = path.join(d, cmd);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** Validates the new content of a file before it is written. Returns the problems (empty: valid). */
export async function validateContent(f: FileChange, content: string): Promise<string[]> {
  if (f.validate === 'sshd')
    return lexSshdConfig(content).problems.map((p) => `${f.path}:${p.line}: ${p.message}`);
  if (f.validate === 'pam') return pamSyntaxProblems(content).map((p) => `${f.path}: ${p}`);
  if (f.validate === 'sudoers') {
    const problems: string[] = [];
    for (const e of parseSudoers(content))
      if (e.kind === 'defaults' && !/^Defaults\S*\s+\S/.test(e.text))
        problems.push(`${f.path}:${e.line}: malformed Defaults`);
    // visudo from the host (never the image's) checks the syntax of the candidate file.
    const visudo = onPath('visudo');
    if (visudo) {
      const tmp = path.join(fs.mkdtempSync('/tmp/bulwark-visudo-'), 'candidate');
      fs.writeFileSync(tmp, content, { mode: 0o440 });
      const r = await run([visudo, '-cf', tmp]);
      fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
      if (!r.ok) problems.push(`${f.path}: visudo -c: ${r.output}`);
    }
    return problems;
  }
  return [];
}

export interface ApplyReport {
  plan: string;
  target: string;
  outcomes: ChangeOutcome[];
  finally: { argv: string[]; ok: boolean; output: string; skipped?: string }[];
}

export async function applyPlan(plan: Plan, opts: ApplyOptions): Promise<ApplyReport> {
  const log = opts.onEvent ?? (() => undefined);
  const runCommand = opts.runCommand ?? ((c: PlanCommand) => run(c.argv));
  const outcomes: ChangeOutcome[] = [];
  const ok = new Set<string>();
  const byId = new Map(plan.changes.map((c) => [c.id, c]));
  if (plan.asset && plan.asset.modifiability !== 'full' && plan.changes.some((c) => !c.manual))
    throw new BulwarkError(
      'BW_GUARD_LEGACY_ASSET',
      `the asset ${plan.asset.name} is marked modifiability=${plan.asset.modifiability}: Bulwark makes no edits to it`,
      'record compensating controls with `bulwark fix compensate`, or change the asset with `bulwark assets set --modifiability full` if the vendor allows it',
    );
  for (const c of plan.changes) {
    if (opts.only && !opts.only.includes(c.id)) continue;
    const base = { change: c.id, rules: c.rules, applied_id: null, before: [], after: [] };
    if (c.manual) {
      outcomes.push({ ...base, status: 'skipped', message: `manual: ${c.manual}` });
      continue;
    }
    const missing = c.depends_on.filter(
      (d) => !ok.has(d) && byId.has(d) && (!opts.only || opts.only.includes(d)),
    );
    if (missing.length) {
      outcomes.push({
        ...base,
        status: 'skipped',
        message: `depends on ${missing.join(', ')}, which was not applied`,
      });
      continue;
    }
    if (c.guards.length && !opts.force) {
      const msg = c.guards.map((g) => `${g.code}: ${g.message} (hint: ${g.hint})`).join('; ');
      outcomes.push({ ...base, status: 'refused', message: msg });
      await appendAudit(opts.store, {
        action: 'fix.refuse',
        actor: opts.actor,
        subject: `${plan.id}:${c.id}`,
        details: { guards: c.guards.map((g) => g.code) },
      });
      log(`${c.id} refused: ${msg}`);
      continue;
    }
    const target = await targetFor(plan);
    const snaps: Snapshot[] = [];
    for (const f of c.files) snaps.push(await snapshot(target, f.path));
    const stale = c.files.map((f, i) => staleReason(f, snaps[i]!)).filter((x): x is string => x !== null);
    if (stale.length) {
      outcomes.push({
        ...base,
        status: 'refused',
        message: `BW_PLAN_STALE: ${stale.join('; ')}; make a new plan`,
      });
      continue;
    }
    const problems: string[] = [];
    for (const f of c.files) if (f.after !== null) problems.push(...(await validateContent(f, f.after)));
    if (problems.length && !opts.force) {
      const code = c.files.some((f) => f.validate === 'sudoers')
        ? 'BW_GUARD_SUDOERS_INVALID'
        : c.files.some((f) => f.validate === 'pam')
          ? 'BW_GUARD_PAM_INVALID'
          : 'BW_GUARD_SSHD_INVALID';
      outcomes.push({ ...base, status: 'refused', message: `${code}: ${problems.join('; ')}` });
      continue;
    }
    const before = await evaluateRules(plan, opts.catalogue, c);
    if (c.files.length === 0 && c.commands.length === 0) {
      outcomes.push({ ...base, before, status: 'unchanged', message: 'nothing to write' });
      ok.add(c.id);
      continue;
    }
    const appliedId = randomUUID();
    const now = new Date().toISOString();
    const backups: BackupTable[] = snaps.map((s) => ({
      applied_id: appliedId,
      path: s.path,
      existed: s.existed ? 1 : 0,
      content: s.content,
      sha256: s.content ? sha256(s.content) : null,
      mode: s.mode,
      uid: s.uid,
      gid: s.gid,
    }));
    const row: AppliedTable = {
      id: appliedId,
      plan_id: plan.id,
      change_id: c.id,
      request_id: opts.requestId ?? null,
      target_root: plan.target.root,
      status: 'applying',
      actor: opts.actor,
      applied_at: now,
      rolled_back_at: null,
      message: '',
      evidence: JSON.stringify({ before }),
    };
    // The backup is stored before anything is written: a crash in between leaves a restorable record.
    await recordApplied(opts.store, row, backups);
    let failure: string | null = null;
    try {
      for (let i = 0; i < c.files.length; i++) {
        const f = c.files[i]!;
        const s = snaps[i]!;
        const mode = f.mode_after ? parseInt(f.mode_after, 8) : (s.mode ?? 0o644);
        const uid = f.uid_after ?? s.uid ?? 0;
        const gid = f.gid_after ?? s.gid ?? 0;
        if (f.after !== null) atomicWrite(s.host, f.after, mode, uid, gid);
        else {
          fs.chownSync(s.host, uid, gid);
          fs.chmodSync(s.host, mode);
        }
      }
      if (plan.target.kind === 'live')
        for (const cmd of c.commands) {
          const r = await runCommand(cmd);
          if (!r.ok) throw new Error(`${cmd.argv.join(' ')} failed: ${r.output}`);
        }
    } catch (e) {
      failure = `writing failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    const after = failure ? [] : await evaluateRules(plan, opts.catalogue, c);
    const notPassing = after.filter((r) => r.status !== 'pass');
    if (!failure && notPassing.length)
      failure = `verification failed: ${notPassing.map((r) => `${r.rule} is ${r.status} (${r.message})`).join('; ')}`;
    if (failure) {
      restore(snaps);
      const check = await Promise.all(snaps.map((s) => snapshot(target, s.path)));
      const identical = check.every((x, i) => {
        const s = snaps[i]!;
        return (
          x.existed === s.existed &&
          (!s.existed ||
            (x.content!.equals(s.content!) && x.mode === s.mode && x.uid === s.uid && x.gid === s.gid))
        );
      });
      const msg = `${failure}; rolled back${identical ? ' (files byte-identical to before)' : ' — WARNING: a file differs from its backup'}`;
      await updateApplied(opts.store, appliedId, {
        status: 'failed',
        rolled_back_at: new Date().toISOString(),
        message: msg,
        evidence: JSON.stringify({ before, after }),
      });
      await appendAudit(opts.store, {
        action: 'fix.apply',
        actor: opts.actor,
        subject: appliedId,
        details: { plan: plan.id, change: c.id, rules: c.rules, status: 'failed', message: msg },
      });
      outcomes.push({ ...base, applied_id: appliedId, status: 'failed', message: msg, before, after });
      log(`${c.id} ${msg}`);
      continue;
    }
    await updateApplied(opts.store, appliedId, {
      status: 'verified',
      message: 'applied and verified',
      evidence: JSON.stringify({ before, after }),
    });
    await appendAudit(opts.store, {
      action: 'fix.apply',
      actor: opts.actor,
      subject: appliedId,
      details: {
        plan: plan.id,
        change: c.id,
        rules: c.rules,
        status: 'verified',
        files: c.files.map((f) => f.path),
      },
    });
    ok.add(c.id);
    outcomes.push({
      ...base,
      applied_id: appliedId,
      status: 'verified',
      message: 'applied and verified',
      before,
      after,
    });
    log(`${c.id} applied and verified (${c.rules.join(', ')})`);
  }
  const fin: ApplyReport['finally'] = [];
  for (const cmd of plan.finally) {
    if (!cmd.after.some((id) => ok.has(id))) continue;
    if (plan.target.kind !== 'live' && !opts.commandsOnRoot) {
      fin.push({
        argv: cmd.argv,
        ok: true,
        output: '',
        skipped: 'mounted root: run it on the host when it boots (nothing from an image is executed)',
      });
      continue;
    }
    const r = await runCommand(cmd);
    fin.push({ argv: cmd.argv, ...r });
    if (!r.ok) {
      // `sshd -t` or a reload failed: the changes it follows are rolled back (newest first), so that a
      // broken configuration is never left for the next restart to trip over.
      for (const o of [...outcomes].reverse()) {
        if (!cmd.after.includes(o.change) || o.status !== 'verified' || !o.applied_id) continue;
        await rollbackApplied(opts.store, o.applied_id, opts.actor, true);
        o.status = 'failed';
        o.message = `${cmd.argv.join(' ')} failed after the change (${r.output}); rolled back`;
        log(`${o.change} ${o.message}`);
      }
      break;
    }
  }
  return { plan: plan.id, target: plan.target.root, outcomes, finally: fin };
}

/** Restores an applied change from its backups. Refuses when a file was changed since, unless forced. */
export async function rollbackApplied(
  store: Store,
  ref: string,
  actor: string,
  force = false,
): Promise<{ id: string; files: string[] }> {
  const { row, backups } = await findApplied(store, ref);
  if (row.status === 'rolled_back' || row.status === 'failed')
    throw new BulwarkError(
      'BW_CHANGE_STATE',
      `applied change ${row.id} is already rolled back (${row.status})`,
      'nothing to do',
    );
  const plan = await findPlan(store, row.plan_id);
  const change = plan?.changes.find((c) => c.id === row.change_id);
  const target = row.target_root === '/' ? FsTarget.live() : await FsTarget.mounted(row.target_root);
  const snaps: Snapshot[] = [];
  for (const b of backups) {
    const host = await target.resolve(b.path);
    snaps.push({
      path: b.path,
      host,
      existed: b.existed === 1,
      dir: b.existed === 1 && b.content === null,
      content: b.content ? Buffer.from(b.content) : null,
      mode: b.mode,
      uid: b.uid,
      gid: b.gid,
      created: [],
    });
    const f = change?.files.find((x) => x.path === b.path);
    if (!force && f && f.after !== null) {
      const now = fs.existsSync(host) ? fs.readFileSync(host) : null;
      if (!now || !now.equals(Buffer.from(f.after, 'utf8')))
        throw new BulwarkError(
          'BW_PLAN_STALE',
          `${b.path} was changed after the change was applied; restoring the backup would discard that edit`,
          'look at the file, then pass --force to restore the backup anyway',
        );
    }
  }
  restore(snaps);
  await updateApplied(store, row.id, { status: 'rolled_back', rolled_back_at: new Date().toISOString() });
  await appendAudit(store, {
    action: 'fix.rollback',
    actor,
    subject: row.id,
    details: { plan: row.plan_id, change: row.change_id, files: backups.map((b) => b.path) },
  });
  return { id: row.id, files: backups.map((b) => b.path) };
}
