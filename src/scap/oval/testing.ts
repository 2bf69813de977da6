/**
 * Test support for the OVAL evaluator's tests: OVAL documents built from parts, and a test double of
 * the probe contract answering from a table. No I/O (the fixture-directory prober lives in
 * oracle.test.ts). Used only by tests.
 */
import type { OvalItem, OvalProber, ProbeRequest, ProbeResult } from './types.js';

export const OVAL_HEAD = `<?xml version="1.0"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent" xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix" xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns:win="http://oval.mitre.org/XMLSchema/oval-definitions-5#windows" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<generator><oval:schema_version>5.11.1</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>
`;

export function defsDoc(parts: {
  definitions: string;
  tests?: string;
  objects?: string;
  states?: string;
  variables?: string;
}): string {
  const sec = (name: string, body: string | undefined): string =>
    body ? `<${name}>\n${body}\n</${name}>\n` : '';
  return (
    OVAL_HEAD +
    sec('definitions', parts.definitions) +
    sec('tests', parts.tests) +
    sec('objects', parts.objects) +
    sec('states', parts.states) +
    sec('variables', parts.variables) +
    '</oval_definitions>\n'
  );
}

export function definition(id: string, criteria: string): string {
  return `<definition class="compliance" id="${id}" version="1"><metadata><title>${id}</title><description>d</description></metadata>${criteria}</definition>`;
}

/** A prober that answers from a table keyed by object id, recording the requests it saw. */
export class TableProber implements OvalProber {
  readonly requests: ProbeRequest[] = [];
  constructor(
    private readonly table: Map<string, ProbeResult | ((req: ProbeRequest) => ProbeResult)>,
    private readonly types: string[] = [
      'textfilecontent54_object',
      'file_object',
      'family_object',
      'sysctl_object',
    ],
  ) {}
  supports(type: string): boolean {
    return this.types.includes(type);
  }
  collect(req: ProbeRequest): Promise<ProbeResult> {
    this.requests.push(req);
    const r = this.table.get(req.id);
    if (!r) return Promise.resolve({ flag: 'does not exist', items: [], messages: [] });
    return Promise.resolve(typeof r === 'function' ? r(req) : r);
  }
}

export function item(
  type: string,
  entities: Record<string, string | string[]>,
  status: OvalItem['status'] = 'exists',
): OvalItem {
  const e: OvalItem['entities'] = {};
  for (const [k, v] of Object.entries(entities))
    e[k] = (Array.isArray(v) ? v : [v]).map((value) => ({
      value,
      datatype: /^\d+$/.test(value) && k === 'instance' ? 'int' : 'string',
    }));
  return { type, family: 'independent', status, entities: e };
}
