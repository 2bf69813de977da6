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

const VAR_NUMS = 118;
/** The fixture file /etc/test.conf the generated document reads. */
export const ORACLE_TEXT =
  'key1 = 10\nkey2 = 20\nkey2 = 30\nflag yes\nlog_file = /var/log/audit/audit.log\n' +
  'version = 1.10.2\nevr = 1:2.3-4.el8\ndeb = 1.0~rc1-1\nip = 10.1.2.3\nip6 = 2001:db8::7\nbool = true\nfloat = 2.50\nbin = DEADbeef\n' +
  'date = 2024-03-01 12:00:00\n';

/** Typed comparisons of one captured value: [key, datatype, operation, state value]. */
const TYPED: Array<[string, string, string, string]> = [
  ['version', 'version', 'greater than', '1.9'],
  ['version', 'version', 'less than', '1.10.3'],
  ['version', 'version', 'equals', '1.10.2.0'],
  ['version', 'string', 'greater than', '1'],
  ['evr', 'evr_string', 'greater than', '1:2.3-3.el8'],
  ['evr', 'evr_string', 'less than', '2:0.1-1'],
  ['evr', 'evr_string', 'equals', '1:2.3-4.el8'],
  ['deb', 'debian_evr_string', 'less than', '1.0-1'],
  ['deb', 'debian_evr_string', 'greater than', '0:0.9-9'],
  ['ip', 'ipv4_address', 'subset of', '10.0.0.0/8'],
  ['ip', 'ipv4_address', 'equals', '10.1.2.3'],
  ['ip', 'ipv4_address', 'greater than', '10.1.2.2'],
  ['ip6', 'ipv6_address', 'subset of', '2001:db8::/32'],
  ['ip6', 'ipv6_address', 'equals', '2001:0db8:0:0:0:0:0:7'],
  ['bool', 'boolean', 'equals', '1'],
  ['bool', 'boolean', 'not equal', 'false'],
  ['bool', 'boolean', 'greater than', 'false'],
  ['float', 'float', 'equals', '2.5'],
  ['float', 'float', 'greater than', '2.4999'],
  ['float', 'int', 'equals', '2'],
  ['key1', 'int', 'bitwise and', '2'],
  ['key1', 'int', 'bitwise or', '14'],
  ['key1', 'string', 'case insensitive equals', '10'],
  ['bin', 'binary', 'equals', 'deadBEEF'],
  ['bin', 'string', 'case insensitive not equal', 'deadbeef'],
  ['bin', 'binary', 'greater than', '00'],
];

/**
 * A generated OVAL document for comparing with OpenSCAP (oracle.test.ts, bench/oval-eval.mjs): the
 * check × check_existence × state matrix over textfilecontent54 objects reading ORACLE_TEXT at
 * /etc/test.conf, criteria operators, filters, sets, typed comparisons, local variables.
 */
