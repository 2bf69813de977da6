/**
 * Reads the values of a Berkeley DB hash database (the `Packages` file of rpm before 4.16:
 * RHEL 7 and 8, CentOS 7/8), page by page, without the library. Pure: bytes in, values out.
 *
 * Layout (db_page.h): page 0 is the hash meta page (magic 0x061561 at byte 12, page size at 20);
 * hash pages (type 13, or 2 unsorted) hold an index of item offsets after a 26-byte header,
 * items alternate key, value; a value is inline (H_KEYDATA) or off-page (H_OFFPAGE) in a chain
 * of overflow pages (type 7) whose header field hf_offset is the number of data bytes on the page.
 */

const HASH_MAGIC = 0x061561;
const PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;

export type BdbResult = { ok: true; values: Buffer[]; problems: string[] } | { ok: false; reason: string };

export function readBdbHashValues(buf: Buffer): BdbResult {
  if (buf.length < 512)
    return { ok: false, reason: `file of ${buf.length} bytes is too short for a Berkeley DB` };
  let le: boolean;
  if (buf.readUInt32LE(12) === HASH_MAGIC) le = true;
  else if (buf.readUInt32BE(12) === HASH_MAGIC) le = false;
  else return { ok: false, reason: 'not a Berkeley DB hash database (bad magic)' };
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    return { ok: false, reason: `implausible page size ${pageSize}` };
  if (buf[25] !== P_HASHMETA) return { ok: false, reason: 'page 0 is not a hash meta page' };
  if (buf[24] !== 0) return { ok: false, reason: 'the database is encrypted' };
  if ((buf[26]! & 0x01) !== 0) return { ok: false, reason: 'page checksums are not supported' };
  const pages = Math.floor(buf.length / pageSize);
  const problems: string[] = [];

  const overflow = (first: number, total: number): Buffer | undefined => {
    const parts: Buffer[] = [];
    let got = 0;
    let pg = first;
    const seen = new Set<number>();
    while (pg !== 0 && got < total) {
      if (pg >= pages || seen.has(pg)) return undefined;
      seen.add(pg);
      const p = pg * pageSize;
      if (buf[p + 25] !== P_OVERFLOW) return undefined;
      const len = u16(p + 22);
      if (PAGE_HEADER + len > pageSize) return undefined;
      parts.push(buf.subarray(p + PAGE_HEADER, p + PAGE_HEADER + len));
      got += len;
      pg = u32(p + 16);
    }
    if (got < total) return undefined;
    return Buffer.concat(parts, got).subarray(0, total);
  };

  const values: Buffer[] = [];
  for (let pg = 1; pg < pages; pg++) {
    const p = pg * pageSize;
    const type = buf[p + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(p + 20);
    if (PAGE_HEADER + entries * 2 > pageSize) {
      problems.push(`page ${pg}: bad entry count ${entries}`);
      continue;
    }
    // Items are packed downwards from the page end: item i ends where item i-1 begins.
    for (let i = 1; i < entries; i += 2) {
      const off = u16(p + PAGE_HEADER + i * 2);
      const end = u16(p + PAGE_HEADER + (i - 1) * 2);
      if (off < PAGE_HEADER + entries * 2 || off >= pageSize || end > pageSize || end <= off) {
        problems.push(`page ${pg}: bad item offset`);
        continue;
      }
      const item = p + off;
      const kind = buf[item];
      if (kind === H_KEYDATA) values.push(Buffer.from(buf.subarray(item + 1, p + end)));
      else if (kind === H_OFFPAGE) {
        const v = overflow(u32(item + 4), u32(item + 8));
        if (v) values.push(v);
        else problems.push(`page ${pg}: broken overflow chain`);
      } else problems.push(`page ${pg}: unsupported item type ${kind ?? '?'}`);
    }
  }
  return { ok: true, values, problems };
}
