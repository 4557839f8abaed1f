import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions, stateField } from './common.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

/**
 * A subscription to changes: the audit-trail events of an org (or of the whole instance, `orgId` null) whose type
 * matches one of `eventTypes` (exact, `prefix.*`, or `*`) are posted to `url`, signed with the subscription's key
 * (encrypted with the master key; returned once, at creation).
 */
const webhookSubscriptionSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    orgId: { type: String, default: null },
    url: { type: String, required: true, maxlength: 2000 },
    eventTypes: { type: [String], required: true },
    signingKeyEncrypted: { type: String, required: true },
    state: stateField,
  },
  { ...schemaOptions, collection: 'webhook_subscriptions' },
);
webhookSubscriptionSchema.index({ instanceId: 1, orgId: 1 });

export type WebhookSubscriptionDocument = InferSchemaType<typeof webhookSubscriptionSchema> & { _id: string };
webhookSubscriptionSchema.plugin(invalidateCachesOnWrite);
export const WebhookSubscription = model('WebhookSubscription', webhookSubscriptionSchema);

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
/**
 * What a delivery carries: an audit-trail event to a change-webhook subscription, or a `webhook` action target's
 * notification (domain/actions/run-action.ts), whose `subscriptionId` is the action's id and `event` the exact body.
 */
export const DELIVERY_KINDS = ['change', 'action-target'] as const;

/**
 * One event to deliver to one subscription: the durable outbox (domain/webhooks/delivery.ts). Its `_id` is the
 * delivery id receivers deduplicate by; ids are time-ordered (platform/ids.ts), and a resource's deliveries to a
 * subscription go out in that order, each after the one before it was delivered or given up.
 */
const webhookDeliverySchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    kind: { type: String, enum: DELIVERY_KINDS, default: 'change', required: true },
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    resourceId: { type: String, required: true },
    /** The event as the receiver gets it. */
    event: { type: Schema.Types.Mixed, required: true },
    state: { type: String, enum: DELIVERY_STATES, default: 'pending', required: true },
    attempts: { type: Number, default: 0, required: true },
    nextAttemptAt: { type: Date, required: true },
    lastError: { type: String, default: null },
    deliveredAt: { type: Date, default: null },
  },
  { ...schemaOptions, collection: 'webhook_deliveries' },
);
webhookDeliverySchema.index({ state: 1, nextAttemptAt: 1 });
webhookDeliverySchema.index({ subscriptionId: 1, resourceId: 1, state: 1, _id: 1 });
webhookDeliverySchema.index({ instanceId: 1, subscriptionId: 1, _id: -1 });

export type WebhookDeliveryDocument = InferSchemaType<typeof webhookDeliverySchema> & { _id: string };
export const WebhookDelivery = model('WebhookDelivery', webhookDeliverySchema);
