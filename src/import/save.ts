/**
 * An imported report → a stored scan on the right asset. The scan's facts are only the host's identity (an
 * `os` fact, and `interfaces` with the MAC addresses), so the store's identity logic (machine-id, hostname +
 * MACs, name) applies; because OpenSCAP and Lynis reports carry no machine-id, the asset is first looked up
 * here by host name (short or fully qualified) and MAC addresses among the host assets, and when one is found
 * its own machine-id (or name) is what the scan is saved under: an import lands on the asset of Bulwark's own
 * scans of that host.
 */
import { randomUUID } from 'node:crypto';
import { BulwarkError } from '../core/errors.js';
import type { Asset } from '../core/asset.js';
import type { Fact, Row } from '../core/types.js';
import { summarise } from '../engine/score.js';
import type { ScanOutcome } from '../scan/run.js';
import type { Store } from '../store/db.js';
import type { ImportedScan } from './types.js';

const short = (h: string) => h.split('.')[0]!.toLowerCase();

/** The one host asset the import is about, or undefined for a new one. */
export async function findImportAsset(
  store: Store,
  imp: ImportedScan,
  assetName?: string,
): Promise<Asset | undefined> {
  if (assetName !== undefined) {
    try {
      return await store.findAsset(assetName);
    } catch (e) {
      if (e instanceof BulwarkError && e.code === 'BW_ASSET_NOT_FOUND') return undefined;
      throw e;
    }
  }
  const hosts = (await store.listAssets()).filter((a) => a.kind === 'host');
  const id = imp.identity;
  if (id.machineId) {
    const m = hosts.find((a) => a.machine_id === id.machineId);
    if (m) return m;
  }
  const names = new Set(
    [id.hostname, id.fqdn].filter((x): x is string => !!x).flatMap((h) => [h.toLowerCase(), short(h)]),
  );
  if (names.size === 0) return undefined;
  let candidates = hosts.filter(
    (a) => (a.hostname && names.has(a.hostname.toLowerCase())) || names.has(short(a.hostname ?? a.name)),
  );
  if (candidates.length > 1 && id.macs.length > 0) {
    const sharing = candidates.filter((a) => a.macs.some((m) => id.macs.includes(m)));
    if (sharing.length > 0) candidates = sharing;
  }
  if (candidates.length > 1)
    throw new BulwarkError(
      'BW_ASSET_AMBIGUOUS',
      `${candidates.length} host assets match the host name ${[...names].join(' / ')}: ${candidates.map((a) => `${a.name} (${a.id})`).join(', ')}`,
      'choose one with --asset-name <name or id>',
    );
  return candidates[0];
}

/** The stored form of an imported report, attached to `asset` when one was found. */
export function importOutcome(
  imp: ImportedScan,
  source: string,
  asset: Asset | undefined,
): { outcome: ScanOutcome; assetName?: string } {
  const at = imp.finishedAt;
  const provenance = { collector: `import:${imp.tool}`, sources: [source], mode: 'live' as const, at };
  const hostname = asset?.hostname ?? imp.identity.hostname ?? imp.identity.fqdn ?? '';
  const machineId = asset ? (asset.machine_id ?? '') : (imp.identity.machineId ?? '');
  const os: Row = {
    hostname,
    machine_id: machineId,
    ...(imp.identity.os ? { pretty_name: imp.identity.os } : {}),
  };
  const facts: Fact[] = [
    {
      key: 'os',
      name: 'os',
      args: {},
      status: 'incomplete',
      rows: [os],
      provenance,
      reason: `imported from ${imp.tool}: the host's identity only`,
    },
  ];
  // An existing asset without a machine-id is found by its name: MACs would send the store down another path.
  const withMacs = !asset || asset.machine_id !== null;
  if (withMacs && imp.identity.macs.length > 0)
    facts.push({
      key: 'interfaces',
      name: 'interfaces',
      args: {},
      status: 'incomplete',
      rows: imp.identity.macs.map((mac) => ({ name: '', wireless: false, operstate: '', mac })),
      provenance,
      reason: `imported from ${imp.tool}: MAC addresses only`,
    });
  const results = imp.results.map((r) => ({
    rule: r.rule,
    title: r.title,
    severity: r.severity,
    status: r.status,
    message: r.message,
    evidence: [{ fact: `import:${imp.tool}`, path: source, message: r.message }],
    area: imp.tool,
  }));
  const outcome: ScanOutcome = {
    id: randomUUID(),
    startedAt: imp.startedAt,
    finishedAt: imp.finishedAt,
    durationMs: Math.max(0, Date.parse(imp.finishedAt) - Date.parse(imp.startedAt)),
    target: { kind: 'live', root: `import:${imp.tool}:${source}`, mode: 'live' },
    profile: imp.profile,
    tailoringFile: null,
    policyFiles: [],
    results,
    facts,
    summary: summarise(results),
    rules: new Map(),
  };
  const assetName = asset && asset.machine_id === null ? asset.name : undefined;
  return assetName === undefined ? { outcome } : { outcome, assetName };
}
