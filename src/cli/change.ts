/**
 * `bulwark change request|approve|reject|apply|verify|close|list|show`: change control around a plan. Four
 * eyes (the approver is not the requester), a maintenance window, an impact assessment generated from the
 * plan, and the affected rules' results before and after as evidence. Every step is in the audit log.
 */
import type { Command } from 'commander';
import { BulwarkError } from '../core/errors.js';
import type { ChangeRequestTable } from '../remediate/store.js';
import type { Plan } from '../remediate/types.js';
import { loadWithPolicies, table, withStore } from './common.js';
import { loadPlan } from './fix.js';

const DB_HELP = 'database: SQLite file or postgres:// connection string';

function isoTime(flag: string, v: string | undefined): string | null {
  if (v === undefined) return null;
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new BulwarkError(
      'BW_USAGE',
      `${flag} ${v} is not a date and time`,
      'use ISO 8601, e.g. 2026-11-22T02:00:00Z',
    );
  return new Date(t).toISOString();
}

export function impactAssessment(plan: Plan): Record<string, unknown> {
  return {
    summary: plan.summary,
    lockout_risks: plan.changes
      .filter((c) => c.impact.lockout_risk && !c.manual)
      .map((c) => ({ change: c.id, rules: c.rules, label: c.impact.label })),
    restarts: plan.summary.restarts,
    reboot: plan.summary.reboot,
    guards: plan.changes.flatMap((c) =>
      c.guards.map((g) => ({ change: c.id, code: g.code, message: g.message })),
    ),
    manual: plan.changes
      .filter((c) => c.manual)
      .map((c) => ({ change: c.id, rules: c.rules, what: c.manual })),
    changes: plan.changes.map((c) => ({
      id: c.id,
      rules: c.rules,
      class: c.impact.class,
      label: c.impact.label,
      files: c.files.map((f) => f.path),
    })),
  };
}

async function evidence(plan: Plan): Promise<{ rule: string; status: string; message: string }[]> {
  const { catalogue } = await loadWithPolicies([]);
  const { evaluateRules } = await import('../remediate/apply.js');
  const out: { rule: string; status: string; message: string }[] = [];
  for (const c of plan.changes) if (!c.manual) out.push(...(await evaluateRules(plan, catalogue, c)));
  return out;
}

function present(r: ChangeRequestTable): Record<string, unknown> {
  const j = (s: string | null): unknown => (s === null ? null : JSON.parse(s));
  return {
    ...r,
    findings: j(r.findings),
    impact: j(r.impact),
    evidence_before: j(r.evidence_before),
    evidence_after: j(r.evidence_after),
  };
}

function expectStatus(r: ChangeRequestTable, allowed: string[], doing: string): void {
  if (!allowed.includes(r.status))
    throw new BulwarkError(
      'BW_CHANGE_STATE',
      `change ${r.id} is ${r.status}; it cannot be ${doing}`,
      `a change is ${doing} only when ${allowed.join(' or ')}`,
    );
}

