/**
 * Test doubles of the probe contract for the OVAL evaluator's tests: a prober answering from a table,
 * and a small textfilecontent54 prober over a fixture directory (enough to compare with OpenSCAP on
 * the same files). Used only by tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** textfilecontent54 over files under `root` (filepath with equals, pattern, instance), multiline like OpenSCAP's default. */
export class FixtureTextProber implements OvalProber {
  calls = 0;
  constructor(private readonly root: string) {}
  supports(type: string): boolean {
    return type === 'textfilecontent54_object';
  }
  collect(req: ProbeRequest): Promise<ProbeResult> {
    this.calls++;
    const fp = req.entities.filepath?.values[0] ?? '';
    const file = join(this.root, fp);
    if (!existsSync(file)) return Promise.resolve({ flag: 'does not exist', items: [], messages: [] });
    const text = readFileSync(file, 'utf8');
    const patterns = req.entities.pattern?.values ?? [];
    const items: OvalItem[] = [];
    for (const pattern of patterns) {
      const re = req.regex(pattern, 'mg');
      let instance = 0;
      for (const m of text.matchAll(re)) {
        instance++;
        if (!req.matches('instance', String(instance))) continue;
        items.push({
          type: 'textfilecontent_item',
          family: 'independent',
          status: 'exists',
          entities: {
            filepath: [{ value: fp, datatype: 'string' }],
            path: [{ value: fp.replace(/\/[^/]*$/, '') || '/', datatype: 'string' }],
            filename: [{ value: fp.replace(/^.*\//, ''), datatype: 'string' }],
            pattern: [{ value: pattern, datatype: 'string' }],
            instance: [{ value: String(instance), datatype: 'int' }],
            text: [{ value: m[0], datatype: 'string' }],
            subexpression: m.slice(1).map((v) => ({ value: v ?? '', datatype: 'string' as const })),
          },
        });
      }
    }
    return Promise.resolve({ flag: 'complete', items, messages: [] });
  }
}
