import { Schema, model } from 'mongoose';
import { idField } from './common.ts';

/** Append-only audit record: never updated, never deleted by cascades. */
const eventSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    orgId: { type: String, default: null },
    actorId: { type: String, required: true },
    type: { type: String, required: true },
    resourceType: { type: String, required: true },
    resourceId: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, default: {} },
    createdAt: { type: Date, default: () => new Date(), required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'events' },
);
eventSchema.index({ instanceId: 1, createdAt: -1 });
eventSchema.index({ instanceId: 1, orgId: 1, createdAt: -1 });
eventSchema.index({ instanceId: 1, resourceId: 1, createdAt: -1 });
eventSchema.index({ instanceId: 1, actorId: 1, createdAt: -1 });

export const Event = model('Event', eventSchema);
