/**
 * The store's contract, run against both backends: SQLite (a temporary file) and PostgreSQL at
 * 127.0.0.1:5432 (database `test`, one fresh schema per case, all dropped at the end). When PostgreSQL
 * is not reachable its half is skipped LOUDLY: CI (.ci/run) starts it, so there it always runs.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { BulwarkError } from '../core/errors.js';
import { Store, type StoreOptions } from './db.js';
import { redactDbLocation, resolveDbLocation } from './path.js';
import { fixtureScan, MACHINE_A, MACHINE_B, PG_URL, TestStores } from './testing.js';

const stores = await TestStores.create('src/store/contract.test.ts', 'contract');

async function rejectsWith(p: Promise<unknown>, code: string): Promise<BulwarkError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BulwarkError, `expected BulwarkError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.hint.length > 0);
    return e;
  }
  assert.fail(`expected ${code}`);
}

before(() => {
  stores.setUp();
});
after(() => stores.tearDown());

for (const b of stores.backends) {
  describe(
    `store contract: ${b.name}`,
    {
      skip: b.skip,
    },
    () => {
      const open = async (which = b.fresh(), extra: StoreOptions = {}) =>
        Store.open(which.location, { ...which.opts, ...extra });

      test('saves a scan; rescans attach to the same asset; facts snapshot round-trips', async () => {
        const where = b.fresh();
        const store = await open(where);
        try {
          assert.equal(store.backend, b.name);
          const s1 = fixtureScan();
          const a1 = await store.saveScan(s1, '0.1.0');
          const a2 = await store.saveScan(fixtureScan({ root: '/mnt/other-mount' }), '0.1.0');
          assert.equal(a1, a2, 'same machine-id, same asset');
          const a3 = await store.saveScan(fixtureScan({ machineId: MACHINE_B }), '0.1.0');
          assert.notEqual(a3, a1);
          assert.equal(await store.count('scans'), 3);
          assert.equal(await store.count('results'), 9);
          assert.equal(await store.count('assets'), 2);
          assert.deepEqual(await store.loadFacts(s1.id), s1.facts);
          assert.equal(await store.loadFacts('no-such-scan'), undefined);
          const listed = await store.listScans(10);
          assert.equal(listed.length, 3);
          assert.ok(listed.every((r) => typeof r.score === 'number'));
          assert.equal(
            listed.find((r) => r.id === s1.id)?.score,
            s1.summary.score,
            'the score keeps its precision',
          );
          const blob = await store.db
            .selectFrom('scans')
            .select('facts')
            .where('id', '=', s1.id)
            .executeTakeFirstOrThrow();
          assert.ok(Buffer.isBuffer(blob.facts));
          assert.equal(blob.facts.subarray(0, 4).toString('latin1'), 'BWS2', 'snapshot format 2');
          // One row per scan gives a fleet re-evaluation every stored verdict; the results agree.
          const viaColumn = (await store.resultStatusesOf([s1.id])).get(s1.id);
          assert.deepEqual(viaColumn, new Map(s1.results.map((r) => [r.rule, r.status])));
          await store.db.updateTable('scans').set({ verdicts: null }).where('id', '=', s1.id).execute();
          assert.deepEqual(
            (await store.resultStatusesOf([s1.id])).get(s1.id),
            viaColumn,
            'from the results rows',
          );
          const rows = await store.snapshotsOf([s1.id]);
          assert.deepEqual(JSON.parse(rows.get(s1.id)!.verdicts), Object.fromEntries(viaColumn!));
        } finally {
          await store.close();
        }
        const again = await open(where);
        assert.equal(await again.count('scans'), 3, 'reopening applies no migration twice');
        await again.close();
      });

      test('asset identity: machine-id, else hostname + a MAC in common, else the (given) name', async () => {
        const store = await open();
        try {
          const live = { live: true, machineId: null, hostname: 'hmi-3' };
          const h1 = await store.saveScan(fixtureScan({ ...live, macs: ['00:1b:21:aa:bb:cc'] }), 't');
          const h2 = await store.saveScan(
            fixtureScan({ ...live, macs: ['00:1B:21:AA:BB:CC', '00:1b:21:aa:bb:cd'] }),
            't',
          );
          const h3 = await store.saveScan(fixtureScan({ ...live, macs: ['00:1b:21:aa:bb:cd'] }), 't');
          assert.equal(h2, h1, 'a NIC added: still the same host');
          assert.equal(h3, h1, 'the first NIC gone: still the same host (its MACs accumulate)');
          const other = await store.saveScan(fixtureScan({ ...live, macs: ['00:1b:21:00:00:01'] }), 't');
          assert.notEqual(other, h1, 'same hostname, no MAC in common: another host');
          const img1 = await store.saveScan(
            fixtureScan({ machineId: 'uninitialized', root: '/mnt/a' }),
            't',
            {
              assetName: 'rtu-firmware-2.1',
            },
          );
          const img2 = await store.saveScan(fixtureScan({ machineId: null, root: '/mnt/b' }), 't', {
            assetName: 'rtu-firmware-2.1',
          });
          assert.equal(img2, img1, 'a named image is found by its name wherever it is mounted');
          assert.equal((await store.findAsset('rtu-firmware-2.1')).id, img1);
          const m = await store.saveScan(fixtureScan({ machineId: MACHINE_A }), 't');
          const m2 = await store.saveScan(fixtureScan({ machineId: MACHINE_A }), 't', {
            assetName: 'golden-image',
          });
          assert.equal(m2, m, 'a name given later renames the machine-id asset');
          assert.equal((await store.findAsset(m)).name, 'golden-image');
        } finally {
          await store.close();
        }
      });

      test('a save is transactional: a failure in the middle leaves no scan visible', async () => {
        const store = await open();
        try {
          await store.saveScan(fixtureScan(), '0.1.0');
          const broken = fixtureScan({ machineId: MACHINE_B, results: 450 });
          // The 401st result repeats a rule id: the third batch of results fails, after the asset and scan rows.
          broken.results[400] = { ...broken.results[400]!, rule: broken.results[0]!.rule };
          await rejectsWith(store.saveScan(broken, '0.1.0'), 'BW_DB_OPEN');
          assert.equal(await store.count('scans'), 1);
          assert.equal(await store.count('assets'), 1, 'the new asset was rolled back too');
          assert.equal(await store.count('results'), 3);
          assert.equal(await store.loadFacts(broken.id), undefined);
        } finally {
          await store.close();
        }
      });

      test('identity by hardware serial: a renamed host and a reimaged one without machine-id attach; distinct machine-ids never merge', async () => {
        const store = await open();
        try {
          const live = { live: true, machineId: null, macs: [] as string[] };
          const a = await store.saveScan(fixtureScan({ ...live, hostname: 'hmi-1', serial: 'SN-4711' }), 't');
          // Renamed, no MAC in common, no machine-id: the serial says it is the same box.
          const b2 = await store.saveScan(
            fixtureScan({ ...live, hostname: 'hmi-renamed', serial: 'SN-4711' }),
            't',
          );
          assert.equal(b2, a);
          // A placeholder serial identifies nothing: with no UUID either, this is another asset.
          const c = await store.saveScan(
            fixtureScan({ ...live, hostname: 'hmi-2', serial: 'To Be Filled By O.E.M.' }),
            't',
          );
          assert.notEqual(c, a);
          // Only a product UUID: it is used, prefixed.
          const d = await store.saveScan(
            fixtureScan({
              ...live,
              hostname: 'vm-x',
              serial: '',
              uuid: '4C4C4544-0042-3510-8052-B7C04F4E3732',
            }),
            't',
          );
          assert.equal((await store.findAsset(d)).serial, 'uuid:4c4c4544-0042-3510-8052-b7c04f4e3732');
          // An asset with a machine-id gains the serial; a scan with that machine-id and serial stays on it...
          const m = await store.saveScan(
            fixtureScan({ live: true, machineId: MACHINE_A, serial: 'VM-CLONE' }),
            't',
          );
          assert.equal((await store.findAsset(m)).serial, 'VM-CLONE');
          // ...but another machine-id with the same (cloned, virtual) serial is another system.
          const n2 = await store.saveScan(
            fixtureScan({ live: true, machineId: MACHINE_B, serial: 'VM-CLONE' }),
            't',
          );
          assert.notEqual(n2, m);
          const asset = await store.findAsset(a);
          assert.equal(asset.serial, 'SN-4711');
          assert.equal(asset.hostname, 'hmi-renamed');
          assert.equal(await store.count('assets'), 5);
          // IPs given with a save are stored for display (loopback dropped), the latest set kept.
          await store.saveScan(fixtureScan({ ...live, hostname: 'hmi-1', serial: 'SN-4711' }), 't', {
            ips: ['10.0.0.7', '127.0.0.1', 'fe80::1', '10.0.0.7'],
          });
          assert.deepEqual((await store.findAsset(a)).ips, ['10.0.0.7']);
        } finally {
          await store.close();
        }
      });

      test('an imported scan keeps the tool’s own score apart from Bulwark’s', async () => {
        const store = await open();
        try {
          const s = fixtureScan();
          await store.saveScan(s, 't', {
            toolScore: { value: 70.8, system: 'urn:xccdf:scoring:default', maximum: 100 },
          });
          await store.saveScan(fixtureScan(), 't');
          const hist = await store.assetHistory((await store.findScan(s.id)).asset_id);
          const own = { value: 70.8, system: 'urn:xccdf:scoring:default', maximum: 100 };
          assert.equal(hist.length, 2);
          for (const h of hist) assert.deepEqual(h.tool_score, h.id === s.id ? own : null);
          assert.deepEqual((await store.findScan(s.id)).tool_score, {
            value: 70.8,
            system: 'urn:xccdf:scoring:default',
            maximum: 100,
          });
          assert.equal(hist.find((h) => h.id === s.id)?.score, s.summary.score, 'Bulwark’s score is its own');
          const info = await store.info();
          // The newest migration applied; 0005 (serial, IPs, tool scores) is one of those before it.
          assert.match(info.schema_version ?? '', /^\d{4}_/);
          assert.ok((info.schema_version ?? '') >= '0005_identity_and_tool_scores');
        } finally {
          await store.close();
        }
      });

      test('two writers at once both succeed, and create one asset between them', async () => {
        const where = b.fresh();
        const x = await open(where);
        const y = await open(where);
        try {
          const ids = await Promise.all([
            x.saveScan(fixtureScan({ results: 500 }), 't'),
            y.saveScan(fixtureScan({ results: 500 }), 't'),
            x.saveScan(fixtureScan(), 't'),
            y.saveScan(fixtureScan(), 't'),
          ]);
          assert.equal(new Set(ids).size, 1);
          assert.equal(await x.count('scans'), 4);
          assert.equal(await y.count('assets'), 1);
        } finally {
          await x.close();
          await y.close();
        }
      });

      test('a database from a newer Bulwark is refused (BW_DB_TOO_NEW) and not modified', async () => {
        const where = b.fresh();
        const s = await open(where);
        await sql`insert into kysely_migration (name, timestamp) values (${'9999_from_the_future'}, ${new Date().toISOString()})`.execute(
          s.db,
        );
        const before = await sql<{ n: number | string }>`select count(*) as n from kysely_migration`.execute(
          s.db,
        );
        await s.close();
        await rejectsWith(open(where), 'BW_DB_TOO_NEW');
        const check = await open(where).catch(() => undefined);
        assert.equal(check, undefined);
        // Look with a bare connection: the migration rows are as they were.
        if (b.name === 'sqlite') {
          const { default: Database } = await import('better-sqlite3');
          const raw = new Database(where.location);
          assert.deepEqual(
            (raw.prepare('select count(*) as n from kysely_migration').get() as { n: number }).n,
            Number(before.rows[0]!.n),
          );
          raw.close();
        } else {
          const c = new pg.Client({ connectionString: PG_URL });
          await c.connect();
          const r = await c.query<{ n: string }>(
            `select count(*) as n from "${where.opts.schema!}".kysely_migration`,
          );
          await c.end();
          assert.equal(Number(r.rows[0]!.n), Number(before.rows[0]!.n));
        }
      });

      test('asset attributes: set, validate, list by tag / zone / class, show by id or name', async () => {
        const store = await open();
        try {
          const a = await store.saveScan(fixtureScan({ machineId: MACHINE_A, root: '/mnt/a' }), 't', {
            assetName: 'hmi-1',
          });
          const c = await store.saveScan(fixtureScan({ machineId: MACHINE_B, root: '/mnt/c' }), 't', {
            assetName: 'plc-7',
          });
          const fresh = await store.findAsset(a);
          assert.deepEqual([fresh.tags, fresh.modifiability, fresh.owner], [[], 'full', null]);
          const set = await store.updateAsset('hmi-1', {
            owner: 'ot-team@plant.example',
            site: 'Plant 2',
            zone: 'cell-3',
            criticality: 'high',
            device_class: 'hmi',
            modifiability: 'none',
            vendor_notes: 'vendor-qualified image; changes void support',
            add_tags: ['line-a', 'windows-xp'],
          });
          assert.equal(set.zone, 'cell-3');
          assert.deepEqual(set.tags, ['line-a', 'windows-xp']);
          const untag = await store.updateAsset(a, {
            remove_tags: ['windows-xp'],
            add_tags: ['legacy'],
            owner: null,
          });
          assert.deepEqual(untag.tags, ['legacy', 'line-a']);
          assert.equal(untag.owner, null, 'null clears');
          assert.equal(untag.site, 'Plant 2', 'what is not given stays');
          await store.updateAsset(c, { device_class: 'plc-rtu', zone: 'cell-3', add_tags: ['line-a'] });
          assert.deepEqual(
            (await store.listAssets({ tag: 'legacy' })).map((x) => x.name),
            ['hmi-1'],
          );
          assert.deepEqual(
            (await store.listAssets({ zone: 'cell-3' })).map((x) => x.name),
            ['hmi-1', 'plc-7'],
          );
          assert.deepEqual(
            (await store.listAssets({ deviceClass: 'plc-rtu' })).map((x) => x.name),
            ['plc-7'],
          );
          const all = await store.listAssets();
          assert.deepEqual(
            all.map((x) => [x.name, x.scans]),
            [
              ['hmi-1', 1],
              ['plc-7', 1],
            ],
          );
          await rejectsWith(
            store.updateAsset(a, { modifiability: 'sometimes' as 'none' }),
            'BW_ASSET_INVALID',
          );
          await rejectsWith(store.updateAsset(a, { add_tags: ['has space'] }), 'BW_ASSET_INVALID');
          await rejectsWith(store.findAsset('nope'), 'BW_ASSET_NOT_FOUND');
          await store.updateAsset(c, { name: 'hmi-1' });
          await rejectsWith(store.findAsset('hmi-1'), 'BW_ASSET_AMBIGUOUS');
          assert.equal((await store.findAsset(c)).name, 'hmi-1', 'by id it is still found');
        } finally {
          await store.close();
        }
      });

      test('history: latest scan per asset, the scans of one asset with score changes, the fleet view', async () => {
        const store = await open();
        try {
          const at = (day: number, score: number | null, machineId = MACHINE_A) => {
            const s = fixtureScan({ machineId });
            s.startedAt = `2026-03-0${day}T10:00:00.000Z`;
            s.summary = { ...s.summary, score };
            return s;
          };
          // Saved out of order: history is by date, not by insertion.
          const a = await store.saveScan(at(3, 62.5), 't');
          await store.saveScan(at(1, 50), 't');
          await store.saveScan(at(2, 75.3), 't');
          const b2 = at(4, null, MACHINE_B);
          const b = await store.saveScan(b2, 't');
          await store.updateAsset(a, { name: 'alpha' });
          await store.updateAsset(b, { name: 'beta' });

          const latest = await store.latestScans();
          assert.deepEqual(
            latest.map((r) => [r.asset_name, r.started_at.slice(0, 10), r.score, r.scans]),
            [
              ['alpha', '2026-03-03', 62.5, 3],
              ['beta', '2026-03-04', null, 1],
            ],
          );
          assert.equal(latest[1]!.id, b2.id);
          assert.deepEqual(latest[0]!.counts, { ...fixtureScan().summary.counts });
          assert.deepEqual(
            (await store.latestScans([b])).map((r) => r.asset_id),
            [b],
          );
          assert.deepEqual(await store.latestScans([]), []);

          const h = await store.assetHistory(a);
          assert.deepEqual(
            h.map((r) => [r.started_at.slice(0, 10), r.score, r.delta]),
            [
              ['2026-03-03', 62.5, -12.8],
              ['2026-03-02', 75.3, 25.3],
              ['2026-03-01', 50, null],
            ],
          );
          const h2 = await store.assetHistory(a, 2);
          assert.deepEqual(
            h2.map((r) => r.delta),
            [-12.8, 25.3],
            'the change of the oldest shown is still against the scan before it',
          );

          const fleet = await store.fleetHistory();
          assert.deepEqual(
            fleet.map((r) => [r.asset_name, r.scans, r.score, r.previous_score, r.delta]),
            [
              ['alpha', 3, 62.5, 75.3, -12.8],
              ['beta', 1, null, null, null],
            ],
          );

          const statuses = await store.loadResultStatuses(h[0]!.id);
          assert.deepEqual([...statuses].sort(), [
            ['rule-0', 'pass'],
            ['rule-1', 'fail'],
            ['rule-2', 'pass'],
          ]);
        } finally {
          await store.close();
        }
      });

      test('waivers: validation, scope matching (asset, tag, zone, all), expiry, revoke, aliases', async () => {
        const store = await open();
        try {
          const a = await store.saveScan(fixtureScan({ machineId: MACHINE_A }), 't', { assetName: 'hmi-1' });
          const c = await store.saveScan(fixtureScan({ machineId: MACHINE_B }), 't', { assetName: 'plc-7' });
          await store.updateAsset(a, { zone: 'cell-3', add_tags: ['legacy'] });
          const base = {
            owner: 'ot-team',
            justification: 'vendor-qualified image',
            compensating_control: 'isolated VLAN',
            approver: 'plant manager',
          };
          const add = (
            rule_id: string,
            scope_kind: 'asset' | 'tag' | 'zone' | 'all',
            scope_value: string | null,
            expires: string,
          ) => store.addWaiver({ ...base, rule_id, scope_kind, scope_value, expires }, '2026-06-01');
          await rejectsWith(add('rule-1', 'asset', a, '2026-05-31'), 'BW_WAIVER_INVALID');
          await rejectsWith(
            store.addWaiver(
              {
                ...base,
                owner: ' ',
                rule_id: 'rule-1',
                scope_kind: 'all',
                scope_value: null,
                expires: '2026-07-01',
              },
              '2026-06-01',
            ),
            'BW_WAIVER_INVALID',
          );
          await rejectsWith(add('rule-1', 'all', 'x', '2026-07-01'), 'BW_WAIVER_INVALID');
          await rejectsWith(add('rule-1', 'all', null, '2026-02-30'), 'BW_WAIVER_INVALID');
          const wAsset = await add('rule-1', 'asset', a, '2026-06-30');
          const wTag = await add('rule-2', 'tag', 'legacy', '2026-12-31');
          const wZone = await add('old-rule-3', 'zone', 'cell-3', '2026-12-31');
          const wAll = await add('rule-4', 'all', null, '2026-06-01');
          const hmi = await store.findAsset(a);
          const plc = await store.findAsset(c);
          const ids = (ws: { id: string }[]) => ws.map((w) => w.id).sort();
          let f = await store.waiversFor(hmi, '2026-06-01');
          assert.deepEqual(ids(f.active), ids([wAsset, wTag, wZone, wAll]));
          assert.deepEqual(f.expired, []);
          assert.deepEqual(
            ids((await store.waiversFor(plc, '2026-06-01')).active),
            [wAll.id],
            'only "all" covers the other asset',
          );
          f = await store.waiversFor(hmi, '2026-07-01');
          assert.deepEqual(ids(f.active), ids([wTag, wZone]), 'expired the day after the expiry date');
          assert.deepEqual(ids(f.expired), ids([wAsset, wAll]));
          // A waiver written for a rule's old id covers the renamed rule.
          const lookup = await store.activeWaivers(hmi, '2026-06-01', (id) =>
            id === 'old-rule-3' ? 'rule-3' : id,
          );
          assert.equal(lookup('rule-3')?.id, wZone.id);
          assert.equal(lookup('old-rule-3')?.id, wZone.id);
          assert.equal(lookup('rule-0'), undefined);
          assert.deepEqual(
            ids(await store.listWaivers({ date: '2026-07-01', expired: true })),
            ids([wAsset, wAll]),
          );
          const revoked = await store.revokeWaiver(wTag.id, 'auditor');
          assert.equal(revoked.revoked_by, 'auditor');
          await rejectsWith(store.revokeWaiver(wTag.id, 'auditor'), 'BW_WAIVER_INVALID');
          await rejectsWith(store.revokeWaiver('w-nope', 'auditor'), 'BW_WAIVER_NOT_FOUND');
          assert.deepEqual(
            ids((await store.waiversFor(hmi, '2026-06-01')).active),
            ids([wAsset, wZone, wAll]),
          );
          assert.deepEqual(ids(await store.listWaivers({ date: '2026-06-01' })), ids([wAsset, wZone, wAll]));
          assert.equal((await store.listWaivers({ all: true })).length, 4);
        } finally {
          await store.close();
        }
      });

      test('baselines: one active per asset, replaced on approval; the scans and results drift compares', async () => {
        const store = await open();
        try {
          const s1 = fixtureScan();
          const a = await store.saveScan(s1, 't');
          const s2 = fixtureScan();
          await store.saveScan(s2, 't');
          assert.equal(await store.baselineFor(a), undefined);
          await rejectsWith(store.approveBaseline('no-such-scan', 'alice'), 'BW_SCAN_NOT_FOUND');
          const b1 = await store.approveBaseline(s1.id, 'alice', 'commissioning');
          assert.equal(b1.asset_id, a);
          assert.equal((await store.baselineFor(a))?.scan_id, s1.id);
          await store.approveBaseline(s2.id, 'bob');
          const now = await store.baselineFor(a);
          assert.deepEqual([now?.scan_id, now?.approved_by, now?.note], [s2.id, 'bob', null]);
          const n = await sql<{ n: number | string }>`select count(*) as n from baselines`.execute(store.db);
          assert.equal(Number(n.rows[0]!.n), 2, 'the replaced baseline is kept, superseded');
          const scan = await store.findScan(s1.id);
          assert.deepEqual([scan.asset_id, scan.counts], [a, { ...s1.summary.counts }]);
          const results = await store.loadResults(s1.id);
          assert.deepEqual(
            results.map((r) => [r.rule_id, r.status]),
            [
              ['rule-0', 'pass'],
              ['rule-1', 'fail'],
              ['rule-2', 'pass'],
            ],
          );
          assert.equal(results[1]!.evidence[0]!.path, '/etc/shadow');
        } finally {
          await store.close();
        }
      });

      if (b.name === 'postgres')
        test('a lock held by another session: BW_DB_LOCKED after the lock timeout, nothing written', async () => {
          const where = b.fresh();
          (await open(where)).close();
          const holder = new pg.Client({ connectionString: PG_URL });
          await holder.connect();
          try {
            await holder.query('begin');
            await holder.query(`lock table "${where.opts.schema!}".assets in access exclusive mode`);
            const s = await open(where, { busyTimeoutMs: 300 });
            try {
              await rejectsWith(s.saveScan(fixtureScan(), 't'), 'BW_DB_LOCKED');
            } finally {
              await holder.query('rollback');
              await s.close();
            }
            const after = await open(where);
            assert.equal(await after.count('scans'), 0);
            await after.close();
          } finally {
            await holder.end();
          }
        });
    },
  );
}

test('a connection string password never appears in an error', async () => {
  const url = 'postgres://bulwark:s3cr%21tPW@127.0.0.1:1/bulwark';
  const e = await rejectsWith(Store.open(url), 'BW_DB_OPEN');
  assert.ok(!e.message.includes('s3cr') && !e.hint.includes('s3cr'), e.message);
  assert.match(e.message, /postgres:\/\/bulwark:\*\*\*@127\.0\.0\.1:1\/bulwark/);
  assert.equal(e.cause, undefined, 'no driver error (with its connection parameters) is kept');
  assert.equal(
    redactDbLocation('postgresql://u:pw@h/db?password=x&sslmode=require'),
    'postgresql://u:***@h/db?password=***&sslmode=require',
  );
  assert.equal(redactDbLocation('/var/lib/bulwark/bulwark.db'), '/var/lib/bulwark/bulwark.db');
  assert.equal(resolveDbLocation('postgres://h/db'), 'postgres://h/db');
  assert.equal(resolveDbLocation('rel.db'), path.resolve('rel.db'));
});