export function oracleDocument(): { xml: string; defIds: string[] } {
  const objects: string[] = [];
  const states: string[] = [];
  const tests: string[] = [];
  const defs: string[] = [];
  const variables: string[] = [];
  const defIds: string[] = [];
  const tfc = (id: string, path: string, pattern: string, extra = ''): string =>
    `<ind:textfilecontent54_object id="${id}" version="1"><ind:filepath>${path}</ind:filepath><ind:pattern operation="pattern match">${pattern}</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance>${extra}</ind:textfilecontent54_object>`;
  objects.push(tfc('oval:t:obj:1', '/etc/test.conf', '^key1\\s*=\\s*(\\d+)$'));
  objects.push(tfc('oval:t:obj:2', '/etc/test.conf', '^key2\\s*=\\s*(\\d+)$'));
  objects.push(tfc('oval:t:obj:3', '/etc/test.conf', '^nokey\\s*=\\s*(\\d+)$'));
  objects.push(tfc('oval:t:obj:4', '/etc/missing.conf', '^key1\\s*=\\s*(\\d+)$'));
  objects.push(
    tfc(
      'oval:t:obj:5',
      '/etc/test.conf',
      '^key2\\s*=\\s*(\\d+)$',
      '<filter action="exclude">oval:t:ste:1</filter>',
    ),
  );
  objects.push(
    tfc(
      'oval:t:obj:9',
      '/etc/test.conf',
      '^key2\\s*=\\s*(\\d+)$',
      '<filter action="include">oval:t:ste:1</filter>',
    ),
  );
  objects.push(tfc('oval:t:obj:10', '/etc/test.conf', '^log_file\\s*=\\s*(.*)$'));
  const set = (id: string, op: string, a: string, b: string): string =>
    `<ind:textfilecontent54_object id="${id}" version="1"><set set_operator="${op}"><object_reference>${a}</object_reference><object_reference>${b}</object_reference></set></ind:textfilecontent54_object>`;
  objects.push(set('oval:t:obj:6', 'UNION', 'oval:t:obj:1', 'oval:t:obj:2'));
  objects.push(set('oval:t:obj:7', 'INTERSECTION', 'oval:t:obj:2', 'oval:t:obj:5'));
  objects.push(set('oval:t:obj:8', 'COMPLEMENT', 'oval:t:obj:2', 'oval:t:obj:5'));
  objects.push(
    `<ind:textfilecontent54_object id="oval:t:obj:11" version="1"><ind:filepath var_ref="oval:t:var:1" var_check="all">x</ind:filepath><ind:pattern operation="pattern match">.</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>`,
  );
  states.push(
    '<ind:textfilecontent54_state id="oval:t:ste:1" version="1"><ind:subexpression datatype="int" operation="less than">25</ind:subexpression></ind:textfilecontent54_state>',
  );
  states.push(
    '<ind:textfilecontent54_state id="oval:t:ste:2" version="1"><ind:subexpression datatype="int" operation="greater than">5</ind:subexpression></ind:textfilecontent54_state>',
  );
  states.push(
    '<ind:textfilecontent54_state id="oval:t:ste:3" version="1"><ind:text operation="pattern match">^key2</ind:text></ind:textfilecontent54_state>',
  );
  states.push(
    '<ind:textfilecontent54_state id="oval:t:ste:4" version="1"><ind:subexpression datatype="int" operation="equals" var_ref="oval:t:var:1"/></ind:textfilecontent54_state>',
  );
  states.push(
    '<ind:textfilecontent54_state id="oval:t:ste:5" version="1" operator="OR"><ind:text operation="pattern match">30$</ind:text><ind:subexpression datatype="int" operation="equals">10</ind:subexpression></ind:textfilecontent54_state>',
  );
  states.push(
    `<ind:textfilecontent54_state id="oval:t:ste:6" version="1"><ind:subexpression datatype="int" operation="greater than" var_ref="oval:t:var:${VAR_NUMS}" var_check="at least one"/></ind:textfilecontent54_state>`,
  );
  let n = 0;
  const addTest = (obj: string, ce: string, check: string, ste: string[], sop = 'AND'): string => {
    n++;
    const id = `oval:t:tst:${String(n)}`;
    tests.push(
      `<ind:textfilecontent54_test id="${id}" version="1" check="${check}" check_existence="${ce}" state_operator="${sop}" comment="c"><ind:object object_ref="${obj}"/>${ste.map((s) => `<ind:state state_ref="${s}"/>`).join('')}</ind:textfilecontent54_test>`,
    );
    const did = `oval:t:def:${String(n)}`;
    defs.push(definition(did, `<criteria><criterion test_ref="${id}"/></criteria>`));
    defIds.push(did);
    return id;
  };
  const stateSets: Array<[string[], string]> = [
    [[], 'AND'],
    [['oval:t:ste:1'], 'AND'],
    [['oval:t:ste:1', 'oval:t:ste:2'], 'AND'],
    [['oval:t:ste:1', 'oval:t:ste:3'], 'OR'],
    [['oval:t:ste:1', 'oval:t:ste:3'], 'ONE'],
    [['oval:t:ste:5'], 'AND'],
    [['oval:t:ste:6'], 'AND'],
  ];
  const testIds: string[] = [];
  for (const obj of [
    'oval:t:obj:1',
    'oval:t:obj:2',
    'oval:t:obj:3',
    'oval:t:obj:4',
    'oval:t:obj:5',
    'oval:t:obj:9',
  ])
    for (const ce of ['all_exist', 'any_exist', 'at_least_one_exists', 'none_exist', 'only_one_exists'])
      for (const [ste, sop] of stateSets)
        for (const check of ste.length === 0 ? ['all'] : ['all', 'at least one', 'none satisfy', 'only one'])
          testIds.push(addTest(obj, ce, check, ste, sop));
  for (const obj of ['oval:t:obj:6', 'oval:t:obj:7', 'oval:t:obj:8'])
    for (const check of ['all', 'at least one', 'none satisfy'])
      testIds.push(addTest(obj, 'at_least_one_exists', check, ['oval:t:ste:1']));
  // Typed comparisons against captured text.
  TYPED.forEach(([key, dt, op, value], i) => {
    const o = `oval:t:obj:${String(300 + i)}`;
    const st = `oval:t:ste:${String(300 + i)}`;
    objects.push(tfc(o, '/etc/test.conf', `^${key}\\s*=\\s*(.*)$`));
    states.push(
      `<ind:textfilecontent54_state id="${st}" version="1"><ind:subexpression datatype="${dt}" operation="${op}">${value}</ind:subexpression></ind:textfilecontent54_state>`,
    );
    testIds.push(addTest(o, 'all_exist', 'all', [st]));
  });
  // entity_check over several subexpressions of one item, and var_check over a multi-valued variable.
  objects.push(tfc('oval:t:obj:12', '/etc/test.conf', '^(key\\d)\\s*=\\s*(\\d+)$'));
  ['all', 'at least one', 'none satisfy', 'only one'].forEach((ec, i) => {
    const st = `oval:t:ste:${String(20 + i)}`;
    states.push(
      `<ind:textfilecontent54_state id="${st}" version="1"><ind:subexpression entity_check="${ec}" operation="pattern match">^\\d+$</ind:subexpression></ind:textfilecontent54_state>`,
    );
    testIds.push(addTest('oval:t:obj:12', 'all_exist', 'all', [st]));
    const vs = `oval:t:ste:${String(30 + i)}`;
    states.push(
      `<ind:textfilecontent54_state id="${vs}" version="1"><ind:subexpression datatype="int" operation="equals" var_ref="oval:t:var:2" var_check="${ec}"/></ind:textfilecontent54_state>`,
    );
    testIds.push(addTest('oval:t:obj:2', 'all_exist', 'at least one', [vs]));
  });
  testIds.push(addTest('oval:t:obj:2', 'at_least_one_exists', 'none exist', ['oval:t:ste:1']));
  // A state entity the items lack (no capture group → no subexpression), alone and under AND/OR.
  objects.push(tfc('oval:t:obj:13', '/etc/test.conf', '^key2'));
  states.push(
    '<ind:textfilecontent54_state id="oval:t:ste:40" version="1" operator="OR"><ind:text operation="equals">nomatch</ind:text><ind:subexpression operation="equals">x</ind:subexpression></ind:textfilecontent54_state>',
    '<ind:textfilecontent54_state id="oval:t:ste:41" version="1"><ind:text operation="pattern match">key2</ind:text></ind:textfilecontent54_state>',
  );
  testIds.push(addTest('oval:t:obj:13', 'all_exist', 'all', ['oval:t:ste:40']));
  testIds.push(addTest('oval:t:obj:13', 'all_exist', 'all', ['oval:t:ste:41', 'oval:t:ste:1'], 'OR'));
  testIds.push(addTest('oval:t:obj:13', 'all_exist', 'all', ['oval:t:ste:41', 'oval:t:ste:1'], 'AND'));
  // Nested sets, a filter inside a set, sets with an object that does not exist.
  objects.push(
    `<ind:textfilecontent54_object id="oval:t:obj:14" version="1"><set set_operator="UNION"><set><object_reference>oval:t:obj:1</object_reference><object_reference>oval:t:obj:2</object_reference></set><set><object_reference>oval:t:obj:3</object_reference></set></set></ind:textfilecontent54_object>`,
    `<ind:textfilecontent54_object id="oval:t:obj:15" version="1"><set><object_reference>oval:t:obj:2</object_reference><filter action="exclude">oval:t:ste:42</filter></set></ind:textfilecontent54_object>`,
    set('oval:t:obj:16', 'COMPLEMENT', 'oval:t:obj:2', 'oval:t:obj:4'),
    set('oval:t:obj:17', 'INTERSECTION', 'oval:t:obj:2', 'oval:t:obj:4'),
    set('oval:t:obj:18', 'UNION', 'oval:t:obj:4', 'oval:t:obj:3'),
    set('oval:t:obj:19', 'COMPLEMENT', 'oval:t:obj:4', 'oval:t:obj:2'),
  );
  states.push(
    '<ind:textfilecontent54_state id="oval:t:ste:42" version="1"><ind:text operation="pattern match">30$</ind:text></ind:textfilecontent54_state>',
  );
  for (const obj of [
    'oval:t:obj:14',
    'oval:t:obj:15',
    'oval:t:obj:16',
    'oval:t:obj:17',
    'oval:t:obj:18',
    'oval:t:obj:19',
  ])
    for (const ce of ['all_exist', 'none_exist']) testIds.push(addTest(obj, ce, 'all', []));
  // A deprecated definition without criteria.
  defs.push(
    '<definition class="compliance" id="oval:t:def:9999" version="1" deprecated="true"><metadata><title>d</title><description>d</description></metadata></definition>',
  );
  defIds.push('oval:t:def:9999');
  // Missing external variable: in a state (error) and in an object (does not exist).
  testIds.push(addTest('oval:t:obj:1', 'all_exist', 'all', ['oval:t:ste:4']));
  testIds.push(addTest('oval:t:obj:11', 'at_least_one_exists', 'all', []));
  testIds.push(addTest('oval:t:obj:11', 'none_exist', 'all', []));
  // Criteria over a spread of test results, with every operator and negation.
  const pick = [testIds[0]!, testIds[3]!, testIds[40]!, testIds[100]!, testIds[testIds.length - 3]!];
  let k = 0;
  for (const op of ['AND', 'OR', 'ONE', 'XOR'])
    for (const neg of [false, true])
      for (let a = 0; a < pick.length; a++)
        for (let b = a + 1; b < pick.length; b++) {
          k++;
          const did = `oval:t:def:${String(5000 + k)}`;
          defs.push(
            definition(
              did,
              `<criteria operator="${op}" negate="${String(neg)}"><criterion test_ref="${pick[a]!}" negate="${String(k % 3 === 0)}"/><criterion test_ref="${pick[b]!}"/><extend_definition definition_ref="oval:t:def:1" negate="${String(k % 2 === 0)}"/></criteria>`,
            ),
          );
          defIds.push(did);
        }
  // Local variables and functions, through variable_test / variable_object.
  const vars: Array<[string, string, string]> = [
    [
      'concat',
      'string',
      '<concat><literal_component>a</literal_component><object_component object_ref="oval:t:obj:2" item_field="subexpression"/><literal_component>z</literal_component></concat>',
    ],
    [
      'arith',
      'int',
      '<arithmetic arithmetic_operation="add"><object_component object_ref="oval:t:obj:2" item_field="subexpression"/><literal_component datatype="int">1</literal_component></arithmetic>',
    ],
    [
      'mult',
      'int',
      '<arithmetic arithmetic_operation="multiply"><literal_component datatype="int">3</literal_component><object_component object_ref="oval:t:obj:2" item_field="subexpression"/></arithmetic>',
    ],
    [
      'count',
      'int',
      '<count><object_component object_ref="oval:t:obj:2" item_field="subexpression"/></count>',
    ],
    [
      'countdne',
      'int',
      '<count><object_component object_ref="oval:t:obj:4" item_field="subexpression"/></count>',
    ],
    [
      'unique',
      'string',
      '<unique><literal_component>b</literal_component><object_component object_ref="oval:t:obj:2" item_field="subexpression"/><literal_component>20</literal_component><literal_component>a</literal_component></unique>',
    ],
    [
      'capture',
      'string',
      '<regex_capture pattern="(\\d)0"><object_component object_ref="oval:t:obj:2" item_field="subexpression"/></regex_capture>',
    ],
    [
      'capture2',
      'string',
      '<regex_capture pattern="^log_file\\s*=\\s*(.*)"><object_component object_ref="oval:t:obj:10" item_field="text"/></regex_capture>',
    ],
    [
      'nocapture',
      'string',
      '<regex_capture pattern="x(\\d)"><object_component object_ref="oval:t:obj:2" item_field="subexpression"/></regex_capture>',
    ],
    [
      'substr',
      'string',
      '<substring substring_start="2" substring_length="1"><object_component object_ref="oval:t:obj:2" item_field="text"/></substring>',
    ],
    [
      'substr0',
      'string',
      '<substring substring_start="0" substring_length="-1"><literal_component>abc</literal_component></substring>',
    ],
    [
      'split',
      'string',
      '<split delimiter=" = "><object_component object_ref="oval:t:obj:2" item_field="text"/></split>',
    ],
    ['begin', 'string', '<begin character="/"><literal_component>etc</literal_component></begin>'],
    ['end', 'string', '<end character="/"><literal_component>etc/</literal_component></end>'],
    [
      'escape',
      'string',
      '<escape_regex><literal_component>a.b*c(d)[e]{f}|g^h$i\\j?k+</literal_component></escape_regex>',
    ],
    ['glob', 'string', '<glob_to_regex><literal_component>/etc/*.conf</literal_component></glob_to_regex>'],
    [
      'glob2',
      'string',
      '<glob_to_regex glob_noescape="true"><literal_component>x[[:digit:]]\\*?</literal_component></glob_to_regex>',
    ],
    [
      'concat3',
      'string',
      '<concat><object_component object_ref="oval:t:obj:2" item_field="subexpression"/><literal_component>-</literal_component><object_component object_ref="oval:t:obj:2" item_field="subexpression"/></concat>',
    ],
    ['nums', 'int', '<split delimiter=","><literal_component>3,15</literal_component></split>'],
    [
      'td1',
      'int',
      '<time_difference><literal_component>20240301</literal_component><literal_component>2024-02-28</literal_component></time_difference>',
    ],
    [
      'td2',
      'int',
      '<time_difference format_1="month_day_year" format_2="day_month_year"><literal_component>03/01/2024 10:00:00</literal_component><literal_component>28-02-2024</literal_component></time_difference>',
    ],
    [
      'td3',
      'int',
      '<time_difference format_1="seconds_since_epoch" format_2="year_month_day"><literal_component>1709294400</literal_component><literal_component>2024/03/01 00:00:00</literal_component></time_difference>',
    ],
    [
      'td4',
      'int',
      '<time_difference format_1="cim_datetime" format_2="year_month_day"><literal_component>20240301120000.000000+000</literal_component><literal_component>20240301T110000</literal_component></time_difference>',
    ],
    [
      'td5',
      'int',
      '<time_difference format_2="year_month_day"><literal_component>2024-03-01</literal_component><literal_component>2024-03-02</literal_component></time_difference>',
    ],
    [
      'td6',
      'int',
      '<time_difference format_1="month_day_year"><literal_component>Mar, 01 2024</literal_component><literal_component>20240229</literal_component></time_difference>',
    ],
  ];
  variables.push('<external_variable id="oval:t:var:1" version="1" datatype="int" comment="missing"/>');
  variables.push(
    '<constant_variable id="oval:t:var:2" version="1" datatype="int" comment="two"><value>20</value><value>99</value></constant_variable>',
  );
  vars.forEach(([name, dt, body], i) => {
    const num = String(100 + i);
    variables.push(
      `<local_variable id="oval:t:var:${num}" version="1" datatype="${dt}" comment="${name}">${body}</local_variable>`,
    );
    objects.push(
      `<ind:variable_object id="oval:t:obj:${num}" version="1" comment="${name}"><ind:var_ref>oval:t:var:${num}</ind:var_ref></ind:variable_object>`,
    );
    states.push(
      `<ind:variable_state id="oval:t:ste:${num}" version="1"><ind:value operation="pattern match">.</ind:value></ind:variable_state>`,
    );
    n++;
    const id = `oval:t:tst:${String(n)}`;
    tests.push(
      `<ind:variable_test id="${id}" version="1" check="all" comment="v"><ind:object object_ref="oval:t:obj:${num}"/><ind:state state_ref="oval:t:ste:${num}"/></ind:variable_test>`,
    );
    const did = `oval:t:def:${String(8000 + i)}`;
    defs.push(definition(did, `<criteria><criterion test_ref="${id}"/></criteria>`));
    defIds.push(did);
  });
  return {
    xml: defsDoc({
      definitions: defs.join('\n'),
      tests: tests.join('\n'),
      objects: objects.join('\n'),
      states: states.join('\n'),
      variables: variables.join('\n'),
    }),
    defIds,
  };
}
