import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureAnalyzer, importCaptures } from './index.js';
import {
  HOSTS,
  Trace,
  frameIp,
  ipv4,
  ipv6,
  layer2Trace,
  modbus,
  opcuaHello,
  opcuaOpen,
  pcapFile,
  plantTrace,
  udp,
} from './testing.js';
import type { CaptureSummary } from './types.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-capture-analysis-'));
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
let seq = 0;
async function analyse(t: Trace, linkType = 1): Promise<CaptureSummary> {
  const file = path.join(dir, `t${seq++}.pcap`);
  fs.writeFileSync(file, pcapFile(t.packets, { linkType }));
  return importCaptures([file]);
}

const H = HOSTS;

describe('capture analysis', () => {
  it('finds every state-changing operation of the plant, who did it to whom, and how often', async () => {
    const s = await analyse(layer2Trace(plantTrace()));
    const got = s.operations.map(
      (o) => `${o.srcIp} ${o.dstIp} ${o.protocol} ${o.kind} ${o.code} ×${o.count}`,
    );
    const ews = H.ews.ip;
    const hmi = H.hmi.ip;
    const expected = [
      `${ews} ${H.s7plc.ip} s7comm program 0x1a ×1`,
      `${ews} ${H.s7plc.ip} s7comm program 0x1b ×1`,
      `${ews} ${H.s7plc.ip} s7comm program 0x1c ×1`,
      `${ews} ${H.s7plc.ip} s7comm stop 0x29 ×1`,
      `${ews} ${H.s7plc.ip} s7comm start 0x28/P_PROGRAM ×1`,
      `${hmi} ${H.s7plc.ip} s7comm write 0x05 ×1`,
      `${ews} ${H.s7plc.ip} s7comm-plus write 0x04f2 ×1`,
      `${hmi} ${H.m340.ip} modbus write 16 ×1`,
      `${hmi} ${H.m340.ip} modbus write 6 ×1`,
      `${hmi} ${H.m340.ip} modbus write 5 ×1`,
      `${hmi} ${H.m340.ip} modbus restart 8/1 ×1`,
      `${ews} ${H.m340.ip} umas config FC90/0x10 ×1`,
      `${ews} ${H.m340.ip} umas stop FC90/0x41 ×1`,
      `${ews} ${H.m340.ip} umas program FC90/0x30 ×1`,
      `${ews} ${H.m340.ip} umas program FC90/0x31 ×1`,
      `${ews} ${H.m340.ip} umas program FC90/0x32 ×1`,
      `${ews} ${H.m340.ip} umas start FC90/0x40 ×1`,
      `${hmi} ${H.logix.ip} cip write 0x4d/symbolic ×1`,
      `${ews} ${H.logix.ip} cip write 0x10/0x01 ×1`,
      `${ews} ${H.logix.ip} cip reset 0x05/0x01 ×1`,
      `${ews} ${H.logix.ip} cip program 0x4c/0x37 ×1`,
      `${hmi} ${H.rtu.ip} dnp3 command 3 ×1`,
      `${hmi} ${H.rtu.ip} dnp3 command 4 ×1`,
      `${hmi} ${H.rtu.ip} dnp3 command 5 ×1`,
      `${hmi} ${H.rtu.ip} dnp3 restart 13 ×1`,
      `${hmi} ${H.rtu104.ip} iec104 command 45 ×1`,
      `${hmi} ${H.rtu104.ip} iec104 command 50 ×1`,
      `${hmi} ${H.rtu104.ip} iec104 time-sync 103 ×1`,
      `${hmi} ${H.rtu104.ip} iec104 reset 105 ×1`,
      `${hmi} ${H.historian.ip} opcua write 673 ×1`,
      `${ews} ${H.omron.ip} fins stop 0x0402 ×2`,
      `${ews} ${H.omron.ip} fins start 0x0401 ×1`,
      `${ews} ${H.omron.ip} fins write 0x0102 ×1`,
      `${ews} ${H.beckhoff.ip} ads stop 5/6 ×1`,
      `${ews} ${H.beckhoff.ip} ads start 5/5 ×1`,
      `${ews} ${H.beckhoff.ip} ads write 3 ×1`,
      `${hmi} ${H.bacnet.ip} bacnet write confirmed/15 ×1`,
      `${ews} ${H.bacnet.ip} bacnet restart confirmed/20 ×1`,
      `${ews} ${H.bacnet.ip} bacnet config confirmed/17 ×1`,
      `10.0.4.10 ${H.switch.ip} snmp config set ×1`,
      `${H.ews.mac} ${H.s7plc.mac} profinet-dcp config set/2/2 ×1`,
    ];
    assert.deepEqual([...got].sort(), [...expected].sort());
    // Reads (S7 read var, Modbus FC3/FC4, DNP3 read, CIP Logix Read Tag) are not operations.
    assert.ok(!s.operations.some((o) => /read/i.test(o.name) && !/write/i.test(o.name)));
    const stop = s.operations.find((o) => o.code === '0x29')!;
    assert.equal(stop.name, 'S7 PLC Stop');
    assert.ok(stop.firstSeen > 1_700_000_000_000_000 && stop.firstSeen === stop.lastSeen);
  });

  it('counts repeated operations, PDUs split across segments once, several PDUs in a segment each, retransmissions once', async () => {
    const t = new Trace();
    const c = t.tcp(H.hmi, H.m340, 41000, 502).handshake();
    const fc16 = modbus(16, Buffer.from([0, 1, 0, 2, 4, 0, 1, 0, 2]));
    c.send(true, fc16, [3]); // split inside the MBAP header
    c.send(true, fc16, [8, 12]); // three segments
    c.send(true, Buffer.concat([fc16, fc16, modbus(3, Buffer.from([0, 0, 0, 1]))])); // three PDUs, one segment
    c.send(true, Buffer.concat([fc16, fc16.subarray(0, 4)]));
    c.send(true, fc16.subarray(4)); // the rest of the fifth in the next segment
    c.retransmit(true, fc16.subarray(4)); // a retransmission is not a sixth
    c.close();
    const s = await analyse(t);
    const ops = s.operations.filter((o) => o.code === '16');
    assert.equal(ops.length, 1);
    assert.equal(ops[0]!.count, 6);
    assert.equal(s.counters['retransmissions'], 1);
    assert.equal(s.flows.length, 1);
  });

  it('identifies protocols on non-standard ports by payload, and keeps port guesses labelled as such', async () => {
    const t = new Trace();
    t.tcp(H.hmi, H.historian, 41001, 4855)
      .handshake()
      .request(opcuaHello('opc.tcp://x:4855'))
      .request(opcuaOpen('Basic256Sha256'))
      .close();
    t.tcp(H.hmi, H.m340, 41002, 5020)
      .handshake()
      .request(modbus(3, Buffer.from([0, 0, 0, 1])))
      .close();
    t.tcp(H.hmi, H.m340, 41003, 502).handshake().close(); // no payload: the port is all there is
    t.tcp(H.hmi, H.m340, 41004, 502).handshake().request(Buffer.from('not modbus at all, just text')).close();
    const s = await analyse(t);
    const by = (port: number) => s.flows.find((f) => f.dstPort === port && f.srcPort >= 41001)!;
    assert.equal(by(4855).protocol, 'opcua');
    assert.equal(by(4855).identifiedBy, 'payload');
    assert.deepEqual(by(4855).notes, ['OPC UA SecurityPolicy Basic256Sha256']);
    assert.equal(by(5020).protocol, 'modbus');
    assert.equal(by(5020).identifiedBy, 'payload');
    const noPayload = s.flows.find((f) => f.srcPort === 41003)!;
    assert.equal(noPayload.protocol, 'modbus');
    assert.equal(noPayload.identifiedBy, 'port');
    assert.equal(s.flows.find((f) => f.srcPort === 41004)!.identifiedBy, 'port');
  });

  it('notes insecure details without recording secrets', async () => {
    const s = await analyse(plantTrace());
    const notes = (proto: string) => s.flows.filter((f) => f.protocol === proto).flatMap((f) => f.notes);
    assert.ok(notes('opcua').includes('OPC UA SecurityPolicy None (no signing, no encryption)'));
    assert.ok(notes('opcua').includes('OPC UA anonymous session'));
    assert.ok(notes('mqtt').some((n) => /cleartext credentials/.test(n)));
    assert.ok(notes('tls').includes('TLS 1.3'));
    assert.ok(notes('tls').includes('TLS 1.0 (deprecated)'));
    assert.ok(notes('smb').includes('SMBv1 in use (server answered SMBv1)'));
    assert.ok(
      notes('snmp').includes('SNMPv2c community string seen in cleartext: p***** (a well-known default)'),
    );
    assert.ok(notes('snmp').includes('SNMPv2c community string seen in cleartext: P*******'));
    assert.ok(notes('ftp').includes('FTP cleartext credentials seen (not recorded)'));
    assert.ok(notes('http').includes('HTTP Basic credentials seen in cleartext (not recorded)'));
    const json = JSON.stringify(s);
    for (const secret of ['s3cr3t-pw', 'public', 'Pl4nt-RW', 'b3A6c2VjcmV0', 'PASS secret', 'secret\\r'])
      assert.ok(!json.includes(secret), `the summary must not contain ${secret}`);
  });

  it('guesses the initiator when the capture starts mid-flow: the well-known port is the server', async () => {
    const t = new Trace();
    t.tcp(H.hmi, H.m340, 41005, 502)
      .handshake()
      .request(modbus(3, Buffer.from([0, 0, 0, 1])), modbus(3, Buffer.from([2, 0, 0])));
    t.packets.splice(0, 4); // lose the handshake and the request: the first packet seen is the server's reply
    const s = await analyse(t);
    const f = s.flows[0]!;
    assert.equal(f.initiatorKnown, false);
    assert.equal(f.srcIp, H.hmi.ip);
    assert.equal(f.dstPort, 502);
    const known = await analyse(plantTrace());
    assert.ok(known.flows.filter((x) => x.transport === 'tcp').every((x) => x.initiatorKnown));
  });

  it('counts IPv4 and IPv6 fragments; the first fragment still yields the ports; later ones do not crash', async () => {
    const t = new Trace();
    const payload = udp(5000, 47808, Buffer.alloc(64));
    t.add(
      frameIp(
        t.framing,
        H.hmi,
        H.bacnet,
        ipv4(H.hmi.ip, H.bacnet.ip, 17, payload.subarray(0, 24), { id: 9, mf: true }),
      ),
    );
    t.add(
      frameIp(
        t.framing,
        H.hmi,
        H.bacnet,
        ipv4(H.hmi.ip, H.bacnet.ip, 17, payload.subarray(24), { id: 9, fragOffset: 24 }),
      ),
    );
    const a = { ip: 'fd00::1', mac: H.hmi.mac };
    const b = { ip: 'fd00::2', mac: H.bacnet.mac };
    const frag = (off: number, more: boolean) => ({
      type: 44,
      body: Buffer.from([(off >> 8) & 0xff, (off & 0xf8) | (more ? 1 : 0), 0, 0, 0, 7]),
    });
    t.add(frameIp(t.framing, a, b, ipv6(a.ip, b.ip, 17, payload.subarray(0, 24), [frag(0, true)])));
    t.add(frameIp(t.framing, a, b, ipv6(a.ip, b.ip, 17, payload.subarray(24), [frag(24, false)])));
    const s = await analyse(t);
    assert.equal(s.counters['ipv4Fragments'], 2);
    assert.equal(s.counters['ipv6Fragments'], 2);
    assert.deepEqual(
      s.flows.map((f) => `${f.srcIp}:${f.srcPort} ${f.dstIp}:${f.dstPort} ${f.packetsToServer}`),
      [`${H.hmi.ip}:5000 ${H.bacnet.ip}:47808 1`, 'fd00::1:5000 fd00::2:47808 1'],
    );
  });

  it('raw IP under every link type number that carries it (101, 12, 14, 228 IPv4-only), and ICMP flows', async () => {
    const base = await analyse(plantTrace({ kind: 'raw' }), 101);
    for (const lt of [12, 14, 228]) {
      const s = await analyse(plantTrace({ kind: 'raw' }), lt);
      assert.deepEqual(s.warnings, []);
      assert.deepEqual(
        s.flows.map((f) => `${f.protocol} ${f.srcIp}:${f.srcPort} ${f.dstIp}:${f.dstPort}`),
        base.flows.map((f) => `${f.protocol} ${f.srcIp}:${f.srcPort} ${f.dstIp}:${f.dstPort}`),
        `link type ${lt}`,
      );
    }
    const t = new Trace(undefined, { kind: 'raw' });
    const echo = Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]);
    t.add(ipv4(H.it.ip, H.switch.ip, 1, echo));
    t.add(ipv4(H.switch.ip, H.it.ip, 1, echo));
    t.add(ipv6('fd00::1', 'fd00::2', 58, Buffer.from([128, 0, 0, 0, 0, 1, 0, 1])));
    const s = await analyse(t, 229 - 128); // 101: raw, the version nibble decides
    assert.deepEqual(
      s.flows.map((f) => `${f.transport} ${f.srcIp} ${f.dstIp} ${f.packetsToServer}/${f.packetsToClient}`),
      [`icmp ${H.it.ip} ${H.switch.ip} 1/1`, 'icmp fd00::1 fd00::2 1/0'],
    );
    const v6only = await analyse(t, 229);
    assert.equal(
      v6only.counters['undecodable'],
      2,
      'IPv4 packets under the IPv6-only link type are not decoded',
    );
  });

  it('memory is bounded by flows: more packets on the same flows add no flows', async () => {
    const small = await analyse(plantTrace(undefined, 1));
    const big = await analyse(plantTrace(undefined, 200));
    assert.equal(big.flows.length, small.flows.length);
    assert.ok(big.counters['packets']! > small.counters['packets']! * 5);
  });

  it('several files make one picture; the streaming form reports each file', async () => {
    const f1 = path.join(dir, 'm1.pcap');
    const f2 = path.join(dir, 'm2.pcapng');
    fs.writeFileSync(f1, pcapFile(plantTrace(undefined, 1, 1_700_000_000_000_000, 30000).packets));
    fs.writeFileSync(f2, pcapFile(plantTrace(undefined, 1, 1_700_000_500_000_000, 50000).packets));
    const one = new CaptureAnalyzer();
    one.addFile(f1);
    const n1 = one.summary().flows.length;
    const s = await importCaptures([f1, f2]);
    assert.equal(s.files.length, 2);
    // The fixed-port UDP exchanges (BACnet, FINS, NTP) are the same flows in both files.
    assert.equal(s.flows.length, 2 * n1 - 4);
  });

  it('assets: MAC, vendor from the OUI, protocols served and used, roles with reasons', async () => {
    const s = await analyse(layer2Trace(plantTrace()));
    const a = (ip: string) => s.assets.find((x) => x.key === ip)!;
    assert.equal(a(H.s7plc.ip).mac, H.s7plc.mac);
    assert.equal(a(H.s7plc.ip).vendor, 'Siemens AG');
    assert.equal(a(H.s7plc.ip).role, 'plc-rtu');
    assert.deepEqual(a(H.s7plc.ip).serves, ['profinet-dcp', 'profinet-rt', 's7comm', 's7comm-plus']);
    assert.equal(a(H.logix.ip).vendor, 'Rockwell Automation');
    assert.equal(a(H.beckhoff.ip).vendor, 'Beckhoff Automation GmbH');
    assert.equal(a(H.ews.ip).role, 'engineering-workstation');
    assert.match(a(H.ews.ip).roleReasons.join(' '), /initiates S7 Request Download/);
    assert.equal(a(H.hmi.ip).role, 'hmi');
    assert.equal(a(H.historian.ip).role, 'historian');
    assert.equal(a(H.switch.ip).role, 'network-device');
    assert.equal(a(H.sensor.ip).role, 'iot-device');
    assert.equal(a(H.web.ip).role, 'it-host');
    assert.equal(a(H.broker.ip).vendor, undefined); // locally administered MAC
    assert.equal(a(H.ied.ip).role, 'plc-rtu');
    assert.ok(a(H.ied.ip).serves.includes('goose'));
    // Group addresses are not assets.
    assert.ok(!s.assets.some((x) => x.key.startsWith('01:')));
  });

  it('a router MAC behind many IPs becomes a network device and is not glued to the remote hosts', async () => {
    const t = new Trace();
    const gw = '00:1b:54:ff:ff:01';
    for (let i = 1; i <= 5; i++) {
      const remote = { ip: `192.0.2.${i}`, mac: gw };
      t.tcp(H.it, remote, 42000 + i, 443)
        .handshake()
        .close();
    }
    const s = await analyse(t);
    const router = s.assets.find((x) => x.key === gw)!;
    assert.equal(router.role, 'network-device');
    assert.ok(s.assets.filter((x) => x.key.startsWith('192.0.2.')).every((x) => x.mac === undefined));
  });
});
