import { cached } from '../cache/instance-cache.ts';
import { cacheKeys } from '../cache/keys.ts';
import {
  type DELIVERY_STATES,
  WebhookDelivery,
  WebhookSubscription,
  type WebhookDeliveryDocument,
  type WebhookSubscriptionDocument,
} from '../models/webhook.ts';
import { newId } from '../../platform/ids.ts';
import { Event } from '../models/index.ts';
import { isDuplicateKeyError } from './array-rewrite.ts';

/**
 * Which audit-trail events a change webhook subscribes to: exact types (`user.human.added`), every type under a prefix
 * (`user.grant.*`), or everything (`*`).
 */
export const EVENT_TYPE_PATTERN = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/;

export function eventTypeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (pattern) =>
      pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}

/** An audit-trail event as a webhook receiver gets it. */
export interface WebhookEvent {
  id: string;
  instanceId: string;
  orgId: string | null;
  actorId: string;
  type: string;
  resourceType: string;
  resourceId: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

function activeSubscriptions(instanceId: string): Promise<WebhookSubscriptionDocument[]> {
  return cached(instanceId, cacheKeys.webhookSubscriptions(), () =>
    WebhookSubscription.find({ instanceId, state: 'active' }).lean<WebhookSubscriptionDocument[]>(),
  );
}

/**
 * The active subscriptions that see the event (its org's, or the instance's) and match its type: written on the event
 * itself (store/queries/events.ts). Without subscriptions this is one cache hit: it runs for every event recorded.
 */
export async function subscriptionsSeeing(event: Pick<WebhookEvent, 'instanceId' | 'orgId' | 'type'>) {
  return (await activeSubscriptions(event.instanceId))
    .filter(
      (subscription) =>
        (subscription.orgId === null || subscription.orgId === event.orgId) &&
        eventTypeMatches(subscription.eventTypes, event.type),
    )
    .map((subscription) => subscription._id);
}

/**
 * A delivery's id: the event's and the subscription's, so that writing it twice (a fan-out that died midway and runs
 * again) is refused as a duplicate, and the receiver sees one id; it sorts by the event's id, i.e. in event order.
 */
export const deliveryId = (eventId: string, subscriptionId: string) => `${eventId}:${subscriptionId}`;

type PendingEvent = Omit<WebhookEvent, 'id'> & {
  _id: string;
  webhookFanOut?: string;
  webhookSubscriptionIds: string[];
};

async function insertDelivery(event: PendingEvent, subscriptionId: string, nextAttemptAt: Date): Promise<void> {
  const { _id, instanceId, webhookFanOut: _marker, webhookSubscriptionIds: _subscriptions, ...body } = event;
  try {
    await WebhookDelivery.create({
      _id: deliveryId(_id, subscriptionId),
      instanceId,
      subscriptionId,
      eventId: _id,
      eventType: event.type,
      resourceId: event.resourceId,
      event: { ...body, id: _id, createdAt: event.createdAt.toISOString() },
      nextAttemptAt,
    });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}

/**
 * The outbox's first step: events written with `webhookFanOut: 'pending'` get their deliveries, oldest event first,
 * then lose the marker. A process that dies anywhere in between leaves the marker, and the next pass (of any process)
 * writes the missing deliveries under the same ids: resumable and idempotent, with no transaction. Returns how many
 * events it fanned out.
 */
export async function fanOutPendingEvents(limit: number): Promise<number> {
  const events = await Event.find({ webhookFanOut: 'pending' }).sort({ _id: 1 }).limit(limit).lean<PendingEvent[]>();
  for (const event of events) {
    const nextAttemptAt = new Date();
    for (const subscriptionId of event.webhookSubscriptionIds ?? [])
      await insertDelivery(event, subscriptionId, nextAttemptAt);
    await Event.updateOne({ _id: event._id }, { $unset: { webhookFanOut: 1 } });
  }
  return events.length;
}

/**
 * Queues a `webhook` action target's notification in the same durable outbox as change webhooks, so its retries
 * survive a restart; it queues per action and user, in order.
 */
export async function queueTargetNotification(input: {
  instanceId: string;
  actionId: string;
  trigger: string;
  userId: string;
  body: string;
}): Promise<void> {
  const id = newId();
  await WebhookDelivery.create({
    _id: id,
    instanceId: input.instanceId,
    kind: 'action-target',
    subscriptionId: input.actionId,
    eventId: id,
    eventType: input.trigger,
    resourceId: input.userId,
    event: input.body,
    nextAttemptAt: new Date(),
  });
}

/** The (subscription, resource) queues with a delivery due, oldest first. */
export async function dueDeliveryQueues(
  now: Date,
  limit: number,
): Promise<Array<{ subscriptionId: string; resourceId: string }>> {
  const due = await WebhookDelivery.find(
    { state: 'pending', nextAttemptAt: { $lte: now } },
    { subscriptionId: 1, resourceId: 1 },
  )
    .sort({ nextAttemptAt: 1 })
    .limit(limit * 5)
    .lean();
  const queues = new Map(due.map((item) => [`${item.subscriptionId}:${item.resourceId}`, item]));
  return [...queues.values()].slice(0, limit).map(({ subscriptionId, resourceId }) => ({ subscriptionId, resourceId }));
}

/** The oldest delivery of a queue not delivered or given up yet: the only one that may go out. */
export function headOfQueue(subscriptionId: string, resourceId: string): Promise<WebhookDeliveryDocument | null> {
  return WebhookDelivery.findOne({ subscriptionId, resourceId, state: 'pending' })
    .sort({ _id: 1 })
    .lean<WebhookDeliveryDocument>();
}

export function findSubscription(id: string): Promise<WebhookSubscriptionDocument | null> {
  return WebhookSubscription.findById(id).lean<WebhookSubscriptionDocument>();
}

/** The outcome of one attempt, written by the queue's lease holder only. */
export async function recordDeliveryAttempt(
  id: string,
  outcome:
    | { state: 'delivered'; attempts: number }
    | { state: 'pending'; attempts: number; nextAttemptAt: Date; error: string }
    | { state: 'failed'; attempts: number; error: string },
): Promise<void> {
  const set: Record<string, unknown> = { state: outcome.state, attempts: outcome.attempts };
  if (outcome.state === 'delivered') set.deliveredAt = new Date();
  else set.lastError = outcome.error.slice(0, 1000);
  if (outcome.state === 'pending') set.nextAttemptAt = outcome.nextAttemptAt;
  await WebhookDelivery.updateOne({ _id: id }, { $set: set });
}

export function listDeliveries(
  instanceId: string,
  subscriptionId: string,
  filter: { state?: (typeof DELIVERY_STATES)[number] },
  limit: number,
): Promise<WebhookDeliveryDocument[]> {
  return WebhookDelivery.find({ instanceId, subscriptionId, ...(filter.state ? { state: filter.state } : {}) })
    .sort({ _id: -1 })
    .limit(limit)
    .lean<WebhookDeliveryDocument[]>();
}

/** A removed subscription's deliveries not made yet are dropped. */
export async function dropPendingDeliveries(subscriptionId: string): Promise<void> {
  await WebhookDelivery.deleteMany({ subscriptionId, state: 'pending' });
}
