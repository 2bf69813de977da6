/** Collector contract: read, parse, record. Never judge. */
import type { FactStatus, FieldType, Row, ScanMode } from '../core/types.js';
import type { Target } from '../targets/target.js';

export interface CollectContext {
  readonly target: Target;
  readonly mode: ScanMode;
  /** Scan time, for ages (password changes, last logins). */
  readonly now: Date;
  /** Shares parsed inputs between collectors of one scan (e.g. /etc/passwd for users and shadow). */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export interface CollectOutput {
  status: FactStatus;
  rows: Row[];
  /** Paths (inside the target) or live sources read. */
  sources: string[];
  reason?: string;
}

export interface ParamSpec {
  description: string;
  required: boolean;
}

export interface Collector {
  /** Fact name, as used by rules (`fact: packages`). */
  readonly name: string;
  readonly description: string;
  /** Typed columns of the rows; rules are validated against them. */
  readonly fields: Readonly<Record<string, FieldType>>;
  /** Parameters of a parameterised fact, e.g. `path` for `file`. */
  readonly params?: Readonly<Record<string, ParamSpec>>;
  /** Facts that only exist on a running system: offline they are `not_collected`. */
  readonly liveOnly?: boolean;
  /** Long-running (a filesystem walk): started first so that it overlaps the other collectors. */
  readonly slow?: boolean;
  collect(ctx: CollectContext, args: Readonly<Record<string, string>>): Promise<CollectOutput>;
}

export function notCollected(reason: string): CollectOutput {
  return { status: 'not_collected', rows: [], sources: [], reason };
}
