/**
 * The stored fact snapshot of a scan: what `bulwark evaluate` re-evaluates and `drift` compares.
 *
 * Format 2 (written since migration 0008) is indexed and content-addressed per fact:
 *
 *     'BWS2' | u32le index length | index (deflate-raw JSON) | bodies (each deflate-raw JSON)
 *
 * The index lists, per fact, `[key, hash, offset, length]`, and for a fact of many rows a fifth element: its
 * row chunks, `[[hash, offset, length], …]`. The hash is SHA-256 (128 bits, base64url) of the fact's content:
 * key, name, arguments, status, reason and rows, not its provenance (collection time, files read), which no
 * rule reads. Two snapshots whose facts hash alike give every rule reading only those facts the same verdict,
 * so a fleet re-evaluation decodes and evaluates each distinct fact content once, and a single fact is opened
 * without decompressing the rest.
 *
 * A fact of CHUNK_MIN_ROWS rows or more stores its rows apart, in chunks cut where a row's own hash says
 * (content-defined, as rsync and backup tools cut files): hosts whose package lists differ by a few packages
 * share all their chunks but one or two, and a reader keeping decoded chunks by hash (DecodedCache) decodes
 * only those.
 *
 * Format 1 (before 0008) is the whole fact list as gzip-compressed JSON; it is still read, hashed on opening.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib';
import { BulwarkError } from '../core/errors.js';
import type { Fact, Row } from '../core/types.js';

const MAGIC = Buffer.from('BWS2', 'latin1');
/** Fact bodies larger than this are still stored, but a snapshot that claims more is refused as damaged. */
const MAX_INDEX_BYTES = 16 << 20;

/** The part of a fact the rules read; hashed and stored apart from the provenance. */
type FactContent = Omit<Fact, 'provenance'>;

function contentOf(f: Fact): FactContent {
  return {
    key: f.key,
    name: f.name,
    args: f.args,
    status: f.status,
    rows: f.rows,
    ...(f.reason === undefined ? {} : { reason: f.reason }),
  };
}

/** 128 bits of SHA-256, base64url: how fact contents (and other long keys) are named. */
export const contentHash = (json: string): string =>
  createHash('sha256').update(json).digest().subarray(0, 16).toString('base64url');

/** A fact's content hash, as format 2 stores it (used to open format 1 snapshots alike). */
export function factHash(f: Fact): string {
  return contentHash(JSON.stringify(contentOf(f)));
}

/** Facts with at least this many rows store them in chunks. */
export const CHUNK_MIN_ROWS = 64;
/** Rows per chunk: at least, at most, and on average (a row whose hash is 0 modulo this ends a chunk). */
const CHUNK_MIN = 4;
const CHUNK_MAX = 64;
const CHUNK_AVERAGE = 16;

/** FNV-1a over a string's UTF-16 units: where chunks are cut (not a content hash: it names nothing). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Row JSON texts → chunks [start, end): content-defined, so an inserted or removed row moves one boundary. */
function chunkBounds(rows: readonly string[]): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < rows.length; i++) {
    const size = i + 1 - start;
    if ((size >= CHUNK_MIN && fnv1a(rows[i]!) % CHUNK_AVERAGE === 0) || size >= CHUNK_MAX) {
      out.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < rows.length) out.push([start, rows.length]);
  return out;
}

type IndexEntry =
  [string, string, number, number] | [string, string, number, number, [string, number, number][]];

/** Facts → a format 2 snapshot. */
export function encodeSnapshot(facts: readonly Fact[]): Buffer {
  const index: IndexEntry[] = [];
  const bodies: Buffer[] = [];
  let offset = 0;
  const add = (body: Buffer): [number, number] => {
    bodies.push(body);
    offset += body.length;
    return [offset - body.length, body.length];
  };
  for (const f of facts) {
    if (f.rows.length < CHUNK_MIN_ROWS) {
      const content = JSON.stringify(contentOf(f));
      index.push([
        f.key,
        contentHash(content),
        ...add(deflateRawSync(`[${content},${JSON.stringify(f.provenance)}]`)),
      ]);
      continue;
    }
    // The same content JSON (and so the same hash) as a fact stored whole, made from the rows' own texts.
    const rows = f.rows.map((r) => JSON.stringify(r));
    const reason = f.reason === undefined ? '' : `,"reason":${JSON.stringify(f.reason)}`;
    const head = JSON.stringify({ key: f.key, name: f.name, args: f.args, status: f.status }).slice(0, -1);
    const content = `${head},"rows":[${rows.join(',')}]${reason}}`;
    const chunks = chunkBounds(rows).map(([a, b]): [string, number, number] => {
      const text = `[${rows.slice(a, b).join(',')}]`;
      return [contentHash(text), ...add(deflateRawSync(text))];
    });
    index.push([
      f.key,
      contentHash(content),
      ...add(deflateRawSync(`[${head}${reason}},${JSON.stringify(f.provenance)}]`)),
      chunks,
    ]);
  }
  const head = deflateRawSync(JSON.stringify(index));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  return Buffer.concat([MAGIC, len, head, ...bodies]);
}

