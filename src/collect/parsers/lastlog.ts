/**
 * Binary login records of 64-bit Linux (glibc): /var/log/lastlog (292-byte records indexed by
 * uid: int32 time, char line[32], char host[256]) and /var/log/wtmp (384-byte utmp records).
 * Pure functions of bytes; little-endian as on x86-64 and aarch64.
 */

export const LASTLOG_RECORD = 292;
export const UTMP_RECORD = 384;
const USER_PROCESS = 7;

export interface LastlogEntry {
  uid: number;
  /** Seconds since the epoch; null when the record is empty (never logged in). */
  time: number | null;
  line: string;
}

const cstr = (b: Buffer, off: number, len: number): string => {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z < 0 ? s : s.subarray(0, z)).toString('latin1');
};

/** Records for the given uids; a uid past the end of the file (sparse tail) has time null. */
export function parseLastlog(buf: Buffer, uids: readonly number[]): LastlogEntry[] {
  const out: LastlogEntry[] = [];
  for (const uid of uids) {
    const off = uid * LASTLOG_RECORD;
    if (uid < 0 || off + LASTLOG_RECORD > buf.length) {
      out.push({ uid, time: null, line: '' });
      continue;
    }
    const t = buf.readInt32LE(off);
    out.push({ uid, time: t > 0 ? t : null, line: cstr(buf, off + 4, 32) });
  }
  return out;
}

export interface UtmpLogin {
  user: string;
  line: string;
  host: string;
  time: number;
}

/** USER_PROCESS records of a wtmp file; trailing partial records are ignored. */
export function parseWtmp(buf: Buffer): UtmpLogin[] {
  const out: UtmpLogin[] = [];
  for (let off = 0; off + UTMP_RECORD <= buf.length; off += UTMP_RECORD) {
    if (buf.readInt16LE(off) !== USER_PROCESS) continue;
    const user = cstr(buf, off + 44, 32);
    if (!user) continue;
    out.push({
      user,
      line: cstr(buf, off + 8, 32),
      host: cstr(buf, off + 76, 256),
      time: buf.readInt32LE(off + 340),
    });
  }
  return out;
}

/** The latest login time per user name. */
export function lastLoginByUser(logins: readonly UtmpLogin[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of logins) if (l.time > (m.get(l.user) ?? 0)) m.set(l.user, l.time);
  return m;
}

/** Builds records (for tests and fixtures). */
export function lastlogRecord(time: number, line = 'pts/0', host = ''): Buffer {
  const b = Buffer.alloc(LASTLOG_RECORD);
  b.writeInt32LE(time, 0);
  b.write(line, 4, 31, 'latin1');
  b.write(host, 36, 255, 'latin1');
  return b;
}

export function utmpRecord(type: number, user: string, time: number, line = 'pts/0', host = ''): Buffer {
  const b = Buffer.alloc(UTMP_RECORD);
  b.writeInt16LE(type, 0);
  b.write(line, 8, 31, 'latin1');
  b.write(user, 44, 31, 'latin1');
  b.write(host, 76, 255, 'latin1');
  b.writeInt32LE(time, 340);
  return b;
}
