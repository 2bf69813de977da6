/** Small helpers to build OVAL system-characteristics items and probe results. */
import type {
  CollectedFlag,
  ItemEntity,
  ItemStatus,
  OvalDatatype,
  OvalItem,
  ProbeRequest,
  ProbeResult,
} from '../../scap/oval/types.js';

export type Family = OvalItem['family'];

const TRUE: ItemEntity[] = [{ value: 'true', datatype: 'boolean' }];
const FALSE: ItemEntity[] = [{ value: 'false', datatype: 'boolean' }];

export const str = (value: string, status?: ItemStatus): ItemEntity[] =>
  status ? [{ value, datatype: 'string', status }] : [{ value, datatype: 'string' }];
export const int = (value: number | bigint | string): ItemEntity[] => [
  { value: String(value), datatype: 'int' },
];
export const bool = (b: boolean): ItemEntity[] => (b ? TRUE : FALSE);
export const typed = (value: string, datatype: OvalDatatype, status?: ItemStatus): ItemEntity[] =>
  status ? [{ value, datatype, status }] : [{ value, datatype }];
export const many = (values: string[], datatype: OvalDatatype = 'string'): ItemEntity[] =>
  values.map((value) => ({ value, datatype }));

export function item(type: string, family: Family, entities: Record<string, ItemEntity[]>): OvalItem {
  return { type, family, status: 'exists', entities };
}

/** Collects items, applying the evaluator's filters (`req.keep`) as they come so rejects never pile up. */
export class ItemSink {
  readonly items: OvalItem[] = [];
  readonly messages: string[] = [];
  flag: CollectedFlag | null = null;
  seen = 0;
  private readonly req: ProbeRequest;

  constructor(req: ProbeRequest) {
    this.req = req;
  }

  private readonly keys = new Set<string>();

  /** Adds an item unless the filters reject it or an identical item is already there (oscap's item cache). */
  push(it: OvalItem): void {
    this.seen++;
    if (this.req.keep && !this.req.keep(it)) return;
    const k = JSON.stringify([it.type, it.status, it.entities]);
    if (this.keys.has(k)) return;
    this.keys.add(k);
    this.items.push(it);
  }

  result(): ProbeResult {
    // As oscap, whose probes apply filters: no kept item means the object does not exist.
    const flag: CollectedFlag = this.flag ?? (this.items.length > 0 ? 'complete' : 'does not exist');
    return { flag, items: this.items, messages: this.messages };
  }
}

export function result(flag: CollectedFlag, items: OvalItem[] = [], messages: string[] = []): ProbeResult {
  return { flag, items, messages };
}

/** True when any entity referenced a variable without a value: OVAL says the object does not exist. */
export function unresolved(req: ProbeRequest): boolean {
  return Object.values(req.entities).some((e) => e.unresolved === true);
}

/**
 * Runs one entity's filter over names: each candidate that `req.matches`. An absent entity
 * matches everything.
 */
export function matching(req: ProbeRequest, entity: string, names: Iterable<string>): string[] {
  const out: string[] = [];
  const has = req.entities[entity] !== undefined;
  for (const n of names) if (!has || req.matches(entity, n)) out.push(n);
  return out;
}
