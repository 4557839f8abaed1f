import { User } from '../models/index.ts';
import type { UserDocument } from '../models/user.ts';
import { searchKeysOf, type Named } from '../models/user-search-keys.ts';

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

/**
 * Fills the search keys of users stored before they existed (store/models/user-search-keys.ts keeps them on every
 * write since), so a search by name finds them too; returns how many. One scan of the users per start.
 */
export async function fillMissingSearchKeys(): Promise<number> {
  let filled = 0;
  for await (const user of User.find({ search: null }, { human: 1, machine: 1 }).lean<Named & { _id: string }>()) {
    await User.updateOne({ _id: user._id, search: null }, { $set: { search: searchKeysOf(user) } });
    filled++;
  }
  return filled;
}
