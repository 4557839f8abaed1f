import { Action, ActionFlow, BrandingAsset, WebhookSubscription } from '../../store/models/index.ts';
import { dropPendingDeliveries } from '../../store/queries/webhooks.ts';
import type { Actor } from './changes.ts';

/**
 * A removed org's actions, flows, change-webhook subscriptions and logos go with it (a step of removeOrg, idempotent).
 */
export async function removeOrgExtensions(actor: Actor, orgId: string): Promise<void> {
  const { instanceId } = actor;
  await ActionFlow.deleteMany({ instanceId, orgId });
  await Action.deleteMany({ instanceId, orgId });
  for (const subscription of await WebhookSubscription.find({ instanceId, orgId }, { _id: 1 }).lean())
    await dropPendingDeliveries(subscription._id);
  await WebhookSubscription.deleteMany({ instanceId, orgId });
  await BrandingAsset.deleteMany({ instanceId, policyId: orgId });
}
