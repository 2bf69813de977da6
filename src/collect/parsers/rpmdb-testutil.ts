/** Test support: builds real rpm databases (Berkeley DB hash files) byte by byte. Used by tests only. */

/** Builds a little-endian Berkeley DB hash file: meta page, one hash page, overflow pages for big values. */
export function buildBdbHash(pairs: [Buffer, Buffer][], pageSize = 4096, le = true): Buffer {
  const pages: Buffer[] = [];
  const w32 = (b: Buffer, o: number, v: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const w16 = (b: Buffer, o: number, v: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const meta = Buffer.alloc(pageSize);
  w32(meta, 12, 0x061561);
  w32(meta, 16, 9);
  w32(meta, 20, pageSize);
  meta[25] = 8;
  pages.push(meta);
  const hash = Buffer.alloc(pageSize);
  w32(hash, 8, 1);
  hash[25] = 13;
  pages.push(hash);
  const items: Buffer[] = [];
  for (const [k, v] of pairs) {
    items.push(Buffer.concat([Buffer.from([1]), k]));
    if (v.length < 200) items.push(Buffer.concat([Buffer.from([1]), v]));
    else {
      const first = pages.length;
      const room = pageSize - 26;
      for (let at = 0; at < v.length; at += room) {
        const ov = Buffer.alloc(pageSize);
        const chunk = v.subarray(at, at + room);
        w32(ov, 8, pages.length);
        w32(ov, 16, at + room < v.length ? pages.length + 1 : 0);
        w16(ov, 22, chunk.length);
        ov[25] = 7;
        chunk.copy(ov, 26);
        pages.push(ov);
      }
      const off = Buffer.alloc(12);
      off[0] = 3;
      w32(off, 4, first);
      w32(off, 8, v.length);
      items.push(off);
    }
  }
  let end = pageSize;
  items.forEach((it, i) => {
    end -= it.length;
    it.copy(hash, end);
    w16(hash, 26 + i * 2, end);
  });
  w16(hash, 20, items.length);
  return Buffer.concat(pages);
}
