/**
 * From a rule to structured edits. Rules carry no edit data of their own: Bulwark reads the rule's check
 * (the state a compliant system has) and derives the edit for the common shapes — an sshd keyword, a sysctl
 * key, a modprobe install line, a login.defs key, a PAM module option, a file's mode and owner, a sudoers
 * Defaults entry, a package or service to remove. A few rules whose check admits many values name the value
 * to set in OVERRIDES. Anything else is `manual`, with the rule's own fix description. Pure.
 */
import type { Check } from '../engine/rule.js';
import type { Rule } from '../engine/rule.js';
import type { EditSpec } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rules whose check accepts a range or a pattern: the value Bulwark writes. */
export const OVERRIDES: Readonly<Record<string, EditSpec[]>> = {
  'ssh-banner-configured': [{ kind: 'sshd_set', key: 'banner', value: '/etc/issue.net' }],
  'ssh-max-startups': [{ kind: 'sshd_set', key: 'maxstartups', value: '10:30:60' }],
  'accounts-login-defs-umask': [{ kind: 'login_defs_set', key: 'UMASK', value: '027' }],
  'sudo-logfile': [{ kind: 'sudoers_default', key: 'logfile', value: '"/var/log/sudo.log"' }],
  'auth-pwquality-complexity': [{ kind: 'pam_option_set', family: 'pwquality', key: 'minclass', value: '4' }],
};

/** Rules that are never automated, whatever their check looks like (identity, data loss). */
const NEVER_AUTOMATIC = new Set(['ssh-access-restricted']);

function resolve(v: unknown, params: Readonly<Record<string, unknown>>): unknown {
  if (isObj(v) && typeof v['param'] === 'string') return params[v['param']];
  return v;
}

/** The value a test on one field asks for: a literal, the first of `in`, the bound of le/at_most/ge. */
function wanted(test: unknown, params: Readonly<Record<string, unknown>>): string | null {
  const t = resolve(test, params);
  if (typeof t === 'string' || typeof t === 'number') return String(t);
  if (!isObj(t)) return null;
  const inList = resolve(t['in'], params);
  if (Array.isArray(inList) && inList.length > 0) return String(inList[0]);
  for (const op of ['le', 'at_most', 'ge', 'eq'] as const) {
    const b = resolve(t[op], params);
    if (typeof b === 'string' || typeof b === 'number') return String(b);
  }
  const sub = resolve(t['subset_of'], params);
  if (Array.isArray(sub) && sub.length > 0) return sub.map(String).join(',');
  return null;
}

function leaves(check: Check | undefined, out: Obj[] = []): Obj[] {
  if (!check || !isObj(check)) return out;
  const c = check as Obj;
  if (Array.isArray(c['all'])) for (const x of c['all']) leaves(x as Check, out);
  else if (Array.isArray(c['any'])) leaves(c['any'][0] as Check, out);
  else if ('fact' in c && c['live_only'] !== true) out.push(c);
  return out;
}

/** Systemd unit names mentioned by `{source: systemd, name: {in: […]}}` anywhere in a where clause. */
function systemdUnits(where: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(where)) for (const w of where) systemdUnits(w, out);
  else if (isObj(where)) {
    const name = where['name'];
    if (where['source'] === 'systemd' && isObj(name) && Array.isArray(name['in']))
      for (const n of name['in']) out.add(String(n));
    for (const v of Object.values(where)) if (typeof v === 'object') systemdUnits(v, out);
  }
  return out;
}

