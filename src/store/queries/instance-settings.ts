import { cached } from '../cache/instance-cache.ts';
import { cacheKeys } from '../cache/keys.ts';
import { Instance } from '../models/index.ts';
import type { InstanceDocument } from '../models/instance.ts';
import type { RateLimitName, RateLimitRule } from '../../platform/config.ts';

export type StoredInstanceSettings = NonNullable<InstanceDocument['settings']>;

/** The instance's settings as stored; read on hot paths (token endpoint), so cached until the instance changes. */
export function storedInstanceSettings(instanceId: string): Promise<StoredInstanceSettings> {
  return cached(instanceId, cacheKeys.instanceSettings(), async () => {
    const instance = await Instance.findById(instanceId, { settings: 1 }).lean();
    return instance?.settings ?? {};
  });
}

/** Sets the given fields (`group.field` paths under `settings`); the others keep what they hold. */
export async function setInstanceSettings(instanceId: string, fields: Record<string, boolean>): Promise<void> {
  await Instance.updateOne({ _id: instanceId }, { $set: fields }, { runValidators: true });
}

/**
 * The instance's login policy as stored (unset fields are the built-in defaults); read by every login page and
 * check, so cached until the instance changes (oidc/tenants.ts puts it on the tenant's record per request).
 */
export function storedInstanceLoginPolicy(instanceId: string): Promise<unknown> {
  return cached(instanceId, cacheKeys.instanceLoginPolicy(), async () => {
    const instance = await Instance.findById(instanceId, { loginPolicy: 1 }).lean();
    return instance?.loginPolicy ?? {};
  });
}

/** Replaces the instance's login policy; returns it as stored. */
export async function setStoredInstanceLoginPolicy<T>(instanceId: string, policy: T): Promise<T> {
  const updated = await Instance.findOneAndUpdate(
    { _id: instanceId },
    { $set: { loginPolicy: policy } },
    // No projection: FerretDB v1's findAndModify does not implement `fields`.
    { returnDocument: 'after', runValidators: true },
  ).lean();
  return (updated?.loginPolicy ?? {}) as T;
}

/** The instance's own throttle rules (each overrides config's default of the same name); cached like the settings. */
export function storedRateLimits(instanceId: string): Promise<Partial<Record<RateLimitName, RateLimitRule | null>>> {
  return cached(instanceId, cacheKeys.instanceRateLimits(), async () => {
    const instance = await Instance.findById(instanceId, { rateLimits: 1 }).lean();
    return (instance?.rateLimits ?? {}) as Partial<Record<RateLimitName, RateLimitRule | null>>;
  });
}
