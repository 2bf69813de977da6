/**
 * The contract between the OVAL evaluator (src/scap/oval, pure) and the OVAL probes
 * (src/collect/oval, which read the target). The evaluator resolves an object's variables and hands
 * the probe a request; the probe returns the system-characteristics items it found. The probe never
 * judges states; the evaluator never opens a file.
 */

/** OVAL 5.11 datatypes (oval:SimpleDatatypeEnumeration, plus record for record-typed entities). */
export type OvalDatatype =
  | 'binary'
  | 'boolean'
  | 'evr_string'
  | 'debian_evr_string'
  | 'fileset_revision'
  | 'float'
  | 'ios_version'
  | 'int'
  | 'ipv4_address'
  | 'ipv6_address'
  | 'string'
  | 'version'
  | 'record';

/** OVAL 5.11 operations (oval:OperationEnumeration). */
export type OvalOperation =
  | 'equals'
  | 'not equal'
  | 'case insensitive equals'
  | 'case insensitive not equal'
  | 'greater than'
  | 'less than'
  | 'greater than or equal'
  | 'less than or equal'
  | 'bitwise and'
  | 'bitwise or'
  | 'pattern match'
  | 'subset of'
  | 'superset of';

/** Item status (oval-sc:StatusEnumeration). */
export type ItemStatus = 'exists' | 'does not exist' | 'error' | 'not collected';

/** Collected object flag (oval-sc:FlagEnumeration). */
export type CollectedFlag =
  'error' | 'complete' | 'incomplete' | 'does not exist' | 'not collected' | 'not applicable';

/** One value of an item entity, as collected. */
export interface ItemEntity {
  value: string;
  datatype: OvalDatatype;
  /** Defaults to 'exists'. */
  status?: ItemStatus;
  /** For record-typed entities (e.g. textfilecontent54 has none; sql57 result has): the fields. */
  fields?: ItemEntity[];
  /** Field name, for record fields. */
  name?: string;
}

/** A system-characteristics item: entity name → its values (an entity may repeat, e.g. subexpression). */
export interface OvalItem {
  /** e.g. 'textfilecontent_item' (local name), and its namespace family. */
  type: string;
  family: 'independent' | 'unix' | 'linux';
  status: ItemStatus;
  entities: Record<string, ItemEntity[]>;
  /** Free-text messages attached to this item (warnings). */
  messages?: string[];
}

/**
 * One object entity after variable resolution. A var_ref resolving to several values yields several
 * `values`; `varCheck` says how they combine (oval:CheckEnumeration, default 'all'). `nil` is set
 * for xsi:nil="true" entities (e.g. a file_object with a nil filename means "the directory itself").
 */
export interface ObjectEntity {
  name: string;
  values: string[];
  datatype: OvalDatatype;
  operation: OvalOperation;
  varCheck: 'all' | 'at least one' | 'none satisfy' | 'only one';
  nil: boolean;
  /** True when the object referenced a variable with no value: the probe must return 'does not exist' per OVAL. */
  unresolved?: boolean;
}

/**
 * What a probe is asked to collect. `type` is the object's local name (e.g. 'textfilecontent54_object',
 * 'file_object', 'dpkginfo_object', 'systemdunitdependency_object').
 */
export interface ProbeRequest {
  type: string;
  family: 'independent' | 'unix' | 'linux';
  /** Object id, for messages. */
  id: string;
  entities: Record<string, ObjectEntity>;
  /** <behaviors> attributes (recurse, recurse_direction, max_depth, recurse_file_system, multiline, singleline, …). */
  behaviors: Record<string, string>;
  /**
   * The evaluator's own comparison of one entity of the request against a candidate value, with full
   * OVAL semantics (operation, datatype, var_check, PCRE translation). Probes use it to filter
   * candidates (file names, package names, sysctl names…) so the two sides never disagree.
   */
  matches(entityName: string, candidate: string): boolean;
  /** Translates an OVAL (PCRE) pattern to a JavaScript RegExp; throws BW_CONTENT_INVALID when untranslatable. */
  regex(pattern: string, flags?: string): RegExp;
  /**
   * Optional: the object's <filter> elements applied to one item (true = keep). Probes that can
   * produce many items (a file_object walking `/` with filename `.*`) call it as each item is made
   * and drop rejected items at once, so they never accumulate — oscap applies filters inside its
   * probes too. Absent: every item is returned and the evaluator filters. It must be a pure
   * predicate that keeps no reference to its argument (probes may reuse one item object to ask).
   */
  keep?(item: OvalItem): boolean;
}

export interface ProbeResult {
  flag: CollectedFlag;
  items: OvalItem[];
  messages: string[];
}

/** A probe family: the object types it serves, and a collector over the target it was created for. */
export interface OvalProber {
  /** Object local names this prober can collect (e.g. 'textfilecontent54_object'). */
  supports(type: string, family: ProbeRequest['family']): boolean;
  collect(req: ProbeRequest): Promise<ProbeResult>;
}
