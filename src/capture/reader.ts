/**
 * Streaming pcap / pcapng reader. The format is decided by the magic bytes, never by the file name. The file
 * is read in large chunks into one reused buffer (grown only for a block larger than the buffer, up to a cap),
 * so memory does not depend on the file's size. Each packet is handed to a callback as a view into that
 * buffer: the callback must copy what it keeps.
 *
 * Damage (a truncated file, a corrupt block length, an unknown block or link type) ends or skips what cannot
 * be read, with a warning that names the file, the packet number and the byte offset; it never throws.
 */
import * as fs from 'node:fs';
import type { CaptureWarning } from './types.js';

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng';

/** One packet as the reader sees it: valid only during the callback. */
export interface RawPacket {
  /** The buffer holding the packet bytes (reused: copy what you keep). */
  buf: Buffer;
  /** Offset of the first byte of the packet in `buf`. */
  off: number;
  /** Bytes captured (≤ origLen when the snaplen cut the packet). */
  caplen: number;
  origLen: number;
  /** Epoch microseconds. */
  ts: number;
  linkType: number;
  /** 1-based packet number within the file. */
  number: number;
  /** Byte offset of the packet's record/block in the file. */
  fileOffset: number;
}

export interface FileInfo {
  path: string;
  format: CaptureFormat;
  linkTypes: number[];
  packets: number;
  bytes: number;
}

const CHUNK = 4 * 1024 * 1024;
/** A record or block bigger than this is corrupt (the largest snaplen in use is 256 KiB; jumbo pcapng blocks stay far below). */
const MAX_RECORD = 64 * 1024 * 1024;

/** Sequential chunked reader over a file descriptor with a window [pos, end) into `buf`. */
class Window {
  buf: Buffer = Buffer.allocUnsafe(CHUNK);
  pos = 0;
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  eof = false;
  constructor(private readonly fd: number) {}

  /** Makes at least `n` bytes available from `pos`; false when the file ends first. */
  ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.eof) return false;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, this.pos, this.end);
      this.buf = bigger;
    } else if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
    }
    this.base += this.pos;
    this.end -= this.pos;
    this.pos = 0;
    while (this.end < n && !this.eof) {
      const got = fs.readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (got === 0) this.eof = true;
      this.end += got;
    }
    return this.end - this.pos >= n;
  }

  get offset(): number {
    return this.base + this.pos;
  }
}

export type PacketHandler = (p: RawPacket) => void;
export type WarningHandler = (w: CaptureWarning) => void;

/** The format named by the first four bytes, or undefined. */
export function detectFormat(head: Buffer): { format: CaptureFormat; little: boolean } | undefined {
  if (head.length < 4) return undefined;
  const le = head.readUInt32LE(0);
  if (le === 0xa1b2c3d4) return { format: 'pcap', little: true };
  if (le === 0xd4c3b2a1) return { format: 'pcap', little: false };
  if (le === 0xa1b23c4d) return { format: 'pcap-ns', little: true };
  if (le === 0x4d3cb2a1) return { format: 'pcap-ns', little: false };
  if (le === 0x0a0d0d0a)
    return { format: 'pcapng', little: true /* decided by the SHB's byte-order magic */ };
  return undefined;
}

/**
 * Reads one capture file, calling `onPacket` for each packet. Returns what was read, or undefined when the
 * file is not a capture at all (a warning says so).
 */
