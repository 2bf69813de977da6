#!/usr/bin/env node
/**
 * Capture benchmark: Bulwark's flow extraction (`bulwark capture import --no-store`: flows, protocol
 * identification, operations, assets) against tshark's conversation statistics (`tshark -q -z conv,tcp
 * -z conv,udp`), side by side, on the same files: a ≥ 1 GB capture and a quarter-size one with the same
 * flows (memory must follow flows, not packets). Prints wall times, the ratio and peak RSS (GNU time -v).
 *
 * The captures are built under /tmp (never in the repository) by merging re-timestamped copies of the plant
 * traffic the tests use (src/capture/testing.ts), each copy moved to its own 10.<k>.0.0/16 addresses so
 * that there are many distinct flows.
 *
 *   npm run build && node bench/capture.mjs [--size-mb 1024] [--distinct 256] [--dir /tmp/bulwark-bench] [--keep] [--json]
 *
 * Needs: tshark (Debian `tshark`), GNU time (`time`).
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
if (args.includes('--help')) {
  process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
  process.exit(0);
}
const SIZE_MB = Number(opt('--size-mb', '1024'));
const DISTINCT = Number(opt('--distinct', '256'));
const DIR = opt('--dir', '/tmp/bulwark-bench');
const KEEP = args.includes('--keep');
const JSON_OUT = args.includes('--json');

function need(cmd, pkg) {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync(cmd, ['-v'], { stdio: 'ignore' });
    } catch {
      console.error(`bench/capture: ${cmd} is missing: apt-get install -y ${pkg}`);
      process.exit(2);
    }
  }
}
need('tshark', 'tshark');
if (!fs.existsSync('/usr/bin/time')) {
  console.error('bench/capture: GNU time is missing: apt-get install -y time');
  process.exit(2);
}
const testing = path.join(ROOT, 'dist/src/capture/testing.js');
if (!fs.existsSync(testing)) {
  console.error('bench/capture: Bulwark is not built: npm run build');
  process.exit(2);
}
const { layer2Trace, plantTrace, pcapFile } = await import(testing);

/** Writes a capture of about `mb` MiB: re-timestamped copies of the base, copy k on 10.(k % distinct).x.x. */
function build(file, mb, distinct) {
  const base = pcapFile(layer2Trace(plantTrace(undefined, 20)).packets);
  // Record offsets of the base, its first timestamp and duration.
  const recs = [];
  for (let o = 24; o + 16 <= base.length;) {
    const incl = base.readUInt32LE(o + 8);
    recs.push(o);
    o += 16 + incl;
  }
  const t0 = base.readUInt32LE(24) * 1e6 + base.readUInt32LE(28);
  const last = recs[recs.length - 1];
  const span = base.readUInt32LE(last) * 1e6 + base.readUInt32LE(last + 4) - t0 + 1000;
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, base.subarray(0, 24));
  const target = mb * 1024 * 1024;
  let written = 24;
  let copies = 0;
  const body = base.subarray(24);
  const copy = Buffer.allocUnsafe(body.length);
  while (written < target) {
    body.copy(copy);
    const shift = copies * span;
    const octet = copies % distinct;
    for (const r of recs) {
      const o = r - 24;
      const ts = base.readUInt32LE(r) * 1e6 + base.readUInt32LE(r + 4) + shift;
      copy.writeUInt32LE(Math.floor(ts / 1e6), o);
      copy.writeUInt32LE(ts % 1e6, o + 4);
      const frame = o + 16;
      if (copy.readUInt16BE(frame + 12) === 0x0800 && copy[frame + 26] === 10) {
        copy[frame + 27] = octet; // source 10.<octet>.x.x
        copy[frame + 31] = octet; // destination
      }
    }
    fs.writeSync(fd, copy);
    written += copy.length;
    copies++;
  }
  fs.closeSync(fd);
  return { copies, packets: copies * recs.length, bytes: written };
}

