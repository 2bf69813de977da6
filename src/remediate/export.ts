/**
 * A plan as a shell script or an Ansible playbook, for sites that run changes with their own tools. Both write
 * exactly the content the plan shows (the reviewed diff is what runs), back up each file first, and honour a
 * root prefix (ROOT=/mnt/image for the script, -e bulwark_root=/mnt/image for the playbook): under a root,
 * service commands and handlers are not run. Pure.
 */
import { parse, stringify } from 'yaml';
import type { Rule } from '../engine/rule.js';
import type { Plan } from './types.js';

/** Single-quoted for sh: safe for any text. */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function toShell(plan: Plan): string {
  const tag = plan.id.slice(0, 8);
  const out: string[] = [
    '#!/bin/sh',
    `# Bulwark remediation plan ${plan.id} (${plan.created_at})`,
    `# target: ${plan.target.kind} ${plan.target.root}; ${plan.summary.automatic} automatic, ${plan.summary.manual} manual change(s)`,
    '# Run as root. ROOT=/path/to/image applies to a mounted image (no service commands are run then).',
    '# Each file is backed up beside itself as <file>.bulwark-' + tag + ' before it is replaced.',
    'set -eu',
    'ROOT="${ROOT:-}"',
    'umask 077',
    '',
    'bw_backup() { if [ -e "$ROOT$1" ] && [ ! -e "$ROOT$1.bulwark-' +
      tag +
      '" ]; then cp -p -- "$ROOT$1" "$ROOT$1.bulwark-' +
      tag +
      '"; fi; }',
    'bw_live() { [ -z "$ROOT" ]; }',
    '',
  ];
  for (const c of plan.changes) {
    out.push(`# --- ${c.id}: ${c.title} [${c.rules.join(', ')}] — impact: ${c.impact.label}`);
    if (c.depends_on.length) out.push(`# depends on: ${c.depends_on.join(', ')}`);
    for (const g of c.guards) out.push(`# GUARD ${g.code}: ${g.message}`);
    if (c.manual) {
      out.push(...`MANUAL: ${c.manual}`.split('\n').map((l) => `# ${l}`), '');
      continue;
    }
    for (const f of c.files) {
      out.push(`bw_backup ${q(f.path)}`);
      if (f.after !== null) {
        let delim = 'BULWARK_EOF';
        while (f.after.split('\n').includes(delim)) delim += '_';
        const body = f.after.endsWith('\n') ? f.after : f.after + '\n';
        out.push(`(umask 022; mkdir -p -- "$ROOT"${q(f.path.slice(0, f.path.lastIndexOf('/')) || '/')})`);
        out.push(`tmp="$ROOT"${q(f.path)}.bulwark-new`);
        out.push(`cat > "$tmp" <<'${delim}'`, body.replace(/\n$/, ''), delim);
        if (!f.after.endsWith('\n')) out.push(`truncate -s -1 "$tmp"`);
        out.push(
          `chown ${f.uid_after ?? 0}:${f.gid_after ?? 0} "$tmp"`,
          `chmod ${f.mode_after ?? '0644'} "$tmp"`,
          `mv -f -- "$tmp" "$ROOT"${q(f.path)}`,
        );
      } else {
        out.push(
          `chown ${f.uid_after ?? 0}:${f.gid_after ?? 0} "$ROOT"${q(f.path)}`,
          `chmod ${f.mode_after ?? '0644'} "$ROOT"${q(f.path)}`,
        );
      }
    }
    for (const cmd of c.commands)
      out.push(`if bw_live; then ${cmd.argv.map(q).join(' ')}; fi   # ${cmd.why}`);
    out.push('');
  }
  for (const cmd of plan.finally)
    out.push(`if bw_live; then ${cmd.argv.map(q).join(' ')}; fi   # ${cmd.why}`);
  out.push('echo "bulwark plan ' + tag + ' applied; verify with: bulwark scan"');
  return out.join('\n') + '\n';
}

