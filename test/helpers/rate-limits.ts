// Runs a test's work under the instance's own throttle rules (store/models/instance.ts `rateLimits`), which the server
// honours as soon as the instance changes, and restores the configured defaults afterwards.
import { Instance } from '../../src/store/models/index.ts';
import type { RateLimitName } from '../../src/platform/config.ts';

export type RateLimitRules = Partial<Record<RateLimitName, { max: number; windowSeconds: number }>>;

export async function withRateLimits(instanceId: string, rules: RateLimitRules, work: () => Promise<void>) {
  await Instance.updateOne({ _id: instanceId }, { $set: { rateLimits: rules } });
  try {
    await work();
  } finally {
    await Instance.updateOne({ _id: instanceId }, { $unset: { rateLimits: 1 } });
  }
}
