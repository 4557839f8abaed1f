import { oidcPayloadModel } from '../models/oidc-payload.ts';
import { User } from '../models/index.ts';

/**
 * The ids of a user's provider sessions in an instance, through the `accountId` index of the sessions' collection
 * (lifted from the payload by oidc/adapter.ts, prefixed with the instance id like every key there). Expired ones
 * not swept yet are among them: reading a session through the provider leaves them out.
 */
export async function sessionIdsOfAccount(instanceId: string, accountId: string): Promise<string[]> {
  const prefix = `${instanceId}:`;
  const found = await oidcPayloadModel('Session')
    .find({ accountId: prefix + accountId }, { _id: 1 })
    .lean();
  return found.map((session) => session._id.slice(prefix.length));
}

/** Users read per step when looking for an org's signed-in users: within the `$in` pushdown (docs/ferretdb.md). */
const USERS_PER_READ = 500;

/** Those of the users (ids with the instance prefix) that have a session: one read through the `accountId` index. */
async function withSessions(prefix: string, accountIds: string[]): Promise<Set<string>> {
  const sessions = await oidcPayloadModel('Session')
    .find({ accountId: { $in: accountIds } }, { accountId: 1 })
    .lean<{ accountId: string }[]>();
  return new Set(sessions.map((session) => session.accountId.slice(prefix.length)));
}

/**
 * The ids of an org's users that have provider sessions in the instance: the org's user ids by one cursor, then per
 * batch one indexed `$in` read of the sessions' `accountId`s, so an org of many users costs a few reads, not one each.
 */
export async function* signedInUsersOfOrg(instanceId: string, orgId: string): AsyncGenerator<string> {
  const prefix = `${instanceId}:`;
  let batch: string[] = [];
  const users = User.find({ instanceId, orgId }, { _id: 1 })
    .lean<{ _id: string }[]>()
    .cursor({ batchSize: USERS_PER_READ });
  for await (const user of users) {
    batch.push(prefix + user._id);
    if (batch.length < USERS_PER_READ) continue;
    yield* await withSessions(prefix, batch);
    batch = [];
  }
  if (batch.length) yield* await withSessions(prefix, batch);
}
