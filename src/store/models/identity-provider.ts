import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions } from './common.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

/** ZITADEL's provider options: what a login through the IdP may do with users (domain/external-login.ts). */
const providerOptionsSchema = new Schema(
  {
    isCreationAllowed: { type: Boolean, default: true },
    isLinkingAllowed: { type: Boolean, default: true },
    isAutoCreation: { type: Boolean, default: false },
    isAutoUpdate: { type: Boolean, default: false },
    /** The upstream's `amr` joins Castellan's `fed` in the tokens (else `fed` alone). */
    trustUpstreamAmr: { type: Boolean, default: false },
  },
  { _id: false },
);

const attributeName = { type: String, maxlength: 200 };
const attributeMappingSchema = new Schema(
  {
    username: attributeName,
    email: attributeName,
    givenName: attributeName,
    familyName: attributeName,
    displayName: attributeName,
    locale: attributeName,
    trustEmailVerified: { type: Boolean, default: false },
  },
  { _id: false },
);

/**
 * An external identity provider configuration (issue 17), owned by the instance (`orgId` null: any org whose login
 * policy lists it may offer it) or by one org (only that org's login). `settings` are the protocol's settings without
 * its secret fields; each secret field is in `secrets`, encrypted with the master key (platform/crypto.ts).
 */
const identityProviderSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    orgId: { type: String, default: null },
    type: { type: String, required: true, maxlength: 20 },
    /** The template it was made from (`google`, `azure-ad`, …), or null for a generic configuration. */
    template: { type: String, default: null, maxlength: 40 },
    name: { type: String, required: true, trim: true, minlength: 1, maxlength: 200 },
    settings: { type: Schema.Types.Mixed, required: true },
    secrets: { type: Schema.Types.Mixed, default: () => ({}) },
    options: { type: providerOptionsSchema, default: () => ({}) },
    mapping: { type: attributeMappingSchema, default: () => ({}) },
  },
  { ...schemaOptions, collection: 'identity_providers', minimize: false },
);
identityProviderSchema.index({ instanceId: 1, orgId: 1 });

export type IdentityProviderDocument = InferSchemaType<typeof identityProviderSchema> & { _id: string };
identityProviderSchema.plugin(invalidateCachesOnWrite);
export const IdentityProvider = model('IdentityProvider', identityProviderSchema);
