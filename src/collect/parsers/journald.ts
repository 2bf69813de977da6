/**
 * systemd-journald configuration: the main journald.conf and its drop-ins, merged the way systemd
 * does (drop-ins ordered by file name across directories, a file in /etc masking one of the same
 * name in /run or /usr/lib; later assignments win). Only the [Journal] section counts. Pure.
 */
import { parseKeyValue } from './kv-config.js';
import { orderDropinPaths } from './dropins.js';

export interface JournaldSetting {
  key: string;
  value: string;
  path: string | null;
  line: number | null;
  is_default: boolean;
}

/** Drop-in directories, highest priority first (systemd's search order). */
export const JOURNALD_DROPIN_DIRS = [
  '/etc/systemd/journald.conf.d',
  '/run/systemd/journald.conf.d',
  '/usr/local/lib/systemd/journald.conf.d',
  '/usr/lib/systemd/journald.conf.d',
];

/** Orders drop-in paths: by file name; for equal names only the highest-priority directory counts. */
export function orderDropins(
  paths: readonly string[],
  dirs: readonly string[] = JOURNALD_DROPIN_DIRS,
): string[] {
  return orderDropinPaths(paths, dirs);
}

/** journald defaults (systemd 252, Debian 12 / systemd 252, RHEL 9) for the settings rules read. */
export const JOURNALD_DEFAULTS: Readonly<Record<string, string>> = {
  Storage: 'auto',
  Compress: 'yes',
  Seal: 'yes',
  ForwardToSyslog: 'no',
  ForwardToWall: 'yes',
};

/** Merges files (already in order: main file first, then drop-ins) into effective settings. */
export function mergeJournald(
  files: readonly { path: string; text: string }[],
  defaults: Readonly<Record<string, string>> = JOURNALD_DEFAULTS,
): { settings: JournaldSetting[]; junk: string[] } {
  const eff = new Map<string, JournaldSetting>();
  const junk: string[] = [];
  for (const f of files) {
    const p = parseKeyValue(f.text, { sections: true, continuation: true });
    for (const j of p.junk) junk.push(`${f.path}:${j.line}: ${j.text.trim().slice(0, 80)}`);
    for (const e of p.entries) {
      if (e.section !== 'Journal') continue;
      eff.delete(e.key);
      eff.set(e.key, { key: e.key, value: e.value, path: f.path, line: e.line, is_default: false });
    }
  }
  for (const [k, v] of Object.entries(defaults))
    if (!eff.has(k) || eff.get(k)!.value === '')
      eff.set(k, { key: k, value: v, path: null, line: null, is_default: true });
  return { settings: [...eff.values()], junk };
}
