import { createHash } from 'node:crypto';
import { BrowserLogin } from '../models/browser-login.ts';
import { insertBatched } from './batched-insert.ts';

/** What a browser keeps of an account's finished login (store/models/browser-login.ts). */
export interface BrowserLoginRecord {
  userId: string;
  authTime: number;
  amr: string[];
  acr: string;
}

/**
 * The stored form of a browser id: a hash, so the database alone cannot be turned into cookies. The id is 256 random
 * bits (oidc/browser-id.ts), so an unkeyed hash suffices, as for any high-entropy secret.
 */
export function browserKeyOf(browserId: string): string {
  return createHash('sha256').update(browserId, 'utf8').digest('base64url');
}

const recordId = (instanceId: string, browserKey: string, userId: string) => `${instanceId}:${browserKey}:${userId}`;

/**
 * Keeps (or replaces) the account's login in this browser until `expiresAt`. A browser id given out in this request
 * (`freshBrowserId`) has no logins yet: its first is inserted through the group commit, which parallel logins share.
 */
export async function saveBrowserLogin(
  instanceId: string,
  browserId: string,
  login: BrowserLoginRecord,
  expiresAt: Date,
  freshBrowserId = false,
): Promise<void> {
  const browserKey = browserKeyOf(browserId);
  const record = { _id: recordId(instanceId, browserKey, login.userId), instanceId, browserKey, ...login, expiresAt };
  if (freshBrowserId && (await insertBatched(BrowserLogin, record)) === 'inserted') return;
  await BrowserLogin.replaceOne({ _id: record._id }, record, { upsert: true });
}

/** The browser's logins that have not expired, the most recent first. */
export async function browserLoginsOf(instanceId: string, browserId: string): Promise<BrowserLoginRecord[]> {
  const found = await BrowserLogin.find(
    { instanceId, browserKey: browserKeyOf(browserId), expiresAt: { $gt: new Date() } },
    { userId: 1, authTime: 1, amr: 1, acr: 1 },
  ).lean();
  return found
    .map(({ userId, authTime, amr, acr }) => ({ userId, authTime, amr: [...amr], acr }))
    .sort((a, b) => b.authTime - a.authTime);
}

/** Ends every login of a browser (its logout). */
export async function endBrowserLogins(instanceId: string, browserId: string): Promise<void> {
  await BrowserLogin.deleteMany({ instanceId, browserKey: browserKeyOf(browserId) });
}

/** Ends a user's logins in every browser (their sessions ended, their password changed, they were locked). */
export async function endBrowserLoginsOfUser(instanceId: string, userId: string): Promise<void> {
  await BrowserLogin.deleteMany({ instanceId, userId });
}
