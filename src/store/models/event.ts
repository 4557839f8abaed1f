import { Schema, model } from 'mongoose';
import { idField } from './common.ts';

/**
 * Append-only audit record: never deleted by cascades, and never updated but for `webhookFanOut`, the change-webhook
 * outbox's marker (store/queries/webhooks.ts): an event some subscriptions see is written with the ids of those
 * subscriptions and `webhookFanOut: 'pending'`, in the same single write as the event itself, and the marker is
 * removed once its deliveries exist.
 */
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
    webhookFanOut: { type: String, enum: ['pending'], default: undefined },
    webhookSubscriptionIds: { type: [String], default: undefined },
  },
  { versionKey: false, strict: 'throw', collection: 'events' },
);
eventSchema.index({ instanceId: 1, createdAt: -1 });
eventSchema.index({ instanceId: 1, orgId: 1, createdAt: -1 });
eventSchema.index({ instanceId: 1, resourceId: 1, createdAt: -1 });
eventSchema.index({ instanceId: 1, actorId: 1, createdAt: -1 });
eventSchema.index({ webhookFanOut: 1, _id: 1 });

export const Event = model('Event', eventSchema);
