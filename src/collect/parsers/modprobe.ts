/**
 * modprobe.d(5) parsing: `install`, `blacklist`, `options`, `alias`, `remove`, `softdep`
 * directives; `#` comments; a trailing backslash continues a line. Module names treat `-` and `_`
 * alike (kmod does), so they are normalised to `_`.
 */

export const MODPROBE_DIRECTIVES = ['install', 'blacklist', 'options', 'alias', 'remove', 'softdep'] as const;
export type ModprobeDirective = (typeof MODPROBE_DIRECTIVES)[number];

export interface ModprobeEntry {
  directive: ModprobeDirective;
  /** Module name with `-` normalised to `_` (for `alias`, the alias pattern as written). */
  module: string;
  /** The rest of the line, whitespace collapsed. */
  args: string;
  /** 1-based line where the (possibly continued) directive starts. */
  line: number;
}

export function normaliseModuleName(name: string): string {
  return name.replace(/-/g, '_');
}

export function parseModprobe(text: string): { entries: ModprobeEntry[]; unknown: number[] } {
  const entries: ModprobeEntry[] = [];
  const unknown: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, ' ') + lines[++i]!;
    }
    const trimmed = line.replace(/^\uFEFF/, '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const words = trimmed.split(/\s+/);
    const directive = words[0]!.toLowerCase();
    const mod = words[1];
    if (!(MODPROBE_DIRECTIVES as readonly string[]).includes(directive) || mod === undefined) {
      unknown.push(start);
      continue;
    }
    entries.push({
      directive: directive as ModprobeDirective,
      module: directive === 'alias' ? mod : normaliseModuleName(mod),
      args: words.slice(2).join(' '),
      line: start,
    });
  }
  return { entries, unknown };
}

/** Loaded modules from /proc/modules: the first word of each line. */
export function parseProcModules(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    if (name) out.push(normaliseModuleName(name));
  }
  return out;
}
