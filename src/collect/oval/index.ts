/**
 * OVAL probes over a Target: the object collection half of Bulwark's OVAL 5.11 support (the
 * evaluator in src/scap/oval is pure and calls these through the OvalProber contract).
 * docs/scap.md (## Probes) lists the object types, how items match oscap's, and where they differ.
 */
import type { OvalProber } from '../../scap/oval/types.js';
import type { Target } from '../../targets/target.js';
import { FileProbes } from './file-probes.js';
import { FsView } from './fsview.js';
import { PackageProbes } from './package-probes.js';
import { SystemProbes } from './system-probes.js';
import { SystemdProbes } from './systemd-probes.js';

export interface OvalProberOptions {
  /** `never`: list directories one by one through the Target instead of running GNU find (tests). */
  find?: 'auto' | 'never';
}

/**
 * The probers for one evaluation of one target. They share caches (directory walks, package
 * databases, unit files) for the whole evaluation: create them once per scan.
 */
export function createOvalProbers(target: Target, opts: OvalProberOptions = {}): OvalProber[] {
  const view = new FsView(target, { find: opts.find ?? 'auto' });
  return [
    new FileProbes(view),
    new PackageProbes(target),
    new SystemProbes(target),
    new SystemdProbes(target),
  ];
}

/** Object types (local name and family) the probers collect; others are reported not collected. */
export const SUPPORTED_OBJECTS: readonly (readonly [string, 'independent' | 'unix' | 'linux'])[] = [
  ['family_object', 'independent'],
  ['textfilecontent54_object', 'independent'],
  ['environmentvariable58_object', 'independent'],
  ['file_object', 'unix'],
  ['symlink_object', 'unix'],
  ['uname_object', 'unix'],
  ['sysctl_object', 'unix'],
  ['interface_object', 'unix'],
  ['password_object', 'unix'],
  ['shadow_object', 'unix'],
  ['dpkginfo_object', 'linux'],
  ['rpminfo_object', 'linux'],
  ['partition_object', 'linux'],
  ['systemdunitdependency_object', 'linux'],
  ['systemdunitproperty_object', 'linux'],
];
