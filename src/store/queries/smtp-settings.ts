import { cached } from '../cache/instance-cache.ts';
import { cacheKeys } from '../cache/keys.ts';
import { Instance } from '../models/index.ts';
import type { InstanceDocument } from '../models/instance.ts';

export type StoredSmtp = NonNullable<InstanceDocument['smtp']>;

/**
 * Read once per message sent or enqueued and on login pages that offer email flows, written rarely: cached until the
 * instance changes (a write through the Instance model drops it at once here, elsewhere within a revision poll). The
 * password stays encrypted in the cache, as at rest.
 */
export function storedSmtp(instanceId: string): Promise<StoredSmtp | null> {
  return cached(instanceId, cacheKeys.smtp(), async () => {
    const instance = await Instance.findById(instanceId, { smtp: 1 }).lean();
    return instance?.smtp ?? null;
  });
}

/** Whether the instance has SMTP settings: asked by every password page ("Forgot password?"), from the cache above. */
export async function smtpConfigured(instanceId: string): Promise<boolean> {
  return (await storedSmtp(instanceId)) !== null;
}

export async function setStoredSmtp(instanceId: string, smtp: StoredSmtp): Promise<void> {
  await Instance.updateOne({ _id: instanceId }, { $set: { smtp } }, { runValidators: true });
}

/** False when there was nothing to remove. */
export async function removeStoredSmtp(instanceId: string): Promise<boolean> {
  const removed = await Instance.updateOne({ _id: instanceId, smtp: { $exists: true } }, { $unset: { smtp: 1 } });
  return removed.modifiedCount === 1;
}
