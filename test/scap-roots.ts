/**
 * Fixture roots for the SCAP conformance tests and the SCAP benchmark: a directory of real files under
 * test/fixtures/scap/roots/<name>/ copied to a temporary directory, then the modes, owners, symlinks and
 * extra files of <name>.json applied (git keeps neither owners nor most modes). Runs as root for chown.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOTS_DIR = fileURLToPath(new URL('../../test/fixtures/scap/roots/', import.meta.url));
export const SSG_DIR = '/usr/share/xml/scap/ssg/content';
export const DEBIAN11_DS = path.join(SSG_DIR, 'ssg-debian11-ds.xml');

interface Manifest {
  description: string;
  /** Another fixture root this one starts from (its files and manifest applied first). */
  base?: string;
  /** The SSG datastream (file name in SSG_DIR) and the profile the select-all tailoring extends. */
  datastream?: string;
  profile?: string;
  /** Empty directories (git keeps none). */
  dirs?: string[];
  files?: Record<string, string>;
  symlinks?: Record<string, string>;
  modes?: Record<string, string>;
  owners?: Record<string, string>;
}

export function rootNames(): string[] {
  return fs
    .readdirSync(ROOTS_DIR)
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .sort();
}

export function manifest(name: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(ROOTS_DIR, `${name}.json`), 'utf8')) as Manifest;
}

/** The datastream and profile a fixture root is compared on (ssg-debian11, standard, by default). */
export function contentOf(name: string): { datastream: string; profile: string } {
  const m = manifest(name);
  return {
    datastream: m.datastream ? path.join(SSG_DIR, m.datastream) : DEBIAN11_DS,
    profile: m.profile ?? 'xccdf_org.ssgproject.content_profile_standard',
  };
}

/** Copies a root's files and applies its manifest (after its base's) into `dir`. */
function populate(name: string, dir: string): Manifest[] {
  const m = manifest(name);
  const chain = m.base ? populate(m.base, dir) : [];
  if (fs.existsSync(path.join(ROOTS_DIR, name)))
    fs.cpSync(path.join(ROOTS_DIR, name), dir, { recursive: true });
  for (const d of m.dirs ?? []) fs.mkdirSync(path.join(dir, d), { recursive: true });
  for (const [p, text] of Object.entries(m.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.rmSync(path.join(dir, p), { force: true });
    fs.writeFileSync(path.join(dir, p), text);
  }
  for (const [p, target] of Object.entries(m.symlinks ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.rmSync(path.join(dir, p), { force: true });
    fs.symlinkSync(target, path.join(dir, p));
  }
  return [...chain, m];
}

/** Builds the named fixture root in a new temporary directory and returns its path. */
export function buildRoot(name: string, parent = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(parent, `bulwark-scap-${name}-`));
  const chain = populate(name, dir);
  // Everything root-owned and not group/world-writable first (git checkouts differ), then the manifests.
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) {
        fs.lchownSync(p, 0, 0);
        continue;
      }
      fs.chownSync(p, 0, 0);
      fs.chmodSync(p, e.isDirectory() ? 0o755 : 0o644);
      if (e.isDirectory()) walk(p);
    }
  };
  fs.chmodSync(dir, 0o755);
  walk(dir);
  for (const m of chain) {
    for (const [p, owner] of Object.entries(m.owners ?? {})) {
      const [u, g] = owner.split(':').map(Number);
      fs.chownSync(path.join(dir, p), u!, g!);
    }
    for (const [p, mode] of Object.entries(m.modes ?? {})) fs.chmodSync(path.join(dir, p), parseInt(mode, 8));
  }
  return dir;
}

/** A Tailoring whose profile extends `profile` and selects every rule (and group) of the benchmark. */
export function selectAllTailoring(benchmarkText: string, profile: string): { id: string; xml: string } {
  const ids = [...benchmarkText.matchAll(/<(?:[\w.-]+:)?(?:Rule|Group) [^>]*?\bid="([^"]+)"/g)].map(
    (m) => m[1]!,
  );
  const id = `${profile}_bulwark_all`;
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<xccdf-1.2:Tailoring xmlns:xccdf-1.2="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.bulwark_tailoring_all">\n` +
    `  <xccdf-1.2:version time="2026-01-01T00:00:00">1</xccdf-1.2:version>\n` +
    `  <xccdf-1.2:Profile id="${id}" extends="${profile}">\n    <xccdf-1.2:title>Every rule</xccdf-1.2:title>\n` +
    [...new Set(ids)].map((r) => `    <xccdf-1.2:select idref="${r}" selected="true"/>\n`).join('') +
    `  </xccdf-1.2:Profile>\n</xccdf-1.2:Tailoring>\n`;
  return { id, xml };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function run(cmd: string, args: string[], timeoutMs = 600_000): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : 99) : 0,
        stdout,
        stderr,
        ms: Date.now() - t0,
      });
    });
  });
}

export function hasCommand(cmd: string): boolean {
  return ['/usr/bin', '/usr/local/bin', '/bin', '/usr/sbin'].some((d) => fs.existsSync(path.join(d, cmd)));
}

/** rule id → results (several for a multi-check rule) of the TestResult in an XCCDF results file. */
export function ruleResults(xml: string): Map<string, string[]> {
  const tr = xml.slice(xml.lastIndexOf('<TestResult'));
  const out = new Map<string, string[]>();
  for (const m of tr.matchAll(/<rule-result idref="([^"]+)"[^>]*>\s*<result>([a-z]+)<\/result>/g))
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  return out;
}
