import type { UserDocument } from '../models/user.ts';
import { Organization, User } from '../models/index.ts';
import { credentialFingerprint } from '../../platform/crypto.ts';
import { cached } from '../cache/instance-cache.ts';
import { cacheKeys } from '../cache/keys.ts';
import { findScoped } from './scoped.ts';

export interface OrgSummary {
  _id: string;
  name: string;
  primaryDomain: string;
  state: 'active' | 'inactive';
  /** The org's override of the instance login policy, if any. */
  loginPolicy?: unknown;
  /** The org's own logos (store/models/branding-asset.ts), which its login pages wear. */
  brandingLogos?: unknown;
}

/** What claims, token checks and the login read of an org. */
export const ORG_SUMMARY_FIELDS = { name: 1, primaryDomain: 1, state: 1, loginPolicy: 1, brandingLogos: 1 } as const;

/**
 * What the hot paths (claims, token checks, login, API authentication) read of an org, cached: orgs change rarely, and
 * writes invalidate the instance's cache. The management API reads the full record (domain/commands/orgs.ts).
 */
export function findOrg(instanceId: string, orgId: string): Promise<OrgSummary | null> {
  return cached(
    instanceId,
    cacheKeys.org(orgId),
    async () => (await findScoped(Organization, instanceId, orgId, {}, ORG_SUMMARY_FIELDS)) as OrgSummary | null,
  );
}

/** An org of the instance by its primary domain, cached. */
export function findOrgByPrimaryDomain(instanceId: string, domain: string): Promise<OrgSummary | null> {
  const primaryDomain = domain.toLowerCase();
  return cached(
    instanceId,
    cacheKeys.orgByPrimaryDomain(primaryDomain),
    async () =>
      (await Organization.findOne({ instanceId, primaryDomain }, ORG_SUMMARY_FIELDS).lean()) as OrgSummary | null,
  );
}

export interface Account {
  /** Without the password hash (projected away). */
  user: UserDocument;
  org: OrgSummary;
}

/**
 * An active user of an active org; anything else cannot obtain tokens. Cached: a change to the user or
 * its org reaches every process within the cache revision poll (cache/revisions.ts).
 */
export function findActiveAccount(instanceId: string, userId: string): Promise<Account | null> {
  return cached(instanceId, cacheKeys.account(userId), () =>
    activeAccountOf(instanceId, findScoped(User, instanceId, userId, {}, { 'human.passwordHash': 0 })),
  );
}

/**
 * The whole user, read fresh, where `findActiveAccount` has no entry for it: the read fills that entry too, so the
 * session's account read at the login's resume (the provider's `findAccount`) reads nothing after a login step's
 * fresh read of a user not seen before (bench/README.md, "### Login"). Null where the entry exists: nothing read.
 * Set as the read starts, as `cached` does: a drop of the cache during the read discards it.
 */
export function readUserIntoAccount(instanceId: string, userId: string): Promise<UserDocument | null> | null {
  let read: Promise<UserDocument | null> | null = null;
  void cached(instanceId, cacheKeys.account(userId), () =>
    activeAccountOf(instanceId, (read = findScoped(User, instanceId, userId))),
  ).catch(() => {});
  return read;
}

/** The account of `user` as read (without its password hash), or null unless it and its org are active. */
async function activeAccountOf(instanceId: string, read: Promise<UserDocument | null>): Promise<Account | null> {
  const user = await read;
  if (!user || user.state !== 'active') return null;
  const org = await findOrg(instanceId, user.orgId);
  if (!org || org.state !== 'active') return null;
  return { user: withoutPasswordHash(user), org };
}

/** As the projection `{'human.passwordHash': 0}` reads it: the same document, the hash left out. */
function withoutPasswordHash(user: UserDocument): UserDocument {
  if (!user.human || !('passwordHash' in user.human)) return user;
  const { passwordHash: _passwordHash, ...human } = user.human;
  return { ...user, human } as UserDocument;
}

const TOKEN_HOLDER_FIELDS = { username: 1, 'machine.secretHash': 1, 'machine.keys.keyId': 1 } as const;

/** What a machine user's tokens are bound to, whatever its state: its client id, its current secret and keys. */
export interface TokenHolder {
  username: string;
  /** The fingerprint of its stored secret hash (platform/crypto.ts), null without a secret. */
  credential: string | null;
  /** The ids of its keys (JWT bearer grant). */
  keyIds: string[];
}

/**
 * The machine user a client-credentials token was issued to, as its binding checks it (oidc/token-binding.ts), or null
 * for a user that is gone or not a machine. Cached: every write to a user drops the instance's cache.
 */
export function findTokenHolder(instanceId: string, userId: string): Promise<TokenHolder | null> {
  return cached(instanceId, cacheKeys.tokenHolder(userId), async () => {
    const user = await findScoped(User, instanceId, userId, { type: 'machine' }, TOKEN_HOLDER_FIELDS);
    if (!user) return null;
    const secretHash = user.machine?.secretHash;
    return {
      username: user.username,
      credential: secretHash ? credentialFingerprint(secretHash) : null,
      keyIds: (user.machine?.keys ?? []).map((key) => key.keyId),
    };
  });
}
