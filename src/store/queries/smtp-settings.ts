import { cached } from '../cache/instance-cache.ts';
import { cacheKeys } from '../cache/keys.ts';
import { Instance } from '../models/index.ts';
import type { InstanceDocument } from '../models/instance.ts';

export type StoredSmtp = NonNullable<InstanceDocument['smtp']>;

/** Read fresh: written rarely, read once per message sent or enqueued. */
export async function storedSmtp(instanceId: string): Promise<StoredSmtp | null> {
  const instance = await Instance.findById(instanceId, { smtp: 1 }).lean();
  return instance?.smtp ?? null;
}

/**
 * Whether the instance has SMTP settings: asked by every password page ("Forgot password?"), so cached until the
 * instance changes (an instance write drops its cache, store/cache/invalidate-on-write.ts).
 */
export function smtpConfigured(instanceId: string): Promise<boolean> {
  return cached(instanceId, cacheKeys.smtpConfigured(), async () => (await storedSmtp(instanceId)) !== null);
}

export async function setStoredSmtp(instanceId: string, smtp: StoredSmtp): Promise<void> {
  await Instance.updateOne({ _id: instanceId }, { $set: { smtp } }, { runValidators: true });
}

/** False when there was nothing to remove. */
export async function removeStoredSmtp(instanceId: string): Promise<boolean> {
  const removed = await Instance.updateOne({ _id: instanceId, smtp: { $exists: true } }, { $unset: { smtp: 1 } });
  return removed.modifiedCount === 1;
}
