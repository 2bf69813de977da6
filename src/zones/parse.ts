/**
 * Zone model text → validated model, or issues with file:line:column and the key path. Schema problems come
 * from zod (src/zones/model.ts); the semantic checks below catch what a schema cannot: unknown zone
 * references, a conduit joining a zone to itself, parent cycles, duplicate ids, overlapping memberships.
 */
import type { Issue } from '../core/errors.js';
import type { ProtocolName } from '../capture/types.js';
import { locate, parseYaml, zodIssues } from '../content/yaml.js';
import { ZoneModelSchema, type Selector, type ZoneModel } from './model.js';
import { cidrsOverlap, normMac } from './net.js';
import { canonicalSr } from './sr.js';

/** Every protocol name src/capture can report; the model's `allow[].protocol` must be one of these (or `any`). */
export const PROTOCOLS = [
  'modbus',
  'umas',
  's7comm',
  's7comm-plus',
  'iec61850-mms',
  'enip',
  'cip',
  'dnp3',
  'iec104',
  'opcua',
  'bacnet',
  'profinet-dcp',
  'profinet-rt',
  'mqtt',
  'goose',
  'sv',
  'hart-ip',
  'fins',
  'ads',
  'fox',
  'ssh',
  'telnet',
  'ftp',
  'http',
  'tls',
  'smb',
  'rdp',
  'vnc',
  'dns',
  'ntp',
  'snmp',
  'unknown',
] as const satisfies readonly ProtocolName[];

type Path = (string | number)[];

export function parseZoneModel(text: string, file: string): { model?: ZoneModel; issues: Issue[] } {
  const { doc, lines, issues, data } = parseYaml(text, file);
  if (issues.length) return { issues };
  const parsed = ZoneModelSchema.safeParse(data);
  if (!parsed.success) return { issues: zodIssues(parsed.error, file, doc, lines) };
  const model = parsed.data;
  const out: Issue[] = [];
  const add = (code: string, path: Path, message: string) => {
    const at = locate(doc, lines, path);
    out.push({
      code,
      file,
      ...(at ? { line: at.line, column: at.column } : {}),
      path: path.join('.'),
      message,
    });
  };
  semanticIssues(model, add);
  return out.length ? { issues: out } : { model, issues: [] };
}

