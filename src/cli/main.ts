/** The command line. Thin: parses arguments, calls modules, maps errors to exit codes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option, CommanderError } from 'commander';
import { BulwarkError, formatIssue } from '../core/errors.js';
import type { Severity } from '../core/types.js';
import { loadCatalogueFast } from '../content/catalogue.js';
import { failOnOption, failsOn, landsInside, loadWithPolicies, table, withStore } from './common.js';
import { canonicalRuleId, resolveProfile } from '../engine/profile.js';
import { FsTarget } from '../targets/target.js';
import { runScan } from '../scan/run.js';
import { defaultDbPath, isPostgresUrl, redactDbLocation, resolveDbLocation } from '../store/path.js';
import { CRITICALITY, DEVICE_CLASSES, MODIFIABILITY } from '../core/asset.js';
import { buildReport, type ReportWaiver } from '../report/build.js';
import { renderText } from '../report/text.js';
import { allCollectors, factSchemas } from '../collect/registry.js';
import { collectOne, makeContext } from '../collect/runner.js';
import { register as registerCapture } from './capture.js';
import { register as registerContinuity } from './continuity.js';
import { register as registerImport } from './import.js';
import { register as registerScap } from './scap.js';
import { register as registerSustain } from './sustain.js';
import { register as registerFix } from './fix.js';
import { register as registerChange } from './change.js';
import { register as registerAudit } from './audit.js';
import { register as registerZones } from './zones.js';
import { register as registerReport } from './report.js';
import { register as registerEvidence } from './evidence.js';
import { register as registerDb } from './db.js';

/** Exit codes: 0 ok, 1 findings at/above --fail-on, 2 bad usage or input, 3 database problem, 4 internal error. */
export const EXIT = { ok: 0, findings: 1, usage: 2, db: 3, internal: 4 } as const;

/** Bulwark's own version: the nearest package.json named bulwark above this file (src/cli or dist/src/cli). */
function version(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'bulwark' && pkg.version) return pkg.version;
    } catch {
      // not here: go up
    }
    dir = path.dirname(dir);
  }
  return '0.0.0';
}

function exitCodeFor(e: BulwarkError): number {
  if (e.code.startsWith('BW_DB_')) return EXIT.db;
  if (e.code === 'BW_INTERNAL') return EXIT.internal;
  return EXIT.usage;
}

function printError(e: BulwarkError): void {
  process.stderr.write(`bulwark: error ${e.code}: ${e.message}\n`);
  for (const i of e.issues.slice(0, 50)) process.stderr.write(`  ${formatIssue(i)}\n`);
  if (e.issues.length > 50) process.stderr.write(`  … and ${e.issues.length - 50} more\n`);
  process.stderr.write(`  hint: ${e.hint}\n`);
}

