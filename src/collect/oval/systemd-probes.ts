/**
 * linux systemdunitdependency_object and systemdunitproperty_object, read from the unit files of
 * the target: unit search paths, drop-ins (`<unit>.d/*.conf`), `.wants/` and `.requires/`
 * directories, templates (`foo@.service` for `foo@bar.service`) and masks (links to /dev/null).
 *
 * oscap asks systemd over D-Bus, so it collects nothing offline or where systemd is not running
 * ("DBus connection failed"). Bulwark computes the same answers from the files:
 * - dependencies as oscap lists them: the Requires= and Wants= of the unit (with .requires/ and
 *   .wants/ entries), recursing only into target units (as `systemctl list-dependencies`);
 * - properties Id, Names, LoadState, UnitFileState, FragmentPath, Description, Requires, Wants.
 *   Run-time properties (ActiveState, SubState, …) come from the host's `systemctl show` on a live
 *   host booted with systemd, and are `not collected` otherwise.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import type { OvalItem, OvalProber, ProbeRequest, ProbeResult } from '../../scap/oval/types.js';
import type { Target } from '../../targets/target.js';
import { item, ItemSink, many, result, str, unresolved } from './items.js';

const OFFLINE_PATHS = [
  '/etc/systemd/system',
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
];
const LIVE_PATHS = [
  '/etc/systemd/system.control',
  '/run/systemd/system.control',
  '/run/systemd/transient',
  '/run/systemd/generator.early',
  '/etc/systemd/system',
  '/run/systemd/system',
  '/run/systemd/generator',
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/run/systemd/generator.late',
];
const UNIT_SUFFIX = /\.(service|socket|target|device|mount|automount|swap|path|timer|slice|scope)$/;

interface UnitInfo {
  name: string;
  /** Fragment (resolved unit file, inner path), or null for masked / not found. */
  fragment: string | null;
  masked: boolean;
  unit: Map<string, string[]>;
  install: Map<string, string[]>;
  requires: string[];
  wants: string[];
  description: string;
  generated: boolean;
}

/** Parses a unit file's sections; list-valued keys accumulate, an empty assignment resets. */
export function parseUnitText(text: string, into: Map<string, Map<string, string[]>>): void {
  let section = '';
  let cont = '';
  for (const raw of text.split('\n')) {
    let line = cont + raw;
    if (line.endsWith('\\')) {
      cont = line.slice(0, -1) + ' ';
      continue;
    }
    cont = '';
    line = line.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const k = line.slice(0, eq).trim();
    const v = line.slice(eq + 1).trim();
    let s = into.get(section);
    if (!s) {
      s = new Map();
      into.set(section, s);
    }
    if (v === '') s.set(k, []);
    else s.set(k, [...(s.get(k) ?? []), ...v.split(/\s+/)]);
  }
}

export class SystemdProbes implements OvalProber {
  private readonly target: Target;
  private readonly units = new Map<string, Promise<UnitInfo | null>>();
  private allNames: Promise<string[]> | undefined;
  private booted: Promise<boolean> | undefined;

  constructor(target: Target) {
    this.target = target;
  }

  supports(type: string, family: ProbeRequest['family']): boolean {
    return (
      family === 'linux' && (type === 'systemdunitdependency_object' || type === 'systemdunitproperty_object')
    );
  }

  private get paths(): string[] {
    return this.target.mode === 'live' ? LIVE_PATHS : OFFLINE_PATHS;
  }

  async collect(req: ProbeRequest): Promise<ProbeResult> {
    if (unresolved(req)) return result('does not exist', [], ['a variable of the object has no value']);
    const ent = req.entities.unit;
    if (!ent) return result('error', [], [`${req.id}: the object has no unit entity`]);
    const names =
      ent.operation === 'equals'
        ? ent.values.filter((v) => req.matches('unit', v))
        : (await this.names()).filter((n) => req.matches('unit', n));
    const sink = new ItemSink(req);
    for (const n of [...new Set(names)].sort()) {
      const u = await this.unit(n);
      if (!u || (!u.fragment && !u.masked)) continue;
      if (req.type === 'systemdunitdependency_object') sink.push(await this.dependencyItem(u));
      else for (const it of await this.propertyItems(req, u)) sink.push(it);
    }
    return sink.result();
  }

