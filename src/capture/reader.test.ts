import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { importCaptures } from './index.js';
import { readCaptureFile, type RawPacket } from './reader.js';
import { LINKTYPE, layer2Trace, pcapFile, pcapngFile, plantTrace, type Packet } from './testing.js';
import type { CaptureWarning } from './types.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-capture-reader-'));
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
const write = (name: string, data: Buffer): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
};

function read(file: string): {
  packets: { ts: number; len: number; caplen: number; linkType: number; first: number }[];
  warnings: CaptureWarning[];
  info: ReturnType<typeof readCaptureFile>;
} {
  const packets: { ts: number; len: number; caplen: number; linkType: number; first: number }[] = [];
  const warnings: CaptureWarning[] = [];
  const info = readCaptureFile(
    file,
    (p: RawPacket) =>
      packets.push({
        ts: p.ts,
        len: p.origLen,
        caplen: p.caplen,
        linkType: p.linkType,
        first: p.buf[p.off]!,
      }),
    (w) => warnings.push(w),
  );
  return { packets, warnings, info };
}

const trace = layer2Trace(plantTrace());
const packets = trace.packets;

describe('capture reader', () => {
  const expectSame = (file: string, format: string) => {
    const r = read(file);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.info?.format, format);
    assert.equal(r.packets.length, packets.length);
    r.packets.forEach((p, i) => {
      assert.equal(p.ts, packets[i]!.ts, `timestamp of packet ${i + 1}`);
      assert.equal(p.caplen, packets[i]!.data.length);
      assert.equal(p.first, packets[i]!.data[0]);
    });
  };

  it('reads pcap in both byte orders, micro- and nanosecond, whatever the file is called', () => {
    expectSame(write('a.pcap', pcapFile(packets)), 'pcap');
    expectSame(write('b.txt', pcapFile(packets, { bigEndian: true })), 'pcap');
    expectSame(write('c.pcapng', pcapFile(packets, { nano: true })), 'pcap-ns');
    expectSame(write('d', pcapFile(packets, { nano: true, bigEndian: true })), 'pcap-ns');
  });

  it('reads pcapng in both byte orders, with EPB, OPB, nanosecond interfaces and unknown blocks', () => {
    expectSame(write('e.pcap', pcapngFile(packets)), 'pcapng');
    expectSame(
      write('f.pcapng', pcapngFile(packets, { bigEndian: true, unknownBlocksAt: [0, 7, 100] })),
      'pcapng',
    );
    expectSame(
      write('g.pcapng', pcapngFile(packets, { blockKind: 'opb', interfaces: [{ linkType: 1, tsresol: 9 }] })),
      'pcapng',
    );
  });

  it('reads simple packet blocks (no timestamp) and per-interface link types', () => {
    const r = read(write('h.pcapng', pcapngFile(packets.slice(0, 10), { blockKind: 'spb' })));
    assert.deepEqual(r.warnings, []);
    assert.equal(r.packets.length, 10);
    assert.ok(r.packets.every((p) => p.ts === 0 && p.linkType === 1));
    const mixed: Packet[] = [
      { ...packets[0]!, iface: 0 },
      { ts: packets[1]!.ts, data: plantTrace({ kind: 'sll' }).packets[0]!.data, iface: 1 },
    ];
    const m = read(
      write('i.pcapng', pcapngFile(mixed, { interfaces: [{ linkType: 1 }, { linkType: LINKTYPE.sll }] })),
    );
    assert.deepEqual(
      m.packets.map((p) => p.linkType),
      [1, 113],
    );
    assert.deepEqual(m.info?.linkTypes, [1, 113]);
  });

  it('a file cut in the middle of a packet: the packets before it, and a warning naming packet and offset', async () => {
    const full = pcapFile(packets);
    const cut = write('cut.pcap', full.subarray(0, full.length - 30));
    const s = await importCaptures([cut]);
    assert.equal(s.files[0]!.packets, packets.length - 1);
    assert.equal(s.warnings.length, 1);
    const w = s.warnings[0]!;
    assert.equal(w.code, 'truncated');
    assert.equal(w.packet, packets.length);
    assert.equal(w.file, cut);
    assert.equal(w.offset, full.length - 16 - packets[packets.length - 1]!.data.length);
    assert.match(w.message, new RegExp(`packet ${packets.length} at byte ${w.offset}`));
    // A cut inside a record header, and inside the file header.
    const h = read(write('cut2.pcap', full.subarray(0, 24 + 16 + packets[0]!.data.length + 5)));
    assert.equal(h.packets.length, 1);
    assert.equal(h.warnings[0]?.code, 'truncated');
    assert.equal(h.warnings[0]?.packet, 2);
    const fh = read(write('cut3.pcap', full.subarray(0, 10)));
    assert.equal(fh.warnings[0]?.code, 'truncated');
    const ng = pcapngFile(packets);
    const n = read(write('cut.pcapng', ng.subarray(0, ng.length - 9)));
    assert.equal(n.packets.length, packets.length - 1);
    assert.equal(n.warnings[0]?.code, 'truncated');
  });

  it('packets cut by the snaplen are decoded as far as they go and counted', async () => {
    const cut: Packet[] = packets.map((p) => ({
      ts: p.ts,
      data: p.data.subarray(0, 58),
      origLen: p.data.length,
    }));
    const file = write('snap.pcap', pcapFile(cut, { snaplen: 58 }));
    const s = await importCaptures([file]);
    assert.deepEqual(s.warnings, []);
    assert.equal(s.counters['truncatedPackets'], packets.filter((p) => p.data.length > 58).length);
    const whole = await importCaptures([write('whole.pcap', pcapFile(packets))]);
    assert.equal(s.flows.length, whole.flows.length);
    // Bytes are the original lengths, as on the wire.
    assert.equal(
      s.flows.reduce((a, f) => a + f.bytesToServer + f.bytesToClient, 0),
      whole.flows.reduce((a, f) => a + f.bytesToServer + f.bytesToClient, 0),
    );
  });

  it('a corrupt pcapng block length stops reading with a warning at that block', () => {
    const ng = pcapngFile(packets.slice(0, 5));
    // Blocks: SHB (28 bytes), IDB (20), then EPBs. Corrupt the length of the third EPB.
    let off = 28 + 20;
    for (let i = 0; i < 2; i++) off += ng.readUInt32LE(off + 4);
    const bad = Buffer.from(ng);
    bad.writeUInt32LE(7, off + 4);
    const r = read(write('corrupt.pcapng', bad));
    assert.equal(r.packets.length, 2);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]!.code, 'corrupt-block');
    assert.equal(r.warnings[0]!.offset, off);
    assert.equal(r.warnings[0]!.packet, 3);
    // Leading and trailing lengths that disagree.
    const bad2 = Buffer.from(ng);
    bad2.writeUInt32LE(bad2.readUInt32LE(off + 4) + 4, off + 4);
    const r2 = read(write('corrupt2.pcapng', bad2));
    assert.equal(r2.packets.length, 2);
    assert.equal(r2.warnings[0]?.code, 'corrupt-block');
    // An absurd pcap record length.
    const p = pcapFile(packets.slice(0, 3));
    const bad3 = Buffer.from(p);
    bad3.writeUInt32LE(0x7fffffff, 24 + 16 + packets[0]!.data.length + 8);
    const r3 = read(write('corrupt.pcap', bad3));
    assert.equal(r3.packets.length, 1);
    assert.equal(r3.warnings[0]?.code, 'corrupt-record');
  });

  it('unknown link types are counted and warned about once per file', async () => {
    const file = write('lt.pcap', pcapFile(packets.slice(0, 4), { linkType: 147 }));
    const s = await importCaptures([file]);
    assert.equal(s.counters['unknownLinkType'], 4);
    assert.equal(s.warnings.length, 1);
    assert.equal(s.warnings[0]!.code, 'unknown-link-type');
    assert.equal(s.warnings[0]!.packet, 1);
    assert.match(s.warnings[0]!.message, /link type 147/);
  });

  it('files that are not captures, missing or empty: a warning each, the other files still read', async () => {
    const good = write('good.pcap', pcapFile(packets));
    const s = await importCaptures([
      write('text.pcap', Buffer.from('hello, this is not a capture\n')),
      path.join(dir, 'missing.pcap'),
      write('empty.pcap', Buffer.alloc(0)),
      good,
    ]);
    assert.deepEqual(
      s.warnings.map((w) => w.code),
      ['not-a-capture', 'unreadable', 'not-a-capture'],
    );
    assert.equal(s.files.length, 1);
    assert.equal(s.files[0]!.packets, packets.length);
  });

  it('never throws on damaged bytes anywhere (seeded fuzz)', async () => {
    const base = [
      pcapFile(packets),
      pcapngFile(packets),
      pcapFile(plantTrace({ kind: 'sll2' }).packets, { linkType: 276 }),
    ];
    let seed = 42;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 150; i++) {
      const b = Buffer.from(base[i % base.length]!);
      const flips = 1 + Math.floor(rnd() * 40);
      for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const file = write(`fuzz-${i}.bin`, i % 7 === 0 ? b.subarray(0, Math.floor(rnd() * b.length)) : b);
      const s = await importCaptures([file]);
      assert.ok(Array.isArray(s.flows));
      fs.rmSync(file);
    }
  });
});
