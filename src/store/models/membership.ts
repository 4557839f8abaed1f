import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions } from './common.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

export const MEMBERSHIP_LEVELS = ['instance', 'org', 'project', 'projectGrant'] as const;

/** A manager: a user holding administrative roles on one resource (ZITADEL "members" / "administrators"). */
const membershipSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    userId: { type: String, required: true },
    level: { type: String, enum: MEMBERSHIP_LEVELS, required: true },
    /** Instance id, org id, project id or project grant id, by level. */
    resourceId: { type: String, required: true },
    /** The org the resource belongs to (for a project grant: the granted org); the instance id at instance level. */
    orgId: { type: String, required: true },
    /** For project and project-grant memberships: the project. */
    projectId: { type: String, default: null },
    roles: { type: [String], required: true, validate: (roles: string[]) => roles.length > 0 },
  },
  { ...schemaOptions, collection: 'memberships' },
);
membershipSchema.index({ instanceId: 1, level: 1, resourceId: 1, userId: 1 }, { unique: true });
membershipSchema.index({ instanceId: 1, userId: 1 });

export type MembershipDocument = InferSchemaType<typeof membershipSchema> & { _id: string };
membershipSchema.plugin(invalidateCachesOnWrite);
export const Membership = model('Membership', membershipSchema);
