import { oidcPayloadModel } from '../models/oidc-payload.ts';

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