export function readCaptureFile(
  file: string,
  onPacket: PacketHandler,
  onWarning: WarningHandler,
): FileInfo | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    onWarning({
      file,
      code: 'unreadable',
      message: `cannot open ${file}: ${e instanceof Error ? e.message : String(e)}`,
    });
    return undefined;
  }
  try {
    const w = new Window(fd);
    if (!w.ensure(4)) {
      onWarning({
        file,
        offset: 0,
        code: 'not-a-capture',
        message: `${file} is empty or shorter than a capture header`,
      });
      return undefined;
    }
    const kind = detectFormat(w.buf.subarray(0, 4));
    if (!kind) {
      onWarning({
        file,
        offset: 0,
        code: 'not-a-capture',
        message: `${file} is neither pcap nor pcapng (magic 0x${w.buf.subarray(0, 4).toString('hex')})`,
      });
      return undefined;
    }
    const info: FileInfo = { path: file, format: kind.format, linkTypes: [], packets: 0, bytes: 0 };
    if (kind.format === 'pcapng') readPcapng(w, file, info, onPacket, onWarning);
    else readPcap(w, file, info, kind.little, kind.format === 'pcap-ns', onPacket, onWarning);
    return info;
  } catch (e) {
    onWarning({
      file,
      code: 'read-error',
      message: `reading ${file} stopped: ${e instanceof Error ? e.message : String(e)}`,
    });
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function readPcap(
  w: Window,
  file: string,
  info: FileInfo,
  little: boolean,
  nano: boolean,
  onPacket: PacketHandler,
  onWarning: WarningHandler,
): void {
  if (!w.ensure(24)) {
    onWarning({ file, offset: 0, code: 'truncated', message: `${file}: the pcap file header is cut short` });
    return;
  }
  const snaplen = rd32(w.buf, little, w.pos + 16);
  // The upper bits carry FCS information (pcap-linktype): the link type is the low 16 bits... 28 bits by spec.
  const linkType = rd32(w.buf, little, w.pos + 20) & 0x0fffffff;
  info.linkTypes.push(linkType);
  w.pos += 24;
  const pkt: RawPacket = {
    buf: w.buf,
    off: 0,
    caplen: 0,
    origLen: 0,
    ts: 0,
    linkType,
    number: 0,
    fileOffset: 0,
  };
  const maxLen = Math.max(snaplen, 262144) > MAX_RECORD ? MAX_RECORD : Math.max(snaplen, 262144);
  for (let n = 1; ; n++) {
    if (!w.ensure(16)) {
      if (w.end > w.pos)
        onWarning({
          file,
          packet: n,
          offset: w.offset,
          code: 'truncated',
          message: `${file}: packet ${n} at byte ${w.offset}: the record header is cut short (${w.end - w.pos} of 16 bytes); the file ends there`,
        });
      return;
    }
    const b = w.buf;
    const p = w.pos;
    const sec = rd32(b, little, p);
    const frac = rd32(b, little, p + 4);
    const incl = rd32(b, little, p + 8);
    const orig = rd32(b, little, p + 12);
    if (incl > maxLen) {
      onWarning({
        file,
        packet: n,
        offset: w.offset,
        code: 'corrupt-record',
        message: `${file}: packet ${n} at byte ${w.offset}: record length ${incl} exceeds the snaplen ${snaplen}; the rest of the file is not read`,
      });
      return;
    }
    if (!w.ensure(16 + incl)) {
      onWarning({
        file,
        packet: n,
        offset: w.offset,
        code: 'truncated',
        message: `${file}: packet ${n} at byte ${w.offset}: ${incl} bytes announced, ${w.end - w.pos - 16} present; the file ends there`,
      });
      return;
    }
    pkt.buf = w.buf;
    pkt.off = w.pos + 16;
    pkt.caplen = incl;
    pkt.origLen = orig < incl ? incl : orig;
    pkt.ts = sec * 1_000_000 + (nano ? Math.floor(frac / 1000) : frac);
    pkt.number = n;
    pkt.fileOffset = w.offset;
    info.packets++;
    info.bytes += pkt.origLen;
    onPacket(pkt);
    w.pos += 16 + incl;
  }
}

interface Iface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second, and the offset in seconds. */
  unitsPerSec: number;
  tsOffset: number;
}

