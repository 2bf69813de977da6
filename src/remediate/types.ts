/**
 * The plan format: what Bulwark would change, computed by Bulwark itself (never by running a rule's shell
 * script). A plan is JSON (`bulwark fix plan --out plan.json`), validated with zod when read back.
 */
import { z } from 'zod';

/** One structured edit derived from a failing rule. Handlers in plan.ts turn each kind into file changes. */
export type EditSpec =
  | { kind: 'sshd_set'; key: string; value: string }
  | { kind: 'sysctl_set'; key: string; value: string }
  | { kind: 'modprobe_disable'; module: string }
  | { kind: 'login_defs_set'; key: string; value: string }
  | { kind: 'pam_option_set'; family: 'pwquality' | 'faillock' | 'pwhistory'; key: string; value: string }
  | { kind: 'pam_arg_remove'; module: string; arg: string }
  | { kind: 'file_perms'; path: string; maxMode?: number; owner?: string; group?: string }
  | { kind: 'sudoers_default'; key: string; value: string | null }
  | { kind: 'package_remove'; packages: string[] }
  | { kind: 'package_install'; packages: string[] }
  | { kind: 'service_disable'; units: string[] };

export const IMPACT_CLASSES = ['safe', 'restart', 'reboot', 'lockout_risk', 'disruptive', 'manual'] as const;
export type ImpactClass = (typeof IMPACT_CLASSES)[number];

const Impact = z
  .object({
    /** The most serious class of the change: manual > lockout_risk > reboot > disruptive > restart > safe. */
    class: z.enum(IMPACT_CLASSES),
    /** Human summary, e.g. "restarts sshd.service; lockout risk". */
    label: z.string(),
    restart: z.array(z.string()),
    reboot: z.boolean(),
    lockout_risk: z.boolean(),
    disruptive: z.boolean(),
  })
  .strict();
export type Impact = z.infer<typeof Impact>;

const FileChangeSchema = z
  .object({
    path: z.string().startsWith('/'),
    /** Content before (null: the file does not exist yet). */
    before: z.string().nullable(),
    /** Content after (null: content unchanged; only metadata changes). */
    after: z.string().nullable(),
    before_sha256: z.string().nullable(),
    diff: z.string(),
    /** Metadata before/after (octal mode text, numeric ids). */
    mode_before: z.string().nullable(),
    mode_after: z.string().nullable(),
    uid_before: z.number().int().nullable(),
    uid_after: z.number().int().nullable(),
    gid_before: z.number().int().nullable(),
    gid_after: z.number().int().nullable(),
    /** Validation the writer runs before the file is put in place. */
    validate: z.enum(['sshd', 'sudoers', 'pam', 'none']),
  })
  .strict();
export type FileChange = z.infer<typeof FileChangeSchema>;

const CommandSchema = z
  .object({
    argv: z.array(z.string()).min(1),
    /** Why it runs, e.g. "reload sshd after 3 sshd_config edits". */
    why: z.string(),
    /** live: only on the live host; a mounted root never runs it (it is listed as a manual step). */
    when: z.enum(['live']),
  })
  .strict();
export type PlanCommand = z.infer<typeof CommandSchema>;

export const ChangeSchema = z
  .object({
    id: z.string(),
    rules: z.array(z.string()).min(1),
    title: z.string(),
    kind: z.string(),
    edits: z.array(z.record(z.string(), z.unknown())),
    impact: Impact,
    files: z.array(FileChangeSchema),
    commands: z.array(CommandSchema),
    depends_on: z.array(z.string()),
    /** Set for a change Bulwark cannot make itself: what a person has to do. */
    manual: z.string().nullable(),
    /** Rule parameters used (profile values templated into the change). */
    params: z.record(z.string(), z.unknown()),
    notes: z.array(z.string()),
    /** Guards that would refuse this change (empty when none trips); apply refuses unless forced. */
    guards: z.array(z.object({ code: z.string(), message: z.string(), hint: z.string() }).strict()),
  })
  .strict();
export type Change = z.infer<typeof ChangeSchema>;

export const CompensationSchema = z
  .object({
    rule: z.string(),
    title: z.string(),
    severity: z.string(),
    /** Proposed controls: zone isolation, conduit rules, monitoring, procedure. */
    proposals: z.array(z.string()),
  })
  .strict();
export type Compensation = z.infer<typeof CompensationSchema>;

export const PlanSchema = z
  .object({
    format: z.literal('bulwark-plan/1'),
    id: z.string(),
    created_at: z.string(),
    target: z.object({ kind: z.enum(['live', 'root']), root: z.string() }).strict(),
    asset: z.object({ id: z.string(), name: z.string(), modifiability: z.string() }).strict().nullable(),
    scan_id: z.string().nullable(),
    profile: z.string(),
    changes: z.array(ChangeSchema),
    /** Commands run once after all changes (e.g. one sshd reload after every sshd edit), in order. */
    finally: z.array(CommandSchema.extend({ after: z.array(z.string()) })),
    compensations: z.array(CompensationSchema),
    summary: z
      .object({
        changes: z.number().int(),
        automatic: z.number().int(),
        manual: z.number().int(),
        files: z.number().int(),
        restarts: z.array(z.string()),
        reboot: z.boolean(),
        lockout_risk: z.boolean(),
      })
      .strict(),
  })
  .strict();
export type Plan = z.infer<typeof PlanSchema>;
