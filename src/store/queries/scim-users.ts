import { User, UserGrant } from '../models/index.ts';
import type { UserDocument } from '../models/user.ts';
import type { UserGrantDocument } from '../models/user-grant.ts';

/** One page of the users a query matches, and how many match in all (SCIM's totalResults). */
export async function pageOfUsers(
  query: Record<string, unknown>,
  sort: Record<string, 1 | -1>,
  page: { skip: number; limit: number },
): Promise<{ total: number; users: UserDocument[] }> {
  const [total, users] = await Promise.all([
    User.countDocuments(query),
    page.limit === 0 ? [] : User.find(query).sort(sort).skip(page.skip).limit(page.limit).lean<UserDocument[]>(),
  ]);
  return { total, users };
}

/** The user grants an org gave the given users. */
export function userGrantsGivenBy(instanceId: string, orgId: string, userIds: string[]): Promise<UserGrantDocument[]> {
  return UserGrant.find({ instanceId, orgId, userId: { $in: userIds } })
    .sort({ _id: 1 })
    .lean<UserGrantDocument[]>();
}
