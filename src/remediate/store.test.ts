/**
 * Remediation's tables and the audit log on both backends: SQLite (a temporary file) and PostgreSQL at
 * 127.0.0.1:5432 (database `test`, one schema per case, dropped at the end; skipped LOUDLY when unreachable).
 * The hash chain detects an edited, a deleted and a reordered entry and names which.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Store } from '../store/db.js';
import { TestStores } from '../store/testing.js';
import {
  appendAudit,
  canonicalJson,
  findPlan,
  findRequest,
  insertRequest,
  listAudit,
  listRequests,
  rdb,
  recordApplied,
  findApplied,
  savePlan,
  updateRequest,
  verifyAudit,
  verifyChain,
} from './store.js';
import type { Plan } from './types.js';

const stores = await TestStores.create('src/remediate/store.test.ts', 'remediate');
before(() => {
  stores.setUp();
});
after(() => stores.tearDown());

const plan = (id: string): Plan => ({
  format: 'bulwark-plan/1',
  id,
  created_at: '2026-01-01T00:00:00.000Z',
  target: { kind: 'root', root: '/mnt/x' },
  asset: null,
  scan_id: null,
  profile: 'default',
  changes: [],
  finally: [],
  compensations: [],
  summary: {
    changes: 0,
    automatic: 0,
    manual: 0,
    files: 0,
    restarts: [],
    reboot: false,
    lockout_risk: false,
  },
});

test('canonical JSON: key order does not matter, values do', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: null }] }), '{"a":[{"c":null,"d":2}],"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
});

for (const b of stores.backends) {
  describe(`remediation store: ${b.name}`, { skip: b.skip }, () => {
    const open = async () => {
      const w = b.fresh();
      return Store.open(w.location, w.opts);
    };

    test('audit log: appended entries chain; verify names an edited, a deleted and a reordered entry', async () => {
      const store = await open();
      try {
        for (let i = 1; i <= 6; i++)
          await appendAudit(store, {
            action: 'test.step',
            actor: i % 2 ? 'alice' : 'bob',
            subject: `s${i}`,
            details: { i, note: 'ünïcode' },
          });
        const rows = await listAudit(store);
        assert.deepEqual(
          rows.map((r) => r.seq),
          [1, 2, 3, 4, 5, 6],
        );
        assert.equal(rows[0]!.prev_hash, '0'.repeat(64));
        for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.prev_hash, rows[i - 1]!.hash);
        assert.deepEqual((await verifyAudit(store)).problems, []);
        const db = rdb(store);
        // Edited: one field of entry 3.
        await db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 3).execute();
        let v = await verifyAudit(store);
        assert.deepEqual(
          v.problems.map((p) => [p.seq, p.kind]),
          [[3, 'edited']],
        );
        await db.updateTable('audit_log').set({ actor: 'alice' }).where('seq', '=', 3).execute();
        assert.deepEqual((await verifyAudit(store)).problems, []);
        // Deleted: entry 4.
        const four = rows[3]!;
        await db.deleteFrom('audit_log').where('seq', '=', 4).execute();
        v = await verifyAudit(store);
        assert.deepEqual(
          v.problems.map((p) => [p.seq, p.kind]),
          [[5, 'deleted']],
        );
        assert.match(v.problems[0]!.message, /#4 are missing before #5/);
        await db.insertInto('audit_log').values(four).execute();
        // Reordered: entries 2 and 5 swap places.
        const two = rows[1]!;
        const five = rows[4]!;
        await db.deleteFrom('audit_log').where('seq', 'in', [2, 5]).execute();
        await db
          .insertInto('audit_log')
          .values([
            { ...two, seq: 5 },
            { ...five, seq: 2 },
          ])
          .execute();
        v = await verifyAudit(store);
        assert.deepEqual(
          v.problems.filter((p) => p.kind === 'reordered').map((p) => [p.seq, p.message]),
          [
            [2, 'entry stored as #2 was written as #5 (entries reordered)'],
            [5, 'entry stored as #5 was written as #2 (entries reordered)'],
          ],
        );
      } finally {
        await store.close();
      }
    });

    test('concurrent appends keep one unbroken chain', async () => {
      const store = await open();
      try {
        await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            appendAudit(store, { action: 'race', actor: 'x', subject: String(i) }),
          ),
        );
        const v = await verifyAudit(store);
        assert.equal(v.entries, 8);
        assert.deepEqual(v.problems, []);
      } finally {
        await store.close();
      }
    });

    test('plans, applied changes with backups (bytes round-trip), change requests', async () => {
      const store = await open();
      try {
        await savePlan(store, plan('p1'), 'alice');
        assert.deepEqual(await findPlan(store, 'p1'), plan('p1'));
        assert.equal(await findPlan(store, 'nope'), undefined);
        const bytes = Buffer.from([0, 1, 2, 255, 10]);
        await recordApplied(
          store,
          {
            id: 'ap-1',
            plan_id: 'p1',
            change_id: 'c01',
            request_id: null,
            target_root: '/mnt/x',
            status: 'verified',
            actor: 'alice',
            applied_at: 'now',
            rolled_back_at: null,
            message: '',
            evidence: '{}',
          },
          [
            {
              applied_id: 'ap-1',
              path: '/etc/x',
              existed: 1,
              content: bytes,
              sha256: 'h',
              mode: 0o640,
              uid: 0,
              gid: 42,
            },
          ],
        );
        const a = await findApplied(store, 'ap-1');
        assert.ok(Buffer.from(a.backups[0]!.content!).equals(bytes));
        assert.equal(a.backups[0]!.mode, 0o640);
        await assert.rejects(findApplied(store, 'zz'), /no applied change/);
        const now = new Date().toISOString();
        await insertRequest(store, {
          id: 'cr-000001',
          title: 't',
          status: 'requested',
          requester: 'alice',
          approver: null,
          decided_at: null,
          decision_note: null,
          plan_id: 'p1',
          asset_id: null,
          findings: '["r1"]',
          window_start: null,
          window_end: null,
          impact: '{}',
          evidence_before: '[]',
          evidence_after: null,
          created_at: now,
          updated_at: now,
        });
        const r = await updateRequest(store, 'cr-000001', { status: 'approved', approver: 'bob' });
        assert.equal(r.approver, 'bob');
        assert.equal((await findRequest(store, 'cr-000')).id, 'cr-000001');
        assert.equal((await listRequests(store, 'approved')).length, 1);
        // The tables are in the store's schema (PostgreSQL: the case's own schema).
        const count = await sql<{ n: number | string }>`select count(*) as n from audit_log`.execute(
          store.db,
        );
        assert.equal(Number(count.rows[0]!.n), 0, 'PostgreSQL counts are bigint text');
      } finally {
        await store.close();
      }
    });
  });
}

test('verifyChain on an empty log and a single entry', () => {
  assert.deepEqual(verifyChain([]), []);
});
