/**
 * rpm package headers as stored in the rpm database (one blob per installed package):
 * int32 index count, int32 data length, index entries {tag, type, offset, count} (all big-endian),
 * then the data store. Pure: bytes in, fields out, never throws on junk.
 */

export const RPMTAG = { NAME: 1000, VERSION: 1001, RELEASE: 1002, EPOCH: 1003, ARCH: 1022 } as const;

const TYPE = { INT32: 4, STRING: 6, STRING_ARRAY: 8, I18NSTRING: 9 } as const;
/** rpm's own sanity limits (HEADER_TAGS_MAX, HEADER_DATA_MAX). */
const MAX_TAGS = 0xffff;
const MAX_DATA = 0x0fffffff;
const MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);

export interface RpmPackage {
  name: string;
  version: string;
  release: string;
  epoch: number | null;
  arch: string;
}

export type RpmHeaderResult = { ok: true; pkg: RpmPackage } | { ok: false; reason: string };

function cString(buf: Buffer, start: number, end: number): string | undefined {
  const nul = buf.indexOf(0, start);
  if (nul < 0 || nul >= end) return undefined;
  return buf.toString('utf8', start, nul);
}

export function parseRpmHeader(blob: Buffer): RpmHeaderResult {
  let base = 0;
  // Headers read from a package file carry an 8-byte magic/reserved prefix; database blobs do not.
  if (blob.length >= 8 && blob.subarray(0, 4).equals(MAGIC)) base = 8;
  if (blob.length < base + 8)
    return { ok: false, reason: `header blob of ${blob.length} bytes is too short` };
  const il = blob.readUInt32BE(base);
  const dl = blob.readUInt32BE(base + 4);
  if (il < 1 || il > MAX_TAGS || dl > MAX_DATA)
    return { ok: false, reason: `implausible header sizes (${il} tags, ${dl} data bytes)` };
  const dataStart = base + 8 + il * 16;
  const dataEnd = dataStart + dl;
  if (dataEnd > blob.length)
    return { ok: false, reason: `header claims ${dataEnd} bytes but the blob has ${blob.length}` };
  const strings = new Map<number, string>();
  let epoch: number | null = null;
  for (let i = 0; i < il; i++) {
    const e = base + 8 + i * 16;
    const tag = blob.readUInt32BE(e);
    const type = blob.readUInt32BE(e + 4);
    const offset = blob.readUInt32BE(e + 8);
    const count = blob.readUInt32BE(e + 12);
    if (offset >= dl) continue;
    const at = dataStart + offset;
    if (tag === RPMTAG.EPOCH) {
      if (type === TYPE.INT32 && count >= 1 && at + 4 <= dataEnd) epoch = blob.readUInt32BE(at);
      continue;
    }
    if (tag === RPMTAG.NAME || tag === RPMTAG.VERSION || tag === RPMTAG.RELEASE || tag === RPMTAG.ARCH) {
      if (type !== TYPE.STRING && type !== TYPE.I18NSTRING && type !== TYPE.STRING_ARRAY) continue;
      const s = cString(blob, at, dataEnd);
      if (s !== undefined && !strings.has(tag)) strings.set(tag, s);
    }
  }
  const name = strings.get(RPMTAG.NAME);
  if (!name) return { ok: false, reason: 'header has no NAME tag' };
  return {
    ok: true,
    pkg: {
      name,
      version: strings.get(RPMTAG.VERSION) ?? '',
      release: strings.get(RPMTAG.RELEASE) ?? '',
      epoch,
      arch: strings.get(RPMTAG.ARCH) ?? '',
    },
  };
}

/** `epoch:version-release`, the epoch only when set (rpm's own EVR notation). */
export function rpmEvr(p: RpmPackage): string {
  const vr = p.release ? `${p.version}-${p.release}` : p.version;
  return p.epoch !== null ? `${p.epoch}:${vr}` : vr;
}

/**
 * Encodes a minimal header blob (no region tag) — used by tests and fixtures to build real rpm
 * databases. Strings are STRING entries, numbers INT32.
 */
export function encodeRpmHeader(tags: ReadonlyArray<readonly [number, string | number]>): Buffer {
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let size = 0;
  for (const [tag, value] of tags) {
    let chunk: Buffer;
    let type: number;
    if (typeof value === 'number') {
      const pad = (4 - (size % 4)) % 4; // INT32 data is 4-aligned in the store
      if (pad) {
        data.push(Buffer.alloc(pad));
        size += pad;
      }
      chunk = Buffer.alloc(4);
      chunk.writeUInt32BE(value >>> 0);
      type = TYPE.INT32;
    } else {
      chunk = Buffer.concat([Buffer.from(value, 'utf8'), Buffer.alloc(1)]);
      type = TYPE.STRING;
    }
    const e = Buffer.alloc(16);
    e.writeUInt32BE(tag, 0);
    e.writeUInt32BE(type, 4);
    e.writeUInt32BE(size, 8);
    e.writeUInt32BE(1, 12);
    index.push(e);
    data.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(index.length, 0);
  head.writeUInt32BE(size, 4);
  return Buffer.concat([head, ...index, ...data]);
}

/** Convenience for tests: a header for name/version/release/arch and optional epoch. */
export function encodePackageHeader(p: {
  name: string;
  version: string;
  release: string;
  arch: string;
  epoch?: number;
}): Buffer {
  const tags: [number, string | number][] = [
    [RPMTAG.NAME, p.name],
    [RPMTAG.VERSION, p.version],
    [RPMTAG.RELEASE, p.release],
  ];
  if (p.epoch !== undefined) tags.push([RPMTAG.EPOCH, p.epoch]);
  tags.push([RPMTAG.ARCH, p.arch]);
  return encodeRpmHeader(tags);
}
