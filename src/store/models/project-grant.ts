import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions, stateField } from './common.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

const projectGrantSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    projectId: { type: String, required: true },
    /** The granting org, i.e. the project's owner (ZITADEL: the grant's resource owner). */
    orgId: { type: String, required: true },
    grantedOrgId: { type: String, required: true },
    roleKeys: { type: [String], default: [] },
    state: stateField,
  },
  { ...schemaOptions, collection: 'project_grants' },
);
projectGrantSchema.index({ instanceId: 1, projectId: 1, grantedOrgId: 1 }, { unique: true });
projectGrantSchema.index({ instanceId: 1, grantedOrgId: 1 });
projectGrantSchema.pre('validate', function refuseGrantToOwner() {
  if (this.orgId === this.grantedOrgId)
    this.invalidate('grantedOrgId', 'a project cannot be granted to the organization that owns it');
});

export type ProjectGrantDocument = InferSchemaType<typeof projectGrantSchema> & { _id: string };
projectGrantSchema.plugin(invalidateCachesOnWrite);
export const ProjectGrant = model('ProjectGrant', projectGrantSchema);
