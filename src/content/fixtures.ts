/** Runs a rule's fixtures: builds a small root from the fixture, collects, evaluates, compares. */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Fact, FactSchemas, FieldValue, ResultStatus, Row } from '../core/types.js';
import { factKey } from '../core/types.js';
import { evaluateRule, requiredFacts } from '../engine/evaluate.js';
import { selectionFor } from '../engine/profile.js';
import type { Fixture, Rule } from '../engine/rule.js';
import { collectFacts, makeContext } from '../collect/runner.js';
import { FsTarget } from '../targets/target.js';
import { encodePackageHeader } from '../collect/parsers/rpm-header.js';

export const DEFAULT_RHEL_OS_RELEASE = 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n';

/** Builds an rpm ≥ 4.16 database (table Packages(hnum, blob) of rpm headers) as rpm itself lays it out. */
async function writeRpmDb(file: string, pkgs: NonNullable<Fixture['rpm_packages']>): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  await fs.mkdir(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
    const ins = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
    for (const p of pkgs) {
      const { name, version } = typeof p === 'string' ? { name: p, version: '1.0-1.el9' } : p;
      const arch = typeof p === 'string' ? 'x86_64' : (p.arch ?? 'x86_64');
      const m = /^(?:(\d+):)?([^-]+)(?:-(.+))?$/.exec(version);
      const hdr: { name: string; version: string; release: string; arch: string; epoch?: number } = { name, version: m?.[2] ?? version, release: m?.[3] ?? '1', arch };
      if (m?.[1]) hdr.epoch = Number(m[1]);
      ins.run(encodePackageHeader(hdr));
    }
  } finally {
    db.close();
  }
}

export const DEFAULT_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nID=debian\n';

function dpkgStatus(pkgs: NonNullable<Fixture['packages']>): string {
  return pkgs
    .map((p) => {
      const { name, version } = typeof p === 'string' ? { name: p, version: '1.0-1' } : p;
      return `Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: misc\nArchitecture: amd64\nVersion: ${version}\nDescription: fixture package\n`;
    })
    .join('\n');
}

/** Writes the fixture's files into a fresh directory and returns it. */
export async function buildFixtureRoot(fx: Fixture): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bulwark-fx-'));
  const files: Record<string, NonNullable<Fixture['files']>[string]> = { '/etc/os-release': DEFAULT_OS_RELEASE, ...(fx.files ?? {}) };
  if (fx.packages) files['/var/lib/dpkg/status'] = dpkgStatus(fx.packages) + (typeof files['/var/lib/dpkg/status'] === 'string' ? '\n' + files['/var/lib/dpkg/status'] : '');
  if (fx.rpm_packages) {
    await writeRpmDb(path.join(root, 'var/lib/rpm/rpmdb.sqlite'), fx.rpm_packages);
    // An rpm fixture is a RHEL system unless it says otherwise.
    if (!fx.files?.['/etc/os-release']) files['/etc/os-release'] = DEFAULT_RHEL_OS_RELEASE;
  }
  for (const [p, spec] of Object.entries(files)) {
    const host = path.join(root, p);
    await fs.mkdir(path.dirname(host), { recursive: true });
    const s = typeof spec === 'string' ? { content: spec } : spec;
    if (s.symlink !== undefined) {
      await fs.symlink(s.symlink, host);
      if (s.uid !== undefined) await fs.lchown(host, s.uid, s.gid ?? 0).catch(() => undefined);
      continue;
    }
    if (s.dir) await fs.mkdir(host, { recursive: true });
    else await fs.writeFile(host, s.base64 !== undefined ? Buffer.from(s.base64, 'base64') : (s.content ?? ''));
    // chown first: it clears setuid/setgid bits that chmod sets.
    if (s.uid !== undefined || s.gid !== undefined) await fs.chown(host, s.uid ?? 0, s.gid ?? 0);
    await fs.chmod(host, s.mode !== undefined ? parseInt(s.mode, 8) : s.dir ? 0o755 : 0o644);
  }
  return root;
}

function overrideFact(key: string, spec: NonNullable<Fixture['facts']>[string], mode: 'live' | 'offline'): Fact {
  const name = key.replace(/\(.*$/, '');
  const args: Record<string, string> = {};
  const m = /\((.*)\)$/.exec(key);
  if (m) for (const kv of m[1]!.split(',')) {
    const i = kv.indexOf('=');
    args[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const rows = (Array.isArray(spec) ? spec : (spec.rows ?? [])) as Row[];
  const status = Array.isArray(spec) ? 'complete' : spec.status;
  const fact: Fact = { key: factKey({ name, args }), name, args, status, rows, provenance: { collector: 'fixture', sources: [], mode, at: new Date(0).toISOString() } };
  if (!Array.isArray(spec) && spec.reason !== undefined) fact.reason = spec.reason;
  return fact;
}

/** Modes in fixture fact rows may be written as octal strings; store them as numbers like collectors do. */
function normaliseRows(fact: Fact, schemas: FactSchemas): Fact {
  const types = schemas[fact.name]?.fields ?? {};
  const rows = fact.rows.map((r) => {
    const out: Record<string, FieldValue> = { ...r };
    for (const [k, v] of Object.entries(r)) if (types[k] === 'mode' && typeof v === 'string') out[k] = parseInt(v, 8);
    return out;
  });
  return { ...fact, rows };
}

export interface FixtureOutcome {
  status: ResultStatus;
  message: string;
}

export async function runFixture(rule: Rule, fx: Fixture, schemas: FactSchemas): Promise<FixtureOutcome> {
  const root = await buildFixtureRoot(fx);
  try {
    const mode = fx.mode ?? 'offline';
    const target = await FsTarget.mounted(root);
    const overrides = new Map(Object.entries(fx.facts ?? {}).map(([k, v]) => {
      const f = normaliseRows(overrideFact(k, v, mode), schemas);
      return [f.key, f] as const;
    }));
    const sel = selectionFor(rule, fx.params ?? {});
    const reqs = requiredFacts([sel]).filter((r) => !overrides.has(factKey(r)));
    // Live-only facts a fixture does not provide stay not_collected (the fixture root is not a running system).
    const facts = await collectFacts(makeContext(target, new Date('2026-06-01T00:00:00Z')), reqs);
    for (const [k, f] of overrides) facts.set(k, f);
    const r = evaluateRule(sel, facts, schemas, mode);
    return { status: r.status, message: r.message };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}
