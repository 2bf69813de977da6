/** Generic file facts: metadata (`file`) and text lines (`lines`), for paths and globs inside the target. */
import type { Row } from '../core/types.js';
import type { Collector, CollectContext } from './types.js';
import type { FileInfo } from '../targets/target.js';

const hasGlob = (p: string) => /[*?[]/.test(p);

async function expand(ctx: CollectContext, pattern: string): Promise<string[]> {
  return hasGlob(pattern) ? ctx.target.glob(pattern) : ['/' + pattern.split('/').filter(Boolean).join('/')];
}

/** User and group names from the target's own /etc/passwd and /etc/group (never the scanning host's). */
export async function idNames(
  ctx: CollectContext,
): Promise<{ users: Map<number, string>; groups: Map<number, string> }> {
  return ctx.memo('files:id-names', async () => {
    const parse = async (p: string) => {
      const m = new Map<number, string>();
      const r = await ctx.target.readText(p);
      if (r.status !== 'ok') return m;
      for (const line of r.text.split('\n')) {
        const f = line.split(':');
        const id = Number(f[2]);
        if (f[0] && Number.isInteger(id) && !m.has(id)) m.set(id, f[0]);
      }
      return m;
    };
    return { users: await parse('/etc/passwd'), groups: await parse('/etc/group') };
  });
}

export function fileRow(
  info: FileInfo | null,
  path: string,
  names: { users: Map<number, string>; groups: Map<number, string> },
): Row {
  if (!info)
    return {
      path,
      exists: false,
      type: null,
      mode: null,
      uid: null,
      gid: null,
      owner: null,
      group: null,
      size: null,
      target: null,
    };
  return {
    path: info.path,
    exists: true,
    type: info.type,
    mode: info.mode,
    uid: info.uid,
    gid: info.gid,
    owner: names.users.get(info.uid) ?? String(info.uid),
    group: names.groups.get(info.gid) ?? String(info.gid),
    size: info.size,
    target: info.target ?? null,
  };
}

const file: Collector = {
  name: 'file',
  description:
    'Metadata of a path or glob inside the target: existence, type, mode, owner and group (named from the target\'s own passwd/group), size, symlink target. A missing path is a row with exists=false. `follow: "true"` reports what a symlink points to.',
  fields: {
    path: 'string',
    exists: 'bool',
    type: 'string',
    mode: 'mode',
    uid: 'int',
    gid: 'int',
    owner: 'string',
    group: 'string',
    size: 'int',
    target: 'string',
  },
  params: {
    path: { description: 'absolute path or glob (`*`, `?`, `[...]` per component)', required: true },
    follow: { description: '"true" to follow a final symlink', required: false },
  },
  async collect(ctx, args) {
    const pattern = args['path'] ?? '/';
    const follow = args['follow'] === 'true';
    const names = await idNames(ctx);
    const paths = await expand(ctx, pattern);
    const rows: Row[] = [];
    for (const p of paths) rows.push(fileRow(await ctx.target.stat(p, { follow }), p, names));
    if (rows.length === 0) return { status: 'absent', rows: [], sources: [pattern] };
    return { status: 'complete', rows, sources: paths };
  },
};

/** Splits text into lines; comment-only and blank lines are kept (rules filter), line numbers are 1-based. */
export function textLines(text: string): string[] {
  return text.split(/\r?\n/);
}

const lines: Collector = {
  name: 'lines',
  description:
    'Lines of text files matching a path or glob, with path and 1-based line number. Blank lines and lines starting with `#` are dropped unless `comments: "keep"`. Binary files are reported as errors; files over 4 MiB are read up to the cap and the fact is incomplete.',
  fields: { path: 'string', line: 'int', text: 'string' },
  params: {
    path: { description: 'absolute path or glob', required: true },
    comments: { description: '"keep" to keep comment and blank lines', required: false },
  },
  async collect(ctx, args) {
    const pattern = args['path'] ?? '/';
    const keep = args['comments'] === 'keep';
    const paths = await expand(ctx, pattern);
    const rows: Row[] = [];
    const sources: string[] = [];
    let status: 'complete' | 'incomplete' | 'absent' = 'absent';
    const problems: string[] = [];
    for (const p of paths) {
      const r = await ctx.target.readText(p);
      if (r.status === 'absent') continue;
      if (r.status !== 'ok') {
        problems.push(r.reason);
        continue;
      }
      sources.push(p);
      if (r.binary) {
        problems.push(`${p} is binary, not text`);
        continue;
      }
      if (status === 'absent') status = 'complete';
      if (r.truncated) {
        status = 'incomplete';
        problems.push(`${p} is larger than the read cap; only its beginning was read`);
      }
      textLines(r.text).forEach((t, i) => {
        const trimmed = t.trim();
        if (!keep && (trimmed === '' || trimmed.startsWith('#'))) return;
        rows.push({ path: p, line: i + 1, text: t });
      });
    }
    if (problems.length > 0 && rows.length === 0 && status === 'absent')
      return { status: 'error', rows, sources, reason: problems.join('; ') };
    const out = {
      status: problems.length > 0 && status === 'complete' ? ('incomplete' as const) : status,
      rows,
      sources,
    };
    return problems.length > 0 ? { ...out, reason: problems.join('; ') } : out;
  },
};

export const collectors: Collector[] = [file, lines];
