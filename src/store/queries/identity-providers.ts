import { IdentityProvider, UserLink } from '../models/index.ts';
import type { IdentityProviderDocument } from '../models/identity-provider.ts';
import type { UserLinkDocument } from '../models/user-link.ts';
import { findScoped } from './scoped.ts';

/** An IdP of the instance by id; `owner` null: instance-owned only; a string: owned by that org only. */
export async function findIdentityProvider(
  instanceId: string,
  idpId: string,
  owner?: string | null,
): Promise<IdentityProviderDocument | null> {
  const found = (await findScoped(IdentityProvider, instanceId, idpId)) as IdentityProviderDocument | null;
  if (!found || (owner !== undefined && (found.orgId ?? null) !== owner)) return null;
  return found;
}

export function listIdentityProviders(
  instanceId: string,
  orgId: string | null,
  page: { limit: number; offset: number },
): Promise<IdentityProviderDocument[]> {
  return IdentityProvider.find({ instanceId, orgId })
    .sort({ _id: 1 })
    .skip(page.offset)
    .limit(page.limit)
    .lean<IdentityProviderDocument[]>();
}

/** The IdPs among `ids` an org's login may offer (the instance's and the org's own), in the order of `ids`. */
export async function identityProvidersForOrg(
  instanceId: string,
  orgId: string | null,
  ids: readonly string[],
): Promise<IdentityProviderDocument[]> {
  if (!ids.length) return [];
  const found = await IdentityProvider.find({ instanceId, _id: { $in: [...ids] } }).lean<IdentityProviderDocument[]>();
  const available = found.filter((idp) => idp.orgId === null || idp.orgId === orgId);
  return ids.flatMap((id) => available.filter((idp) => idp._id === id));
}

export function findUserLink(instanceId: string, idpId: string, externalUserId: string) {
  return UserLink.findOne({ instanceId, idpId, externalUserId }).lean<UserLinkDocument>();
}

export function linksOfUser(instanceId: string, userId: string): Promise<UserLinkDocument[]> {
  return UserLink.find({ instanceId, userId }).sort({ _id: 1 }).lean<UserLinkDocument[]>();
}
