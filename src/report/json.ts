/**
 * The JSON scan report, schema `bulwark/scan-report@1`. The zod schema below is the single source:
 * docs/report-schema.json is generated from it. Additive changes keep the version; anything else bumps it.
 */
import { z } from 'zod';
import { FACT_STATUSES, RESULT_STATUSES, SEVERITIES } from '../core/types.js';

import { REPORT_SCHEMA_ID } from './build.js';
export { REPORT_SCHEMA_ID };

const Value = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);
const Evidence = z.object({
  fact: z.string().describe('fact the evidence comes from, e.g. `sshd` or `file(path=/etc/shadow)`'),
  path: z.string().optional().describe('file inside the target'),
  line: z.number().int().optional().describe('1-based line in that file'),
  field: z.string().optional(),
  actual: Value.optional(),
  expected: z.string().optional(),
  message: z.string(),
});

export const ReportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA_ID),
  bulwark: z.object({ version: z.string() }),
  scan: z.object({
    id: z.string(),
    started_at: z.string(),
    finished_at: z.string(),
    duration_ms: z.number().int(),
    mode: z.enum(['live', 'offline']),
    target: z.object({ kind: z.enum(['live', 'root']), root: z.string() }),
    profile: z.string(),
    tailoring: z.string().nullable(),
    policies: z.array(z.string()),
    stored_in: z
      .string()
      .nullable()
      .describe('database the scan was stored in, or null with --no-store / on failure'),
  }),
  asset: z.object({
    hostname: z.string().nullable(),
    machine_id: z.string().nullable(),
    os: z.string().nullable(),
  }),
  summary: z.object({
    score: z.number().nullable().describe('0–100, null when no rule passed or failed'),
    formula: z.string(),
    weights: z.record(z.enum(SEVERITIES), z.number()),
    counts: z.record(z.enum(RESULT_STATUSES), z.number().int()),
    failed_by_severity: z.record(z.enum(SEVERITIES), z.number().int()),
    costliest: z.array(
      z.object({ rule: z.string(), title: z.string(), severity: z.enum(SEVERITIES), points: z.number() }),
    ),
  }),
  results: z.array(
    z.object({
      rule: z.string(),
      title: z.string(),
      area: z.string(),
      severity: z.enum(SEVERITIES),
      status: z.enum(RESULT_STATUSES),
      message: z.string(),
      evidence: z.array(Evidence),
      rationale: z.string(),
      fix: z.object({
        impact: z.enum(['safe', 'disruptive', 'manual']),
        description: z.string(),
        shell: z.string().optional(),
        ansible: z.string().optional(),
      }),
      references: z.record(
        z.string(),
        z.union([z.string(), z.array(z.string()), z.record(z.string(), z.string())]),
      ),
      waiver: z
        .object({
          id: z.string(),
          owner: z.string(),
          justification: z.string(),
          compensating_control: z.string(),
          expires: z.string().describe('YYYY-MM-DD, the last day it applies'),
          approver: z.string(),
        })
        .optional()
        .describe(
          'the waiver in force that covers this failing result (the status stays the rule’s own verdict); absent when none, or when the scan was not stored',
        ),
    }),
  ),
  facts: z.array(
    z.object({
      key: z.string(),
      status: z.enum(FACT_STATUSES),
      reason: z.string().optional(),
      rows: z.number().int().describe('number of rows collected (rows themselves are kept in the database)'),
      sources: z.array(z.string()),
    }),
  ),
});
export type Report = z.infer<typeof ReportSchema>;

export { buildReport } from './build.js';

export function reportJsonSchema(): unknown {
  return z.toJSONSchema(ReportSchema, { target: 'draft-2020-12' });
}
