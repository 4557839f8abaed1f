import { newId } from '../../platform/ids.ts';
import { Event } from '../models/index.ts';
import { insertBatched } from './batched-insert.ts';
import { subscriptionsSeeing } from './webhooks.ts';

export const SYSTEM_ACTOR = 'system';

export interface EventInput {
  instanceId: string;
  orgId: string | null;
  actorId: string;
  type: string;
  resourceType: string;
  resourceId: string;
  payload?: Record<string, unknown>;
}

/** Where a login, logout or revocation came from, kept in its event's payload. */
export interface RequestOrigin {
  /** The client's address, honouring X-Forwarded-For only when the server trusts its proxy (koa's `proxy`). */
  ip: string;
  userAgent: string | null;
  clientId: string | null;
}

/** An event as it is stored: its id and time say when it happened, also when it is recorded later (recordEvents). */
export interface NewEvent extends Required<EventInput> {
  _id: string;
  createdAt: Date;
}

export function newEvent(input: EventInput): NewEvent {
  return { _id: newId(), ...input, payload: input.payload ?? {}, createdAt: new Date() };
}

/**
 * Appends an event, through the group commit of the events collection (every login writes one or two). An event that
 * change webhooks subscribe to carries their ids and the outbox's pending marker in the same write, so no crash can
 * separate the event from its deliveries (store/queries/webhooks.ts `fanOutPendingEvents`).
 */
export async function recordEvent(input: EventInput): Promise<void> {
  await insertEvent(newEvent(input));
}

/** Appends events built earlier (newEvent) together: requested in one tick, they join one batch of the group commit. */
export async function recordEvents(events: readonly NewEvent[]): Promise<void> {
  await Promise.all(events.map(insertEvent));
}

async function insertEvent(event: NewEvent): Promise<void> {
  const webhookSubscriptionIds = await subscriptionsSeeing(event);
  const outbox = webhookSubscriptionIds.length > 0 ? { webhookFanOut: 'pending' as const, webhookSubscriptionIds } : {};
  await insertBatched(Event, { ...event, ...outbox });
}

export interface EventFilter {
  orgId?: string;
  resourceId?: string;
  actorId?: string;
  since?: Date;
  /** Continue after this event (the last one of the previous page). */
  before?: { createdAt: Date; id: string };
}

/**
 * The events after `event` in newest-first order (by `createdAt`, then `_id`); with `createdAt <= event.createdAt`
 * beside it, so that the index on `createdAt` bounds the scan.
 */
export function olderThan(event: { createdAt: Date; id: string }): Array<Record<string, unknown>> {
  return [{ createdAt: { $lt: event.createdAt } }, { createdAt: event.createdAt, _id: { $lt: event.id } }];
}

/** The audit trail, newest first (by `createdAt`, then `_id`). */
export function listEvents(
  instanceId: string,
  filter: EventFilter,
  limit: number,
): Promise<Array<EventInput & { _id: string; createdAt: Date }>> {
  const query: Record<string, unknown> = { instanceId };
  if (filter.orgId) query.orgId = filter.orgId;
  if (filter.resourceId) query.resourceId = filter.resourceId;
  if (filter.actorId) query.actorId = filter.actorId;
  const createdAt: Record<string, Date> = {};
  if (filter.since) createdAt.$gte = filter.since;
  if (filter.before) {
    createdAt.$lte = filter.before.createdAt;
    query.$or = olderThan(filter.before);
  }
  if (Object.keys(createdAt).length) query.createdAt = createdAt;
  return Event.find(query)
    .sort({ createdAt: -1, _id: -1 })
    .limit(limit)
    .lean<Array<EventInput & { _id: string; createdAt: Date }>>();
}