  /** Every unit name in the search paths (files, links, aliases). */
  private names(): Promise<string[]> {
    this.allNames ??= (async () => {
      const out = new Set<string>();
      for (const dir of this.paths)
        for (const e of (await this.target.readdir(dir)) ?? [])
          if (e.type !== 'dir' && UNIT_SUFFIX.test(e.name)) out.add(e.name);
      // Templates are not units themselves.
      return [...out].filter((n) => !/@\.[a-z]+$/.test(n)).sort();
    })();
    return this.allNames;
  }

  private unit(name: string): Promise<UnitInfo | null> {
    let p = this.units.get(name);
    if (!p) {
      p = this.load(name);
      this.units.set(name, p);
    }
    return p;
  }

  private async load(name: string): Promise<UnitInfo | null> {
    const template = name.includes('@') ? name.replace(/@[^.]*\./, '@.') : null;
    let fragment: string | null = null;
    let masked = false;
    let generated = false;
    for (const candidate of template ? [name, template] : [name]) {
      for (const dir of this.paths) {
        const p = `${dir}/${candidate}`;
        const st = await this.target.stat(p).catch(() => null);
        if (!st) continue;
        if (st.type === 'symlink' && (st.target === '/dev/null' || st.target?.endsWith('/dev/null'))) {
          masked = true;
          break;
        }
        const real = await this.target.stat(p, { follow: true }).catch(() => null);
        if (!real || real.type !== 'file') continue;
        if (real.size === 0) {
          masked = true;
          break;
        }
        fragment = st.type === 'symlink' ? real.path : p;
        generated = dir.startsWith('/run/systemd/generator');
        break;
      }
      if (fragment || masked) break;
    }
    if (!fragment && !masked) return null;
    const sections = new Map<string, Map<string, string[]>>();
    if (fragment) {
      const r = await this.target.readText(fragment);
      if (r.status === 'ok') parseUnitText(r.text, sections);
      // Drop-ins: <unit>.d/*.conf (and the template's), later file names override earlier ones.
      const dropins = new Map<string, string>();
      for (const base of template ? [template, name] : [name])
        for (const dir of [...this.paths].reverse())
          for (const e of (await this.target.readdir(`${dir}/${base}.d`)) ?? [])
            if (e.name.endsWith('.conf')) dropins.set(e.name, `${dir}/${base}.d/${e.name}`);
      for (const k of [...dropins.keys()].sort()) {
        const r2 = await this.target.readText(dropins.get(k)!);
        if (r2.status === 'ok') parseUnitText(r2.text, sections);
      }
    }
    const unitSec = sections.get('Unit') ?? new Map<string, string[]>();
    const dirDeps = async (suffix: string) => {
      const out: string[] = [];
      for (const base of template ? [name, template] : [name])
        for (const dir of this.paths)
          for (const e of (await this.target.readdir(`${dir}/${base}${suffix}`)) ?? []) out.push(e.name);
      return out;
    };
    const instance = template ? name.slice(name.indexOf('@') + 1, name.lastIndexOf('.')) : '';
    const spec = (v: string) => (template ? v.replace(/%i/g, instance) : v);
    return {
      name,
      fragment,
      masked,
      unit: unitSec,
      install: sections.get('Install') ?? new Map<string, string[]>(),
      requires: [...new Set([...(unitSec.get('Requires') ?? []).map(spec), ...(await dirDeps('.requires'))])],
      wants: [...new Set([...(unitSec.get('Wants') ?? []).map(spec), ...(await dirDeps('.wants'))])],
      description: (unitSec.get('Description') ?? []).join(' '),
      generated,
    };
  }