/**
 * An Ansible playbook: one copy task per file with the plan's exact content, mode and owner (backup: true),
 * the rules' own Ansible tasks for changes without files (package removal, services) on the live host, and
 * handlers for the restarts, which run only when bulwark_root is empty (the live host).
 */
export function toAnsible(plan: Plan, rules: ReadonlyMap<string, Rule>): string {
  const tasks: Record<string, unknown>[] = [];
  const notifyFor = (paths: string[]): string[] => {
    const n: string[] = [];
    if (paths.some((p) => p.startsWith('/etc/ssh/'))) n.push('reload sshd');
    if (paths.some((p) => p.startsWith('/etc/sysctl'))) n.push('load sysctl settings');
    return n;
  };
  for (const c of plan.changes) {
    const name = `${c.id} ${c.title} [${c.rules.join(', ')}]`;
    if (c.manual) {
      tasks.push({ name: `${name} (manual)`, 'ansible.builtin.debug': { msg: `MANUAL: ${c.manual}` } });
      continue;
    }
    for (const f of c.files) {
      const notify = notifyFor([f.path]);
      const common = {
        mode: f.mode_after ?? '0644',
        owner: String(f.uid_after ?? 0),
        group: String(f.gid_after ?? 0),
      };
      if (f.before === null && f.mode_before === null)
        tasks.push({
          name: `${name}: directory of ${f.path}`,
          'ansible.builtin.file': {
            path: `{{ bulwark_root }}${f.path.slice(0, f.path.lastIndexOf('/')) || '/'}`,
            state: 'directory',
          },
          tags: c.rules,
        });
      if (f.after !== null)
        tasks.push({
          name: `${name}: ${f.path}`,
          'ansible.builtin.copy': {
            dest: `{{ bulwark_root }}${f.path}`,
            content: f.after,
            backup: true,
            ...common,
          },
          ...(notify.length ? { notify } : {}),
          tags: c.rules,
        });
      else
        tasks.push({
          name: `${name}: ${f.path} mode and owner`,
          'ansible.builtin.file': { path: `{{ bulwark_root }}${f.path}`, ...common },
          tags: c.rules,
        });
    }
    if (c.files.length === 0 && c.commands.length > 0) {
      for (const id of c.rules) {
        const text = rules.get(id)?.fix.ansible;
        const parsed = text ? (parseTasks(text) as Record<string, unknown>[] | null) : null;
        if (parsed) for (const t of parsed) tasks.push({ ...t, when: "bulwark_root == ''", tags: c.rules });
        else
          tasks.push({
            name: `${name}: ${c.commands.map((x) => x.argv.join(' ')).join('; ')}`,
            'ansible.builtin.command': { argv: c.commands[0]!.argv },
            when: "bulwark_root == ''",
            tags: c.rules,
          });
      }
    }
  }
  const playbook = [
    {
      name: `Bulwark remediation plan ${plan.id}`,
      hosts: 'all',
      become: true,
      gather_facts: false,
      vars: { bulwark_root: '' },
      tasks,
      handlers: [
        {
          name: 'reload sshd',
          'ansible.builtin.service': { name: 'sshd', state: 'reloaded' },
          when: "bulwark_root == ''",
        },
        {
          name: 'load sysctl settings',
          'ansible.builtin.command': { argv: ['sysctl', '--system'] },
          when: "bulwark_root == ''",
        },
      ],
    },
  ];
  return `# Bulwark remediation plan ${plan.id}; run: ansible-playbook -i host, plan.yml (or -e bulwark_root=/mnt/image -c local)\n---\n${stringify(playbook, { lineWidth: 0 })}`;
}

function parseTasks(text: string): unknown[] | null {
  try {
    const v: unknown = parse(text);
    return Array.isArray(v) ? (v as unknown[]) : null;
  } catch {
    return null;
  }
}
