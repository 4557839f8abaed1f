import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, metadataSchema, schemaOptions, stateField, tokenLifetimesSchema } from './common.ts';
import { loginPolicySchema } from './login-policy.ts';
import { brandingLogosSchema } from './branding-asset.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

const domainSchema = new Schema(
  {
    domain: {
      type: String,
      required: true,
      lowercase: true,
      maxlength: 253,
      match: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/,
    },
    verified: { type: Boolean, default: false },
    /** The pending proof of ownership (domain/commands/org-domain-verification.ts): how, and its token, encrypted. */
    validationType: { type: String, enum: ['http', 'dns'] },
    validationToken: { type: String },
  },
  { _id: false },
);

const organizationSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    name: { type: String, required: true, trim: true, minlength: 1, maxlength: 200 },
    state: stateField,
    domains: { type: [domainSchema], default: [] },
    /** Kept as its own field so that a unique index can hold it (array elements cannot be unique in FerretDB v1). */
    primaryDomain: { type: String, required: true, lowercase: true },
    /** Partial override of the instance's login policy; absent fields inherit. */
    loginPolicy: { type: loginPolicySchema, default: null },
    tokenLifetimes: { type: tokenLifetimesSchema, default: null },
    /** The branding's own logos (branding-asset.ts); a slot not set inherits, as the login policy's fields do. */
    brandingLogos: { type: brandingLogosSchema, default: undefined },
    metadata: { type: [metadataSchema], default: [] },
  },
  { ...schemaOptions, collection: 'organizations' },
);
organizationSchema.index({ instanceId: 1, name: 1 }, { unique: true });
organizationSchema.index({ instanceId: 1, primaryDomain: 1 }, { unique: true });
organizationSchema.index({ instanceId: 1, 'domains.domain': 1 });

export type OrganizationDocument = InferSchemaType<typeof organizationSchema>;
organizationSchema.plugin(invalidateCachesOnWrite);
export const Organization = model('Organization', organizationSchema);
