import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions, stateField, tokenLifetimesSchema } from './common.ts';
import { loginPolicySchema } from './login-policy.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

const instanceSchema = new Schema(
  {
    _id: idField,
    name: { type: String, required: true, maxlength: 200 },
    issuer: { type: String, required: true },
    /** Host names that route to this instance (the issuer's host first). */
    domains: { type: [String], required: true, validate: (v: string[]) => v.length > 0 },
    primaryDomain: { type: String, required: true },
    state: stateField,
    /** The instance's own management project: `urn:zitadel:iam:org:project:id:zitadel:aud` targets it. */
    managementProjectId: { type: String, required: true },
    defaultOrgId: { type: String, required: true },
    tokenLifetimes: { type: tokenLifetimesSchema, required: true },
    loginPolicy: { type: loginPolicySchema, default: () => ({}) },
  },
  { ...schemaOptions, collection: 'instances' },
);
// FerretDB v1 does not enforce unique indexes on array elements; instances are created only by bootstrap.
// The name keeps FerretDB from pushing equality on `domains` down to SQLite (docs/ferretdb.md, patch 2).
instanceSchema.index({ domains: 1 }, { name: 'domains_multikey' });
instanceSchema.index({ issuer: 1 }, { unique: true });

export type InstanceDocument = InferSchemaType<typeof instanceSchema>;
instanceSchema.plugin(invalidateCachesOnWrite, { instanceIdPath: '_id' });
export const Instance = model('Instance', instanceSchema);
