/**
 * A capture summary given as JSON (`bulwark capture import --json`, or another tool's output in that
 * shape) is input like any other: validated before the checks see it, so a bad file is an error with
 * the offending path, never a crash mid-check. Extra keys (such as the stored `id`) are ignored.
 */
import { z } from 'zod';
import type { CaptureSummary } from '../capture/types.js';
import type { Issue } from '../core/errors.js';
import { PROTOCOLS } from './parse.js';

const Protocol = z.enum(PROTOCOLS);
const Us = z.number();
const Count = z.number().int().nonnegative();

const FlowSchema = z.object({
  transport: z.string(),
  srcIp: z.string().min(1),
  srcPort: z.number().int(),
  dstIp: z.string().min(1),
  dstPort: z.number().int(),
  protocol: Protocol,
  identifiedBy: z.enum(['payload', 'port', 'none']),
  initiatorKnown: z.boolean(),
  srcMac: z.string().optional(),
  dstMac: z.string().optional(),
  vlan: z.number().int().optional(),
  packetsToServer: Count,
  packetsToClient: Count,
  bytesToServer: Count,
  bytesToClient: Count,
  firstSeen: Us,
  lastSeen: Us,
  notes: z.array(z.string()),
});

const OperationSchema = z.object({
  protocol: Protocol,
  kind: z.enum([
    'write',
    'program',
    'stop',
    'start',
    'restart',
    'reset',
    'command',
    'config',
    'time-sync',
    'diagnostic',
  ]),
  name: z.string(),
  code: z.string(),
  srcIp: z.string().min(1),
  dstIp: z.string().min(1),
  firstSeen: Us,
  lastSeen: Us,
  count: Count,
});

const AssetSchema = z.object({
  key: z.string().min(1),
  mac: z.string().optional(),
  ips: z.array(z.string()),
  vendor: z.string().optional(),
  serves: z.array(Protocol),
  uses: z.array(Protocol),
  role: z.enum([
    'plc-rtu',
    'hmi',
    'engineering-workstation',
    'historian',
    'it-host',
    'network-device',
    'iot-device',
    'unknown',
  ]),
  roleReasons: z.array(z.string()),
  firstSeen: Us,
  lastSeen: Us,
  packets: Count,
  bytes: Count,
});

export const CaptureSummarySchema = z.object({
  files: z
    .array(
      z.object({
        path: z.string(),
        format: z.enum(['pcap', 'pcap-ns', 'pcapng']),
        linkTypes: z.array(z.number()),
        packets: Count,
        bytes: Count,
      }),
    )
    .default([]),
  flows: z.array(FlowSchema),
  assets: z.array(AssetSchema),
  operations: z.array(OperationSchema),
  warnings: z
    .array(
      z.object({
        file: z.string(),
        packet: z.number().optional(),
        offset: z.number().optional(),
        code: z.string(),
        message: z.string(),
      }),
    )
    .default([]),
  counters: z.record(z.string(), z.number()).default({}),
});

export function validateSummary(v: unknown, file: string): { summary?: CaptureSummary; issues: Issue[] } {
  const r = CaptureSummarySchema.safeParse(v);
  // Parsed from JSON text, so optional keys are absent, never undefined: the zod output is the contract's shape.
  if (r.success) return { summary: r.data as unknown as CaptureSummary, issues: [] };
  return {
    issues: r.error.issues
      .slice(0, 50)
      .map((i) => ({ code: i.code, file, path: i.path.map(String).join('.'), message: i.message })),
  };
}
