import type { Config } from '../../platform/config.ts';
import type { MasterKey } from '../../platform/crypto.ts';
import type { Logger } from '../../platform/logger.ts';
import { counter } from '../../platform/metrics.ts';
import { guardedFetch, outboundPolicyOf } from '../../platform/outbound-fetch.ts';
import { signatureHeader, SIGNATURE_HEADER } from '../../platform/request-signature.ts';
import type { WebhookDeliveryDocument } from '../../store/models/webhook.ts';
import { findActionById } from '../../store/queries/actions.ts';
import { releaseLease, takeLease } from '../../store/queries/leases.ts';
import {
  dueDeliveryQueues,
  fanOutPendingEvents,
  findSubscription,
  headOfQueue,
  recordDeliveryAttempt,
} from '../../store/queries/webhooks.ts';
import { retryDelayMs } from '../rules/email-retries.ts';
import { TARGET_KEY_PURPOSE } from '../actions/runtime.ts';

export const WEBHOOK_KEY_PURPOSE = 'webhook-signing-key';
/** Receivers deduplicate by this header (at least once: a delivery whose answer was lost is sent again). */
export const DELIVERY_ID_HEADER = 'castellan-delivery';

export interface WebhookServices {
  config: Config;
  log: Logger;
  masterKey: MasterKey;
}

const deliveries = () =>
  counter('castellan_webhook_deliveries_total', 'Change webhook delivery attempts by outcome', ['outcome']);

/** How many queues (subscription × resource) one pass looks at, and how many deliveries it sends from each. */
const QUEUES_PER_PASS = 20;
const DELIVERIES_PER_QUEUE = 50;
/** Events fanned out per read of the pending ones. */
const FAN_OUT_BATCH = 100;

/** Where a delivery goes, signed with which key, with which body; null when its subscription or action is gone. */
interface Destination {
  url: string;
  key: string;
  body: string;
  timeoutMs: number;
}

async function destinationOf(
  services: WebhookServices,
  delivery: WebhookDeliveryDocument,
): Promise<Destination | null> {
  if (delivery.kind === 'action-target') {
    const action = await findActionById(delivery.subscriptionId);
    if (!action || action.state !== 'active' || action.type !== 'webhook' || !action.endpoint) return null;
    const key = services.masterKey.decrypt(action.signingKeyEncrypted ?? '', TARGET_KEY_PURPOSE);
    return { url: action.endpoint, key, body: String(delivery.event), timeoutMs: action.timeoutMs };
  }
  const subscription = await findSubscription(delivery.subscriptionId);
  if (!subscription || subscription.state !== 'active') return null;
  const body = JSON.stringify({
    deliveryId: delivery._id,
    subscriptionId: subscription._id,
    attempt: delivery.attempts + 1,
    event: delivery.event,
  });
  const key = services.masterKey.decrypt(subscription.signingKeyEncrypted, WEBHOOK_KEY_PURPOSE);
  return { url: subscription.url, key, body, timeoutMs: services.config.webhooks.timeoutMs };
}

async function post(services: WebhookServices, destination: Destination, delivery: WebhookDeliveryDocument) {
  const response = await guardedFetch(outboundPolicyOf(services.config))(destination.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signatureHeader(destination.key, destination.body),
      [DELIVERY_ID_HEADER]: delivery._id,
      'castellan-event': delivery.eventType,
    },
    body: destination.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(destination.timeoutMs),
  });
  await response.body?.cancel();
  if (response.status < 200 || response.status >= 300) throw new Error(`the receiver answered ${response.status}`);
}

/** One attempt; true when the queue may go on to its next delivery (this one delivered or given up). */
async function attempt(services: WebhookServices, delivery: WebhookDeliveryDocument): Promise<boolean> {
  const attempts = delivery.attempts + 1;
  const destination = await destinationOf(services, delivery);
  try {
    if (!destination) throw new Error('the subscription or action target is gone or inactive');
    await post(services, destination, delivery);
    await recordDeliveryAttempt(delivery._id, { state: 'delivered', attempts });
    deliveries().inc({ outcome: 'delivered' });
    return true;
  } catch (caught) {
    const error = (caught as Error).message || String(caught);
    const { maxAttempts, retryBaseMs, retryMaxMs } = services.config.webhooks;
    const final = attempts >= maxAttempts || !destination;
    const nextAttemptAt = new Date(Date.now() + retryDelayMs(attempts, retryBaseMs, retryMaxMs));
    await recordDeliveryAttempt(
      delivery._id,
      final ? { state: 'failed', attempts, error } : { state: 'pending', attempts, error, nextAttemptAt },
    );
    deliveries().inc({ outcome: final ? 'failed' : 'retry' });
    services.log.warn({ deliveryId: delivery._id, attempt: attempts, final, error }, 'webhook delivery failed');
    return final;
  }
}

/**
 * One pass over the change-webhook outbox. Deliveries queue per subscription and resource: the queue's lease holder
 * (store/queries/leases.ts) sends its oldest delivery, and the next only once that one was delivered or given up, so
 * a receiver sees a resource's changes in order; a failure waits out its backoff at the head of its queue. Any number
 * of processes may run passes at once. Returns how many deliveries it attempted.
 */
export async function deliverDueWebhooks(services: WebhookServices): Promise<number> {
  // Every event recorded so far gets its deliveries first, oldest first: a queue's head is then never younger than a
  // delivery still to be written for the same resource.
  while ((await fanOutPendingEvents(FAN_OUT_BATCH)) === FAN_OUT_BATCH);
  let attempted = 0;
  for (const { subscriptionId, resourceId } of await dueDeliveryQueues(new Date(), QUEUES_PER_PASS)) {
    const leaseKey = `WebhookQueue:${subscriptionId}:${resourceId}`;
    const holder = await takeLease(leaseKey, services.config.webhooks.leaseMs);
    if (!holder) continue;
    // The lease must outlive the attempts made under it: stop while another full attempt still fits in half of it.
    const stopBy = Date.now() + services.config.webhooks.leaseMs / 2 - services.config.webhooks.timeoutMs;
    try {
      for (let sent = 0; sent < DELIVERIES_PER_QUEUE && Date.now() < stopBy; sent++) {
        const head = await headOfQueue(subscriptionId, resourceId);
        if (!head || head.nextAttemptAt.getTime() > Date.now()) break;
        attempted += 1;
        if (!(await attempt(services, head))) break;
      }
    } finally {
      await releaseLease(leaseKey, holder);
    }
  }
  return attempted;
}
