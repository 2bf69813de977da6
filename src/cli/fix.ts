/**
 * `bulwark fix plan|show|apply|rollback|history|compensate`: remediation as a plan before it is an action.
 * Thin: planning, guards, apply/verify/rollback and the store live in src/remediate/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { BulwarkError } from '../core/errors.js';
import { requireRuleId } from '../engine/profile.js';
import { today } from '../core/waiver.js';
import type { Store } from '../store/db.js';
import type { Plan } from '../remediate/types.js';
import { loadWithPolicies, table, withStore } from './common.js';

const DB_HELP = 'database: SQLite file or postgres:// connection string';
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function renderPlan(plan: Plan): string {
  const out: string[] = [];
  out.push(
    `Bulwark remediation plan ${plan.id}`,
    `  target   ${plan.target.kind} ${plan.target.root}${plan.asset ? `  (asset ${plan.asset.name}, modifiability ${plan.asset.modifiability})` : ''}`,
    `  changes  ${plan.summary.automatic} automatic, ${plan.summary.manual} manual; ${plan.summary.files} file(s)` +
      `${plan.summary.restarts.length ? `; restarts ${plan.summary.restarts.join(', ')}` : ''}${plan.summary.reboot ? '; needs reboot' : ''}${plan.summary.lockout_risk ? '; LOCKOUT RISK' : ''}`,
    '',
  );
  for (const c of plan.changes) {
    out.push(`${c.id}  ${c.rules.join(', ')} — ${c.title}`);
    out.push(
      `     impact: ${c.impact.label}${c.depends_on.length ? `; after ${c.depends_on.join(', ')}` : ''}`,
    );
    if (c.manual) out.push(`     MANUAL: ${c.manual}`);
    for (const g of c.guards) out.push(`     GUARD ${g.code}: ${g.message}`, `       hint: ${g.hint}`);
    for (const f of c.files)
      out.push(
        ...f.diff
          .trimEnd()
          .split('\n')
          .map((l) => `     ${l}`),
      );
    for (const cmd of c.commands) out.push(`     $ ${cmd.argv.join(' ')}   (${cmd.why}; live host only)`);
    for (const n of c.notes) out.push(`     note: ${n}`);
    out.push('');
  }
  for (const cmd of plan.finally) out.push(`then: $ ${cmd.argv.join(' ')}   (${cmd.why}; live host only)`);
  if (plan.compensations.length) {
    out.push(
      `The asset's modifiability is ${plan.asset?.modifiability ?? '?'}: no edits. Compensating controls to record per finding (bulwark fix compensate):`,
    );
    for (const c of plan.compensations) {
      out.push(`  ${c.rule} (${c.severity}) — ${c.title}`);
      for (const p of c.proposals) out.push(`     - ${p}`);
    }
  }
  return out.join('\n') + '\n';
}

/** A plan from a file (validated) or from the store by id; a plan read from a file is stored when new. */
export async function loadPlan(store: Store, ref: string, actor: string): Promise<Plan> {
  const { PlanSchema } = await import('../remediate/types.js');
  const { findPlan, savePlan } = await import('../remediate/store.js');
  if (fs.existsSync(ref)) {
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(ref, 'utf8'));
    } catch (e) {
      throw new BulwarkError(
        'BW_PLAN_INVALID',
        `${ref} is not JSON: ${e instanceof Error ? e.message : String(e)}`,
        'give the file written by `bulwark fix plan --out`',
      );
    }
    const parsed = PlanSchema.safeParse(data);
    if (!parsed.success)
      throw new BulwarkError(
        'BW_PLAN_INVALID',
        `${ref} is not a Bulwark plan: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
        'give the JSON file written by `bulwark fix plan --out` (not the sh or ansible export)',
      );
    const stored = await findPlan(store, parsed.data.id);
    if (stored && JSON.stringify(stored) !== JSON.stringify(parsed.data))
      throw new BulwarkError(
        'BW_PLAN_INVALID',
        `${ref} differs from the stored plan ${parsed.data.id}: it was edited`,
        'make a new plan with `bulwark fix plan`',
      );
    if (!stored) await savePlan(store, parsed.data, actor);
    return parsed.data;
  }
  const p = await findPlan(store, ref);
  if (!p)
    throw new BulwarkError(
      'BW_PLAN_INVALID',
      `no plan file or stored plan "${ref}"`,
      'give the file from `bulwark fix plan --out` or a plan id',
    );
  return p;
}

interface PlanFlags {
  scan?: string;
  asset?: string;
  rule?: string[];
  root?: string;
  profile?: string;
  out?: string;
  format: string;
  db?: string;
  by?: string;
  policy?: string[];
}

export function register(program: Command, setExit: (code: number) => void): void {
  const fix = program
    .command('fix')
    .description('remediation: plan, apply with backup/verify/rollback, compensating controls');

  fix
    .command('plan')
    .description(
      'plan the fixes of failing rules: diffs, commands, impact, ordering, guards (changes nothing)',
    )
    .option('--scan <id>', 'the failing rules of this stored scan')
    .option(
      '--asset <id|name>',
      "the asset's latest stored scan (with --root: scan that root now for this asset)",
    )
    .option('--rule <id>', 'only this rule (repeatable)', collect)
    .option('--root <dir>', 'a mounted image instead of the live host')
    .option('--profile <id>', 'profile for parameters (default: the scan’s, or default)')
    .option('--out <file>', 'write the plan here')
    .option('--format <f>', 'text | json | sh | ansible', 'text')
    .option('--policy <file>', 'also load rules from a policy file (repeatable)', collect)
    .option('--by <name>', 'who plans (default $BULWARK_USER or the OS user)')
    .option('--db <path|url>', DB_HELP)
    .action(async (o: PlanFlags) => {
      if (!['text', 'json', 'sh', 'ansible'].includes(o.format))
        throw new BulwarkError(
          'BW_USAGE',
          `--format ${o.format} is not one of text, json, sh, ansible`,
          'pick one',
        );
      const { catalogue } = await loadWithPolicies(o.policy ?? []);
      const { preparePlan, actorName } = await import('../remediate/prepare.js');
      const { savePlan, appendAudit } = await import('../remediate/store.js');
      const { toShell, toAnsible } = await import('../remediate/export.js');
      const actor = actorName(o.by);
      const plan = await withStore(o.db, async (store) => {
        const p = await preparePlan({
          store,
          catalogue,
          ...(o.scan ? { scanId: o.scan } : {}),
          ...(o.asset ? { asset: o.asset } : {}),
          ...(o.root ? { root: o.root } : {}),
          ...(o.rule ? { rules: o.rule } : {}),
          ...(o.profile ? { profile: o.profile } : {}),
        });
        await savePlan(store, p, actor);
        await appendAudit(store, {
          action: 'fix.plan',
          actor,
          subject: p.id,
          details: {
            target: p.target,
            summary: p.summary,
            changes: p.changes.map((c) => ({ id: c.id, rules: c.rules })),
          },
        });
        return p;
      });
      const text =
        o.format === 'json'
          ? JSON.stringify(plan, null, 2) + '\n'
          : o.format === 'sh'
            ? toShell(plan)
            : o.format === 'ansible'
              ? toAnsible(plan, catalogue.rules)
              : renderPlan(plan);
      if (o.out) {
        // The JSON plan is what apply reads: --out always gets it unless a script format was asked for.
        const body = o.format === 'text' ? JSON.stringify(plan, null, 2) + '\n' : text;
        const out = path.resolve(o.out);
        if (o.root && out.startsWith(path.resolve(o.root) + path.sep))
          throw new BulwarkError(
            'BW_WRITE_INSIDE_TARGET',
            `the plan ${out} would be written inside the root ${o.root}`,
            'write it outside the image',
          );
        fs.writeFileSync(out, body, { mode: o.format === 'sh' ? 0o700 : 0o600 });
      }
      if (!o.out || o.format === 'text') process.stdout.write(text);
      if (o.out) process.stdout.write(`plan ${plan.id} written to ${o.out}\n`);
      setExit(0);
    });

  fix
    .command('show <plan>')
    .description('show a plan (a file or a stored plan id)')
    .option('--format <f>', 'text | json | sh | ansible', 'text')
    .option('--by <name>', 'who reads (recorded when a plan file is stored)')
    .option('--db <path|url>', DB_HELP)
    .action(async (ref: string, o: { format: string; db?: string; by?: string }) => {
      const { catalogue } = await loadWithPolicies([]);
      const { actorName } = await import('../remediate/prepare.js');
      const { toShell, toAnsible } = await import('../remediate/export.js');
      const plan = await withStore(o.db, (s) => loadPlan(s, ref, actorName(o.by)));
      process.stdout.write(
        o.format === 'json'
          ? JSON.stringify(plan, null, 2) + '\n'
          : o.format === 'sh'
            ? toShell(plan)
            : o.format === 'ansible'
              ? toAnsible(plan, catalogue.rules)
              : renderPlan(plan),
      );
    });

  fix
    .command('apply <plan>')
    .description('apply a plan: back up, write atomically, re-evaluate, roll back on failure')
    .option('--root <dir>', 'the mounted image the plan was made for (checked against the plan)')
    .option('--yes', 'confirm changing the live host')
    .option('--force', 'apply even when a guard trips (lockout risks); still backed up and verified')
    .option('--change <id>', 'only this change (repeatable)', collect)
    .option('--format <f>', 'text | json', 'text')
    .option('--by <name>', 'who applies (default $BULWARK_USER or the OS user)')
    .option('--db <path|url>', DB_HELP)
    .action(
      async (
        ref: string,
        o: {
          root?: string;
          yes?: boolean;
          force?: boolean;
          change?: string[];
          format: string;
          by?: string;
          db?: string;
        },
      ) => {
        const { catalogue } = await loadWithPolicies([]);
        const { actorName } = await import('../remediate/prepare.js');
        const { applyPlan } = await import('../remediate/apply.js');
        const actor = actorName(o.by);
        const report = await withStore(o.db, async (store) => {
          const plan = await loadPlan(store, ref, actor);
          checkTarget(plan, o.root, o.yes);
          return applyPlan(plan, {
            store,
            catalogue,
            actor,
            force: o.force === true,
            ...(o.change ? { only: o.change } : {}),
          });
        });
        if (o.format === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        else {
          const rows = [['CHANGE', 'RULES', 'STATUS', 'APPLIED ID', 'MESSAGE']];
          for (const x of report.outcomes)
            rows.push([x.change, x.rules.join(','), x.status, x.applied_id ?? '-', x.message]);
          process.stdout.write(table(rows));
          for (const f of report.finally)
            process.stdout.write(
              `then ${f.argv.join(' ')}: ${f.skipped ?? (f.ok ? 'ok' : `FAILED ${f.output}`)}\n`,
            );
        }
        const bad =
          report.outcomes.some((x) => x.status === 'failed' || x.status === 'refused') ||
          report.finally.some((f) => !f.ok);
        setExit(bad ? 1 : 0);
      },
    );

  fix
    .command('rollback <applied-id>')
    .description('restore the files of an applied change from its backup (content, mode, owner)')
    .option('--force', 'restore even when a file was changed after the change')
    .option('--by <name>', 'who rolls back')
    .option('--db <path|url>', DB_HELP)
    .action(async (id: string, o: { force?: boolean; by?: string; db?: string }) => {
      const { actorName } = await import('../remediate/prepare.js');
      const { rollbackApplied } = await import('../remediate/apply.js');
      const r = await withStore(o.db, (s) => rollbackApplied(s, id, actorName(o.by), o.force === true));
      process.stdout.write(`rolled back ${r.id}: restored ${r.files.join(', ')}\n`);
    });

  fix
    .command('history')
    .description('applied changes: status, who, when (ids for rollback)')
    .option('--plan <id>', 'only this plan')
    .option('--format <f>', 'text | json', 'text')
    .option('--db <path|url>', DB_HELP)
    .action(async (o: { plan?: string; format: string; db?: string }) => {
      const { listApplied } = await import('../remediate/store.js');
      const rows = await withStore(o.db, (s) => listApplied(s, o.plan));
      if (o.format === 'json') process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else
        process.stdout.write(
          table([
            ['APPLIED ID', 'PLAN', 'CHANGE', 'STATUS', 'BY', 'AT'],
            ...rows.map((r) => [r.id, r.plan_id.slice(0, 8), r.change_id, r.status, r.actor, r.applied_at]),
          ]),
        );
    });

  fix
    .command('compensate')
    .description(
      'record a compensating control for a finding on an asset that gets no edits (legacy, vendor-qualified)',
    )
    .requiredOption('--rule <id>', 'the finding')
    .requiredOption('--asset <id|name>', 'the asset')
    .requiredOption('--control <text>', 'the control: zone isolation, conduit rule, monitoring, procedure…')
    .option('--approver <name>', 'who accepts it (must differ from --by)')
    .option('--expires <YYYY-MM-DD>', 'review date (default one year from today)')
    .option('--by <name>', 'who records it')
    .option('--db <path|url>', DB_HELP)
    .action(
      async (o: {
        rule: string;
        asset: string;
        control: string;
        approver?: string;
        expires?: string;
        by?: string;
        db?: string;
      }) => {
        const { catalogue } = await loadWithPolicies([]);
        const { actorName } = await import('../remediate/prepare.js');
        const { appendAudit } = await import('../remediate/store.js');
        const actor = actorName(o.by);
        const rule = requireRuleId(catalogue, o.rule);
        const approver = o.approver ?? actor;
        if (o.approver && o.approver === actor)
          throw new BulwarkError(
            'BW_FOUR_EYES',
            `${actor} cannot approve their own compensating control`,
            'name another --approver',
          );
        const d = new Date();
        d.setUTCFullYear(d.getUTCFullYear() + 1);
        const w = await withStore(o.db, async (store) => {
          const asset = await store.findAsset(o.asset);
          const waiver = await store.addWaiver({
            rule_id: rule,
            scope_kind: 'asset',
            scope_value: asset.id,
            owner: actor,
            justification: `compensating control: the asset's modifiability is ${asset.modifiability}; the finding is mitigated, not fixed (bulwark fix compensate)`,
            compensating_control: o.control,
            expires: o.expires ?? today(d),
            approver,
          });
          await appendAudit(store, {
            action: 'fix.compensate',
            actor,
            subject: waiver.id,
            details: { rule, asset: asset.id, control: o.control, approver, expires: waiver.expires },
          });
          return waiver;
        });
        process.stdout.write(
          `recorded compensating control ${w.id} for ${rule} on ${o.asset} (until ${w.expires}); results show the finding as waived (mitigated)\n`,
        );
      },
    );
}

function checkTarget(plan: Plan, root: string | undefined, yes: boolean | undefined): void {
  if (plan.target.kind === 'live') {
    if (root)
      throw new BulwarkError(
        'BW_USAGE',
        `the plan was made for the live host, not ${root}`,
        'make a plan for the root with `bulwark fix plan --root`',
      );
    if (!yes)
      throw new BulwarkError(
        'BW_LIVE_NEEDS_YES',
        'the plan changes this live host',
        'review it with `bulwark fix show`, then pass --yes',
      );
    return;
  }
  if (root && fs.realpathSync(root) !== plan.target.root)
    throw new BulwarkError(
      'BW_USAGE',
      `the plan was made for ${plan.target.root}, not ${root}`,
      'make a new plan for that root',
    );
}
