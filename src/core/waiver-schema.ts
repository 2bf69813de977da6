/** Validation of waivers (loaded only where a waiver is added). */
import { z } from 'zod';
import { WAIVER_SCOPES, isCalendarDate } from './waiver.js';

const text = (what: string, max = 500) =>
  z
    .string()
    .trim()
    .min(1, `${what} is required`)
    .max(max, `${what} is longer than ${max} characters`)
    .refine(
      (s) => !Array.from({ length: s.length }, (_, i) => s.charCodeAt(i)).some((c) => c < 0x20),
      `${what} contains control characters`,
    );

/** A real calendar date written YYYY-MM-DD. */
export const DateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is written YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date');

export const WaiverInputSchema = z
  .object({
    rule_id: z.string().min(1, 'the rule id is required'),
    scope_kind: z.enum(WAIVER_SCOPES),
    scope_value: z.string().min(1).nullable(),
    owner: text('the owner'),
    justification: text('the justification', 4000),
    compensating_control: text('the compensating control', 4000),
    expires: DateSchema,
    approver: text('the approver'),
  })
  .strict()
  .refine((w) => (w.scope_kind === 'all') === (w.scope_value === null), {
    message: 'the scope "all" takes no value; asset, tag and zone need one',
    path: ['scope_value'],
  });
export type WaiverInput = z.infer<typeof WaiverInputSchema>;
