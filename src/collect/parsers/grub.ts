/**
 * GRUB 2 and Boot Loader Specification parsing: superusers and passwords in grub.cfg (and the
 * /etc/grub.d scripts that generate it), kernel command lines (`linux` lines, BLS `options`),
 * GRUB_CMDLINE_LINUX* in /etc/default/grub, GRUB2_PASSWORD in user.cfg, and /proc/cmdline.
 */

export type GrubKind = 'superusers' | 'password' | 'cmdline' | 'default_cmdline' | 'bls_options';

export interface GrubEntry {
  kind: GrubKind;
  /** superusers: the names as written; password: the user; cmdline: the kernel image; default_cmdline: the variable; bls_options: "options". */
  value: string;
  /** password: [scheme ('pbkdf2' | 'plain'), hash]; command lines: the arguments. */
  args: string[];
  line: number;
}

/** Splits a kernel command line into arguments; double quotes group blanks (`a="b c"` is one argument, quotes dropped). */
export function splitCmdline(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  for (const c of text) {
    if (c === '"') {
      inQuote = !inQuote;
      has = true;
      continue;
    }
    if (!inQuote && /\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
      continue;
    }
    cur += c;
    has = true;
  }
  if (has) out.push(cur);
  return out;
}

/** One kernel argument as key and value (`quiet` → key quiet, value null; `a=b=c` → key a, value b=c). */
export function splitArg(arg: string): { key: string; value: string | null } {
  const eq = arg.indexOf('=');
  return eq < 0 ? { key: arg, value: null } : { key: arg.slice(0, eq), value: arg.slice(eq + 1) };
}

function unquoteWord(w: string): string {
  if (w.length >= 2 && ((w.startsWith('"') && w.endsWith('"')) || (w.startsWith("'") && w.endsWith("'"))))
    return w.slice(1, -1);
  return w;
}

/**
 * grub.cfg (or a /etc/grub.d script, whose here-documents hold grub.cfg text): `set superusers=`,
 * `password_pbkdf2 user hash`, `password user plaintext`, and `linux`/`linux16`/`linuxefi` lines.
 */
export function parseGrubCfg(text: string): GrubEntry[] {
  const out: GrubEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const su = /^(?:export\s+)?set\s+superusers\s*=\s*(.*)$/.exec(line);
    if (su) {
      const v = unquoteWord(su[1]!.trim());
      out.push({ kind: 'superusers', value: v, args: v.split(/[\s,;|&]+/).filter(Boolean), line: i + 1 });
      return;
    }
    const words = line.split(/\s+/);
    const cmd = words[0]!;
    if (cmd === 'password_pbkdf2' && words.length >= 3) {
      out.push({
        kind: 'password',
        value: unquoteWord(words[1]!),
        args: ['pbkdf2', unquoteWord(words[2]!)],
        line: i + 1,
      });
    } else if (cmd === 'password' && words.length >= 3) {
      out.push({
        kind: 'password',
        value: unquoteWord(words[1]!),
        args: ['plain', unquoteWord(words.slice(2).join(' '))],
        line: i + 1,
      });
    } else if (/^linux(16|efi)?$/.test(cmd) && words.length >= 2) {
      const rest = line.slice(cmd.length).trim();
      const args = splitCmdline(rest).filter((a) => !/^--/.test(a) || a.includes('='));
      const image = args.shift() ?? '';
      out.push({ kind: 'cmdline', value: image, args, line: i + 1 });
    }
  });
  return out;
}

/**
 * /etc/default/grub and /etc/default/grub.d/*.cfg are shell fragments. `vars` carries values
 * across files (later files see earlier assignments); `$VAR` / `${VAR}` are expanded from it
 * outside single quotes. Returns every assignment (name, value, line).
 */
export function parseShellAssignments(
  text: string,
  vars: Map<string, string>,
): { name: string; value: string; line: number }[] {
  const out: { name: string; value: string; line: number }[] = [];
  const expand = (s: string) =>
    s.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (_, a?: string, b?: string) => vars.get((a ?? b)!) ?? '',
    );
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!;
    // A double-quoted value may span lines.
    while ((line.match(/"/g) ?? []).length % 2 === 1 && i + 1 < lines.length) line += '\n' + lines[++i]!;
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(line);
    if (!m) continue;
    const name = m[1]!;
    let rest = m[2]!;
    let value = '';
    // Concatenate quoted and unquoted segments until an unquoted blank or comment.
    while (rest.length > 0) {
      const c = rest[0]!;
      if (c === '"') {
        const end = rest.indexOf('"', 1);
        const seg = end < 0 ? rest.slice(1) : rest.slice(1, end);
        value += expand(seg.replace(/\\(["$`\\])/g, '$1'));
        rest = end < 0 ? '' : rest.slice(end + 1);
      } else if (c === "'") {
        const end = rest.indexOf("'", 1);
        value += end < 0 ? rest.slice(1) : rest.slice(1, end);
        rest = end < 0 ? '' : rest.slice(end + 1);
      } else if (/\s|;|#/.test(c)) break;
      else {
        const m2 = /^[^\s"';#]+/.exec(rest);
        const seg = m2 ? m2[0] : c;
        value += expand(seg);
        rest = rest.slice(seg.length);
      }
    }
    vars.set(name, value);
    out.push({ name, value, line: start });
  }
  return out;
}

/** BLS entry (/boot/loader/entries/*.conf): its `options` lines. `$var` references are expanded from `env` (grubenv). */
export function parseBlsEntry(text: string, env: ReadonlyMap<string, string>): GrubEntry[] {
  const out: GrubEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^\s*options\s+(.*)$/.exec(raw);
    if (!m) return;
    const expanded = m[1]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, v: string) => env.get(v) ?? '');
    out.push({ kind: 'bls_options', value: 'options', args: splitCmdline(expanded), line: i + 1 });
  });
  return out;
}

/** grubenv: `name=value` lines padded with `#`. */
export function parseGrubenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** RHEL's /boot/grub2/user.cfg: GRUB2_PASSWORD=grub.pbkdf2.… (the 01_users script makes `root` a superuser with it). */
export function parseUserCfg(text: string): GrubEntry[] {
  const out: GrubEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^\s*GRUB2_PASSWORD\s*=\s*(.*)$/.exec(raw);
    if (m)
      out.push({ kind: 'password', value: 'root', args: ['pbkdf2', unquoteWord(m[1]!.trim())], line: i + 1 });
  });
  return out;
}