export function register(program: Command, setExit: (code: number) => void): void {
  const change = program
    .command('change')
    .description('change control: request, approve (four eyes), apply in a window, verify, close');

  change
    .command('request')
    .description(
      'request a change that applies a plan; records findings, impact assessment and before-evidence',
    )
    .requiredOption('--plan <file|id>', 'the plan (from `bulwark fix plan --out`)')
    .option('--title <text>', 'what and why')
    .option('--window-start <time>', 'maintenance window start (ISO 8601)')
    .option('--window-end <time>', 'maintenance window end (ISO 8601)')
    .option('--by <name>', 'requester (default $BULWARK_USER or the OS user)')
    .option('--db <path|url>', DB_HELP)
    .action(
      async (o: {
        plan: string;
        title?: string;
        windowStart?: string;
        windowEnd?: string;
        by?: string;
        db?: string;
      }) => {
        const { actorName } = await import('../remediate/prepare.js');
        const { insertRequest, appendAudit, newId } = await import('../remediate/store.js');
        const actor = actorName(o.by);
        const ws = isoTime('--window-start', o.windowStart);
        const we = isoTime('--window-end', o.windowEnd);
        if ((ws === null) !== (we === null))
          throw new BulwarkError(
            'BW_USAGE',
            'a maintenance window needs both --window-start and --window-end',
            'give both, or neither',
          );
        if (ws && we && we <= ws)
          throw new BulwarkError('BW_USAGE', `the window ends (${we}) before it starts (${ws})`, 'swap them');
        const r = await withStore(o.db, async (store) => {
          const plan = await loadPlan(store, o.plan, actor);
          const now = new Date().toISOString();
          const row: ChangeRequestTable = {
            id: newId(),
            title:
              o.title ??
              `apply plan ${plan.id.slice(0, 8)} (${plan.summary.automatic} change(s)) on ${plan.asset?.name ?? plan.target.root}`,
            status: 'requested',
            requester: actor,
            approver: null,
            decided_at: null,
            decision_note: null,
            plan_id: plan.id,
            asset_id: plan.asset?.id ?? null,
            findings: JSON.stringify([...new Set(plan.changes.flatMap((c) => c.rules))]),
            window_start: ws,
            window_end: we,
            impact: JSON.stringify(impactAssessment(plan)),
            evidence_before: JSON.stringify(await evidence(plan)),
            evidence_after: null,
            created_at: now,
            updated_at: now,
          };
          await insertRequest(store, row);
          await appendAudit(store, {
            action: 'change.request',
            actor,
            subject: row.id,
            details: { plan: plan.id, window: [ws, we] },
          });
          return row;
        });
        process.stdout.write(`change ${r.id} requested by ${r.requester}: ${r.title}\n`);
      },
    );

  const decide = (verb: 'approve' | 'reject') =>
    change
      .command(`${verb} <id>`)
      .description(
        verb === 'approve'
          ? 'approve a requested change (not by its requester)'
          : 'reject a requested change',
      )
      .option('--by <name>', 'who decides (default $BULWARK_USER or the OS user)')
      .option('--note <text>', 'why')
      .option('--db <path|url>', DB_HELP)
      .action(async (id: string, o: { by?: string; note?: string; db?: string }) => {
        const { actorName } = await import('../remediate/prepare.js');
        const { findRequest, updateRequest, appendAudit } = await import('../remediate/store.js');
        const actor = actorName(o.by);
        const r = await withStore(o.db, async (store) => {
          const cur = await findRequest(store, id);
          expectStatus(cur, ['requested'], verb === 'approve' ? 'approved' : 'rejected');
          if (cur.requester === actor)
            throw new BulwarkError(
              'BW_FOUR_EYES',
              `${actor} requested change ${cur.id} and cannot ${verb} it`,
              'four eyes: another person decides (--by NAME, $BULWARK_USER, or their own OS account)',
            );
          const next = await updateRequest(store, cur.id, {
            status: verb === 'approve' ? 'approved' : 'rejected',
            approver: actor,
            decided_at: new Date().toISOString(),
            decision_note: o.note ?? null,
          });
          await appendAudit(store, {
            action: `change.${verb}`,
            actor,
            subject: cur.id,
            details: { note: o.note ?? null },
          });
          return next;
        });
        process.stdout.write(`change ${r.id} ${r.status} by ${actor}\n`);
      });
  decide('approve');
  decide('reject');

  change
    .command('apply <id>')
    .description(
      'apply an approved change inside its maintenance window (backup, verify, roll back on failure)',
    )
    .option('--force', 'outside the window, or despite a guard')
    .option('--yes', 'confirm changing the live host')
    .option('--by <name>', 'who applies')
    .option('--db <path|url>', DB_HELP)
    .action(async (id: string, o: { force?: boolean; yes?: boolean; by?: string; db?: string }) => {
      const { catalogue } = await loadWithPolicies([]);
      const { actorName } = await import('../remediate/prepare.js');
      const { findRequest, updateRequest, appendAudit, findPlan } = await import('../remediate/store.js');
      const { applyPlan } = await import('../remediate/apply.js');
      const actor = actorName(o.by);
      const { r, bad, report } = await withStore(o.db, async (store) => {
        const cur = await findRequest(store, id);
        expectStatus(cur, ['approved'], 'applied');
        const now = new Date().toISOString();
        if (
          cur.window_start &&
          cur.window_end &&
          (now < cur.window_start || now > cur.window_end) &&
          !o.force
        )
          throw new BulwarkError(
            'BW_OUTSIDE_WINDOW',
            `now (${now}) is outside the change's maintenance window ${cur.window_start} – ${cur.window_end}`,
            'apply it during the window, or pass --force (recorded in the audit log)',
          );
        const plan = await findPlan(store, cur.plan_id);
        if (!plan)
          throw new BulwarkError(
            'BW_PLAN_INVALID',
            `the plan ${cur.plan_id} of change ${cur.id} is not in the store`,
            'request the change again with a new plan',
          );
        if (plan.target.kind === 'live' && !o.yes)
          throw new BulwarkError('BW_LIVE_NEEDS_YES', 'the change modifies this live host', 'pass --yes');
        const report = await applyPlan(plan, {
          store,
          catalogue,
          actor,
          force: o.force === true,
          requestId: cur.id,
        });
        const bad = report.outcomes.some((x) => x.status === 'failed' || x.status === 'refused');
        const after = report.outcomes.flatMap((x) => (x.after.length ? x.after : x.before));
        const next = await updateRequest(store, cur.id, {
          status: bad ? 'failed' : 'applied',
          evidence_after: JSON.stringify(after),
        });
        await appendAudit(store, {
          action: 'change.apply',
          actor,
          subject: cur.id,
          details: {
            forced: o.force === true,
            outcomes: report.outcomes.map((x) => ({
              change: x.change,
              status: x.status,
              applied: x.applied_id,
            })),
          },
        });
        return { r: next, bad, report };
      });
      process.stdout.write(
        table([
          ['CHANGE', 'STATUS', 'APPLIED ID', 'MESSAGE'],
          ...report.outcomes.map((x) => [x.change, x.status, x.applied_id ?? '-', x.message]),
        ]) + `change ${r.id} ${r.status}\n`,
      );
      setExit(bad ? 1 : 0);
    });

  change
    .command('verify <id>')
    .description('re-evaluate the affected rules now and record them as after-evidence')
    .option('--by <name>', 'who verifies')
    .option('--db <path|url>', DB_HELP)
    .action(async (id: string, o: { by?: string; db?: string }) => {
      const { actorName } = await import('../remediate/prepare.js');
      const { findRequest, updateRequest, appendAudit, findPlan } = await import('../remediate/store.js');
      const actor = actorName(o.by);
      const { r, failing } = await withStore(o.db, async (store) => {
        const cur = await findRequest(store, id);
        expectStatus(cur, ['applied', 'verified'], 'verified');
        const plan = await findPlan(store, cur.plan_id);
        if (!plan)
          throw new BulwarkError(
            'BW_PLAN_INVALID',
            `the plan ${cur.plan_id} is not in the store`,
            'nothing to verify against',
          );
        const after = await evidence(plan);
        const failing = after.filter((x) => x.status !== 'pass');
        const next = await updateRequest(store, cur.id, {
          status: failing.length ? cur.status : 'verified',
          evidence_after: JSON.stringify(after),
        });
        await appendAudit(store, {
          action: 'change.verify',
          actor,
          subject: cur.id,
          details: { passing: after.length - failing.length, failing: failing.map((x) => x.rule) },
        });
        return { r: next, failing };
      });
      process.stdout.write(
        failing.length
          ? `change ${r.id}: ${failing.length} rule(s) not passing: ${failing.map((x) => `${x.rule} ${x.status}`).join(', ')}\n`
          : `change ${r.id} verified: every affected rule passes\n`,
      );
      setExit(failing.length ? 1 : 0);
    });

  change
    .command('close <id>')
    .description('close a verified, rejected or failed change')
    .option('--by <name>', 'who closes')
    .option('--note <text>', 'closing note')
    .option('--db <path|url>', DB_HELP)
    .action(async (id: string, o: { by?: string; note?: string; db?: string }) => {
      const { actorName } = await import('../remediate/prepare.js');
      const { findRequest, updateRequest, appendAudit } = await import('../remediate/store.js');
      const actor = actorName(o.by);
      const r = await withStore(o.db, async (store) => {
        const cur = await findRequest(store, id);
        expectStatus(cur, ['verified', 'rejected', 'failed'], 'closed');
        const next = await updateRequest(store, cur.id, { status: 'closed' });
        await appendAudit(store, {
          action: 'change.close',
          actor,
          subject: cur.id,
          details: { from: cur.status, note: o.note ?? null },
        });
        return next;
      });
      process.stdout.write(`change ${r.id} closed\n`);
    });

  change
    .command('list')
    .description('change requests')
    .option('--status <s>', 'only this status')
    .option('--format <f>', 'text | json', 'text')
    .option('--db <path|url>', DB_HELP)
    .action(async (o: { status?: string; format: string; db?: string }) => {
      const { listRequests } = await import('../remediate/store.js');
      const rows = await withStore(o.db, (s) => listRequests(s, o.status));
      if (o.format === 'json') process.stdout.write(JSON.stringify(rows.map(present), null, 2) + '\n');
      else
        process.stdout.write(
          table([
            ['ID', 'STATUS', 'REQUESTER', 'APPROVER', 'WINDOW', 'TITLE'],
            ...rows.map((r) => [
              r.id,
              r.status,
              r.requester,
              r.approver ?? '-',
              r.window_start ? `${r.window_start}–${r.window_end}` : '-',
              r.title,
            ]),
          ]),
        );
    });

  change
    .command('show <id>')
    .description('one change request with its impact assessment and evidence')
    .option('--format <f>', 'text | json', 'json')
    .option('--db <path|url>', DB_HELP)
    .action(async (id: string, o: { format: string; db?: string }) => {
      const { findRequest } = await import('../remediate/store.js');
      const r = await withStore(o.db, (s) => findRequest(s, id));
      process.stdout.write(JSON.stringify(present(r), null, 2) + '\n');
    });
}