export interface SnapshotEntry {
  hash: string;
  /** Offset and length of the compressed body, from the start of the bodies (format 2 only). */
  offset: number;
  length: number;
  /** A fact of many rows: its row chunks (hash of the chunk's JSON, where its compressed body lies). */
  chunks?: { hash: string; offset: number; length: number }[];
}

/**
 * Decoded values (facts, row chunks) by content hash, least recently used dropped first, bounded by the size of
 * their compressed bodies (a proxy for the memory they take once decoded).
 */
export class DecodedCache<T> {
  private readonly values = new Map<string, { value: T; bytes: number }>();
  private bytes = 0;
  constructor(private readonly limit: number) {}
  get(hash: string): T | undefined {
    const hit = this.values.get(hash);
    if (!hit) return undefined;
    this.values.delete(hash);
    this.values.set(hash, hit);
    return hit.value;
  }
  put(hash: string, bytes: number, value: T): T {
    if (bytes > this.limit || this.values.has(hash)) return value;
    this.values.set(hash, { value, bytes });
    this.bytes += bytes;
    for (const [h, v] of this.values) {
      if (this.bytes <= this.limit) break;
      this.values.delete(h);
      this.bytes -= v.bytes;
    }
    return value;
  }
}

/** A snapshot opened for reading: its index at once, each fact decoded when first asked for. */
export interface OpenSnapshot {
  readonly format: 1 | 2;
  /** Fact key → content hash and where its body lies. */
  readonly entries: ReadonlyMap<string, SnapshotEntry>;
  /** The fact under `key` (decoded now, or kept from the first time), or undefined when the scan lacks it. */
  fact(key: string): Fact | undefined;
  /** Every fact, in the order they were stored. */
  all(): Fact[];
}

const damaged = (why: string, cause?: unknown): BulwarkError =>
  new BulwarkError(
    'BW_DB_CORRUPT',
    `a stored fact snapshot is damaged: ${why}`,
    'run `bulwark db check`; restore the database from a backup (`bulwark db backup`) or rescan the asset',
    cause === undefined ? undefined : { cause },
  );

/** Is this a format 2 snapshot (else format 1, gzip)? */
export function isIndexedSnapshot(blob: Uint8Array): boolean {
  return (
    blob.length >= 8 &&
    blob[0] === MAGIC[0] &&
    blob[1] === MAGIC[1] &&
    blob[2] === MAGIC[2] &&
    blob[3] === MAGIC[3]
  );
}

/**
 * Opens a stored snapshot of either format. Throws BW_DB_CORRUPT when it cannot be read (truncated,
 * not compressed data, not the JSON it should be); a body that is damaged throws when that fact is asked for.
 */
