/**
 * `bulwark import openscap|lynis <file>`: results another tool produced become a stored scan in the same asset
 * history. Thin: parsing is src/import/, the asset lookup and the scan's shape are src/import/save.ts, the
 * write is the store's one transaction.
 */
import type { Command } from 'commander';
import { BulwarkError } from '../core/errors.js';
import { findImportAsset, importOutcome } from '../import/save.js';
import { MAX_IMPORT_BYTES, type ImportedScan } from '../import/types.js';
import { readBoundedFile, withStore } from './common.js';

const DB_HELP = 'database: SQLite file or postgres:// connection string';

function readReport(file: string): string {
  return readBoundedFile(
    file,
    MAX_IMPORT_BYTES,
    (size) =>
      new BulwarkError(
        'BW_IMPORT_INVALID',
        `${file} is ${size} bytes, more than the ${MAX_IMPORT_BYTES} an import reads`,
        'import the XCCDF results file rather than a full ARF, or split the report',
      ),
  );
}

async function importCommand(
  imp: ImportedScan,
  file: string,
  o: { assetName?: string; db?: string },
  version: string,
): Promise<void> {
  const { asset, assetId, outcome, attached } = await withStore(o.db, async (store) => {
    const found = await findImportAsset(store, imp, o.assetName);
    const { outcome, assetName } = importOutcome(imp, file, found);
    const name = assetName ?? o.assetName;
    if (!found && !name && !imp.identity.hostname && !imp.identity.fqdn)
      throw new BulwarkError(
        'BW_IMPORT_INVALID',
        `${file} names no host`,
        'name the asset it belongs to with --asset-name <name>',
      );
    const assetId = await store.saveScan(outcome, version, {
      ...(name ? { assetName: name } : {}),
      ...(imp.toolScore !== null
        ? {
            toolScore: {
              value: imp.toolScore,
              system: imp.toolScoreSystem ?? imp.tool,
              maximum: imp.toolScoreMax ?? 100,
            },
          }
        : {}),
      ...(imp.identity.ips.length > 0 ? { ips: imp.identity.ips } : {}),
    });
    // --- audit log (src/remediate/store.ts)
    await (
      await import('../remediate/store.js')
    ).audit(store, 'scan.import', outcome.id, { asset: assetId, tool: imp.tool, file });
    return { asset: await store.findAsset(assetId), assetId, outcome, attached: found !== undefined };
  });
  const c = outcome.summary.counts;
  const lines = [
    `imported ${outcome.results.length} result(s) from ${file} as scan ${outcome.id}`,
    `  asset     ${asset.name} (${assetId})${attached ? ', an existing asset' : ', a new asset'}`,
    `  host      ${imp.identity.hostname ?? '-'}${imp.identity.fqdn && imp.identity.fqdn !== imp.identity.hostname ? ` (${imp.identity.fqdn})` : ''}`,
    `  profile   ${outcome.profile}`,
    `  time      ${outcome.startedAt} → ${outcome.finishedAt}`,
    `  results   ${Object.entries(c)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(
        ', ',
      )}${imp.skipped ? `; ${imp.skipped} not imported (${imp.tool === 'openscap' ? 'notselected' : 'skipped by Lynis'})` : ''}`,
    `  score     ${outcome.summary.score ?? 'n/a'} (Bulwark's formula); ${imp.tool === 'openscap' ? 'OpenSCAP score' : 'Lynis hardening index'} ${imp.toolScore === null ? 'n/a' : `${imp.toolScore} of ${imp.toolScoreMax ?? 100}`} (the tool's own, stored with the scan)`,
    ...imp.notes.map((n) => `  note      ${n}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** Imports exit 0 whatever the imported verdicts: `setExit` is part of the command modules' shape. */
export function register(program: Command, setExit: (code: number) => void): void {
  const version = program.version() ?? '0.0.0';
  const imp = program
    .command('import')
    .description("store results other tools produced in the asset's history (OpenSCAP, Lynis)");
  imp
    .command('openscap <file>')
    .description('import OpenSCAP XCCDF 1.2 results (oscap xccdf eval --results) or an ARF (--results-arf)')
    .option('--asset-name <name>', 'the asset it belongs to (by name or id; created when new)')
    .option('--db <path|url>', DB_HELP)
    .action(async (file: string, o: { assetName?: string; db?: string }) => {
      // The XML parser is loaded only for an OpenSCAP import, not on every command.
      const { parseOpenScap } = await import('../import/openscap.js');
      await importCommand(parseOpenScap(readReport(file), file), file, o, version);
      setExit(0);
    });
  imp
    .command('lynis <file>')
    .description('import a Lynis report.dat (lynis audit system → /var/log/lynis-report.dat)')
    .option('--asset-name <name>', 'the asset it belongs to (by name or id; created when new)')
    .option('--db <path|url>', DB_HELP)
    .action(async (file: string, o: { assetName?: string; db?: string }) => {
      const { parseLynis } = await import('../import/lynis.js');
      await importCommand(parseLynis(readReport(file), file), file, o, version);
      setExit(0);
    });
}
