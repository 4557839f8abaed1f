import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions, tokenLifetimesSchema } from './common.ts';
import { loginPolicySchema } from './login-policy.ts';
import { brandingLogosSchema } from './branding-asset.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';
import { RATE_LIMIT_BOUNDS, RATE_LIMIT_NAMES } from '../../platform/config.ts';

const integer = { validator: Number.isInteger, message: '{PATH} must be an integer' };
const rateLimitRuleSchema = new Schema(
  {
    max: { type: Number, required: true, min: 0, max: RATE_LIMIT_BOUNDS.max, validate: integer },
    windowSeconds: { type: Number, required: true, min: 1, max: RATE_LIMIT_BOUNDS.windowSeconds, validate: integer },
  },
  { _id: false, strict: 'throw' },
);
/** The instance's own throttles; a rule not set here is config/default.json's `rateLimits` one. */
const rateLimitsSchema = new Schema(
  Object.fromEntries(RATE_LIMIT_NAMES.map((name) => [name, { type: rateLimitRuleSchema, default: undefined }])),
  { _id: false, strict: 'throw' },
);

/** Stored without defaults: a field not set is its default (domain/rules/instance-settings.ts). */
const settingsGroup = (fields: readonly string[]) =>
  new Schema(Object.fromEntries(fields.map((field) => [field, Boolean])), { _id: false, strict: 'throw' });
const instanceSettingsSchema = new Schema(
  {
    oidc: settingsGroup(['requirePkceForAllClients', 'strictClientAssertions']),
    features: settingsGroup(['tokenExchange', 'orgSignUp']),
    security: settingsGroup(['enableImpersonation']),
    strictReservedScopes: settingsGroup([
      'orgId',
      'orgDomainPrimary',
      'projectAudience',
      'roleOrgId',
      'idpId',
      'projectRole',
    ]),
  },
  { _id: false, strict: 'throw', minimize: true },
);

export const SMTP_TLS_MODES = ['none', 'starttls', 'tls'] as const;
/** The instance's SMTP server (ZITADEL's SMTP configuration); the password only encrypted (platform/crypto.ts). */
const smtpSchema = new Schema(
  {
    host: { type: String, required: true, maxlength: 253 },
    port: { type: Number, required: true, min: 1, max: 65535, validate: integer },
    tls: { type: String, enum: SMTP_TLS_MODES, required: true },
    user: { type: String, maxlength: 320 },
    passwordEncrypted: { type: String },
    senderAddress: { type: String, required: true, maxlength: 320 },
    senderName: { type: String, maxlength: 200 },
    replyTo: { type: String, maxlength: 320 },
  },
  { _id: false, strict: 'throw' },
);

/**
 * `creating` until its first org and owners exist; `removing` while the removal job (domain/commands/
 * instance-removal.ts) deletes it. Only an `active` instance is served.
 */
export const INSTANCE_STATES = ['active', 'inactive', 'creating', 'removing'] as const;

const instanceSchema = new Schema(
  {
    _id: idField,
    name: { type: String, required: true, maxlength: 200 },
    issuer: { type: String, required: true },
    /** Host names that route to this instance (the issuer's host first). */
    domains: { type: [String], required: true, validate: (v: string[]) => v.length > 0 },
    primaryDomain: { type: String, required: true },
    state: { type: String, enum: INSTANCE_STATES, default: 'active', required: true },
    /** The instance's own management project: `urn:zitadel:iam:org:project:id:zitadel:aud` targets it. */
    managementProjectId: { type: String, required: true },
    defaultOrgId: { type: String, required: true },
    tokenLifetimes: { type: tokenLifetimesSchema, required: true },
    loginPolicy: { type: loginPolicySchema, default: () => ({}) },
    /** The branding's own logos (branding-asset.ts); a slot not set inherits, as the login policy's fields do. */
    brandingLogos: { type: brandingLogosSchema, default: undefined },
    rateLimits: { type: rateLimitsSchema, default: undefined },
    settings: { type: instanceSettingsSchema, default: undefined },
    smtp: { type: smtpSchema, default: undefined },
  },
  { ...schemaOptions, collection: 'instances' },
);
// FerretDB v1 does not enforce unique indexes on array elements: a domain's single owner is its InstanceDomain claim.
// The name keeps FerretDB from pushing equality on `domains` down to SQLite (docs/ferretdb.md, patch 2).
instanceSchema.index({ domains: 1 }, { name: 'domains_multikey' });
instanceSchema.index({ issuer: 1 }, { unique: true });

export type InstanceDocument = InferSchemaType<typeof instanceSchema>;
instanceSchema.plugin(invalidateCachesOnWrite, { instanceIdPath: '_id' });
export const Instance = model('Instance', instanceSchema);
