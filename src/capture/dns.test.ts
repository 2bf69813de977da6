import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { importCaptures } from './index.js';
import { HOSTS, Trace, dnsQuery, dnsResponse, pcapFile } from './testing.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-capture-dns-'));
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('DNS answers', () => {
  it('notes the A and AAAA addresses a DNS server answered, never from queries, and bounded per flow', async () => {
    const t = new Trace();
    const client = { ip: '10.0.4.10', mac: '00:14:22:44:44:44' };
    t.udp(client, HOSTS.dns, 40000, 53, dnsQuery('historian.plant'));
    t.udp(HOSTS.dns, client, 53, 40000, dnsResponse('historian.plant', ['10.0.1.20', 'fd00::20']));
    // A query that merely contains address-like bytes is not an answer.
    t.udp(client, HOSTS.dns, 40001, 53, dnsQuery('10.9.9.9.in-addr.arpa'));
    // Many answers on one flow: the notes stay bounded.
    const many = Array.from({ length: 200 }, (_, i) => `10.1.${Math.floor(i / 250)}.${i % 250}`);
    t.udp(client, HOSTS.dns, 40002, 53, dnsQuery('farm.plant'));
    t.udp(HOSTS.dns, client, 53, 40002, dnsResponse('farm.plant', many));
    // A truncated response is ignored, not a crash.
    t.udp(client, HOSTS.dns, 40003, 53, dnsQuery('cut.plant'));
    t.udp(HOSTS.dns, client, 53, 40003, dnsResponse('cut.plant', ['10.0.1.30']).subarray(0, 30));
    const file = path.join(dir, 'dns.pcap');
    fs.writeFileSync(file, pcapFile(t.packets, { linkType: 1 }));
    const s = await importCaptures([file]);
    const notes = (port: number) =>
      s.flows.find((f) => f.protocol === 'dns' && f.srcPort === port)?.notes ?? [];
    assert.deepEqual(notes(40000), ['DNS answer A 10.0.1.20', 'DNS answer AAAA fd00::20']);
    assert.deepEqual(notes(40001), []);
    assert.equal(notes(40002).length, 64);
    assert.deepEqual(notes(40003), []);
  });
});
