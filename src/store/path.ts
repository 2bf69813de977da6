import * as os from 'node:os';
import * as path from 'node:path';

/** Default database: $BULWARK_DB, else /var/lib/bulwark/bulwark.db for root, else $XDG_DATA_HOME/bulwark/bulwark.db. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['BULWARK_DB']) return env['BULWARK_DB'];
  if (process.getuid?.() === 0) return '/var/lib/bulwark/bulwark.db';
  const base = env['XDG_DATA_HOME'] || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'bulwark', 'bulwark.db');
}
