/**
 * tshark as the oracle: the same capture files, written by our writer in every supported format and link
 * type, are read by tshark (Debian package `tshark`) and by Bulwark; conversations (frames and bytes each
 * way) and the identified protocols must agree. Skips loudly when tshark is absent.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { importCaptures } from './index.js';
import {
  HOSTS,
  LINKTYPE,
  Trace,
  ipv4,
  ipv6,
  modbus,
  layer2Trace,
  pcapFile,
  pcapngFile,
  plantTrace,
  tcpHeader,
  udp,
  frameIp,
  type Framing,
  type Packet,
} from './testing.js';
import type { CaptureSummary, ProtocolName } from './types.js';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const TSHARK = hasTshark();
if (!TSHARK)
  console.error('SKIPPED: tshark not installed (apt-get install tshark): capture oracle tests do not run');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-capture-oracle-'));
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function tshark(args: string[]): string {
  return execFileSync('tshark', args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

interface Conv {
  frames: number;
  /** Frames each way, sorted, so that the orientation of the row does not matter. */
  ways: [number, number];
  bytes: number | undefined;
}

/** `tshark -q -z conv,tcp -z conv,udp` parsed into conversations keyed by transport and sorted endpoints. */
export function tsharkConversations(file: string): Map<string, Conv> {
  const out = tshark(['-r', file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp']);
  const convs = new Map<string, Conv>();
  let transport = '';
  const row =
    /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+([\d,]+)\s+(\w+)\s+(\d+)\s+([\d,]+)\s+(\w+)\s+(\d+)\s+([\d,]+)\s+(\w+)/;
  for (const line of out.split('\n')) {
    if (line.startsWith('TCP Conversations')) transport = 'tcp';
    else if (line.startsWith('UDP Conversations')) transport = 'udp';
    const m = row.exec(line);
    if (!m) continue;
    const key = convKey(transport, `${m[1]!}:${m[2]!}`, `${m[3]!}:${m[4]!}`);
    const a = Number(m[5]);
    const b = Number(m[8]);
    convs.set(key, {
      frames: Number(m[11]),
      ways: [Math.min(a, b), Math.max(a, b)],
      bytes: m[13] === 'bytes' ? Number(m[12]!.replace(/,/g, '')) : undefined,
    });
  }
  return convs;
}

const convKey = (transport: string, a: string, b: string): string =>
  `${transport} ${[a, b].sort().join(' ')}`;

function ourConversations(s: CaptureSummary): Map<string, Conv> {
  const convs = new Map<string, Conv>();
  for (const f of s.flows) {
    if (f.transport !== 'tcp' && f.transport !== 'udp') continue;
    const a = f.packetsToServer;
    const b = f.packetsToClient;
    convs.set(convKey(f.transport, `${f.srcIp}:${f.srcPort}`, `${f.dstIp}:${f.dstPort}`), {
      frames: a + b,
      ways: [Math.min(a, b), Math.max(a, b)],
      bytes: f.bytesToServer + f.bytesToClient,
    });
  }
  return convs;
}

function assertSameConversations(file: string, s: CaptureSummary): void {
  const theirs = tsharkConversations(file);
  const ours = ourConversations(s);
  assert.ok(theirs.size > 0, `tshark saw no conversations in ${file}`);
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `conversations of ${file}`);
  for (const [k, t] of theirs) {
    const o = ours.get(k)!;
    assert.deepEqual(o.ways, t.ways, `frames each way of ${k} in ${file}`);
    if (t.bytes !== undefined) assert.equal(o.bytes, t.bytes, `bytes of ${k} in ${file}`);
  }
}

/** tshark's protocol names (frame.protocols layers) for ours. */
const TSHARK_NAMES: [string, ProtocolName[]][] = [
  ['s7comm', ['s7comm']],
  ['mbtcp', ['modbus', 'umas']],
  ['iec60870_104', ['iec104']],
  ['dnp3', ['dnp3']],
  ['opcua', ['opcua']],
  ['enip', ['enip', 'cip']],
  ['bvlc', ['bacnet']],
  ['omron', ['fins']],
  ['ams', ['ads']],
  ['hart_ip', ['hart-ip']],
  ['mqtt', ['mqtt']],
  ['ssh', ['ssh']],
  ['telnet', ['telnet']],
  ['ftp', ['ftp']],
  ['http', ['http']],
  ['tls', ['tls']],
  ['smb', ['smb']],
  ['smb2', ['smb']],
  ['rdp', ['rdp']],
  ['vnc', ['vnc']],
  ['dns', ['dns']],
  ['ntp', ['ntp']],
  ['snmp', ['snmp']],
  ['ses', ['iec61850-mms']],
  ['pn_dcp', ['profinet-dcp']],
  ['pn_io', ['profinet-rt']],
  ['goose', ['goose']],
  ['sv', ['sv']],
];

/** Per conversation, the protocol tshark's dissectors found (OPC UA on 4841 only with a decode-as hint). */
function tsharkProtocols(file: string): Map<string, string> {
  const out = tshark([
    '-r',
    file,
    '-d',
    'tcp.port==4841,opcua',
    '-T',
    'fields',
    '-E',
    'separator=\t',
    '-e',
    'ip.src',
    '-e',
    'ipv6.src',
    '-e',
    'ip.dst',
    '-e',
    'ipv6.dst',
    '-e',
    'tcp.srcport',
    '-e',
    'tcp.dstport',
    '-e',
    'udp.srcport',
    '-e',
    'udp.dstport',
    '-e',
    'eth.src',
    '-e',
    'eth.dst',
    '-e',
    'frame.protocols',
  ]);
  const found = new Map<string, Set<string>>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [s4, s6, d4, d6, ts, td, us, ud, es, ed, protos] = line.split('\t');
    const layers = (protos ?? '').split(':');
    let key: string;
    if (ts || us) {
      const t = ts ? 'tcp' : 'udp';
      key = convKey(t, `${s4 || s6}:${ts || us}`, `${d4 || d6}:${td || ud}`);
    } else if (es && !s4 && !s6 && !layers.includes('arp')) key = `l2 ${[es, ed].sort().join(' ')}`;
    else continue;
    const set = found.get(key) ?? found.set(key, new Set()).get(key)!;
    for (const l of layers) set.add(l);
  }
  const result = new Map<string, string>();
  for (const [k, layers] of found) {
    const hit = TSHARK_NAMES.find(([n]) => layers.has(n));
    if (hit) result.set(k, hit[0]);
  }
  return result;
}

