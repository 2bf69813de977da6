/**
 * Asset attributes: what a thing that is hardened is, who owns it, and how far it may be changed.
 * No zod here (it is loaded on every scan); the validation schemas are in asset-schema.ts.
 */

export const DEVICE_CLASSES = [
  'server',
  'workstation',
  'hmi',
  'engineering-workstation',
  'plc-rtu',
  'network-device',
  'iot-device',
  'other',
] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

/** How far remediation may change an asset: `none` for legacy or vendor-qualified configurations. */
export const MODIFIABILITY = ['full', 'limited', 'none'] as const;
export type Modifiability = (typeof MODIFIABILITY)[number];

export const CRITICALITY = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITY)[number];

/** A change to an asset's attributes; null clears an attribute. Validated by AssetPatchSchema (asset-schema.ts). */
export type { AssetPatch } from './asset-schema.js';

export interface Asset {
  id: string;
  name: string;
  kind: string;
  machine_id: string | null;
  hostname: string | null;
  macs: string[];
  /** Hardware serial (DMI product_serial, or `uuid:` and product_uuid), when a live scan could read one. */
  serial: string | null;
  /** IP addresses last seen (from imported reports); shown, not used alone for identity. */
  ips: string[];
  owner: string | null;
  site: string | null;
  zone: string | null;
  criticality: Criticality | null;
  tags: string[];
  device_class: DeviceClass | null;
  modifiability: Modifiability;
  vendor_notes: string | null;
  created_at: string;
  updated_at: string;
}
