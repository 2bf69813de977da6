/** Reading helpers shared by collectors: text with status bookkeeping, globs, systemd-style .d directories. */
import type { FactStatus, Row } from '../core/types.js';
import { errorMessage } from '../core/errors.js';
import type { CollectContext, CollectOutput } from './types.js';
import { orderConfFiles } from './parsers/dropins.js';

/** Accumulates what a collector read and what went wrong, and turns it into a status. */
export class Reads {
  readonly sources: string[] = [];
  readonly problems: string[] = [];
  incomplete = false;
  found = 0;

  constructor(private readonly ctx: CollectContext) {}

  /** Text of a file, or undefined when absent / unreadable (recorded as a problem). */
  async text(p: string, maxBytes?: number): Promise<string | undefined> {
    const r = await this.ctx.target.readText(p, maxBytes !== undefined ? { maxBytes } : {});
    if (r.status === 'absent') return undefined;
    if (r.status === 'not_collected') return undefined;
    if (r.status === 'error') {
      this.problems.push(r.reason);
      return undefined;
    }
    if (r.binary) {
      this.problems.push(`${p} is binary, not text`);
      return undefined;
    }
    this.sources.push(r.path);
    this.found++;
    if (r.truncated) {
      this.incomplete = true;
      this.problems.push(`${p} is larger than the read cap; only its beginning was read`);
    }
    return r.text;
  }

  /** Sorted paths matching a glob; a symlink loop or other failure is recorded, not thrown. */
  async glob(pattern: string): Promise<string[]> {
    try {
      return await this.ctx.target.glob(pattern);
    } catch (e) {
      this.problems.push(`${pattern}: ${errorMessage(e)}`);
      this.incomplete = true;
      return [];
    }
  }

  /** Regular files (or links to them) directly in `dir` whose name matches `re`, sorted by name. */
  async filesIn(dir: string, re: RegExp): Promise<string[]> {
    const ents = await this.ctx.target.readdir(dir);
    if (!ents) return [];
    return ents
      .filter((e) => (e.type === 'file' || e.type === 'symlink') && re.test(e.name))
      .map((e) => `${dir}/${e.name}`);
  }

  /** Files of `*.d` directories with systemd-style masking by file name (the first directory wins), in name order. */
  async confDirs(dirs: readonly string[], re: RegExp): Promise<string[]> {
    const lists: string[][] = [];
    for (const d of dirs) {
      if (d.startsWith('/run/') && this.ctx.mode !== 'live') continue;
      const files = await this.filesIn(d, re);
      // A name linked to /dev/null masks the same name elsewhere and contributes nothing.
      lists.push(files);
    }
    return orderConfFiles(lists);
  }

  /** True when a path is a symlink to /dev/null (a masked drop-in or unit). */
  async isMasked(p: string): Promise<boolean> {
    try {
      const st = await this.ctx.target.stat(p);
      return st?.type === 'symlink' && st.target === '/dev/null';
    } catch {
      return false;
    }
  }

  out(rows: Row[], whenNothing: FactStatus = 'absent'): CollectOutput {
    let status: FactStatus = this.found === 0 ? whenNothing : 'complete';
    if (this.found === 0 && this.problems.length > 0) status = 'error';
    else if (status === 'complete' && (this.incomplete || this.problems.length > 0)) status = 'incomplete';
    const o: CollectOutput = { status, rows, sources: this.sources };
    if (this.problems.length > 0) o.reason = this.problems.join('; ');
    return o;
  }
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, results in input order. File reads
 * through the thread pool overlap; one at a time, a few hundred small files cost a round trip each.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
