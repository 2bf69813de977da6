/**
 * `bulwark zones check` output: the JSON document (schema `bulwark/zones-check@1`) and its text rendering.
 * Pure: the CLI gathers the model, captures and stored results, this module judges and presents.
 */
import type { CaptureSummary } from '../capture/types.js';
import type { Severity } from '../core/types.js';
import { checkZones, type ZoneFinding } from './checks.js';
import { FRS, slVector, type ZoneModel } from './model.js';
import type { InventoryAsset } from './resolve.js';
import { slGaps, type HostResult, type ZoneGap } from './sl.js';

export const ZONES_SCHEMA_ID = 'bulwark/zones-check@1';

export interface ZonesInput {
  model: ZoneModel;
  modelFile: string;
  capture?: CaptureSummary;
  captureFiles?: string[];
  inventory?: InventoryAsset[];
  results?: Map<string, HostResult[]>;
  ruleRefs?: Map<string, string[]>;
}

export interface ZonesReport {
  schema: typeof ZONES_SCHEMA_ID;
  model: { file: string; plant: string };
  captures: string[];
  counts: Record<Severity, number>;
  zones: {
    id: string;
    name: string;
    owner: string;
    safety: string;
    sl_t: Record<string, number>;
    assets: string[];
  }[];
  assets: {
    key: string;
    label: string;
    zone: string | null;
    zone_by: string | null;
    role: string;
    known: boolean;
    seen: boolean;
    ips: string[];
    macs: string[];
  }[];
  findings: ZoneFinding[];
  sl_gap: ZoneGap[];
  notes: string[];
}

export function evaluateZones(input: ZonesInput): {
  report: ZonesReport;
  outcome: ReturnType<typeof checkZones>;
} {
  const outcome = checkZones({
    model: input.model,
    ...(input.capture ? { capture: input.capture } : {}),
    ...(input.inventory ? { inventory: input.inventory } : {}),
  });
  const gaps = slGaps({
    model: input.model,
    checks: outcome,
    captured: input.capture !== undefined,
    ...(input.results ? { results: input.results } : {}),
    ...(input.ruleRefs ? { ruleRefs: input.ruleRefs } : {}),
  });
  const counts: Record<Severity, number> = { info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  for (const f of outcome.findings) counts[f.severity]++;
  const r = outcome.resolution;
  const report: ZonesReport = {
    schema: ZONES_SCHEMA_ID,
    model: { file: input.modelFile, plant: input.model.plant.name },
    captures: input.captureFiles ?? [],
    counts,
    zones: input.model.zones.map((z) => ({
      id: z.id,
      name: z.name,
      owner: z.owner,
      safety: z.safety,
      sl_t: slVector(z),
      assets: r.entities.filter((e) => e.zone === z.id).map((e) => e.key),
    })),
    assets: r.entities.map((e) => ({
      key: e.key,
      label: e.label,
      zone: e.zone ?? null,
      zone_by: e.zoneBy ?? null,
      role: e.role,
      known: e.known,
      seen: e.observed !== undefined,
      ips: e.ips,
      macs: e.macs,
    })),
    findings: outcome.findings,
    sl_gap: gaps,
    notes: outcome.notes,
  };
  return { report, outcome };
}

export function renderZonesText(rep: ZonesReport, opts: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  out.push(
    `zones check: ${rep.model.plant} (${rep.model.file})${rep.captures.length ? `, ${rep.captures.length} capture(s)` : ''}`,
  );
  out.push('');
  out.push('zones');
  for (const z of rep.zones) {
    out.push(
      `  ${z.id.padEnd(16)} ${String(z.assets.length).padStart(4)} asset(s)  SL-T ${FRS.map((f) => z.sl_t[f]).join('/')}  ${z.safety !== 'none' ? `[${z.safety}] ` : ''}owner ${z.owner}`,
    );
  }
  out.push('');
  if (rep.findings.length === 0) out.push('no findings');
  else {
    out.push(
      `findings: ${rep.findings.length} (${(['critical', 'high', 'medium', 'low', 'info'] as const)
        .filter((s) => rep.counts[s])
        .map((s) => `${rep.counts[s]} ${s}`)
        .join(', ')})`,
    );
    rep.findings.forEach((f, i) => {
      out.push('');
      out.push(`#${i + 1} ${f.severity.toUpperCase()} ${f.id}: ${f.title}`);
      out.push(`   ${f.message}`);
      const ev = opts.verbose ? f.evidence : f.evidence.slice(0, 3);
      for (const e of ev)
        out.push(
          `   - ${e.text}${e.packets !== undefined ? ` (${e.packets} pkt${e.bytes !== undefined ? `, ${e.bytes} B` : ''})` : ''}${e.first_seen ? ` ${e.first_seen}` : ''}`,
        );
      if (ev.length < f.evidence.length)
        out.push(`   - … ${f.evidence.length - ev.length} more (--verbose or --format json)`);
      out.push(`   fix: ${f.fix}`);
    });
  }
  out.push('');
  out.push('SL gap (target → achieved, estimated from evidence; ceiling if every unknown were met)');
  out.push(`  ${'zone'.padEnd(16)} ${FRS.map((f) => f.padEnd(9)).join('')}`);
  for (const g of rep.sl_gap) {
    out.push(
      `  ${g.zone.padEnd(16)} ${g.frs.map((f) => `${f.target}→${f.achieved}${f.ceiling > f.achieved ? `(${f.ceiling})` : ''}${f.gap ? '!' : ''}`.padEnd(9)).join('')}`,
    );
  }
  for (const g of rep.sl_gap) {
    const missing = g.frs.flatMap((f) =>
      f.missing.filter((m) => m.status === 'not_met').map((m) => ({ fr: f.fr, m })),
    );
    const comp = g.frs.flatMap((f) => f.compensated);
    const unknown = g.frs.reduce((n, f) => n + f.missing.filter((m) => m.status === 'unknown').length, 0);
    if (!missing.length && !comp.length && !unknown) continue;
    out.push(
      `  ${g.zone}: ${missing.length} requirement(s) not met, ${unknown} without evidence${comp.length ? `, ${comp.length} compensated` : ''} (of those up to SL-T)`,
    );
    for (const { fr, m } of opts.verbose ? missing : missing.slice(0, 8))
      out.push(`    ${fr} ${m.id} ${m.title} (SL${m.sl}): ${m.evidence[0] ?? ''}`);
    if (!opts.verbose && missing.length > 8) out.push(`    … ${missing.length - 8} more (--verbose)`);
    for (const c of comp)
      out.push(`    compensated ${c.id} ${c.title}: ${c.compensating.join('; ') || c.evidence.join('; ')}`);
  }
  if (rep.notes.length) {
    out.push('');
    for (const n of rep.notes) out.push(`note: ${n}`);
  }
  return out.join('\n') + '\n';
}
