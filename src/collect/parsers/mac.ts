/**
 * Mandatory access control configuration: AppArmor profile files (apparmor.d(5)) and the kernel's
 * list of loaded profiles, and SELinux's /etc/selinux/config.
 */

export interface AppArmorProfile {
  name: string;
  /** enforce (no mode flag), complain, kill, unconfined, prompt. */
  mode: string;
  line: number;
}

const MODE_FLAGS = ['complain', 'kill', 'unconfined', 'prompt', 'enforce'];

/** Top-level profiles of an AppArmor profile file with their mode flag. Child profiles and hats are skipped. */
export function parseAppArmorProfiles(text: string): AppArmorProfile[] {
  const out: AppArmorProfile[] = [];
  let depth = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const open = line.search(/(?<!@)\{/);
    if (depth === 0 && open >= 0) {
      const head = line.slice(0, open).trim();
      const isProfile = /^profile\s/.test(head) || /^("|\/|@\{|:)/.test(head);
      const m = /^(?:profile\s+)?("[^"]+"|\S+)(.*)$/.exec(head);
      if (isProfile && m) {
        const name = m[1]!.replace(/^"|"$/g, '');
        const flags = /flags\s*=\s*\(([^)]*)\)/.exec(m[2] ?? '');
        const words = flags ? flags[1]!.split(/[\s,]+/).filter(Boolean) : [];
        const mode = MODE_FLAGS.find((f) => words.includes(f)) ?? 'enforce';
        out.push({ name, mode, line: i + 1 });
      }
    }
    // Variables (@{name}) are not blocks.
    for (const c of line.replace(/@\{[^}]*\}/g, '')) {
      if (c === '{') depth++;
      else if (c === '}') depth = Math.max(0, depth - 1);
    }
  });
  return out;
}

/** Names of the files apparmor_parser skips in /etc/apparmor.d (backups, package leftovers, README). */
export function isAppArmorProfileFileName(name: string): boolean {
  if (name.startsWith('.') || name === 'README') return false;
  return !/(~|\.dpkg-(new|old|dist|bak|tmp)|\.rpm(new|save|orig)|\.orig|\.rej|\.pacnew|\.pacsave)$/.test(
    name,
  );
}

/** /sys/kernel/security/apparmor/profiles: `name (mode)` per line. */
export function parseLoadedProfiles(text: string): { name: string; mode: string }[] {
  const out: { name: string; mode: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(.*\S)\s+\(([^()]+)\)\s*$/.exec(line);
    if (m) out.push({ name: m[1]!, mode: m[2]!.trim() });
    else if (line.trim() !== '') out.push({ name: line.trim(), mode: 'unknown' });
  }
  return out;
}

/** /etc/selinux/config: KEY=value lines (SELINUX, SELINUXTYPE); the last assignment wins. */
export function parseSelinuxConfig(text: string): { key: string; value: string; line: number }[] {
  const byKey = new Map<string, { key: string; value: string; line: number }>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^\s*([A-Z_]+)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m) return;
    const value = m[2]!.replace(/^["']|["']$/g, '').toLowerCase();
    byKey.delete(m[1]!);
    byKey.set(m[1]!, { key: m[1]!, value, line: i + 1 });
  });
  return [...byKey.values()];
}
