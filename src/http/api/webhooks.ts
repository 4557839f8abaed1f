import { z } from 'zod';
import { createWebhook, findWebhook, listWebhooks, removeWebhook } from '../../domain/commands/webhooks.ts';
import { notFound } from '../../domain/errors.ts';
import { DELIVERY_STATES, type WebhookSubscriptionDocument } from '../../store/models/webhook.ts';
import { EVENT_TYPE_PATTERN, listDeliveries } from '../../store/queries/webhooks.ts';
import type { ActionOwner } from '../../domain/commands/actions.ts';
import { OWNER_SCOPES } from './action-owners.ts';
import { route, type ApiRoute } from './route.ts';

const TAG = 'Webhooks';

const webhookView = z.object({
  id: z.string(),
  orgId: z.string().nullable(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  state: z.string(),
});

const deliveryView = z.object({
  id: z.string().describe('the delivery id (the castellan-delivery header): receivers deduplicate by it'),
  eventId: z.string(),
  eventType: z.string(),
  resourceId: z.string(),
  state: z.enum(DELIVERY_STATES),
  attempts: z.number(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});

function view(webhook: WebhookSubscriptionDocument): z.input<typeof webhookView> {
  const { _id, orgId, url, eventTypes, state } = webhook;
  return { id: _id, orgId: orgId ?? null, url, eventTypes, state };
}

async function requireWebhook(instanceId: string, owner: ActionOwner, webhookId: string | undefined) {
  const webhook = await findWebhook(instanceId, owner, webhookId ?? '');
  if (!webhook) throw notFound();
  return webhook;
}

/**
 * Change webhooks of an org (its events) or of the instance (every event): managed with the action permissions
 * (org.action.* / iam.action.*), as ZITADEL's Actions v2 manages event executions with its action permissions.
 */
export const webhookRoutes: ApiRoute[] = OWNER_SCOPES.flatMap(({ base, on, prefix }) => [
  route({
    method: 'post',
    path: `${base}/webhooks`,
    tag: TAG,
    summary: 'Subscribe a URL to audit-trail event types (exact, prefix.*, or *); the signing key is returned once',
    permission: `${prefix}.action.write`,
    on,
    body: z.strictObject({
      url: z.url({ protocol: /^https?$/ }).max(2000),
      eventTypes: z
        .array(z.string().max(200).regex(EVENT_TYPE_PATTERN, 'must be an event type, a prefix ending in .*, or *'))
        .min(1)
        .max(50),
    }),
    status: 201,
    response: webhookView.extend({ signingKey: z.string() }),
    async handler({ target, body, actor, services }) {
      const { webhook, signingKey } = await createWebhook(actor, target, body, services.masterKey);
      return { ...view(webhook), signingKey };
    },
  }),
  route({
    method: 'get',
    path: `${base}/webhooks`,
    tag: TAG,
    summary: 'The change webhook subscriptions',
    permission: `${prefix}.action.read`,
    on,
    response: z.object({ webhooks: z.array(webhookView) }),
    handler: async ({ target, actor }) => ({ webhooks: (await listWebhooks(actor.instanceId, target)).map(view) }),
  }),
  route({
    method: 'delete',
    path: `${base}/webhooks/{webhookId}`,
    tag: TAG,
    summary: 'Remove a subscription (deliveries not made yet are dropped)',
    permission: `${prefix}.action.delete`,
    on,
    response: null,
    async handler({ target, actor, params }) {
      await removeWebhook(actor, await requireWebhook(actor.instanceId, target, params.webhookId));
    },
  }),
  route({
    method: 'get',
    path: `${base}/webhooks/{webhookId}/deliveries`,
    tag: TAG,
    summary: "A subscription's deliveries, newest first, with their state and attempts",
    permission: `${prefix}.action.read`,
    on,
    query: z.strictObject({
      state: z.enum(DELIVERY_STATES).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
    response: z.object({ deliveries: z.array(deliveryView) }),
    async handler({ target, actor, params, query }) {
      const webhook = await requireWebhook(actor.instanceId, target, params.webhookId);
      const found = await listDeliveries(actor.instanceId, webhook._id, { state: query.state }, query.limit);
      return {
        deliveries: found.map((delivery) => ({
          id: delivery._id,
          eventId: delivery.eventId,
          eventType: delivery.eventType,
          resourceId: delivery.resourceId,
          state: delivery.state,
          attempts: delivery.attempts,
          lastError: delivery.lastError ?? null,
          nextAttemptAt: delivery.state === 'pending' ? delivery.nextAttemptAt.toISOString() : null,
          deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
          createdAt: delivery.createdAt.toISOString(),
        })),
      };
    },
  }),
]);
