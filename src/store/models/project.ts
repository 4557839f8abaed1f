import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions, stateField, tokenLifetimesSchema } from './common.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

export const ROLE_KEY_PATTERN = /^[A-Za-z0-9_:.-]{1,200}$/;
export const PRIVATE_LABELING_SETTINGS = [
  'unspecified',
  'enforce_project_resource_owner_policy',
  'allow_login_user_resource_owner_policy',
] as const;

const roleSchema = new Schema(
  {
    key: { type: String, required: true, match: ROLE_KEY_PATTERN },
    displayName: { type: String, required: true, trim: true, maxlength: 200 },
    group: { type: String, trim: true, maxlength: 200 },
  },
  { _id: false },
);

const projectSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    orgId: { type: String, required: true },
    name: { type: String, required: true, trim: true, minlength: 1, maxlength: 200 },
    state: stateField,
    roles: {
      type: [roleSchema],
      default: [],
      validate: {
        validator: (roles: Array<{ key: string }>) => new Set(roles.map((r) => r.key)).size === roles.length,
        message: 'role keys must be unique',
      },
    },
    projectRoleAssertion: { type: Boolean, default: false },
    projectRoleCheck: { type: Boolean, default: false },
    hasProjectCheck: { type: Boolean, default: false },
    privateLabelingSetting: { type: String, enum: PRIVATE_LABELING_SETTINGS, default: 'unspecified' },
    tokenLifetimes: { type: tokenLifetimesSchema, default: null },
  },
  { ...schemaOptions, collection: 'projects' },
);
projectSchema.index({ instanceId: 1, orgId: 1, name: 1 }, { unique: true });

export type ProjectDocument = InferSchemaType<typeof projectSchema> & { _id: string };
projectSchema.plugin(invalidateCachesOnWrite);
export const Project = model('Project', projectSchema);
