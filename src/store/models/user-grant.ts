import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions, stateField } from './common.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

const userGrantSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    userId: { type: String, required: true },
    /** The user's own org: lets an org list the grants of its users, including those made by other orgs. */
    userOrgId: { type: String, required: true },
    projectId: { type: String, required: true },
    /** Set when the granting org is not the project owner and assigns roles through its project grant. */
    projectGrantId: { type: String, default: null },
    /** The granting org (ZITADEL: resource owner); keys the inner object of the roles claim. */
    orgId: { type: String, required: true },
    roleKeys: { type: [String], default: [] },
    state: stateField,
  },
  { ...schemaOptions, collection: 'user_grants' },
);
userGrantSchema.index({ instanceId: 1, orgId: 1, userId: 1, projectId: 1 }, { unique: true });
userGrantSchema.index({ instanceId: 1, userId: 1, projectId: 1 });
userGrantSchema.index({ instanceId: 1, projectGrantId: 1 });
userGrantSchema.index({ instanceId: 1, projectId: 1 });

export type UserGrantDocument = InferSchemaType<typeof userGrantSchema> & { _id: string };
userGrantSchema.plugin(invalidateCachesOnWrite);
export const UserGrant = model('UserGrant', userGrantSchema);