export function openSnapshot(blob: Uint8Array, chunkCache?: DecodedCache<readonly Row[]>): OpenSnapshot {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (!isIndexedSnapshot(buf)) {
    let facts: Fact[];
    try {
      facts = JSON.parse(gunzipSync(buf).toString('utf8')) as Fact[];
    } catch (e) {
      throw damaged(e instanceof Error ? e.message : String(e), e);
    }
    if (!Array.isArray(facts)) throw damaged('not a list of facts');
    const byKey = new Map(facts.map((f) => [f.key, f]));
    const entries = new Map(facts.map((f) => [f.key, { hash: factHash(f), offset: 0, length: 0 }]));
    return { format: 1, entries, fact: (k) => byKey.get(k), all: () => facts };
  }
  const headLength = buf.readUInt32LE(4);
  if (headLength > MAX_INDEX_BYTES || 8 + headLength > buf.length)
    throw damaged(`its index claims ${headLength} bytes of ${buf.length - 8}`);
  let index: unknown;
  try {
    index = JSON.parse(inflateRawSync(buf.subarray(8, 8 + headLength)).toString('utf8'));
  } catch (e) {
    throw damaged(`its index cannot be read: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (!Array.isArray(index)) throw damaged('its index is not a list');
  const bodies = buf.subarray(8 + headLength);
  const entries = new Map<string, SnapshotEntry>();
  const span = (off: unknown, len: unknown): boolean =>
    Number.isInteger(off) &&
    Number.isInteger(len) &&
    (off as number) >= 0 &&
    (len as number) >= 0 &&
    (off as number) + (len as number) <= bodies.length;
  for (const e of index as unknown[]) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'string' || !span(e[2], e[3]))
      throw damaged('an index entry is malformed or points past its end');
    const entry: SnapshotEntry = { hash: e[1], offset: e[2] as number, length: e[3] as number };
    if (e.length > 4) {
      const chunks: unknown = e[4];
      if (!Array.isArray(chunks)) throw damaged(`the row chunks of fact ${e[0]} are not a list`);
      entry.chunks = chunks.map((c: unknown) => {
        if (!Array.isArray(c) || typeof c[0] !== 'string' || !span(c[1], c[2]))
          throw damaged(`a row chunk of fact ${e[0]} is malformed or points past its end`);
        return { hash: c[0], offset: c[1] as number, length: c[2] as number };
      });
    }
    entries.set(e[0], entry);
  }
  const decoded = new Map<string, Fact>();
  const rowsOf = (key: string, chunks: NonNullable<SnapshotEntry['chunks']>): Row[] => {
    const rows: Row[] = [];
    for (const c of chunks) {
      let part = chunkCache?.get(c.hash);
      if (!part) {
        const parsed = inflateJson(
          bodies.subarray(c.offset, c.offset + c.length),
          `fact ${key}, a row chunk`,
        );
        if (!Array.isArray(parsed)) throw damaged(`a row chunk of fact ${key} is not a list of rows`);
        part = chunkCache ? chunkCache.put(c.hash, c.length, parsed as Row[]) : (parsed as Row[]);
      }
      for (const r of part) rows.push(r);
    }
    return rows;
  };
  const fact = (key: string): Fact | undefined => {
    const known = decoded.get(key);
    if (known) return known;
    const e = entries.get(key);
    if (!e) return undefined;
    const f = decodeBody(
      bodies.subarray(e.offset, e.offset + e.length),
      key,
      e.chunks ? rowsOf(key, e.chunks) : undefined,
    );
    decoded.set(key, f);
    return f;
  };
  return {
    format: 2,
    entries,
    fact,
    all: () => [...entries.keys()].map((k) => fact(k)!),
  };
}

function inflateJson(body: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(inflateRawSync(body).toString('utf8'));
  } catch (e) {
    throw damaged(`${what}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/** One compressed fact body (format 2) → the fact; `rows` when they were stored apart, in chunks. */
export function decodeBody(body: Uint8Array, key: string, rows?: Row[]): Fact {
  const parsed = inflateJson(body, `fact ${key}`);
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'object' || parsed[0] === null)
    throw damaged(`fact ${key} is not what a fact should be`);
  const [content, provenance] = parsed as [FactContent, Fact['provenance']];
  if (content.key !== key) throw damaged(`the body of fact ${key} holds ${content.key}`);
  if (rows) return { ...content, rows, provenance };
  if (!Array.isArray(content.rows)) throw damaged(`fact ${key} has no rows`);
  return { ...content, provenance };
}

/**
 * What is wrong with a stored snapshot, or undefined when every fact decodes and (format 2) matches the content
 * hash in the index. Compressed bodies carry no checksum of their own: the hashes are what catch a changed byte
 * that still decompresses. For `bulwark db check`.
 */
export function snapshotProblem(blob: Uint8Array): string | undefined {
  try {
    const snap = openSnapshot(blob);
    for (const [key, e] of snap.entries) {
      const f = snap.fact(key);
      if (snap.format === 2 && f && factHash(f) !== e.hash)
        return `fact ${key} does not match the content hash stored with it`;
    }
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** A stored snapshot of either format → its facts. */
export function decodeSnapshot(blob: Uint8Array): Fact[] {
  return openSnapshot(blob).all();
}