export function semanticIssues(
  model: ZoneModel,
  add: (code: string, path: Path, message: string) => void,
): void {
  const zoneIds = new Map<string, number>();
  model.zones.forEach((z, i) => {
    if (zoneIds.has(z.id))
      add(
        'duplicate_zone',
        ['zones', i, 'id'],
        `zone id "${z.id}" is already used by zones[${zoneIds.get(z.id)}]`,
      );
    else zoneIds.set(z.id, i);
  });
  const known = (id: string) => zoneIds.has(id);
  const zoneList = () => [...zoneIds.keys()].join(', ');
  model.zones.forEach((z, i) => {
    if (z.parent === undefined) return;
    if (!known(z.parent))
      add(
        'unknown_zone',
        ['zones', i, 'parent'],
        `parent "${z.parent}" is not a zone (zones: ${zoneList()})`,
      );
    else if (z.parent === z.id)
      add('zone_cycle', ['zones', i, 'parent'], `zone "${z.id}" cannot be its own parent`);
  });
  model.zones.forEach((z, i) => {
    for (const k of Object.keys(z.attested ?? {}))
      if (!canonicalSr(k))
        add(
          'unknown_requirement',
          ['zones', i, 'attested', k],
          `"${k}" is not an IEC 62443-3-3 requirement (write "SR 7.5" or "SR 1.1 RE1")`,
        );
  });
  // Parent cycles (a → b → a).
  const parentOf = new Map(model.zones.filter((z) => z.parent !== undefined).map((z) => [z.id, z.parent!]));
  model.zones.forEach((z, i) => {
    const seen = new Set([z.id]);
    let p = parentOf.get(z.id);
    while (p !== undefined && p !== z.id) {
      if (seen.has(p)) break;
      seen.add(p);
      p = parentOf.get(p);
    }
    if (p === z.id && z.parent !== z.id)
      add(
        'zone_cycle',
        ['zones', i, 'parent'],
        `zone "${z.id}" is its own ancestor (${[...seen].join(' → ')} → ${z.id})`,
      );
  });
  const ancestors = (id: string): Set<string> => {
    const s = new Set<string>();
    let p = parentOf.get(id);
    while (p !== undefined && !s.has(p) && p !== id) {
      s.add(p);
      p = parentOf.get(p);
    }
    return s;
  };
  const nested = (a: string, b: string) => a === b || ancestors(a).has(b) || ancestors(b).has(a);

  // Overlapping memberships between zones that are not nested in one another.
  const claims: { zone: string; sel: Selector; path: Path }[] = [];
  model.zones.forEach((z, i) => {
    z.members.forEach((sel, j) => {
      claims.push({ zone: z.id, sel, path: ['zones', i, 'members', j] });
    });
  });
  for (let a = 0; a < claims.length; a++) {
    for (let b = a + 1; b < claims.length; b++) {
      const x = claims[a]!;
      const y = claims[b]!;
      if (nested(x.zone, y.zone)) continue;
      const why = overlap(x.sel, y.sel);
      if (why)
        add(
          'overlapping_membership',
          y.path,
          `${why}: zones "${x.zone}" and "${y.zone}" both claim it; an asset belongs to one zone (or to a zone and its parents)`,
        );
    }
  }

  const names = new Map<string, number>();
  model.assets.forEach((a, i) => {
    if (names.has(a.name))
      add(
        'duplicate_asset',
        ['assets', i, 'name'],
        `asset "${a.name}" is already listed at assets[${names.get(a.name)}]`,
      );
    else names.set(a.name, i);
  });

  const conduitIds = new Map<string, number>();
  model.conduits.forEach((c, i) => {
    const at: Path = ['conduits', i];
    if (conduitIds.has(c.id))
      add(
        'duplicate_conduit',
        [...at, 'id'],
        `conduit id "${c.id}" is already used by conduits[${conduitIds.get(c.id)}]`,
      );
    else conduitIds.set(c.id, i);
    c.between.forEach((zid, k) => {
      if (!known(zid))
        add('unknown_zone', [...at, 'between', k], `"${zid}" is not a zone (zones: ${zoneList()})`);
    });
    const [a, b] = c.between;
    if (a === b)
      add(
        'conduit_self',
        [...at, 'between'],
        `conduit "${c.id}" joins zone "${a}" to itself; a conduit joins two different zones`,
      );
    c.controls.forEach((ctl, k) => {
      if (ctl.type !== 'data-diode') return;
      for (const key of ['from', 'to'] as const) {
        if (!c.between.includes(ctl[key]))
          add(
            'unknown_zone',
            [...at, 'controls', k, key],
            `data diode ${key} "${ctl[key]}" is not one of the conduit's zones (${a}, ${b})`,
          );
      }
      if (ctl.from === ctl.to)
        add(
          'diode_direction',
          [...at, 'controls', k, 'to'],
          'a data diode carries data from one zone to the other: from and to must differ',
        );
    });
    c.allow.forEach((al, k) => {
      if (al.from !== 'any' && !c.between.includes(al.from))
        add(
          'unknown_zone',
          [...at, 'allow', k, 'from'],
          `from "${al.from}" must be one of the conduit's zones (${a}, ${b}) or "any"`,
        );
      if (al.protocol !== 'any' && !(PROTOCOLS as readonly string[]).includes(al.protocol))
        add(
          'unknown_protocol',
          [...at, 'allow', k, 'protocol'],
          `protocol "${al.protocol}" is not one Bulwark identifies (${PROTOCOLS.join(', ')}, or any)`,
        );
      (al.ports ?? []).forEach((p, n) => {
        if (typeof p === 'string') {
          const [lo, hi] = p.split('-').map(Number);
          if (!(lo! <= hi! && hi! <= 65535))
            add(
              'port_range',
              [...at, 'allow', k, 'ports', n],
              `port range "${p}" must be low-high within 0–65535`,
            );
        }
      });
    });
  });
}

function overlap(a: Selector, b: Selector): string | undefined {
  if ('ip' in a && 'ip' in b && a.ip === b.ip) return `address ${a.ip}`;
  if ('mac' in a && 'mac' in b && normMac(a.mac) === normMac(b.mac)) return `MAC ${a.mac}`;
  if ('name' in a && 'name' in b && a.name === b.name) return `asset name "${a.name}"`;
  if ('tag' in a && 'tag' in b && a.tag === b.tag) return `tag "${a.tag}"`;
  const cidrOf = (s: Selector) => ('cidr' in s ? s.cidr : 'ip' in s ? s.ip : undefined);
  const x = cidrOf(a);
  const y = cidrOf(b);
  if (x !== undefined && y !== undefined && ('cidr' in a || 'cidr' in b) && cidrsOverlap(x, y))
    return `address range ${x} overlaps ${y}`;
  return undefined;
}
