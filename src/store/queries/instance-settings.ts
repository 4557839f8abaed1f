import { cached, cachedNow } from '../cache/instance-cache.ts';
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

/**
 * Sets the given switches (dotted paths in the instance record: `settings.group.field`, `loginPolicy.allowRegister`);
 * the others keep what they hold.
 */
export async function setInstanceSettings(instanceId: string, fields: Record<string, boolean>): Promise<void> {
  await Instance.updateOne({ _id: instanceId }, { $set: fields }, { runValidators: true });
}

/** The stored settings and login policy, read fresh (what an instance's features are read from after a change). */
export async function storedFeatureSources(
  instanceId: string,
): Promise<Pick<InstanceDocument, 'settings' | 'loginPolicy'> | null> {
  return Instance.findById(instanceId, { settings: 1, loginPolicy: 1 }).lean();
}

/** Replaces the branding of the instance login policy (null: none, the built-in one applies); the rest is kept. */
export async function setStoredInstanceBranding(instanceId: string, branding: object | null): Promise<void> {
  await Instance.updateOne(
    { _id: instanceId },
    branding ? { $set: { 'loginPolicy.branding': branding } } : { $unset: { 'loginPolicy.branding': 1 } },
    { runValidators: true },
  );
}

/** What serving an instance depends on: whether it is served, where, under which issuer, with which policy. */
export type InstanceRouting = Pick<
  InstanceDocument,
  'state' | 'issuer' | 'domains' | 'primaryDomain' | 'name' | 'tokenLifetimes' | 'loginPolicy' | 'brandingLogos'
>;

/**
 * The instance as currently stored (null once removed), read on every request (oidc/tenants.ts), so cached until the
 * instance changes: a deactivation, a new domain or issuer reaches every process within a revision poll.
 */
export function storedInstanceRouting(instanceId: string): Promise<InstanceRouting | null> {
  return cached(instanceId, cacheKeys.instanceRouting(), async () =>
    Instance.findById(instanceId, {
      state: 1,
      issuer: 1,
      domains: 1,
      primaryDomain: 1,
      name: 1,
      tokenLifetimes: 1,
      loginPolicy: 1,
      brandingLogos: 1,
    }).lean<InstanceRouting>(),
  );
}

/** `storedInstanceRouting` when it is loaded and current, without waiting; undefined when it is not (or is null). */
export function storedInstanceRoutingNow(instanceId: string): InstanceRouting | null | undefined {
  return cachedNow<InstanceRouting | null>(instanceId, cacheKeys.instanceRouting());
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