function progress(enabled: boolean) {
  const tty = process.stderr.isTTY;
  let last = '';
  return (p: { phase: string; done: number; total: number; current?: string }) => {
    if (!enabled) return;
    const line =
      p.phase === 'collect'
        ? `collecting facts ${p.done}/${p.total}${p.current ? ` (${p.current.slice(0, 40)})` : ''}`
        : `evaluating rules ${p.done}/${p.total}`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}`);
    else if (p.phase !== last || p.done === p.total)
      process.stderr.write(
        (p.done === p.total
          ? line
          : `${p.phase === 'collect' ? 'collecting' : 'evaluating'} ${p.total} ${p.phase === 'collect' ? 'facts' : 'rules'}…`) +
          '\n',
      );
    last = p.phase;
    if (tty && p.phase === 'evaluate' && p.done === p.total) process.stderr.write('\r\x1b[2K');
  };
}

interface ScanFlags {
  root?: string;
  profile: string;
  rule?: string[];
  tailoring?: string;
  policy?: string[];
  db?: string;
  assetName?: string;
  store: boolean;
  report: string | false;
  reportFormat?: string;
  format: 'text' | 'json';
  failOn?: Severity;
  quiet?: boolean;
}

async function scanCommand(flags: ScanFlags, profileExplicit: boolean): Promise<number> {
  const v = version();
  const { catalogue, policyRules } = await loadWithPolicies(flags.policy ?? []);
  const tailoring = flags.tailoring
    ? (await import('../content/load.js')).loadTailoring(flags.tailoring, catalogue)
    : undefined;
  const target = flags.root ? await FsTarget.mounted(flags.root) : FsTarget.live();
  const dbPath = flags.store ? resolveDbLocation(flags.db) : null;
  const reportPath = flags.report === false ? null : path.resolve(flags.report);
  // A scan never writes into what it assesses.
  if (target.kind === 'root') {
    for (const [what, p] of [
      ['database', dbPath && !isPostgresUrl(dbPath) ? dbPath : null],
      ['report', reportPath],
    ] as const)
      if (p && landsInside(p, target.root))
        throw new BulwarkError(
          'BW_WRITE_INSIDE_TARGET',
          `the ${what} ${p} would be written inside the scanned root ${target.root}`,
          `pass a ${what === 'database' ? '--db' : '--report'} path outside the image`,
        );
  }
  const scan = await runScan(target, {
    catalogue,
    profile: flags.profile,
    profileExplicit,
    ...(tailoring ? { tailoring, tailoringFile: flags.tailoring! } : {}),
    ...(flags.rule ? { rules: flags.rule } : {}),
    policyRules,
    policyFiles: flags.policy ?? [],
    onProgress: progress(!flags.quiet),
  });
  let storedIn: string | null = null;
  let assetId: string | null = null;
  let dbError: BulwarkError | undefined;
  let waiverFor: ((rule: string) => ReportWaiver | undefined) | undefined;
  if (dbPath) {
    try {
      const { Store } = await import('../store/db.js');
      const store = await Store.open(dbPath);
      try {
        assetId = await store.saveScan(scan, v, flags.assetName ? { assetName: flags.assetName } : {});
        // The waivers in force for the asset, by today's rule ids (a waiver on an old alias still covers).
        waiverFor = await store.activeWaivers(await store.findAsset(assetId), undefined, (id) =>
          canonicalRuleId(catalogue, id),
        );
        // --- audit log (src/remediate/store.ts): every state-changing command appends one entry.
        await (
          await import('../remediate/store.js')
        ).audit(store, 'scan.save', scan.id, {
          asset: assetId,
          profile: scan.profile,
          target: scan.target.root,
          score: scan.summary.score,
        });
        storedIn = store.file;
      } finally {
        await store.close();
      }
    } catch (e) {
      dbError =
        e instanceof BulwarkError ? e : new BulwarkError('BW_DB_OPEN', String(e), 'check the database path');
    }
  }
  const report = buildReport(scan, v, storedIn, waiverFor);
  const { formatFromFile, writeScanReport } = await import('./report.js');
  const reportFormat = reportPath ? (flags.reportFormat ?? formatFromFile(reportPath) ?? 'json') : 'json';
  if (reportPath && reportFormat !== 'json') {
    // Other formats through the report renderers (`bulwark report` has the same from the store, with waivers).
    const { fromScan } = await import('../report/from-scan.js');
    const { meta, asset } = fromScan(scan, v, assetId, flags.assetName);
    await writeScanReport(reportFormat, meta, asset, reportPath, storedIn);
  } else if (reportPath) {
    fs.mkdirSync(path.dirname(reportPath), { recursive: true });
    const tmp = `${reportPath}.${process.pid}.tmp`;
    // The report names accounts and findings an attacker would like: owner-readable only.
    fs.writeFileSync(tmp, JSON.stringify(report, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, reportPath);
  }
  if (flags.format === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    process.stdout.write(renderText(report, { color: process.stdout.isTTY && !process.env['NO_COLOR'] }));
    if (reportPath)
      process.stdout.write(`${reportFormat === 'json' ? 'JSON' : reportFormat} report: ${reportPath}\n`);
  }
  if (dbError) {
    printError(dbError);
    return EXIT.db;
  }
  if (failsOn(scan.results, flags.failOn, waiverFor)) return EXIT.findings;
  return EXIT.ok;
}

export function formatReferences(refs: Record<string, unknown>): string {
  return Object.entries(refs)
    .map(([k, v]) => {
      if (typeof v === 'string') return `${k} ${v}`;
      if (Array.isArray(v)) return `${k} ${v.map(String).join(', ')}`;
      return `${k} ${Object.entries(v as Record<string, string>)
        .map(([b, n]) => `${b} ${n}`)
        .join(', ')}`;
    })
    .join('; ');
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('bulwark')
    .description('Assess and reduce the attack surface of hosts, images and devices.')
    .version(version());
  program.showHelpAfterError('(run with --help for usage)');

  program
    .command('scan')
    .description('assess this host (default) or an offline mounted root against a profile')
    .option(
      '--root <dir>',
      'assess an offline mounted root (image, VM disk, firmware rootfs, container export)',
    )
    .option('--profile <name>', 'profile to apply', 'default')
    .option('--rule <id...>', 'only these rules (ids or aliases)')
    .option('--tailoring <file>', 'tailoring file: select/unselect rules, set parameters and severities')
    .option('--policy <file...>', "a plant's or vendor's own rules (YAML, same format as built-in rules)")
    .option(
      '--db <path|url>',
      `database: an SQLite file or a postgres:// connection string (default: $BULWARK_DB or ${redactDbLocation(defaultDbPath())})`,
    )
    .option('--asset-name <name>', 'name the scanned asset (an image is otherwise named by its root path)')
    .option('--no-store', 'do not store the scan in the database')
    .option(
      '--report <file>',
      'write the report here; the format follows the extension (.html .pdf .sarif .junit.xml .xccdf.xml .oscal.json .poam.json .csv, else JSON)',
      'bulwark-report.json',
    )
    .addOption(
      new Option('--report-format <format>', 'the --report format, whatever the extension').choices([
        'html',
        'pdf',
        'json',
        'sarif',
        'junit',
        'csv',
        'oscal',
        'oscal-poam',
        'xccdf',
      ]),
    )
    .option('--no-report', 'do not write the JSON report')
    .addOption(
      new Option('--format <format>', 'what to print on stdout').choices(['text', 'json']).default('text'),
    )
    .addOption(failOnOption())
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (flags: ScanFlags, cmd: Command) => {
      setExit(await scanCommand(flags, cmd.getOptionValueSource('profile') === 'cli'));
    });

  const rules = program.command('rules').description('the rule catalogue');
  rules
    .command('list')
    .description('list rules')
    .option('--profile <name>', 'only the rules a profile selects')
    .option('--area <area>', 'only one area')
    .option('--policy <file...>', 'include rules from policy files')
    .addOption(new Option('--format <format>').choices(['text', 'json']).default('text'))
    .action(async (o: { profile?: string; area?: string; policy?: string[]; format: string }) => {
      const { catalogue } = await loadWithPolicies(o.policy ?? []);
      let list = [...catalogue.rules.values()];
      if (o.profile) {
        const ids = new Set(resolveProfile(catalogue, o.profile).map((s) => s.rule.id));
        list = list.filter((r) => ids.has(r.id));
      }
      if (o.area) list = list.filter((r) => r.area === o.area);
      list.sort((a, b) => a.area.localeCompare(b.area) || a.id.localeCompare(b.id));
      if (o.format === 'json')
        process.stdout.write(
          JSON.stringify(
            list.map((r) => ({
              id: r.id,
              area: r.area,
              severity: r.severity,
              title: r.title,
              experimental: r.experimental ?? false,
            })),
            null,
            2,
          ) + '\n',
        );
      else
        process.stdout.write(
          table([
            ['ID', 'AREA', 'SEVERITY', 'TITLE'],
            ...list.map((r) => [r.id + (r.experimental ? ' (exp)' : ''), r.area, r.severity, r.title]),
          ]) + `${list.length} rules\n`,
        );
    });
  rules
    .command('show <id>')
    .description('show one rule: description, rationale, check, fix, references')
    .option('--policy <file...>', 'include rules from policy files')
    .addOption(new Option('--format <format>').choices(['text', 'json', 'yaml']).default('text'))
    .action(async (id: string, o: { policy?: string[]; format: string }) => {
      const { catalogue } = await loadWithPolicies(o.policy ?? []);
      const real = catalogue.rules.has(id) ? id : catalogue.aliases.get(id);
      const r = real ? catalogue.rules.get(real) : undefined;
      if (!r) throw new BulwarkError('BW_RULE_NOT_FOUND', `no rule "${id}"`, 'see `bulwark rules list`');
      if (o.format === 'json') {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const lines = [
        `${r.id}  [${r.area}, ${r.severity}${r.experimental ? ', experimental' : ''}]`,
        r.title,
        '',
        r.description,
        '',
        `Why: ${r.rationale}`,
        '',
        `Platforms: ${r.platforms.join(', ')}`,
        `References: ${formatReferences(r.references) || 'none'}`,
        ...(r.aliases?.length ? [`Aliases: ${r.aliases.join(', ')}`] : []),
        ...(r.parameters
          ? [
              `Parameters: ${Object.entries(r.parameters)
                .map(([k, p]) => `${k}=${JSON.stringify(p.default)} (${p.description})`)
                .join('; ')}`,
            ]
          : []),
        '',
        `Fix (${r.fix.impact}${r.fix.restart?.length ? `, restarts ${r.fix.restart.join(', ')}` : ''}${r.fix.reboot ? ', reboot' : ''}${r.fix.lockout_risk ? ', LOCKOUT RISK' : ''}): ${r.fix.description}`,
        ...(r.fix.shell
          ? [
              '',
              'Shell:',
              ...r.fix.shell
                .trimEnd()
                .split('\n')
                .map((l) => '  ' + l),
            ]
          : []),
        ...(r.fix.ansible
          ? [
              '',
              'Ansible:',
              ...r.fix.ansible
                .trimEnd()
                .split('\n')
                .map((l) => '  ' + l),
            ]
          : []),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });

  rules
    .command('test')
    .description(
      "run rules' fixtures (passing examples must pass, failing ones fail): built-in rules, or a policy file's",
    )
    .option('--policy <file...>', 'test the rules of these policy files')
    .option('--area <area>', 'only one area')
    .option('--rule <id...>', 'only these rules')
    .action(async (o: { policy?: string[]; area?: string; rule?: string[] }) => {
      const { loadBuiltinContent, loadPolicy } = await import('../content/load.js');
      const { runFixture } = await import('../content/fixtures.js');
      const { catalogue: builtin, issues } = loadBuiltinContent();
      if (issues.length)
        throw new BulwarkError(
          'BW_CONTENT_INVALID',
          `the built-in content has ${issues.length} problem(s)`,
          'run `npm run check:content`',
          { issues },
        );
      let cat = builtin;
      let ids: string[] = [...builtin.rules.keys()];
      if (o.policy?.length) {
        ids = [];
        for (const p of o.policy) {
          const r = loadPolicy(p, cat);
          cat = r.catalogue;
          ids.push(...r.ruleIds);
        }
      }
      if (o.rule?.length) ids = ids.filter((id) => o.rule!.includes(id));
      if (o.area) ids = ids.filter((id) => cat.rules.get(id)?.area === o.area);
      const schemas = factSchemas();
      let passed = 0;
      let failed = 0;
      for (const id of ids.sort()) {
        const rule = cat.rules.get(id)!;
        const cases = [
          // An informational rule reports `informational` where another would pass.
          ...rule.fixtures.pass.map((f) => ({ f, want: rule.informational ? 'informational' : 'pass' })),
          ...rule.fixtures.fail.map((f) => ({ f, want: 'fail' })),
          ...(rule.fixtures.not_applicable ?? []).map((f) => ({ f, want: 'not_applicable' })),
        ];
        for (const [i, c] of cases.entries()) {
          const got = await runFixture(rule, c.f, schemas);
          const label = `${id} ${c.want} #${i + 1}${c.f.name ? ` (${c.f.name})` : ''}`;
          if (got.status === c.want) passed++;
          else {
            failed++;
            process.stdout.write(`FAIL ${label}: got ${got.status} — ${got.message}\n`);
          }
        }
      }
      process.stdout.write(`${passed} passed, ${failed} failed\n`);
      setExit(failed > 0 ? EXIT.findings : EXIT.ok);
    });

  const profiles = program.command('profiles').description('profiles: selections of rules with parameters');
  profiles
    .command('list')
    .description('list profiles')
    .action(async () => {
      const cat = await loadCatalogueFast();
      const rows = [...cat.profiles.values()]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((p) => [p.id, String(resolveProfile(cat, p.id).length), p.title]);
      process.stdout.write(table([['PROFILE', 'RULES', 'TITLE'], ...rows]));
    });
  profiles
    .command('show <id>')
    .description('show a profile: description, parameters, rules')
    .action(async (id: string) => {
      const cat = await loadCatalogueFast();
      const sels = resolveProfile(cat, id);
      const p = cat.profiles.get(id)!;
      const params = new Map<string, unknown>();
      for (const s of sels) for (const [k, v] of Object.entries(s.params)) params.set(k, v);
      const lines = [
        `${p.id}: ${p.title}`,
        '',
        p.description,
        '',
        ...(p.extends ? [`Extends: ${p.extends}`] : []),
        `Parameters: ${[...params].map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') || 'none'}`,
        '',
        `Rules (${sels.length}):`,
        ...sels.map((s) => `  ${s.rule.id.padEnd(48)} ${s.severity}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });

  const facts = program.command('facts').description('the facts Bulwark collects (for rule authors)');
  facts
    .command('list', { isDefault: true })
    .description('list fact kinds with their columns')
    .action(() => {
      for (const c of allCollectors()) {
        process.stdout.write(
          `${c.name}${c.params ? `(${Object.keys(c.params).join(', ')})` : ''}${c.liveOnly ? '  [live only]' : ''}\n  ${c.description}\n  columns: ${Object.entries(
            c.fields,
          )
            .map(([k, t]) => `${k}:${t}`)
            .join(', ')}\n\n`,
        );
      }
    });
  facts
    .command('show <name>')
    .description('collect one fact and print its rows as JSON')
    .option('--root <dir>', 'from an offline mounted root')
    .option('--arg <key=value...>', 'fact arguments, e.g. --arg path=/etc/shadow')
    .action(async (name: string, o: { root?: string; arg?: string[] }) => {
      if (!factSchemas()[name])
        throw new BulwarkError('BW_USAGE', `no fact named "${name}"`, 'see `bulwark facts list`');
      const args: Record<string, string> = {};
      for (const a of o.arg ?? []) {
        const i = a.indexOf('=');
        if (i < 1)
          throw new BulwarkError('BW_USAGE', `--arg ${a} is not key=value`, 'e.g. --arg path=/etc/shadow');
        args[a.slice(0, i)] = a.slice(i + 1);
      }
      const target = o.root ? await FsTarget.mounted(o.root) : FsTarget.live();
      const f = await collectOne(makeContext(target), { name, args });
      process.stdout.write(JSON.stringify(f, null, 2) + '\n');
    });

  program
    .command('scans')
    .description('list stored scans')
    .option('--db <path|url>', 'database: SQLite file or postgres:// connection string')
    .option('--limit <n>', 'how many', '20')
    .action(async (o: { db?: string; limit: string }) => {
      const { Store } = await import('../store/db.js');
      const store = await Store.open(resolveDbLocation(o.db));
      try {
        const rows = await store.listScans(Number(o.limit) || 20);
        process.stdout.write(
          table([
            ['SCAN', 'ASSET', 'STARTED', 'MODE', 'PROFILE', 'SCORE'],
            ...rows.map((r) => [
              r.id,
              r.asset,
              r.started_at,
              r.mode,
              r.profile,
              r.score === null ? 'n/a' : String(r.score),
            ]),
          ]),
        );
      } finally {
        await store.close();
      }
    });
  addAssetCommands(program);
  registerContinuity(program, setExit);
  registerImport(program, setExit);
  registerScap(program, setExit);
  registerSustain(program, setExit);
  registerZones(program, setExit, version());
  registerCapture(program, setExit);
  registerFix(program, setExit);
  registerChange(program, setExit);
  registerAudit(program, setExit);
  registerReport(program, setExit, version());
  registerEvidence(program, setExit, version());
  registerDb(program, setExit);
  return program;
}

const collect = (v: string, prev: string[]) => [...prev, v];
/** An attribute given on the command line: '' (or "none") clears it. */
const orNull = (v: string | undefined) => (v === undefined ? undefined : v === '' || v === 'none' ? null : v);

function oneOf(what: string, value: string | undefined, allowed: readonly string[], clearable = true): void {
  if (value === undefined || allowed.includes(value) || (clearable && (value === '' || value === 'none')))
    return;
  throw new BulwarkError(
    'BW_ASSET_INVALID',
    `"${value}" is not a ${what}`,
    `use one of: ${allowed.join(', ')}${clearable ? ' (or "none" to clear it)' : ''}`,
  );
}

function addAssetCommands(program: Command): void {
  const assets = program
    .command('assets')
    .description('the asset inventory: what is hardened, who owns it, how far it may change');
  assets
    .command('list')
    .description('list assets, optionally by tag, zone or device class')
    .option('--tag <tag>', 'only assets with this tag')
    .option('--zone <zone>', 'only assets in this zone')
    .option('--class <class>', `only this device class (${DEVICE_CLASSES.join(', ')})`)
    .option('--db <path|url>', 'database: SQLite file or postgres:// connection string')
    .addOption(new Option('--format <format>').choices(['text', 'json']).default('text'))
    .action(async (o: { tag?: string; zone?: string; class?: string; db?: string; format: string }) => {
      oneOf('device class', o.class, DEVICE_CLASSES);
      const list = await withStore(o.db, (store) =>
        store.listAssets({
          ...(o.tag !== undefined ? { tag: o.tag } : {}),
          ...(o.zone !== undefined ? { zone: o.zone } : {}),
          ...(o.class !== undefined ? { deviceClass: o.class } : {}),
        }),
      );
      if (o.format === 'json') {
        process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        table([
          [
            'ID',
            'NAME',
            'KIND',
            'CLASS',
            'ZONE',
            'CRITICALITY',
            'MODIFIABILITY',
            'TAGS',
            'SCANS',
            'LAST SCAN',
          ],
          ...list.map((a) => [
            a.id,
            a.name,
            a.kind,
            a.device_class ?? '-',
            a.zone ?? '-',
            a.criticality ?? '-',
            a.modifiability,
            a.tags.join(',') || '-',
            String(a.scans),
            a.last_scan ?? '-',
          ]),
        ]) + `${list.length} asset(s)\n`,
      );
    });
  assets
    .command('show <asset>')
    .description('show one asset (by id, or by name when unambiguous)')
    .option('--db <path|url>', 'database: SQLite file or postgres:// connection string')
    .addOption(new Option('--format <format>').choices(['text', 'json']).default('text'))
    .action(async (ref: string, o: { db?: string; format: string }) => {
      const a = await withStore(o.db, (store) => store.findAsset(ref));
      if (o.format === 'json') {
        process.stdout.write(JSON.stringify(a, null, 2) + '\n');
        return;
      }
      const rows: [string, string][] = [
        ['id', a.id],
        ['name', a.name],
        ['kind', a.kind],
        ['machine-id', a.machine_id ?? '-'],
        ['hostname', a.hostname ?? '-'],
        ['MAC addresses', a.macs.join(', ') || '-'],
        ['serial', a.serial ?? '-'],
        ['IP addresses', a.ips.join(', ') || '-'],
        ['device class', a.device_class ?? '-'],
        ['owner', a.owner ?? '-'],
        ['site', a.site ?? '-'],
        ['zone', a.zone ?? '-'],
        ['criticality', a.criticality ?? '-'],
        ['modifiability', a.modifiability],
        ['tags', a.tags.join(', ') || '-'],
        ['vendor notes', a.vendor_notes ?? '-'],
        ['first seen', a.created_at],
        ['last updated', a.updated_at],
      ];
      process.stdout.write(rows.map(([k, v]) => `${k.padEnd(14)} ${v}`).join('\n') + '\n');
    });
  assets
    .command('set <asset>')
    .description('set attributes of an asset (by id, or by name when unambiguous); "" or none clears one')
    .option('--name <name>', 'rename the asset')
    .option('--owner <owner>', 'who is responsible (team, person, e-mail)')
    .option('--site <site>', 'where it is')
    .option('--zone <zone>', 'IEC 62443 zone')
    .option('--criticality <level>', CRITICALITY.join(' | '))
    .option('--class <class>', `device class: ${DEVICE_CLASSES.join(', ')}`)
    .option(
      '--modifiability <m>',
      'full | limited | none (legacy or vendor-qualified: remediation will respect it)',
    )
    .option('--vendor-notes <text>', 'vendor support notes')
    .option('--tag <tag>', 'add a tag (repeatable)', collect, [])
    .option('--untag <tag>', 'remove a tag (repeatable)', collect, [])
    .option('--db <path|url>', 'database: SQLite file or postgres:// connection string')
    .action(
      async (
        ref: string,
        o: {
          name?: string;
          owner?: string;
          site?: string;
          zone?: string;
          criticality?: string;
          class?: string;
          modifiability?: string;
          vendorNotes?: string;
          tag: string[];
          untag: string[];
          db?: string;
        },
      ) => {
        oneOf('device class', o.class, DEVICE_CLASSES);
        oneOf('criticality', o.criticality, CRITICALITY);
        oneOf('modifiability', o.modifiability, MODIFIABILITY, false);
        const patch: Record<string, unknown> = {};
        const put = (k: string, v: unknown) => {
          if (v !== undefined) patch[k] = v;
        };
        put('name', o.name);
        put('owner', orNull(o.owner));
        put('site', orNull(o.site));
        put('zone', orNull(o.zone));
        put('criticality', orNull(o.criticality));
        put('device_class', orNull(o.class));
        put('modifiability', o.modifiability);
        put('vendor_notes', orNull(o.vendorNotes));
        if (o.tag.length) patch['add_tags'] = o.tag;
        if (o.untag.length) patch['remove_tags'] = o.untag;
        if (Object.keys(patch).length === 0)
          throw new BulwarkError(
            'BW_USAGE',
            'nothing to set',
            'pass at least one of --name --owner --site --zone --criticality --class --modifiability --vendor-notes --tag --untag',
          );
        const a = await withStore(o.db, async (store) => {
          const updated = await store.updateAsset(ref, patch);
          // --- audit log
          await (await import('../remediate/store.js')).audit(store, 'asset.set', updated.id, patch);
          return updated;
        });
        process.stdout.write(`updated ${a.id} (${a.name})\n`);
      },
    );
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  // Subcommands copy these settings only when they are created, so apply them to every command:
  // otherwise commander exits 1 itself on a usage error in a subcommand (`scan --frobnicate`).
  const configure = (c: Command): void => {
    c.exitOverride();
    c.configureOutput({ writeErr: (s) => process.stderr.write(s) });
    c.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof BulwarkError) {
      printError(e);
      return exitCodeFor(e);
    }
    process.stderr.write(
      `bulwark: internal error BW_INTERNAL: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n  hint: this is a bug in Bulwark; please report it with the command you ran\n`,
    );
    return EXIT.internal;
  }
}

const isMain =
  process.argv[1] &&
  (process.argv[1].endsWith('bulwark') ||
    process.argv[1].endsWith('bulwark.js') ||
    process.argv[1].endsWith('main.js') ||
    process.argv[1].endsWith('main.ts'));
if (isMain) process.exitCode = await main(process.argv);
