/**
 * `bulwark db info|check|backup`: the database itself. A backup is taken online, while scans keep writing:
 * SQLite through its backup API (a consistent snapshot), PostgreSQL through pg_dump (one consistent
 * transaction), the password passed in the environment (PGPASSWORD), never on the command line nor printed.
 * The copy is written beside the output under a temporary name, mode 0600, verified, then renamed into place;
 * an existing output is refused unless --force.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { BulwarkError } from '../core/errors.js';
import { table, withStore } from './common.js';
import type { Store } from '../store/db.js';

const DB_HELP = 'database: SQLite file or postgres:// connection string';

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr: err && code === -1 ? `${err.message}\n${stderr}` : stderr });
    });
  });
}

interface BackupResult {
  backend: 'sqlite' | 'postgres';
  source: string;
  out: string;
  bytes: number;
  /** SQLite: the copy's integrity_check; PostgreSQL: pg_restore read the archive's table of contents. */
  verified: string;
  /** Rows per table: in the copy (SQLite), in the database when the dump was taken (PostgreSQL). */
  counts: Record<string, number>;
}

async function backupSqlite(store: Store, out: string, tmp: string): Promise<BackupResult> {
  await store.backupSqlite(tmp);
  const { default: Database } = await import('better-sqlite3');
  const copy = new Database(tmp, { readonly: true });
  const counts: Record<string, number> = {};
  let integrity: string;
  try {
    integrity = (copy.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
    for (const t of ['assets', 'scans', 'results', 'waivers', 'baselines'])
      counts[t] = (copy.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n;
  } finally {
    copy.close();
  }
  if (integrity !== 'ok')
    throw new BulwarkError(
      'BW_DB_BACKUP',
      `the backup copy failed its integrity check: ${integrity}`,
      'run `bulwark db check` on the database; the output was not written',
    );
  return {
    backend: 'sqlite',
    source: store.file,
    out,
    bytes: fs.statSync(tmp).size,
    verified: 'integrity_check ok',
    counts,
  };
}

async function backupPostgres(store: Store, out: string, tmp: string): Promise<BackupResult> {
  const { url, password, schema } = store.pgDumpTarget();
  const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: '10' };
  if (password !== undefined) env['PGPASSWORD'] = password;
  // Counted before the dump: the dump is one consistent snapshot taken a moment later.
  const counts = await store.counts();
  const dump = await run(
    'pg_dump',
    [
      '--format=custom',
      '--no-owner',
      '--no-password',
      `--schema=${schema}`,
      `--file=${tmp}`,
      `--dbname=${url}`,
    ],
    env,
  );
  if (dump.code !== 0) {
    const missing = /ENOENT/.test(dump.stderr);
    const said = dump.stderr
      .split(password ?? '\u0000')
      .join('***')
      .trim()
      .slice(0, 2000);
    throw new BulwarkError(
      'BW_DB_BACKUP',
      missing
        ? 'pg_dump is not installed: a PostgreSQL backup is taken with it'
        : `pg_dump failed (exit ${dump.code}): ${said}`,
      missing
        ? 'install the PostgreSQL client tools (Debian: apt-get install postgresql-client), of the server’s major version or newer'
        : 'check the connection and that this role may read the schema; pg_dump must be of the server’s major version or newer',
    );
  }
  const list = await run('pg_restore', ['--list', tmp], env);
  const tables = new Set([...list.stdout.matchAll(/ TABLE DATA \S+ (\w+) /g)].map((m) => m[1]!));
  const missing = ['assets', 'scans', 'results', 'waivers', 'baselines'].filter((t) => !tables.has(t));
  if (list.code !== 0 || missing.length > 0)
    throw new BulwarkError(
      'BW_DB_BACKUP',
      list.code !== 0
        ? `pg_restore could not read the dump: ${list.stderr.trim().slice(0, 500)}`
        : `the dump lacks the data of ${missing.join(', ')}`,
      list.code !== 0
        ? 'install pg_restore (postgresql-client) to verify dumps'
        : 'check the schema; the output was not written',
    );
  return {
    backend: 'postgres',
    source: store.file,
    out,
    bytes: fs.statSync(tmp).size,
    verified: `pg_restore --list: data of ${tables.size} table(s) (schema ${schema})`,
    counts,
  };
}

async function backupCommand(o: {
  out: string;
  force?: boolean;
  db?: string;
  format: string;
}): Promise<void> {
  const out = path.resolve(o.out);
  if (fs.existsSync(out) && !o.force)
    throw new BulwarkError(
      'BW_OUTPUT_EXISTS',
      `${out} already exists`,
      'give another --out, or pass --force to replace it',
    );
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.tmp`);
  const result = await withStore(o.db, async (store) => {
    if (store.backend === 'sqlite' && path.resolve(store.file) === out)
      throw new BulwarkError(
        'BW_USAGE',
        'the backup would overwrite the database itself',
        'give another --out',
      );
    // The copy holds fact snapshots and accounts: owner-only from the first byte.
    fs.mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
    fs.rmSync(tmp, { force: true });
    fs.closeSync(fs.openSync(tmp, 'wx', 0o600));
    try {
      const r =
        store.backend === 'sqlite'
          ? await backupSqlite(store, out, tmp)
          : await backupPostgres(store, out, tmp);
      fs.chmodSync(tmp, 0o600);
      fs.renameSync(tmp, out);
      return r;
    } finally {
      fs.rmSync(tmp, { force: true });
      fs.rmSync(`${tmp}-journal`, { force: true });
    }
  });
  if (o.format === 'json') {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    [
      `backup of ${result.source} written to ${result.out} (${result.bytes} bytes, mode 0600)`,
      `  verified  ${result.verified}`,
      `  rows      ${Object.entries(result.counts)
        .map(([t, n]) => `${n} ${t}`)
        .join(', ')}${result.backend === 'postgres' ? ' (in the database as the dump began)' : ''}`,
      ...(result.backend === 'postgres'
        ? [`  restore   pg_restore --dbname=… --no-owner ${result.out}`]
        : [
            `  restore   stop Bulwark, copy ${result.out} over the database file (and remove its -wal and -shm)`,
          ]),
      '',
    ].join('\n'),
  );
}

export function register(program: Command, setExit: (code: number) => void): void {
  const db = program
    .command('db')
    .description('the database: where it is, whether it is sound, an online backup');
  db.command('info')
    .description('backend, location (password hidden), schema version, rows per table')
    .option('--db <path|url>', DB_HELP)
    .addOption(new Option('--format <format>', 'what to print').choices(['text', 'json']).default('text'))
    .action(async (o: { db?: string; format: string }) => {
      const info = await withStore(o.db, (s) => s.info());
      if (o.format === 'json') process.stdout.write(JSON.stringify(info, null, 2) + '\n');
      else
        process.stdout.write(
          table([
            ['backend', info.backend],
            ['location', info.location],
            ...(info.pg_schema ? [['schema', info.pg_schema]] : []),
            ...(info.server_version ? [['server', `PostgreSQL ${info.server_version}`]] : []),
            ...(info.bytes !== undefined
              ? [['size', `${info.bytes} bytes (${info.journal_mode ?? '?'} journal)`]]
              : []),
            ['version', `${info.schema_version ?? 'none'} (${info.migrations.length} migrations)`],
            ...Object.entries(info.counts).map(([t, n]) => [t, String(n)]),
          ]),
        );
      setExit(0);
    });
  db.command('check')
    .description(
      'integrity (SQLite integrity_check, foreign keys), that every scan has all its results, and that every fact snapshot decodes and matches its content hashes; exit 3 when damaged',
    )
    .option('--db <path|url>', DB_HELP)
    .addOption(new Option('--format <format>', 'what to print').choices(['text', 'json']).default('text'))
    .action(async (o: { db?: string; format: string }) => {
      const r = await withStore(o.db, async (s) => ({ file: s.file, ...(await s.check()) }));
      if (o.format === 'json') process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else
        process.stdout.write(
          `${r.file}: ${r.ok ? 'ok' : `${r.problems.length} problem(s)`} (${r.checked.join(', ')})\n` +
            r.problems.map((p) => `  ${p}\n`).join(''),
        );
      if (!r.ok)
        throw new BulwarkError(
          'BW_DB_CORRUPT',
          `the database ${r.file} is damaged: ${r.problems[0] ?? ''}`,
          'restore it from a backup (`bulwark db backup` takes one); Bulwark did not modify it',
        );
      setExit(0);
    });
  db.command('backup')
    .description(
      'an online, verified copy of the database while scans keep writing (SQLite backup API; PostgreSQL: pg_dump)',
    )
    .requiredOption('--out <file>', 'where to write the copy (mode 0600)')
    .option('--force', 'replace --out when it exists')
    .option('--db <path|url>', DB_HELP)
    .addOption(new Option('--format <format>', 'what to print').choices(['text', 'json']).default('text'))
    .action(async (o: { out: string; force?: boolean; db?: string; format: string }) => {
      await backupCommand(o);
      setExit(0);
    });
}
