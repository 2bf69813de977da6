/**
 * Folds the committed frames of an SQLite write-ahead log into a copy of the main database
 * image, as a checkpoint would, so that an in-memory open sees what SQLite itself would see.
 * Pure: the inputs are not modified; when no committed frame applies, `main` itself is returned
 * (no copy — rpm databases are large). Format: sqlite.org/fileformat2.html#walformat.
 */

export interface WalApply {
  db: Buffer;
  frames: number;
  /** Why the log was ignored or cut short, when it was. */
  note?: string;
}

function checksum(
  buf: Buffer,
  start: number,
  end: number,
  le: boolean,
  s: [number, number],
): [number, number] {
  let [s0, s1] = s;
  for (let i = start; i + 8 <= end; i += 8) {
    const a = le ? buf.readUInt32LE(i) : buf.readUInt32BE(i);
    const b = le ? buf.readUInt32LE(i + 4) : buf.readUInt32BE(i + 4);
    s0 = (s0 + a + s1) >>> 0;
    s1 = (s1 + b + s0) >>> 0;
  }
  return [s0, s1];
}

export function applyWal(main: Buffer, wal: Buffer): WalApply {
  const db = main;
  if (wal.length < 32)
    return {
      db,
      frames: 0,
      ...(wal.length > 0 ? { note: 'write-ahead log shorter than its header; ignored' } : {}),
    };
  const magic = wal.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683)
    return { db, frames: 0, note: 'write-ahead log has a bad magic number; ignored' };
  const le = magic === 0x377f0682;
  const pageSize = wal.readUInt32BE(8) === 1 ? 65536 : wal.readUInt32BE(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    return { db, frames: 0, note: 'write-ahead log has a bad page size; ignored' };
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  let sum = checksum(wal, 0, 24, le, [0, 0]);
  if (sum[0] !== wal.readUInt32BE(24) || sum[1] !== wal.readUInt32BE(28))
    return { db, frames: 0, note: 'write-ahead log header checksum mismatch; ignored' };
  // Collect frames up to the last valid commit; later frames belong to an unfinished transaction.
  const pending = new Map<number, number>();
  let committed = new Map<number, number>();
  let dbPages = 0;
  let frames = 0;
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
    if (wal.readUInt32BE(off + 8) !== salt1 || wal.readUInt32BE(off + 12) !== salt2) break;
    sum = checksum(wal, off, off + 8, le, sum);
    sum = checksum(wal, off + 24, off + 24 + pageSize, le, sum);
    if (sum[0] !== wal.readUInt32BE(off + 16) || sum[1] !== wal.readUInt32BE(off + 20)) break;
    pending.set(wal.readUInt32BE(off), off + 24);
    const commitSize = wal.readUInt32BE(off + 4);
    if (commitSize > 0) {
      committed = new Map(pending);
      dbPages = commitSize;
      frames++;
    }
  }
  if (committed.size === 0) return { db, frames: 0 };
  const out = Buffer.alloc(dbPages * pageSize);
  main.copy(out, 0, 0, Math.min(main.length, out.length));
  for (const [pg, at] of committed)
    if (pg >= 1 && pg <= dbPages) wal.copy(out, (pg - 1) * pageSize, at, at + pageSize);
  return { db: out, frames };
}
