/**
 * Passive discovery from packet captures: `importCaptures(paths)` reads pcap/pcapng files (streaming, memory
 * bounded by the number of flows) and returns the flows, observed assets, state-changing operations, warnings
 * and counters (src/capture/types.ts). `streamCaptures` is the same as an async generator that reports each
 * file as it is done and returns the summary; `CaptureAnalyzer` is the synchronous core for callers that feed
 * files themselves.
 */
import { buildAssets } from './assets.js';
import { FlowTable, clientText, macText, serverText, toFlow, ipText } from './flows.js';
import { vendorOf } from './oui.js';
import { protocolCounters } from './protocols.js';
import { readCaptureFile, type FileInfo } from './reader.js';
import type { CaptureSummary, CaptureWarning, Flow, Operation } from './types.js';

export type * from './types.js';
export type { FileInfo } from './reader.js';

export interface ImportOptions {
  /** Called for every warning as it is found (they are also in the summary, up to `maxWarnings`). */
  onWarning?: (w: CaptureWarning) => void;
  /** Warnings kept in the summary (default 1000); the rest are counted in counters.warningsDropped. */
  maxWarnings?: number;
  /** Skip the asset and vendor pass (flows and operations only, e.g. for benchmarks). */
  flowsOnly?: boolean;
}

export class CaptureAnalyzer {
  private readonly table = new FlowTable();
  private readonly files: CaptureSummary['files'] = [];
  private readonly warnings: CaptureWarning[] = [];
  private dropped = 0;
  private readonly startCounters = { ...protocolCounters };

  constructor(private readonly opts: ImportOptions = {}) {
    this.table.warn = (w) => {
      this.warn(w);
    };
  }

  private warn(w: CaptureWarning): void {
    this.opts.onWarning?.(w);
    if (this.warnings.length < (this.opts.maxWarnings ?? 1000)) this.warnings.push(w);
    else this.dropped++;
  }

  /** Reads one file into the flow table. Never throws for bad input: problems become warnings. */
  addFile(path: string): FileInfo | undefined {
    this.table.file = path;
    const t = this.table;
    const info = readCaptureFile(
      path,
      (p) => {
        t.packet(p);
      },
      (w) => {
        this.warn(w);
      },
    );
    if (info) {
      this.files.push({
        path: info.path,
        format: info.format,
        linkTypes: info.linkTypes,
        packets: info.packets,
        bytes: info.bytes,
      });
    }
    return info;
  }

  /** Number of flows so far. */
  get flowCount(): number {
    return this.table.all.length;
  }

  summary(): CaptureSummary {
    const flows: Flow[] = [];
    const ops = new Map<string, Operation>();
    for (const f of this.table.all) {
      flows.push(toFlow(f));
      if (!f.ops && !f.opsRev) continue;
      const c = clientText(f);
      const s = serverText(f);
      for (const [m, src, dst] of [
        [f.ops, c, s],
        [f.opsRev, s, c],
      ] as const) {
        for (const o of m?.values() ?? []) {
          const k = `${o.protocol}\u0000${o.code}\u0000${o.name}\u0000${src}\u0000${dst}`;
          const e = ops.get(k);
          if (e) {
            e.count += o.count;
            e.firstSeen = Math.min(e.firstSeen, o.firstSeen);
            e.lastSeen = Math.max(e.lastSeen, o.lastSeen);
          } else ops.set(k, { ...o, srcIp: src, dstIp: dst });
        }
      }
    }
    flows.sort((a, b) => a.firstSeen - b.firstSeen);
    const operations = [...ops.values()].sort(
      (a, b) => a.firstSeen - b.firstSeen || a.name.localeCompare(b.name),
    );
    const arp = new Map<string, string>();
    for (const [ip, mac] of this.table.arp) arp.set(ipText(false, 0, 0, 0, ip), macText(mac));
    const assets = this.opts.flowsOnly ? [] : buildAssets(flows, operations, { vendorOf, arp });
    const counters: Record<string, number> = { ...this.table.counters, flows: flows.length };
    counters['reassemblyDropped'] = protocolCounters.reassemblyDropped - this.startCounters.reassemblyDropped;
    counters['malformedPdus'] = protocolCounters.malformedPdus - this.startCounters.malformedPdus;
    counters['warningsDropped'] = this.dropped;
    return { files: this.files, flows, assets, operations, warnings: this.warnings, counters };
  }
}

/** Reads every file and returns what they show together. */
export async function importCaptures(paths: string[], opts: ImportOptions = {}): Promise<CaptureSummary> {
  const it = streamCaptures(paths, opts);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
  }
}

export type CaptureProgress = { kind: 'file'; file: FileInfo | undefined; path: string; flows: number };

/** The streaming form: yields after each file (the event loop runs in between), returns the summary. */
export async function* streamCaptures(
  paths: string[],
  opts: ImportOptions = {},
): AsyncGenerator<CaptureProgress, CaptureSummary> {
  const a = new CaptureAnalyzer(opts);
  for (const p of paths) {
    const file = a.addFile(p);
    yield { kind: 'file', file, path: p, flows: a.flowCount };
    await new Promise((r) => setImmediate(r));
  }
  return a.summary();
}