function readPcapng(
  w: Window,
  file: string,
  info: FileInfo,
  onPacket: PacketHandler,
  onWarning: WarningHandler,
): void {
  let little = true;
  let ifaces: Iface[] = [];
  const pkt: RawPacket = {
    buf: w.buf,
    off: 0,
    caplen: 0,
    origLen: 0,
    ts: 0,
    linkType: 0,
    number: 0,
    fileOffset: 0,
  };
  let n = 0;
  let warnedIface = false;
  for (;;) {
    if (!w.ensure(12)) {
      if (w.end > w.pos)
        onWarning({
          file,
          packet: n + 1,
          offset: w.offset,
          code: 'truncated',
          message: `${file}: block at byte ${w.offset}: the block header is cut short; the file ends there`,
        });
      return;
    }
    let b = w.buf;
    let p = w.pos;
    const rawType = b.readUInt32LE(p);
    if (rawType === 0x0a0d0d0a) {
      // Section header: its byte-order magic decides the order of everything in the section.
      const bom = b.readUInt32LE(p + 8);
      if (bom === 0x1a2b3c4d) little = true;
      else if (bom === 0x4d3c2b1a) little = false;
      else {
        onWarning({
          file,
          offset: w.offset,
          code: 'corrupt-block',
          message: `${file}: section header at byte ${w.offset} has no valid byte-order magic; the rest of the file is not read`,
        });
        return;
      }
      ifaces = [];
    }
    const type = little ? rawType : b.readUInt32BE(p);
    const len = little ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
    if (len < 12 || len % 4 !== 0 || len > MAX_RECORD) {
      onWarning({
        file,
        packet: n + 1,
        offset: w.offset,
        code: 'corrupt-block',
        message: `${file}: block at byte ${w.offset} (after packet ${n}) has an impossible length ${len}; the rest of the file is not read`,
      });
      return;
    }
    if (!w.ensure(len)) {
      onWarning({
        file,
        packet: n + 1,
        offset: w.offset,
        code: 'truncated',
        message: `${file}: block at byte ${w.offset} (after packet ${n}) announces ${len} bytes, ${w.end - w.pos} present; the file ends there`,
      });
      return;
    }
    b = w.buf;
    p = w.pos;
    const trailer = rd32(b, little, p + len - 4);
    if (trailer !== len) {
      onWarning({
        file,
        packet: n + 1,
        offset: w.offset,
        code: 'corrupt-block',
        message: `${file}: block at byte ${w.offset} (after packet ${n}): leading length ${len} and trailing length ${trailer} differ; the rest of the file is not read`,
      });
      return;
    }
    if (type === 0x00000001) {
      // Interface description: link type, snaplen, options (if_tsresol 9, if_tsoffset 14).
      const iface: Iface = {
        linkType: rd16(b, little, p + 8),
        snaplen: rd32(b, little, p + 12),
        unitsPerSec: 1_000_000,
        tsOffset: 0,
      };
      let o = p + 16;
      const stop = p + len - 4;
      while (o + 4 <= stop) {
        const code = rd16(b, little, o);
        const olen = rd16(b, little, o + 2);
        if (code === 0) break;
        if (o + 4 + olen > stop) break;
        if (code === 9 && olen >= 1) {
          const r = b[o + 4]!;
          iface.unitsPerSec = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** (r & 0x7f);
        } else if (code === 14 && olen >= 8) {
          const hi = rd32(b, little, o + 4 + (little ? 4 : 0));
          const lo = rd32(b, little, o + 4 + (little ? 0 : 4));
          iface.tsOffset = hi * 4294967296 + lo;
        }
        o += 4 + ((olen + 3) & ~3);
      }
      ifaces.push(iface);
      if (!info.linkTypes.includes(iface.linkType)) info.linkTypes.push(iface.linkType);
    } else if (type === 0x00000006 || type === 0x00000002) {
      // Enhanced packet block (6) or the obsolete packet block (2).
      n++;
      const ifId = type === 6 ? rd32(b, little, p + 8) : rd16(b, little, p + 8);
      const iface = ifaces[ifId];
      const caplen = rd32(b, little, p + 20);
      const orig = rd32(b, little, p + 24);
      if (!iface) {
        if (!warnedIface)
          onWarning({
            file,
            packet: n,
            offset: w.offset,
            code: 'unknown-interface',
            message: `${file}: packet ${n} at byte ${w.offset} names interface ${ifId}, which no interface block described; such packets are skipped`,
          });
        warnedIface = true;
      } else if (28 + caplen > len - 4) {
        onWarning({
          file,
          packet: n,
          offset: w.offset,
          code: 'corrupt-block',
          message: `${file}: packet ${n} at byte ${w.offset}: captured length ${caplen} exceeds its block (${len} bytes); skipped`,
        });
      } else {
        const hi = rd32(b, little, p + 12);
        const lo = rd32(b, little, p + 16);
        pkt.ts = tsMicros(hi, lo, iface);
        deliver(pkt, w, p + 28, caplen, orig, iface.linkType, n, info, onPacket);
      }
    } else if (type === 0x00000003) {
      // Simple packet block: interface 0, no timestamp, captured length from the block and the snaplen.
      n++;
      const iface = ifaces[0];
      const orig = rd32(b, little, p + 8);
      if (!iface) {
        if (!warnedIface)
          onWarning({
            file,
            packet: n,
            offset: w.offset,
            code: 'unknown-interface',
            message: `${file}: simple packet ${n} at byte ${w.offset} comes before any interface block; skipped`,
          });
        warnedIface = true;
      } else {
        let caplen = Math.min(orig, len - 16);
        if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
        pkt.ts = 0;
        deliver(pkt, w, p + 12, caplen, orig, iface.linkType, n, info, onPacket);
      }
    }
    // Section headers, name resolution, statistics, custom and unknown blocks are skipped by their length.
    w.pos += len;
  }
}

function rd16(b: Buffer, little: boolean, o: number): number {
  return little ? b.readUInt16LE(o) : b.readUInt16BE(o);
}
function rd32(b: Buffer, little: boolean, o: number): number {
  return little ? b.readUInt32LE(o) : b.readUInt32BE(o);
}

function tsMicros(hi: number, lo: number, iface: Iface): number {
  const off = iface.tsOffset * 1_000_000;
  if (iface.unitsPerSec === 1_000_000) return hi * 4294967296 + lo + off;
  const d = iface.unitsPerSec / 1_000_000;
  if (Number.isInteger(d)) {
    // Exact: 2^32 = d·k + r, so (hi·2^32 + lo) / d = hi·k + (hi·r + lo) / d, all below 2^53.
    const k = Math.floor(4294967296 / d);
    const r = 4294967296 - k * d;
    return hi * k + Math.floor((hi * r + lo) / d) + off;
  }
  return Math.floor(((hi * 4294967296 + lo) * 1_000_000) / iface.unitsPerSec) + off;
}

function deliver(
  pkt: RawPacket,
  w: Window,
  off: number,
  caplen: number,
  orig: number,
  linkType: number,
  n: number,
  info: FileInfo,
  onPacket: PacketHandler,
): void {
  pkt.buf = w.buf;
  pkt.off = off;
  pkt.caplen = caplen;
  pkt.origLen = orig < caplen ? caplen : orig;
  pkt.linkType = linkType;
  pkt.number = n;
  pkt.fileOffset = w.offset;
  info.packets++;
  info.bytes += pkt.origLen;
  onPacket(pkt);
}
