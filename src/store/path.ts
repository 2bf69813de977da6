import * as os from 'node:os';
import * as path from 'node:path';

/** Default database: $BULWARK_DB, else /var/lib/bulwark/bulwark.db for root, else $XDG_DATA_HOME/bulwark/bulwark.db. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['BULWARK_DB']) return env['BULWARK_DB'];
  if (process.getuid?.() === 0) return '/var/lib/bulwark/bulwark.db';
  const base = env['XDG_DATA_HOME'] || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'bulwark', 'bulwark.db');
}

/** A PostgreSQL connection string (postgres:// or postgresql://) rather than an SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** --db as given, else the default; file paths made absolute, connection strings kept as they are. */
export function resolveDbLocation(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const loc = given ?? defaultDbPath(env);
  return isPostgresUrl(loc) ? loc : path.resolve(loc);
}

/** The password of a connection string, if it has one (URL userinfo or a password= parameter). */
export function dbPassword(location: string): string | undefined {
  if (!isPostgresUrl(location)) return undefined;
  try {
    const u = new URL(location);
    const p = u.password ? decodeURIComponent(u.password) : u.searchParams.get('password');
    return p || undefined;
  } catch {
    return undefined;
  }
}

/** A database location safe to print: a connection string's password is replaced by ***. */
export function redactDbLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    // Not parseable: drop everything between the scheme and the last @ (where a password would be).
    return location.replace(/^(postgres(?:ql)?:\/\/)[^/]*@/i, '$1***@');
  }
}

/** Text with every occurrence of the location's password replaced by ***. */
export function scrubPassword(text: string, location: string): string {
  const pw = dbPassword(location);
  let out = pw ? text.split(pw).join('***') : text;
  if (isPostgresUrl(location) && location !== redactDbLocation(location))
    out = out.split(location).join(redactDbLocation(location));
  return out;
}
