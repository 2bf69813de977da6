/** Validation of asset attribute changes (loaded only where a change is validated). */
import { z } from 'zod';
import { CRITICALITY, DEVICE_CLASSES, MODIFIABILITY } from './asset.js';

const text = (what: string) =>
  z
    .string()
    .max(500, `${what} is longer than 500 characters`)
    .refine(
      (s) => !Array.from({ length: s.length }, (_, i) => s.charCodeAt(i)).some((c) => c < 0x20),
      `${what} contains control characters`,
    );

/** A tag: letters, digits and . _ : / - (so it can be typed on a command line and matched exactly). */
export const TagSchema = z
  .string()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}._:/-]{0,63}$/u, 'a tag is 1–64 letters, digits or . _ : / - (no spaces)');

/** A change to an asset's attributes; null clears an attribute. */
export const AssetPatchSchema = z
  .object({
    name: text('the name').min(1, 'the name is empty'),
    owner: text('the owner').nullable(),
    site: text('the site').nullable(),
    zone: text('the zone').nullable(),
    criticality: z.enum(CRITICALITY).nullable(),
    device_class: z.enum(DEVICE_CLASSES).nullable(),
    modifiability: z.enum(MODIFIABILITY),
    vendor_notes: z.string().max(4000, 'vendor notes are longer than 4000 characters').nullable(),
    add_tags: z.array(TagSchema),
    remove_tags: z.array(TagSchema),
  })
  .partial()
  .strict();
export type AssetPatch = z.infer<typeof AssetPatchSchema>;