function assertSameProtocols(file: string, s: CaptureSummary): number {
  const theirs = tsharkProtocols(file);
  let checked = 0;
  for (const f of s.flows) {
    const key =
      f.transport === 'l2'
        ? `l2 ${[f.srcIp, f.dstIp].sort().join(' ')}`
        : convKey(f.transport, `${f.srcIp}:${f.srcPort}`, `${f.dstIp}:${f.dstPort}`);
    const t = theirs.get(key);
    if (!t) continue;
    const allowed = TSHARK_NAMES.find(([n]) => n === t)![1];
    assert.ok(allowed.includes(f.protocol), `${key}: tshark says ${t}, Bulwark says ${f.protocol}`);
    assert.equal(f.identifiedBy, 'payload', `${key} (${f.protocol}) confirmed by payload`);
    checked++;
  }
  return checked;
}

function write(name: string, data: Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
}

const FRAMINGS: Framing[] = [
  { kind: 'ethernet' },
  { kind: 'ethernet', vlans: [100] },
  { kind: 'ethernet', vlans: [200, 100] },
  { kind: 'sll' },
  { kind: 'sll2' },
  { kind: 'raw' },
  { kind: 'null' },
  { kind: 'null', bigEndian: true },
  { kind: 'loop' },
];

describe('capture against tshark', { skip: TSHARK ? false : 'SKIPPED: tshark not installed' }, () => {
  for (const framing of FRAMINGS) {
    const label = `${framing.kind}${'vlans' in framing && framing.vlans ? ` vlans ${framing.vlans.join('/')}` : ''}${'bigEndian' in framing && framing.bigEndian ? ' big-endian' : ''}`;
    it(`conversations and protocols agree: pcap, ${label}`, async () => {
      const t = plantTrace(framing, 3);
      if (framing.kind === 'ethernet') layer2Trace(t);
      const file = write(
        `plant-${label.replace(/\W+/g, '-')}.pcap`,
        pcapFile(t.packets, { linkType: LINKTYPE[framing.kind] }),
      );
      const s = await importCaptures([file]);
      assert.deepEqual(s.warnings, []);
      assertSameConversations(file, s);
      const checked = assertSameProtocols(file, s);
      assert.ok(checked >= 28, `only ${checked} flows compared with tshark's dissectors`);
    });
  }

  it('pcap with nanosecond timestamps, big-endian; pcapng big-endian with two interfaces of different link types and resolutions', async () => {
    const a = plantTrace({ kind: 'ethernet' }, 2, 1_700_000_000_000_000, 30000);
    const b = plantTrace({ kind: 'raw' }, 2, 1_700_000_100_000_000, 50000);
    const ns = write('plant-ns-be.pcap', pcapFile(a.packets, { nano: true, bigEndian: true }));
    const s1 = await importCaptures([ns]);
    assert.equal(s1.files[0]!.format, 'pcap-ns');
    assertSameConversations(ns, s1);
    const packets: Packet[] = [...a.packets, ...b.packets.map((p) => ({ ...p, iface: 1 }))].sort(
      (x, y) => x.ts - y.ts,
    );
    const ng = write(
      'plant-2if-be.pcapng',
      pcapngFile(packets, {
        bigEndian: true,
        interfaces: [{ linkType: 1 }, { linkType: 101, tsresol: 9 }],
        unknownBlocksAt: [3, 50],
      }),
    );
    const s2 = await importCaptures([ng]);
    assert.deepEqual(s2.warnings, []);
    assert.deepEqual(s2.files[0]!.linkTypes, [1, 101]);
    assertSameConversations(ng, s2);
    assert.ok(assertSameProtocols(ng, s2) >= 56);
    // Timestamps survive both resolutions: the first and last packets' times are the flows' bounds.
    assert.equal(Math.min(...s2.flows.map((f) => f.firstSeen)), packets[0]!.ts);
    assert.equal(Math.max(...s2.flows.map((f) => f.lastSeen)), packets[packets.length - 1]!.ts);
  });

  it('IPv6 with extension headers and IPv4 with options agree with tshark', async () => {
    const t = new Trace(1_700_000_000_000_000, { kind: 'ethernet' });
    const c = { ip: 'fd00::10', mac: HOSTS.hmi.mac };
    const srv = { ip: 'fd00::5', mac: HOSTS.m340.mac };
    const hop = { type: 0, body: Buffer.from([1, 4, 0, 0, 0, 0]) };
    const dst = { type: 60, body: Buffer.from([1, 4, 0, 0, 0, 0]) };
    for (let i = 0; i < 5; i++) {
      const seg = tcpHeader(41000 + (i % 2), 502, 1000 + i, 0, i === 0 ? 0x02 : 0x18, Buffer.alloc(0));
      t.add(frameIp(t.framing, c, srv, ipv6(c.ip, srv.ip, 6, seg, i % 2 ? [hop, dst] : [dst])));
    }
    t.add(frameIp(t.framing, c, srv, ipv6(c.ip, srv.ip, 17, udp(5000, 53, Buffer.alloc(20)), [hop])));
    // IPv4 with options (NOPs and end of list): the transport header follows the longer IP header.
    const opts = { options: Buffer.from([1, 1, 1, 0]) };
    for (let i = 0; i < 3; i++)
      t.add(
        frameIp(
          t.framing,
          HOSTS.hmi,
          HOSTS.m340,
          ipv4(
            HOSTS.hmi.ip,
            HOSTS.m340.ip,
            6,
            tcpHeader(42000, 502, 7 + i, 0, 0x18, modbus(3, Buffer.from([0, 0, 0, 1]), i)),
            opts,
          ),
        ),
      );
    const file = write('v6.pcap', pcapFile(t.packets));
    const s = await importCaptures([file]);
    assertSameConversations(file, s);
    assert.equal(s.counters['ipv6'], 6);
    assert.equal(s.flows.find((f) => f.srcPort === 42000)?.protocol, 'modbus');
  });
});
