import { User } from '../models/index.ts';
import type { UserDocument } from '../models/user.ts';

/**
 * One page of an org's users that a search filter matches (domain/rules/user-search.ts). The instance and the org are
 * top-level equalities, so the index narrows to the org's users first (FerretDB pushes exactly those down).
 */
export function findOrgUsersMatching(
  instanceId: string,
  orgId: string,
  filter: Record<string, unknown>,
  page: { limit: number; offset: number },
): Promise<UserDocument[]> {
  return User.find({ ...filter, instanceId, orgId })
    .sort({ _id: 1 })
    .skip(page.offset)
    .limit(page.limit)
    .lean<UserDocument[]>();
}
