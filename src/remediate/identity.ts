/** Who acts, for change control and the audit log: --by NAME, else $BULWARK_USER, else the OS user. */
import * as os from 'node:os';
import { BulwarkError } from '../core/errors.js';

export function actorName(by?: string): string {
  let v = by ?? process.env['BULWARK_USER'];
  if (v === undefined) {
    try {
      v = os.userInfo().username;
    } catch {
      v = `uid:${process.getuid?.() ?? '?'}`;
    }
  }
  if (!v.trim())
    throw new BulwarkError('BW_USAGE', 'no identity to record', 'pass --by NAME or set BULWARK_USER');
  return v.trim();
}
