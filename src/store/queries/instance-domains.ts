import { InstanceDomain } from '../models/instance-domain.ts';
import { isDuplicateKeyError } from './array-rewrite.ts';

/**
 * Claims each domain for the instance; the domains another instance holds are returned (and nothing is claimed).
 * A claim the instance holds already counts as claimed: a retried creation or addition is no conflict with itself.
 */
export async function claimDomains(instanceId: string, domains: readonly string[]): Promise<string[]> {
  const claimed: string[] = [];
  const taken: string[] = [];
  for (const domain of domains) {
    try {
      await InstanceDomain.create({ _id: domain, instanceId });
      claimed.push(domain);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const holder = await InstanceDomain.findById(domain, { instanceId: 1 }).lean();
      if (holder?.instanceId !== instanceId) taken.push(domain);
    }
  }
  if (taken.length) await releaseDomains(instanceId, claimed);
  return taken;
}

/** Releases the instance's claims on these domains (another instance's claims are never touched). */
export async function releaseDomains(instanceId: string, domains: readonly string[]): Promise<void> {
  if (domains.length) await InstanceDomain.deleteMany({ _id: { $in: domains }, instanceId });
}
