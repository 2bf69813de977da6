import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNftables } from './nftables.js';

const DEBIAN = `#!/usr/sbin/nft -f

flush ruleset

define SSH_PORTS = { 22, 2222 }

table inet filter {
	set blocked {
		type ipv4_addr
		elements = { 192.0.2.1, 198.51.100.7 }
	}
	chain input {
		type filter hook input priority 0; policy drop;
		iif "lo" accept comment "loopback"
		iif != lo ip saddr 127.0.0.0/8 counter drop
		ip6 saddr ::1 iif != lo drop
		ct state established,related accept
		tcp dport {
			22,
			443
		} accept   # multi-line anonymous set
		ip saddr @blocked drop
	}
	chain forward {
		type filter hook forward priority filter
		policy drop
	}
	chain output {
		type filter hook output priority 0;
	}
	chain user_chain {
		counter
	}
}
include "/etc/nftables.d/*.nft"
`;

test('block form: chains with hooks and policies, rules with the chain hook', () => {
  const { entries, includes } = parseNftables(DEBIAN);
  const chains = entries.filter((e) => e.kind === 'chain');
  assert.deepEqual(
    chains.map((c) => [c.family, c.table, c.chain, c.chainType, c.hook, c.policy]),
    [
      ['inet', 'filter', 'input', 'filter', 'input', 'drop'],
      ['inet', 'filter', 'forward', 'filter', 'forward', 'drop'],
      ['inet', 'filter', 'output', 'filter', 'output', 'accept'],
      ['inet', 'filter', 'user_chain', null, null, null],
    ],
  );
  const rules = entries.filter((e) => e.kind === 'rule' && e.chain === 'input');
  assert.deepEqual(
    rules.map((r) => r.rule),
    [
      'iif "lo" accept comment "loopback"',
      'iif != lo ip saddr 127.0.0.0/8 counter drop',
      'ip6 saddr ::1 iif != lo drop',
      'ct state established,related accept',
      'tcp dport { 22, 443 } accept',
      'ip saddr @blocked drop',
    ],
  );
  assert.ok(rules.every((r) => r.hook === 'input' && r.chainType === 'filter'));
  assert.equal(rules[0]!.line, 14);
  assert.equal(chains[0]!.lastRule, 'ip saddr @blocked drop');
  assert.deepEqual(includes, [{ path: '/etc/nftables.d/*.nft', line: 35 }]);
});

test('command form, families, continuation lines, CRLF', () => {
  const text = [
    'add table filter',
    'add chain filter INPUT { type filter hook input priority 0 ; policy accept ; }',
    'add rule filter INPUT iifname lo \\',
    '   accept',
    'add rule filter INPUT tcp dport { 22, 80 } accept',
    'add rule filter INPUT counter reject with icmp type port-unreachable',
    'add rule ip6 t6 in drop',
    'add chain ip6 t6 in { type filter hook input priority 0; policy drop; }',
  ].join('\r\n');
  const { entries } = parseNftables(text);
  const chains = entries.filter((e) => e.kind === 'chain');
  assert.deepEqual(
    chains.map((c) => [c.family, c.table, c.chain, c.hook, c.policy, c.lastRule]),
    [
      ['ip', 'filter', 'INPUT', 'input', 'accept', 'counter reject with icmp type port-unreachable'],
      ['ip6', 't6', 'in', 'input', 'drop', 'drop'],
    ],
  );
  const rules = entries.filter((e) => e.kind === 'rule');
  assert.deepEqual(
    rules.map((r) => [r.rule, r.line]),
    [
      ['iifname lo accept', 3],
      ['tcp dport { 22, 80 } accept', 5],
      ['counter reject with icmp type port-unreachable', 6],
      ['drop', 7],
    ],
  );
  assert.equal(rules[3]!.hook, 'input'); // chain declared after the rule
});

test('nat chains keep their type; empty and junk input do not throw', () => {
  const { entries } = parseNftables(
    'table ip nat {\n chain prerouting { type nat hook prerouting priority dstnat; }\n}\n',
  );
  assert.equal(entries[0]!.chainType, 'nat');
  assert.deepEqual(parseNftables('').entries, []);
  assert.doesNotThrow(() => parseNftables('}}} {{ table "x\n chain ;;; \u0000'));
});

test('table-level include and named objects are skipped', () => {
  const { entries, includes } = parseNftables(
    'table inet f {\n include "f.d/*.nft"\n counter c1 { packets 0 bytes 0 }\n chain input { type filter hook input priority 0; policy drop; }\n}\n',
  );
  assert.equal(entries.length, 1);
  assert.deepEqual(includes, [{ path: 'f.d/*.nft', line: 2 }]);
});