  private async dependencyItem(u: UnitInfo): Promise<OvalItem> {
    const deps: string[] = [];
    const seen = new Set<string>([u.name]);
    const visit = async (x: UnitInfo) => {
      if (!x.name.endsWith('.target')) return;
      for (const d of [...x.requires, ...x.wants]) {
        if (!deps.includes(d)) deps.push(d);
        if (seen.has(d)) continue;
        seen.add(d);
        const du = await this.unit(d);
        if (du) await visit(du);
      }
    };
    await visit(u);
    const e: OvalItem['entities'] = { unit: str(u.name) };
    if (deps.length > 0) e.dependency = many(deps);
    return item('systemdunitdependency_item', 'linux', e);
  }

  /** Whether some .wants/.requires link or alias in the configuration directories names the unit. */
  private async enabledLinks(u: UnitInfo): Promise<boolean> {
    const dirs =
      this.target.mode === 'live' ? ['/etc/systemd/system', '/run/systemd/system'] : ['/etc/systemd/system'];
    const aliases = new Set([u.name, ...(u.install.get('Alias') ?? [])]);
    for (const dir of dirs)
      for (const e of (await this.target.readdir(dir)) ?? []) {
        if (e.type === 'dir' && /\.(wants|requires)$/.test(e.name)) {
          for (const x of (await this.target.readdir(`${dir}/${e.name}`)) ?? [])
            if (aliases.has(x.name)) return true;
        } else if (e.type === 'symlink' && e.name !== u.name && aliases.has(e.name)) return true;
      }
    return false;
  }

  private async unitFileState(u: UnitInfo): Promise<string> {
    if (u.masked) return 'masked';
    if (u.generated) return 'generated';
    const inst = u.install;
    const hasInstall = ['WantedBy', 'RequiredBy', 'Alias', 'UpheldBy'].some(
      (k) => (inst.get(k) ?? []).length > 0,
    );
    if (await this.enabledLinks(u)) return 'enabled';
    if (hasInstall) return 'disabled';
    if ((inst.get('Also') ?? []).length > 0) return 'indirect';
    return 'static';
  }

  private isBooted(): Promise<boolean> {
    this.booted ??= (async () => {
      if (this.target.mode !== 'live') return false;
      const st = await this.target.stat('/run/systemd/system').catch(() => null);
      return st?.type === 'dir';
    })();
    return this.booted;
  }

  private systemctlShow(unit: string, prop: string): Promise<string | null> {
    const bin = ['/usr/bin/systemctl', '/bin/systemctl'].find((b) => fs.existsSync(b));
    if (!bin) return Promise.resolve(null);
    return new Promise((resolve) => {
      execFile(
        bin,
        ['show', `--property=${prop}`, '--value', '--', unit],
        { timeout: 10_000, env: { LC_ALL: 'C' } },
        (err, out) => {
          resolve(err ? null : out.replace(/\n$/, ''));
        },
      );
    });
  }

  private async propertyItems(req: ProbeRequest, u: UnitInfo): Promise<OvalItem[]> {
    const fileProps: Record<string, () => Promise<string[]>> = {
      Id: () => Promise.resolve([u.name]),
      Names: () => Promise.resolve([u.name]),
      LoadState: () => Promise.resolve([u.masked ? 'masked' : 'loaded']),
      UnitFileState: async () => [await this.unitFileState(u)],
      FragmentPath: () => Promise.resolve([u.fragment ?? '']),
      Description: () => Promise.resolve([u.description]),
      Requires: () => Promise.resolve(u.requires),
      Wants: () => Promise.resolve(u.wants),
    };
    const ent = req.entities.property;
    const props =
      ent?.operation === 'equals'
        ? ent.values
        : Object.keys(fileProps).filter((p) => req.matches('property', p));
    const booted = await this.isBooted();
    const out: OvalItem[] = [];
    for (const prop of props) {
      if (!req.matches('property', prop)) continue;
      const e: OvalItem['entities'] = { unit: str(u.name), property: str(prop) };
      const live = booted ? await this.systemctlShow(u.name, prop) : null;
      if (live !== null) e.value = many(live === '' ? [''] : live.split(/\s+/));
      else if (fileProps[prop]) e.value = many(await fileProps[prop]());
      else e.value = str('', 'not collected');
      out.push(item('systemdunitproperty_item', 'linux', e));
    }
    return out;
  }
}