function fromLeaf(leaf: Obj, params: Readonly<Record<string, unknown>>): EditSpec | null | 'skip' {
  const fact = leaf['fact'];
  const where = isObj(leaf['where']) ? leaf['where'] : {};
  const test = isObj(leaf['test']) ? leaf['test'] : undefined;
  const expect = leaf['expect'];
  const key = typeof where['key'] === 'string' ? where['key'] : undefined;
  switch (fact) {
    case 'sshd': {
      if (!key || !test) return null;
      const field = ['value', 'number', 'values'].find((f) => f in test);
      const v = field ? wanted(test[field], params) : null;
      return v === null ? null : { kind: 'sshd_set', key, value: v };
    }
    case 'sysctl': {
      if (!key || !test || !('value' in test)) return null;
      const v = wanted(test['value'], params);
      return v === null ? null : { kind: 'sysctl_set', key, value: v };
    }
    case 'modprobe':
      if (typeof where['module'] !== 'string') return null;
      return { kind: 'modprobe_disable', module: where['module'] };
    case 'login_defs': {
      if (!key || !test || !('value' in test)) return null;
      const v = wanted(test['value'], params);
      return v === null ? null : { kind: 'login_defs_set', key, value: v };
    }
    case 'pam_settings': {
      const family = where['file'];
      if (family !== 'pwquality' && family !== 'faillock' && family !== 'pwhistory') return null;
      const k = typeof where['key'] === 'string' ? where['key'] : wanted(where['key'], params);
      if (!k) return null;
      if (!test) return expect === 'any' ? { kind: 'pam_option_set', family, key: k, value: '' } : null;
      let vt: unknown = test['value'];
      if (Array.isArray(test['any'])) {
        // Several accepted forms: the one that names a profile parameter.
        const withParam = (test['any'] as Obj[]).find((b) => JSON.stringify(b).includes('"param"'));
        vt = withParam?.['value'];
      }
      const v = wanted(vt, params);
      return v === null ? null : { kind: 'pam_option_set', family, key: k, value: v };
    }
    case 'pam': {
      if (expect !== 'none' || typeof where['module'] !== 'string') return null;
      const args = where['args'];
      if (isObj(args) && typeof args['contains'] === 'string')
        return { kind: 'pam_arg_remove', module: where['module'], arg: args['contains'] };
      return null;
    }
    case 'file': {
      const args = isObj(leaf['args']) ? leaf['args'] : {};
      const path = resolve(args['path'], params);
      if (typeof path !== 'string' || !test) return null;
      let t: Obj = test;
      if (Array.isArray(test['any']) && isObj(test['any'][0])) t = { ...test, ...test['any'][0] };
      const spec: EditSpec = { kind: 'file_perms', path };
      const mode = isObj(t['mode']) ? resolve(t['mode']['at_most'], params) : undefined;
      if (typeof mode === 'string') spec.maxMode = parseInt(mode, 8);
      const owner = wanted(t['owner'], params);
      if (owner !== null) spec.owner = owner;
      const group = wanted(t['group'], params);
      if (group !== null) spec.group = group;
      return spec.maxMode === undefined && !spec.owner && !spec.group ? null : spec;
    }
    case 'sudoers': {
      if (where['kind'] !== 'defaults' || typeof where['defaults_key'] !== 'string') return null;
      if (expect === 'none') return 'skip';
      const dk = where['defaults_key'];
      const dv = test ? wanted(test['defaults_value'], params) : null;
      if (dv === 'true') return { kind: 'sudoers_default', key: dk, value: null };
      return dv === null ? null : { kind: 'sudoers_default', key: dk, value: dv };
    }
    case 'packages': {
      const name = where['name'];
      const names =
        typeof name === 'string'
          ? [name]
          : isObj(name) && Array.isArray(name['in'])
            ? name['in'].map(String)
            : [];
      if (names.length === 0 || where['installed'] !== true) return null;
      if (expect === 'none') return { kind: 'package_remove', packages: names };
      if (expect === 'any') return { kind: 'package_install', packages: [names[0]!] };
      return null;
    }
    case 'services': {
      if (expect !== 'none') return null;
      const units = [...systemdUnits(where)];
      return units.length ? { kind: 'service_disable', units } : null;
    }
    case 'kernel_modules':
    case 'sysctl_live':
      return 'skip';
    default:
      return null;
  }
}

export interface Derived {
  edits: EditSpec[];
  /** Why no edit could be derived (the rule's own fix text follows in the plan). */
  manual: string | null;
}

export function deriveEdits(rule: Rule, params: Readonly<Record<string, unknown>>): Derived {
  if (rule.fix.impact === 'manual' || NEVER_AUTOMATIC.has(rule.id))
    return { edits: [], manual: `manual fix: ${rule.fix.description}` };
  const override = OVERRIDES[rule.id];
  if (override) return { edits: [...override], manual: null };
  const edits: EditSpec[] = [];
  for (const leaf of leaves(rule.check)) {
    const e = fromLeaf(leaf, params);
    if (e === 'skip') continue;
    if (e === null)
      return {
        edits: [],
        manual: `no automatic edit for this check shape (fact ${String(leaf['fact'])}): ${rule.fix.description}`,
      };
    if (!edits.some((x) => JSON.stringify(x) === JSON.stringify(e))) edits.push(e);
  }
  if (edits.length === 0) return { edits: [], manual: `manual fix: ${rule.fix.description}` };
  return { edits, manual: null };
}
