/** The OpenSSH server's effective configuration, computed offline from sshd_config (never by running sshd). */
import type { Row } from '../core/types.js';
import { errorMessage } from '../core/errors.js';
import type { Collector, CollectContext } from './types.js';
import {
  SSHD_DEFAULTS,
  effectiveSshdConfig,
  expandSshdConfig,
  type ReadOutcome,
} from './parsers/sshd-config.js';

export const SSHD_CONFIG = '/etc/ssh/sshd_config';

/** Reads a text config file through the target; never throws. Shared by the sshd and logging collectors. */
export async function readConfigText(
  ctx: CollectContext,
  path: string,
): Promise<ReadOutcome & { truncated?: boolean }> {
  try {
    const r = await ctx.target.readText(path);
    if (r.status === 'absent') return { ok: false, absent: true, reason: `${path} does not exist` };
    if (r.status === 'not_collected') return { ok: false, absent: false, reason: r.reason };
    if (r.status === 'error') return { ok: false, absent: false, reason: r.reason };
    if (r.binary)
      return { ok: false, absent: false, reason: `${path} is binary, not a text configuration file` };
    return { ok: true, text: r.text, truncated: r.truncated };
  } catch (e) {
    return { ok: false, absent: false, reason: `${path}: ${errorMessage(e)}` };
  }
}

/** Expands a glob through the target; a symlink loop or unreadable directory yields what could be listed. */
export async function safeGlob(ctx: CollectContext, pattern: string, problems: string[]): Promise<string[]> {
  try {
    return await ctx.target.glob(pattern);
  } catch (e) {
    problems.push(`${pattern}: ${errorMessage(e)}`);
    return [];
  }
}

const sshd: Collector = {
  name: 'sshd',
  description:
    'Effective OpenSSH server configuration as `sshd -T` would print it, computed from /etc/ssh/sshd_config and its Includes (globs, processed in place; the first value of a keyword wins, a few keywords accumulate). ' +
    'Rows for Match blocks carry the Match condition in `match`; keywords not set get a row with the OpenSSH default (is_default=true). Absent when sshd_config does not exist.',
  fields: {
    key: 'string',
    value: 'string',
    values: 'string_list',
    number: 'int',
    path: 'string',
    line: 'int',
    match: 'string',
    is_default: 'bool',
  },
  async collect(ctx) {
    const problems: string[] = [];
    let truncated = false;
    const main = await readConfigText(ctx, SSHD_CONFIG);
    if (!main.ok && main.absent)
      return { status: 'absent', rows: [], sources: [SSHD_CONFIG], reason: `${SSHD_CONFIG} does not exist` };
    if (!main.ok) return { status: 'error', rows: [], sources: [SSHD_CONFIG], reason: main.reason };
    const ex = await expandSshdConfig(SSHD_CONFIG, {
      read: async (p) => {
        if (p === SSHD_CONFIG) {
          if (main.truncated) truncated = true;
          return main;
        }
        const r = await readConfigText(ctx, p);
        if (r.ok && r.truncated) truncated = true;
        return r;
      },
      glob: (pattern) => safeGlob(ctx, pattern, problems),
    });
    problems.push(...ex.problems);
    if (truncated)
      problems.push('a configuration file is larger than the read cap; only its beginning was read');
    const rows: Row[] = effectiveSshdConfig(ex.directives, SSHD_DEFAULTS).map((r) => ({ ...r }));
    const incomplete =
      ex.incomplete || truncated || problems.some((p) => !/not a keyword line|unterminated quote/.test(p));
    const out = {
      status: incomplete ? ('incomplete' as const) : ('complete' as const),
      rows,
      sources: ex.files,
    };
    return problems.length > 0 ? { ...out, reason: problems.join('; ') } : out;
  },
};

export const collectors: Collector[] = [sshd];
