// Measuring one command: wall time, peak RSS (kernel figure through GNU time, and the whole
// process tree by polling /proc), exit code and captured stdout. Plain Node ESM, no dependencies.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PAGE = (() => {
  const r = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 4096;
})();

/** Path of GNU time when installed (Debian package `time`), else null. */
export function gnuTime() {
  for (const p of ['/usr/bin/time', '/bin/time']) {
    if (!fs.existsSync(p)) continue;
    const r = spawnSync(p, ['--version'], { encoding: 'utf8' });
    if (`${r.stdout}${r.stderr}`.includes('GNU')) return p;
  }
  return null;
}

export function which(cmd) {
  for (const dir of (
    process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  ).split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Sum of the resident set sizes (bytes) of `root` and all its descendants, except `exclude`. */
function treeRss(root, exclude) {
  const children = new Map();
  let names;
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const n of names) {
    if (n.charCodeAt(0) < 48 || n.charCodeAt(0) > 57) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${n}/stat`, 'latin1');
    } catch {
      continue;
    }
    // pid (comm) state ppid …  — comm may hold spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const rss = Number(rest[21]) * PAGE;
    const list = children.get(ppid) ?? [];
    list.push([Number(n), rss]);
    children.set(ppid, list);
  }
  let sum = 0;
  const queue = [root];
  // The root's own RSS: find it among its parent's children.
  for (const list of children.values())
    for (const [pid, rss] of list) if (pid === root && pid !== exclude) sum += rss;
  while (queue.length) {
    const pid = queue.pop();
    for (const [c, rss] of children.get(pid) ?? []) {
      if (c !== exclude) sum += rss;
      queue.push(c);
    }
  }
  return sum;
}

/**
 * Runs `cmd args` and measures it.
 * opts.time: path of GNU time to wrap the command with (kernel peak RSS of the largest process), or null.
 * opts.pollMs: poll /proc every this many ms for the peak RSS of the whole process tree (0 = do not poll).
 * opts.capture: keep stdout (else discarded). stderr is always kept (last 64 KiB).
 */
export function measure(cmd, args, opts = {}) {
  const {
    time = null,
    pollMs = 0,
    capture = false,
    cwd = process.cwd(),
    env = process.env,
    shell = false,
  } = opts;
  return new Promise((resolve) => {
    const timeFile = time ? path.join(os.tmpdir(), `bulwark-bench-${process.pid}-${Date.now()}.time`) : null;
    const argv = shell ? ['/bin/sh', '-c', cmd] : [cmd, ...args];
    const full = time ? [time, '-f', 'BWBENCH %e %U %S %M %x', '-o', timeFile, ...argv] : argv;
    const t0 = performance.now();
    const child = spawn(full[0], full.slice(1), {
      cwd,
      env,
      stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'],
    });
    const out = [];
    let err = '';
    child.stdout?.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => {
      err = (err + b.toString('utf8')).slice(-65536);
    });
    let treePeak = 0;
    let samples = 0;
    const poll = () => {
      // With GNU time in front, the wrapper itself is not counted.
      const v = treeRss(child.pid, time ? child.pid : -1);
      samples++;
      if (v > treePeak) treePeak = v;
    };
    const timer = pollMs > 0 ? setInterval(poll, pollMs) : null;
    if (timer) poll();
    child.on('error', (e) => {
      if (timer) clearInterval(timer);
      resolve({ ok: false, error: e.message, wallMs: performance.now() - t0, stdout: '', stderr: err });
    });
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - t0;
      if (timer) clearInterval(timer);
      const r = {
        ok: code === 0,
        code,
        signal,
        wallMs,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: err,
        treePeakBytes: pollMs > 0 ? treePeak : null,
        samples,
      };
      if (timeFile) {
        try {
          const text = fs.readFileSync(timeFile, 'utf8');
          fs.rmSync(timeFile, { force: true });
          const m = /BWBENCH (\S+) (\S+) (\S+) (\d+) (\S+)/.exec(text);
          if (m) {
            r.userS = Number(m[2]);
            r.sysS = Number(m[3]);
            r.maxRssBytes = Number(m[4]) * 1024;
            r.code = Number(m[5]);
            r.ok = r.code === 0;
          }
          // GNU time puts "Command exited with non-zero status N" before the format line.
        } catch {
          /* no figure */
        }
      }
      resolve(r);
    });
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export const mb = (bytes) => (bytes == null ? '—' : `${(bytes / 1048576).toFixed(1)} MB`);
export const secs = (ms) =>
  ms == null ? '—' : ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
