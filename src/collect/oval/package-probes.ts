/**
 * linux dpkginfo_object and rpminfo_object, from the package databases of the target (never by
 * running dpkg or rpm). Item contents follow oscap: dpkg versions are split at the first `:` and
 * the first `-` (oscap's dpkginfo helper; `3.1-20221030-2` gives version 3.1, release
 * 20221030-2), epoch 0 when absent, evr `epoch:rest` as a debian_evr_string.
 */
import type { OvalItem, OvalProber, ProbeRequest, ProbeResult } from '../../scap/oval/types.js';
import type { Target } from '../../targets/target.js';
import { parseDpkgStatus, type DpkgPackage } from '../parsers/dpkg-status.js';
import { collectors as packageCollectors } from '../packages.js';
import type { CollectContext } from '../types.js';
import { item, ItemSink, result, str, typed, unresolved } from './items.js';

const DPKG_STATUS = '/var/lib/dpkg/status';

/** oscap's split of a dpkg Version: epoch, version, release. */
export function splitDebVersion(v: string): { epoch: string; version: string; release: string; evr: string } {
  const colon = v.indexOf(':');
  const epoch = colon >= 0 ? v.slice(0, colon) : '0';
  const rest = colon >= 0 ? v.slice(colon + 1) : v;
  const dash = rest.indexOf('-');
  return {
    epoch,
    version: dash >= 0 ? rest.slice(0, dash) : rest,
    release: dash >= 0 ? rest.slice(dash + 1) : '',
    evr: `${epoch}:${rest}`,
  };
}

/** Installed as oscap's helper counts it: the first Status word is `install` (or `hold`), files unpacked. */
function installed(p: DpkgPackage): boolean {
  return (
    (p.want === 'install' || p.want === 'hold') && p.state !== 'not-installed' && p.state !== 'config-files'
  );
}

export class PackageProbes implements OvalProber {
  private readonly target: Target;
  private dpkg: Promise<{ pkgs: DpkgPackage[] } | { error: string } | null> | undefined;
  private rpm: Promise<{ rows: Record<string, unknown>[] } | { error: string }> | undefined;

  constructor(target: Target) {
    this.target = target;
  }

  supports(type: string, family: ProbeRequest['family']): boolean {
    return family === 'linux' && (type === 'dpkginfo_object' || type === 'rpminfo_object');
  }

  async collect(req: ProbeRequest): Promise<ProbeResult> {
    if (unresolved(req)) return result('does not exist', [], ['a variable of the object has no value']);
    return req.type === 'dpkginfo_object' ? this.dpkginfo(req) : this.rpminfo(req);
  }

  private loadDpkg() {
    this.dpkg ??= (async () => {
      const r = await this.target.readText(DPKG_STATUS, { maxBytes: 128 * 1024 * 1024 });
      if (r.status === 'absent') return null;
      if (r.status !== 'ok') return { error: `${DPKG_STATUS}: ${r.reason}` };
      return { pkgs: parseDpkgStatus(r.text).packages.filter(installed) };
    })();
    return this.dpkg;
  }

  private async dpkginfo(req: ProbeRequest): Promise<ProbeResult> {
    const db = await this.loadDpkg();
    if (db === null) return result('does not exist', [], [`${DPKG_STATUS} does not exist`]);
    if ('error' in db) return result('error', [], [db.error]);
    const sink = new ItemSink(req);
    for (const p of db.pkgs) {
      if (!req.matches('name', p.name)) continue;
      const v = splitDebVersion(p.version);
      const e: OvalItem['entities'] = {
        name: str(p.name),
        arch: str(p.arch),
        epoch: str(v.epoch),
        release: str(v.release),
        version: str(v.version),
        evr: typed(v.evr, 'debian_evr_string'),
      };
      sink.push(item('dpkginfo_item', 'linux', e));
    }
    return sink.result();
  }

  private loadRpm() {
    this.rpm ??= (async () => {
      const memo = new Map<string, Promise<unknown>>();
      const ctx: CollectContext = {
        target: this.target,
        mode: this.target.mode,
        now: new Date(),
        memo<T>(k: string, fn: () => Promise<T>): Promise<T> {
          let p = memo.get(k) as Promise<T> | undefined;
          if (!p) {
            p = fn();
            memo.set(k, p);
          }
          return p;
        },
      };
      const out = await packageCollectors[0]!.collect(ctx, {});
      if (out.status === 'error') return { error: out.reason ?? 'the package databases could not be read' };
      return { rows: out.rows.filter((r) => r.manager === 'rpm') };
    })();
    return this.rpm;
  }

  private async rpminfo(req: ProbeRequest): Promise<ProbeResult> {
    const db = await this.loadRpm();
    if ('error' in db) return result('error', [], [db.error]);
    const sink = new ItemSink(req);
    for (const row of db.rows) {
      const name = typeof row.name === 'string' ? row.name : '';
      if (!name || !req.matches('name', name)) continue;
      const full = typeof row.version === 'string' ? row.version : '';
      const arch = typeof row.arch === 'string' ? row.arch : '';
      const colon = full.indexOf(':');
      const epoch = colon >= 0 ? full.slice(0, colon) : '(none)';
      const vr = colon >= 0 ? full.slice(colon + 1) : full;
      const dash = vr.lastIndexOf('-');
      const version = dash >= 0 ? vr.slice(0, dash) : vr;
      const release = dash >= 0 ? vr.slice(dash + 1) : '';
      const e0 = epoch === '(none)' ? '0' : epoch;
      sink.push(
        item('rpminfo_item', 'linux', {
          name: str(name),
          arch: str(arch),
          epoch: str(epoch),
          release: str(release),
          version: str(version),
          evr: typed(`${e0}:${version}-${release}`, 'evr_string'),
          signature_keyid: str('', 'not collected'),
          extended_name: str(`${name}-${e0}:${version}-${release}.${arch}`),
        }),
      );
    }
    return sink.result();
  }
}
