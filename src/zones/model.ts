/**
 * The zone model: IEC 62443 zones and conduits as a YAML document. The zod schema below is the single
 * source; docs/zones-schema.json (for editors) is generated from it. Pure: parsing text, no files.
 */
import { z } from 'zod';
import { ipToBigInt } from '../core/values.js';

/** The seven foundational requirements of IEC 62443-3-3, in the standard's order. */
export const FRS = ['IAC', 'UC', 'SI', 'DC', 'RDF', 'TRE', 'RA'] as const;
export type FR = (typeof FRS)[number];
export const FR_NAMES: Record<FR, string> = {
  IAC: 'Identification and authentication control',
  UC: 'Use control',
  SI: 'System integrity',
  DC: 'Data confidentiality',
  RDF: 'Restricted data flow',
  TRE: 'Timely response to events',
  RA: 'Resource availability',
};

/** The operations a model grants, and the kinds of operation (src/capture) each covers. */
export const PERMISSIONS = ['write', 'program', 'stop'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ID = /^[a-z0-9][a-z0-9_.-]*$/i;
const MAC = /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i;

const Ip = z.string().refine((s) => ipToBigInt(s) !== undefined, { message: 'not an IPv4 or IPv6 address' });
export const Cidr = z.string().refine(isCidr, { message: 'not a CIDR (address/prefix, e.g. 10.0.1.0/24)' });
const Mac = z.string().regex(MAC, { message: 'not a MAC address (aa:bb:cc:dd:ee:ff)' });

export function isCidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m || ipToBigInt(m[1]!) === undefined) return false;
  return Number(m[2]) <= (m[1]!.includes(':') ? 128 : 32);
}

const SlLevel = z.number().int().min(0, 'security levels are 0–4').max(4, 'security levels are 0–4');

/** A way to pick assets: exactly one of ip, cidr, mac, name (model asset, or inventory name/hostname), tag. */
export const SelectorSchema = z.union(
  [
    z.object({ ip: Ip }).strict(),
    z.object({ cidr: Cidr }).strict(),
    z.object({ mac: Mac }).strict(),
    z.object({ name: z.string().min(1) }).strict(),
    z.object({ tag: z.string().min(1) }).strict(),
  ],
  { error: 'a selector is exactly one of ip, cidr, mac, name or tag, e.g. "- cidr: 10.0.1.0/24"' },
);
export type Selector = z.infer<typeof SelectorSchema>;

const Permissions = z
  .object({
    write: z
      .array(SelectorSchema)
      .optional()
      .describe('may write values, send commands, change configuration, set clocks'),
    program: z.array(SelectorSchema).optional().describe('may download or change logic and firmware'),
    stop: z.array(SelectorSchema).optional().describe('may stop, start, restart or reset a controller'),
  })
  .strict();
export type Permissions = z.infer<typeof Permissions>;

export const ZoneSchema = z
  .object({
    id: z.string().regex(ID, 'ids are letters, digits, and . _ -'),
    name: z.string().min(1),
    description: z.string().optional(),
    owner: z.string().min(1).describe('who is accountable for the zone'),
    sl_t: z
      .union([
        SlLevel,
        z
          .object({
            IAC: SlLevel,
            UC: SlLevel,
            SI: SlLevel,
            DC: SlLevel,
            RDF: SlLevel,
            TRE: SlLevel,
            RA: SlLevel,
          })
          .strict(),
      ])
      .describe(
        'target security level: one number for all seven FRs, or a vector {IAC, UC, SI, DC, RDF, TRE, RA}',
      ),
    safety: z
      .enum(['none', 'sis', 'safety'])
      .default('none')
      .describe('sis: a safety instrumented system zone'),
    parent: z.string().optional().describe('id of the enclosing zone'),
    members: z.array(SelectorSchema).default([]),
    may: Permissions.optional().describe('who may make state-changing operations to assets inside this zone'),
    attested: z
      .record(z.string(), z.string().min(1))
      .optional()
      .describe(
        'requirements met by means Bulwark cannot observe, e.g. "SR 7.5": "UPS on every rack, tested 2026-03"',
      ),
  })
  .strict();

export const AssetSchema = z
  .object({
    name: z.string().min(1),
    ips: z.array(Ip).default([]),
    macs: z.array(Mac).default([]),
    tags: z.array(z.string()).default([]),
    role: z.string().optional().describe('e.g. plc-rtu, hmi, engineering-workstation, historian'),
  })
  .strict();

const ControlSchema = z.union([
  z.object({ type: z.literal('firewall'), note: z.string().optional() }).strict(),
  z
    .object({
      type: z.literal('data-diode'),
      from: z.string().describe('zone the data leaves'),
      to: z.string().describe('zone the data enters'),
      note: z.string().optional(),
    })
    .strict(),
  z.object({ type: z.literal('vpn'), note: z.string().optional() }).strict(),
  z.object({ type: z.literal('ids'), note: z.string().optional() }).strict(),
]);
export type Control = z.infer<typeof ControlSchema>;

const PortSpec = z.union([
  z.number().int().min(0).max(65535),
  z.string().regex(/^\d{1,5}-\d{1,5}$/, 'a port or a range "from-to"'),
]);

export const AllowSchema = z
  .object({
    protocol: z
      .string()
      .min(1)
      .describe('application protocol as identified in captures (modbus, s7comm, opcua, https…) or "any"'),
    ports: z.array(PortSpec).optional().describe('responder ports; any when omitted'),
    transport: z.enum(['tcp', 'udp', 'any']).default('any'),
    from: z.string().describe('zone whose assets open the connection, or "any" for both directions'),
    may: Permissions.optional().describe('who may make state-changing operations over this flow'),
  })
  .strict();
export type Allow = z.infer<typeof AllowSchema>;

export const ConduitSchema = z
  .object({
    id: z.string().regex(ID, 'ids are letters, digits, and . _ -'),
    between: z.tuple([z.string(), z.string()]).describe('the two zones the conduit joins'),
    description: z.string().optional(),
    controls: z.array(ControlSchema).default([]),
    allow: z.array(AllowSchema).default([]),
  })
  .strict();

export const ZoneModelSchema = z
  .object({
    version: z.literal(1),
    plant: z
      .object({
        name: z.string().min(1),
        internal: z
          .array(Cidr)
          .optional()
          .describe('the plant address space; default: RFC 1918, IPv6 ULA and link-local'),
      })
      .strict(),
    zones: z.array(ZoneSchema).min(1),
    assets: z.array(AssetSchema).default([]),
    conduits: z.array(ConduitSchema).default([]),
  })
  .strict();

export type ZoneModel = z.infer<typeof ZoneModelSchema>;
export type Zone = z.infer<typeof ZoneSchema>;
export type ModelAsset = z.infer<typeof AssetSchema>;
export type Conduit = z.infer<typeof ConduitSchema>;

export const DEFAULT_INTERNAL = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

/** SL-T of a zone as a full vector. */
export function slVector(z: Zone): Record<FR, number> {
  const v = z.sl_t;
  if (typeof v === 'number') return Object.fromEntries(FRS.map((f) => [f, v])) as Record<FR, number>;
  return v;
}

export function zonesJsonSchema(): unknown {
  return z.toJSONSchema(ZoneModelSchema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' });
}