function measure(cmd, argv) {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-v', cmd, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out.length < 64 * 1024 * 1024 ? (out += d) : undefined));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(err);
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      const user = Number(/User time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? NaN);
      const sys = Number(/System time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? NaN);
      if (code !== 0 || !wall || !rss)
        return reject(new Error(`${cmd} failed (${code}): ${err.slice(-2000)}`));
      const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
      resolve({ seconds, cpu: user + sys, rssMb: Number(rss[1]) / 1024, stdout: out });
    });
  });
}

fs.mkdirSync(DIR, { recursive: true });
const files = [
  { label: `${SIZE_MB} MiB`, file: path.join(DIR, `capture-${SIZE_MB}m.pcap`), mb: SIZE_MB },
  { label: `${SIZE_MB / 4} MiB`, file: path.join(DIR, `capture-${SIZE_MB / 4}m.pcap`), mb: SIZE_MB / 4 },
];
const results = [];
for (const f of files) {
  process.stderr.write(`building ${f.file} (${f.label}, ${DISTINCT} address blocks)…\n`);
  const built = build(f.file, f.mb, DISTINCT);
  process.stderr.write(`  ${built.packets} packets, ${(built.bytes / 1024 ** 3).toFixed(2)} GiB\n`);
  process.stderr.write('  bulwark capture import --no-store …\n');
  const bw = await measure(process.execPath, [
    path.join(ROOT, 'bin/bulwark.js'),
    'capture',
    'import',
    f.file,
    '--no-store',
  ]);
  const flows = Number(/flows {7}(\d+)/.exec(bw.stdout)?.[1] ?? NaN);
  process.stderr.write(
    `    ${bw.seconds.toFixed(1)} s wall, ${bw.cpu.toFixed(1)} s CPU, ${bw.rssMb.toFixed(0)} MB, ${flows} flows\n`,
  );
  process.stderr.write('  tshark -q -z conv,tcp -z conv,udp …\n');
  const ts = await measure('tshark', ['-r', f.file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp']);
  const convs = ts.stdout.split('\n').filter((l) => / <-> /.test(l)).length;
  process.stderr.write(
    `    ${ts.seconds.toFixed(1)} s wall, ${ts.cpu.toFixed(1)} s CPU, ${ts.rssMb.toFixed(0)} MB, ${convs} conversations\n`,
  );
  results.push({
    file: f.label,
    bytes: built.bytes,
    packets: built.packets,
    bulwark: { seconds: bw.seconds, cpu: bw.cpu, rssMb: Math.round(bw.rssMb), flows },
    tshark: { seconds: ts.seconds, cpu: ts.cpu, rssMb: Math.round(ts.rssMb), conversations: convs },
    ratio: ts.seconds / bw.seconds,
    cpuRatio: ts.cpu / bw.cpu,
    load: fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
  });
  if (!KEEP) fs.rmSync(f.file);
}

const versions = {
  node: process.version,
  tshark: execFileSync('tshark', ['-v'], { encoding: 'utf8' }).split('\n')[0],
  cpu: fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*: (.*)/)?.[1] ?? '?',
  cores: fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 0,
  date: new Date().toISOString().slice(0, 10),
};
if (JSON_OUT) process.stdout.write(JSON.stringify({ versions, results }, null, 2) + '\n');
else {
  const lines = [
    `| capture | packets | Bulwark wall (CPU) | tshark wall (CPU) | ratio wall (CPU) | Bulwark peak RSS | tshark peak RSS | flows (Bulwark / tshark TCP+UDP) | load |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...results.map(
      (r) =>
        `| ${r.file} (${(r.bytes / 1024 ** 3).toFixed(2)} GiB) | ${r.packets.toLocaleString('en')} | ${r.bulwark.seconds.toFixed(1)} s (${r.bulwark.cpu.toFixed(1)} s) | ${r.tshark.seconds.toFixed(1)} s (${r.tshark.cpu.toFixed(1)} s) | **${r.ratio.toFixed(1)}×** (${r.cpuRatio.toFixed(1)}×) | ${r.bulwark.rssMb} MB | ${r.tshark.rssMb} MB | ${r.bulwark.flows} / ${r.tshark.conversations} | ${r.load} |`,
    ),
    '',
    `${versions.date}; ${versions.cpu}, ${versions.cores} cores; Node ${versions.node}; ${versions.tshark}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
