import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions } from './common.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

/**
 * A user's link to an identity at an external IdP (ZITADEL's "IDP link"): a login through the IdP as `externalUserId`
 * is a login as `userId`. An external identity is linked to at most one user of the instance (the unique index).
 */
const userLinkSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    userId: { type: String, required: true },
    /** The user's org, so the org's managers see and remove the links of its users. */
    orgId: { type: String, required: true },
    idpId: { type: String, required: true },
    externalUserId: { type: String, required: true, maxlength: 500 },
    /** What the upstream calls the user (email or username), to show in lists. */
    externalUserName: { type: String, default: null, maxlength: 320 },
  },
  { ...schemaOptions, collection: 'user_links' },
);
userLinkSchema.index({ instanceId: 1, idpId: 1, externalUserId: 1 }, { unique: true });
userLinkSchema.index({ instanceId: 1, userId: 1 });

export type UserLinkDocument = InferSchemaType<typeof userLinkSchema> & { _id: string };
userLinkSchema.plugin(invalidateCachesOnWrite);
export const UserLink = model('UserLink', userLinkSchema);
