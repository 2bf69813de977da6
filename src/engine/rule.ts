/**
 * The rule format: one YAML document per rule, the same for built-in content and a plant's or
 * vendor's own guide. Declarative only — a rule file can never execute code.
 */
import { z } from 'zod';
import { SEVERITIES } from '../core/types.js';

export const RULE_ID = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;

/** A literal in a rule, or a reference to a profile parameter. */
export const ParamRef = z.object({ param: z.string().regex(/^[a-z][a-z0-9_]*$/) }).strict();
export type ParamRef = z.infer<typeof ParamRef>;
const Literal = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const Operand = z.union([Literal, z.array(z.union([z.string(), z.number()])), ParamRef]);
export type Operand = z.infer<typeof Operand>;

export { OPERATORS, type Operator } from './operators.js';
import type { Operator } from './operators.js';

/**
 * A condition on one row: `{field: literal}` (equality), `{field: {op: operand, …}}`, and the
 * combinators `all: [cond…]`, `any: [cond…]`, `not: cond`. Field names are checked against the
 * fact's declared columns when content is loaded.
 */
export type Condition = {
  [field: string]: Operand | Partial<Record<Operator, Operand>> | Condition | Condition[];
};
export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.record(z.string(), z.unknown()),
) as z.ZodType<Condition>;

/** Fact arguments: text, or a parameter (e.g. the walk scope a profile chooses). */
const FactArgs = z.record(z.string().regex(/^[a-z_]+$/), z.union([z.string(), ParamRef]));

export interface LeafCheck {
  fact: string;
  args?: Record<string, string | ParamRef>;
  where?: Condition;
  expect?: 'all' | 'any' | 'none';
  test?: Condition;
  if_empty?: 'pass' | 'fail' | 'not_applicable';
  live_only?: boolean;
}
export type Check = LeafCheck | { all: Check[] } | { any: Check[] } | { not: Check } | { manual: string };

const Leaf = z
  .object({
    fact: z.string().regex(/^[a-z][a-z0-9_]*$/),
    args: FactArgs.optional(),
    where: ConditionSchema.optional(),
    expect: z.enum(['all', 'any', 'none']).optional(),
    test: ConditionSchema.optional(),
    if_empty: z.enum(['pass', 'fail', 'not_applicable']).optional(),
    live_only: z.boolean().optional(),
  })
  .strict();

export const CheckSchema: z.ZodType<Check> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(CheckSchema).min(1) }).strict(),
    z.object({ any: z.array(CheckSchema).min(1) }).strict(),
    z.object({ not: CheckSchema }).strict(),
    z.object({ manual: z.string().min(1) }).strict(),
    Leaf,
  ]),
) as z.ZodType<Check>;

const FixtureFile = z.union([
  z.string(),
  z
    .object({
      content: z.string().optional(),
      base64: z.string().optional(),
      mode: z
        .string()
        .regex(/^0?[0-7]{3,4}$/, 'quote file modes as octal strings, e.g. "0640"')
        .optional(),
      uid: z.number().int().min(0).optional(),
      gid: z.number().int().min(0).optional(),
      symlink: z.string().optional(),
      dir: z.boolean().optional(),
    })
    .strict(),
]);

const FixtureRows = z.array(
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])),
);
export const FixtureSchema = z
  .object({
    name: z.string().optional(),
    mode: z.enum(['live', 'offline']).optional(),
    files: z.record(z.string().startsWith('/'), FixtureFile).optional(),
    packages: z
      .array(z.union([z.string(), z.object({ name: z.string(), version: z.string() }).strict()]))
      .optional(),
    /** Written as /var/lib/rpm/rpmdb.sqlite (rpm ≥ 4.16); `version` is `[epoch:]version-release`. */
    rpm_packages: z
      .array(
        z.union([
          z.string(),
          z.object({ name: z.string(), version: z.string(), arch: z.string().optional() }).strict(),
        ]),
      )
      .optional(),
    facts: z
      .record(
        z.string(),
        z.union([
          FixtureRows,
          z
            .object({
              status: z.enum(['complete', 'incomplete', 'absent', 'not_collected', 'error']),
              rows: FixtureRows.optional(),
              reason: z.string().optional(),
            })
            .strict(),
        ]),
      )
      .optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type Fixture = z.infer<typeof FixtureSchema>;

export const ParameterSchema = z
  .object({
    type: z.enum(['int', 'string', 'bool', 'string_list', 'int_list']),
    default: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]),
    description: z.string().min(1),
  })
  .strict();
export type Parameter = z.infer<typeof ParameterSchema>;

const RefList = z.array(z.string().min(1));
export const ReferencesSchema = z
  .object({
    cis: z.record(z.string(), z.string()).optional(),
    stig: RefList.optional(),
    nist_800_53: RefList.optional(),
    iec62443_3_3: RefList.optional(),
    iec62443_4_2: RefList.optional(),
    pci_dss_4: RefList.optional(),
    hipaa: RefList.optional(),
    soc2: RefList.optional(),
    cra: RefList.optional(),
    etsi_en_303_645: RefList.optional(),
    cac: z.string().optional(),
  })
  .strict();

export const FixSchema = z
  .object({
    impact: z.enum(['safe', 'disruptive', 'manual']),
    description: z.string().min(1),
    restart: z.array(z.string()).optional(),
    reboot: z.boolean().optional(),
    lockout_risk: z.boolean().optional(),
    shell: z.string().optional(),
    ansible: z.string().optional(),
  })
  .strict();

export const PLATFORMS = ['linux', 'debian', 'ubuntu', 'rhel'] as const;

export const RuleSchema = z
  .object({
    id: z.string().regex(RULE_ID, 'rule ids are lower-case words joined by dashes'),
    title: z.string().min(8),
    area: z.string().regex(/^[a-z][a-z0-9-]*$/),
    severity: z.enum(SEVERITIES),
    description: z.string().min(10),
    rationale: z.string().min(10),
    platforms: z.array(z.enum(PLATFORMS)).min(1),
    experimental: z.boolean().optional(),
    informational: z.boolean().optional(),
    aliases: z.array(z.string().regex(RULE_ID)).optional(),
    references: ReferencesSchema,
    parameters: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), ParameterSchema).optional(),
    applies_if: CheckSchema.optional(),
    check: CheckSchema,
    fix: FixSchema,
    fixtures: z
      .object({
        pass: z.array(FixtureSchema).min(1),
        fail: z.array(FixtureSchema),
        not_applicable: z.array(FixtureSchema).optional(),
      })
      .strict(),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;

export const ProfileSchema = z
  .object({
    id: z.string().regex(RULE_ID),
    title: z.string().min(3),
    description: z.string().min(10),
    extends: z.string().optional(),
    /** Rule ids, `area:<name>` or `*`, with `!` in front to remove. Applied in order. */
    select: z.array(z.string()).default([]),
    parameters: z.record(z.string(), z.unknown()).default({}),
    /** Per-rule severity changes (XCCDF refine-rule). */
    severity: z.record(z.string(), z.enum(SEVERITIES)).default({}),
    include_experimental: z.boolean().optional(),
  })
  .strict();
export type Profile = z.infer<typeof ProfileSchema>;
