/**
 * MAC vendor lookup from the IEEE registry shipped in the `oui-data` package (MA-L, MA-M and MA-S prefixes).
 * The 5 MB list is read only when a capture is analysed, once per process; no network lookups, ever.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';

let table: Record<string, string> | null | undefined;

function load(): Record<string, string> | null {
  if (table !== undefined) return table;
  try {
    const file = createRequire(import.meta.url).resolve('oui-data');
    table = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    table = null;
  }
  return table;
}

/** The vendor of a MAC ("aa:bb:cc:dd:ee:ff"), or undefined: unknown prefix, locally administered, or group address. */
export function vendorOf(mac: string): string | undefined {
  const hex = mac.replace(/[^0-9a-f]/gi, '').toUpperCase();
  if (hex.length !== 12) return undefined;
  const first = parseInt(hex.slice(0, 2), 16);
  if (first & 0x03) return undefined; // multicast or locally administered: no registered vendor
  const t = load();
  if (!t) return undefined;
  const entry = t[hex.slice(0, 9)] ?? t[hex.slice(0, 7)] ?? t[hex.slice(0, 6)];
  return entry?.split('\n')[0]?.trim() || undefined;
}
