/**
 * IEC 62443-3-3 system requirements (SR) and requirement enhancements (RE), with the lowest security level
 * that calls for each (the standard's SL-C allocation: an SR or RE applies at that level and above).
 * Titles are short paraphrases of our own, not the standard's text.
 */
import type { FR } from './model.js';

export interface Requirement {
  /** `SR 1.1` or `SR 1.1 RE1`, the form rules use in `references.iec62443_3_3`. */
  id: string;
  fr: FR;
  /** Lowest SL at which it is required. */
  sl: 1 | 2 | 3 | 4;
  title: string;
}

type Row = [string, number, string, ...[number, string][]];

/** [SR number, SL of the base requirement, title, ...[SL of RE n, RE title]] per FR. */
const TABLE: Record<FR, Row[]> = {
  IAC: [
    [
      '1.1',
      1,
      'Human user identification and authentication',
      [2, 'Unique identification and authentication'],
      [3, 'Multifactor authentication for untrusted networks'],
      [4, 'Multifactor authentication for all networks'],
    ],
    [
      '1.2',
      2,
      'Software process and device identification and authentication',
      [3, 'Unique identification and authentication'],
    ],
    ['1.3', 1, 'Account management', [3, 'Unified account management']],
    ['1.4', 1, 'Identifier management'],
    [
      '1.5',
      1,
      'Authenticator management',
      [3, 'Hardware security for software process identity credentials'],
    ],
    ['1.6', 1, 'Wireless access management', [2, 'Unique identification and authentication']],
    [
      '1.7',
      1,
      'Strength of password-based authentication',
      [3, 'Password generation and lifetime restrictions for human users'],
      [4, 'Password lifetime restrictions for all users'],
    ],
    ['1.8', 2, 'Public key infrastructure certificates'],
    [
      '1.9',
      2,
      'Strength of public key authentication',
      [4, 'Hardware security for public key authentication'],
    ],
    ['1.10', 1, 'Authenticator feedback'],
    ['1.11', 1, 'Unsuccessful login attempts'],
    ['1.12', 1, 'System use notification'],
    ['1.13', 1, 'Access via untrusted networks', [2, 'Explicit access request approval']],
  ],
  UC: [
    [
      '2.1',
      1,
      'Authorization enforcement',
      [2, 'Authorization enforcement for all users'],
      [2, 'Permission mapping to roles'],
      [3, 'Supervisor override'],
      [4, 'Dual approval'],
    ],
    ['2.2', 1, 'Wireless use control', [3, 'Identify and report unauthorized wireless devices']],
    [
      '2.3',
      1,
      'Use control for portable and mobile devices',
      [3, 'Enforcement of security status of portable and mobile devices'],
    ],
    ['2.4', 1, 'Mobile code', [3, 'Mobile code integrity check']],
    ['2.5', 1, 'Session lock'],
    ['2.6', 2, 'Remote session termination'],
    ['2.7', 3, 'Concurrent session control'],
    ['2.8', 1, 'Auditable events', [3, 'Centrally managed, system-wide audit trail']],
    ['2.9', 1, 'Audit storage capacity', [3, 'Warn when audit record storage capacity threshold reached']],
    ['2.10', 1, 'Response to audit processing failures'],
    [
      '2.11',
      2,
      'Timestamps',
      [3, 'Internal time synchronization'],
      [4, 'Protection of time source integrity'],
    ],
    ['2.12', 3, 'Non-repudiation', [4, 'Non-repudiation for all users']],
  ],
  SI: [
    ['3.1', 1, 'Communication integrity', [3, 'Cryptographic integrity protection']],
    [
      '3.2',
      1,
      'Malicious code protection',
      [2, 'Malicious code protection on entry and exit points'],
      [3, 'Central management and reporting for malicious code protection'],
    ],
    [
      '3.3',
      1,
      'Security functionality verification',
      [3, 'Automated mechanisms for security functionality verification'],
      [4, 'Security functionality verification during normal operation'],
    ],
    [
      '3.4',
      2,
      'Software and information integrity',
      [3, 'Automated notification about integrity violations'],
    ],
    ['3.5', 1, 'Input validation'],
    ['3.6', 1, 'Deterministic output'],
    ['3.7', 2, 'Error handling'],
    [
      '3.8',
      2,
      'Session integrity',
      [3, 'Invalidation of session IDs after session termination'],
      [3, 'Unique session ID generation'],
      [4, 'Randomness of session IDs'],
    ],
    ['3.9', 2, 'Protection of audit information', [4, 'Audit records on write-once media']],
  ],
  DC: [
    [
      '4.1',
      1,
      'Information confidentiality',
      [2, 'Protection of confidentiality at rest or in transit via untrusted networks'],
      [4, 'Protection of confidentiality across zone boundaries'],
    ],
    ['4.2', 2, 'Information persistence', [3, 'Purging of shared memory resources']],
    ['4.3', 1, 'Use of cryptography'],
  ],
  RDF: [
    [
      '5.1',
      1,
      'Network segmentation',
      [2, 'Physical network segmentation'],
      [3, 'Independence from non-control system networks'],
      [4, 'Logical and physical isolation of critical networks'],
    ],
    [
      '5.2',
      1,
      'Zone boundary protection',
      [2, 'Deny by default, allow by exception'],
      [3, 'Island mode'],
      [3, 'Fail close'],
    ],
    [
      '5.3',
      1,
      'General purpose person-to-person communication restrictions',
      [3, 'Prohibit all general purpose person-to-person communications'],
    ],
    ['5.4', 1, 'Application partitioning'],
  ],
  TRE: [
    ['6.1', 1, 'Audit log accessibility', [3, 'Programmatic access to audit logs']],
    ['6.2', 2, 'Continuous monitoring'],
  ],
  RA: [
    [
      '7.1',
      1,
      'Denial of service protection',
      [2, 'Manage communication loads'],
      [3, 'Limit DoS effects to other systems or networks'],
    ],
    ['7.2', 1, 'Resource management'],
    ['7.3', 1, 'Control system backup', [2, 'Backup verification'], [3, 'Backup automation']],
    ['7.4', 1, 'Control system recovery and reconstitution'],
    ['7.5', 1, 'Emergency power'],
    [
      '7.6',
      1,
      'Network and security configuration settings',
      [3, 'Machine-readable reporting of current security settings'],
    ],
    ['7.7', 1, 'Least functionality'],
    ['7.8', 2, 'Control system component inventory'],
  ],
};

export const REQUIREMENTS: Requirement[] = Object.entries(TABLE).flatMap(([fr, rows]) =>
  rows.flatMap(([n, sl, title, ...res]) => [
    { id: `SR ${n}`, fr: fr as FR, sl: sl as Requirement['sl'], title },
    ...res.map(([rsl, rtitle], i) => ({
      id: `SR ${n} RE${i + 1}`,
      fr: fr as FR,
      sl: rsl as Requirement['sl'],
      title: rtitle,
    })),
  ]),
);

export const REQUIREMENT_IDS = new Set(REQUIREMENTS.map((r) => r.id));

/** `SR 1.1`, `SR1.1`, `sr 1.1 re 2` → the canonical `SR 1.1 RE2` form, or undefined. */
export function canonicalSr(text: string): string | undefined {
  const m = /^\s*SR\s*(\d+\.\d+)(?:\s*(?:\(|RE\s*)(\d+)\)?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const id = `SR ${m[1]!}${m[2] ? ` RE${m[2]}` : ''}`;
  return REQUIREMENT_IDS.has(id) ? id : undefined;
}
