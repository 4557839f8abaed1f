import { randomSecret, type MasterKey } from '../../platform/crypto.ts';
import { WebhookSubscription, type WebhookSubscriptionDocument } from '../../store/models/webhook.ts';
import { dropPendingDeliveries } from '../../store/queries/webhooks.ts';
import { WEBHOOK_KEY_PURPOSE } from '../webhooks/delivery.ts';
import type { ActionOwner } from './actions.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';

export function findWebhook(
  instanceId: string,
  owner: ActionOwner,
  webhookId: string,
): Promise<WebhookSubscriptionDocument | null> {
  return WebhookSubscription.findOne({
    instanceId,
    orgId: owner.orgId,
    _id: webhookId,
  }).lean<WebhookSubscriptionDocument>();
}

export function listWebhooks(instanceId: string, owner: ActionOwner): Promise<WebhookSubscriptionDocument[]> {
  return WebhookSubscription.find({ instanceId, orgId: owner.orgId })
    .sort({ _id: 1 })
    .limit(1000)
    .lean<WebhookSubscriptionDocument[]>();
}

/** A new subscription, with its signing key generated here and returned this once (stored encrypted). */
export function createWebhook(
  actor: Actor,
  owner: ActionOwner,
  input: { url: string; eventTypes: string[] },
  masterKey: MasterKey,
): Promise<{ webhook: WebhookSubscriptionDocument; signingKey: string }> {
  return asOneChange(actor, async () => {
    const signingKey = randomSecret();
    const created = await WebhookSubscription.create({
      instanceId: actor.instanceId,
      orgId: owner.orgId,
      url: input.url,
      eventTypes: [...new Set(input.eventTypes)],
      signingKeyEncrypted: masterKey.encrypt(signingKey, WEBHOOK_KEY_PURPOSE),
    });
    const webhook = created.toObject() as WebhookSubscriptionDocument;
    await recordChange(actor, {
      orgId: owner.orgId,
      type: 'webhook.added',
      resourceType: 'webhook',
      resourceId: webhook._id,
      payload: { url: webhook.url, eventTypes: webhook.eventTypes },
    });
    return { webhook, signingKey };
  });
}

/** Removes a subscription; its deliveries not made yet are dropped, the delivered ones stay as a record. */
export function removeWebhook(actor: Actor, webhook: WebhookSubscriptionDocument): Promise<void> {
  return asOneChange(actor, async () => {
    await WebhookSubscription.deleteOne({ _id: webhook._id, instanceId: actor.instanceId });
    await dropPendingDeliveries(webhook._id);
    await recordChange(actor, {
      orgId: webhook.orgId ?? null,
      type: 'webhook.removed',
      resourceType: 'webhook',
      resourceId: webhook._id,
      payload: { url: webhook.url },
    });
  });
}
