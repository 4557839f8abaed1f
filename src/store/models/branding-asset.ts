import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions } from './common.ts';

/**
 * A branding's images (ZITADEL's label policy assets): the logo and the icon (a square mark: the favicon), each also
 * for dark mode; domain/rules/branding-logos.ts.
 */
export const LOGO_SLOTS = ['logo', 'logoDark', 'icon', 'iconDark'] as const;
/** The types a logo may be, as its bytes' magic numbers tell (domain/rules/branding-logos.ts, imageTypeOf). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml'] as const;

/**
 * A logo's reference in the record of the branding it belongs to (an org's, or the instance's default): its version
 * (the SHA-256 of the bytes), type and size. The bytes are in their own collection below, so that reading an org or
 * the instance (on every request) stays small.
 */
const logoRefSchema = new Schema(
  {
    hash: { type: String, required: true, match: /^[0-9a-f]{64}$/ },
    contentType: { type: String, required: true, enum: IMAGE_TYPES },
    size: { type: Number, required: true, min: 1 },
  },
  { _id: false },
);

/** A removed logo's slot holds null rather than nothing: tenant records are refreshed by assignment (oidc/tenants). */
export const brandingLogosSchema = new Schema(
  Object.fromEntries(LOGO_SLOTS.map((slot) => [slot, { type: logoRefSchema, default: undefined }])),
  { _id: false },
);

/**
 * The bytes of one logo version of a branding (`policyId`: the org's id, or the instance's for its default). A new
 * version is inserted before the record refers to it, and older ones are deleted after: without transactions
 * (docs/portable-mongodb.md), a crash in between leaves an unreferenced version, never a reference to nothing.
 */
const brandingAssetSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    policyId: { type: String, required: true },
    slot: { type: String, required: true, enum: LOGO_SLOTS },
    hash: { type: String, required: true, match: /^[0-9a-f]{64}$/ },
    contentType: { type: String, required: true, enum: IMAGE_TYPES },
    data: { type: Buffer, required: true },
  },
  { ...schemaOptions, collection: 'branding_assets' },
);
brandingAssetSchema.index({ instanceId: 1, policyId: 1, slot: 1, hash: 1 }, { unique: true });

export type BrandingAssetDocument = InferSchemaType<typeof brandingAssetSchema>;
export const BrandingAsset = model('BrandingAsset', brandingAssetSchema);
