/** `bulwark audit list|verify`: the hash-chained log of every state-changing action (src/remediate/store.ts). */
import type { Command } from 'commander';
import { table, withStore } from './common.js';

const DB_HELP = 'database: SQLite file or postgres:// connection string';

export function register(program: Command, setExit: (code: number) => void): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('list')
    .description('entries, oldest first')
    .option('--subject <id>', 'only entries about this subject')
    .option('--limit <n>', 'only the last n entries')
    .option('--format <f>', 'text | json', 'text')
    .option('--db <path|url>', DB_HELP)
    .action(async (o: { subject?: string; limit?: string; format: string; db?: string }) => {
      const { listAudit } = await import('../remediate/store.js');
      const rows = await withStore(o.db, (s) =>
        listAudit(s, {
          ...(o.subject ? { subject: o.subject } : {}),
          ...(o.limit ? { limit: Number(o.limit) } : {}),
        }),
      );
      if (o.format === 'json')
        process.stdout.write(
          JSON.stringify(
            rows.map((r) => ({ ...r, details: JSON.parse(r.details) as unknown })),
            null,
            2,
          ) + '\n',
        );
      else
        process.stdout.write(
          table([
            ['SEQ', 'AT', 'ACTOR', 'ACTION', 'SUBJECT', 'HASH'],
            ...rows.map((r) => [String(r.seq), r.at, r.actor, r.action, r.subject, r.hash.slice(0, 12)]),
          ]),
        );
    });
  audit
    .command('verify')
    .description('check the hash chain: names any edited, deleted or reordered entry; exit 1 when tampered')
    .option('--format <f>', 'text | json', 'text')
    .option('--db <path|url>', DB_HELP)
    .action(async (o: { format: string; db?: string }) => {
      const { verifyAudit } = await import('../remediate/store.js');
      const r = await withStore(o.db, (s) => verifyAudit(s));
      if (o.format === 'json') process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else if (r.problems.length === 0)
        process.stdout.write(`audit log intact: ${r.entries} entries, head ${r.head ?? '(empty)'}\n`);
      else {
        process.stdout.write(`audit log TAMPERED: ${r.problems.length} problem(s) in ${r.entries} entries\n`);
        for (const p of r.problems) process.stdout.write(`  #${p.seq} ${p.kind}: ${p.message}\n`);
      }
      setExit(r.problems.length ? 1 : 0);
    });
}
