import { cached } from '../store/cache/instance-cache.ts';
import { cacheKeys } from '../store/cache/keys.ts';
import { LOGIN_MESSAGES, loginProblem, type LoginMessage } from './rules/login-checks.ts';
import { verifyPassword } from '../platform/passwords.ts';
import { wrongPasswordTime } from './password-timing.ts';
import { effectiveLoginPolicy, type LoginPolicy } from './rules/login-policy.ts';
import { requiredOrg } from './rules/org-scopes.ts';
import { policyWithOwnLogos } from './rules/branding-logos.ts';
import { resolveOrgScopes } from './org-scopes.ts';
import { Application, Project, ProjectGrant, User, UserGrant } from '../store/models/index.ts';
import { findActiveAccount, findOrg, readUserIntoAccount } from '../store/queries/accounts.ts';
import { findOrgWithVerifiedDomain } from '../store/queries/org-domains.ts';
import { recordEvent, type RequestOrigin } from '../store/queries/events.ts';
import { lockUser } from './lockout.ts';
import { countLogin } from './login-audit.ts';
import { clearPasswordAttempts, reservePasswordAttempt } from '../store/queries/login-attempts.ts';
import { findScoped } from '../store/queries/scoped.ts';

export interface LoginInstance {
  _id: string;
  name: string;
  issuer: string;
  loginPolicy?: unknown;
  brandingLogos?: unknown;
}

export interface LoginOrg {
  _id: string;
  name: string;
  state: string;
  loginPolicy?: unknown;
  brandingLogos?: unknown;
}

export interface LoginUser {
  _id: string;
  orgId: string;
  type: string;
  state: string;
  username: string;
  createdAt?: Date | null;
  human?: {
    email?: string | null;
    emailVerified?: boolean | null;
    passwordHash?: string | null;
    passwordChangedAt?: Date | null;
    mfaInitSkippedAt?: Date | null;
  } | null;
}

const USER_FIELDS = {
  _id: 1,
  orgId: 1,
  type: 1,
  state: 1,
  username: 1,
  createdAt: 1,
  'human.email': 1,
  'human.emailVerified': 1,
  'human.passwordHash': 1,
  'human.passwordChangedAt': 1,
  'human.mfaInitSkippedAt': 1,
} as const;

export type RequiredOrg = { ok: true; org: LoginOrg | null } | { ok: false; message: LoginMessage };

/** The org an authorization request's org scopes name (by id or primary domain), all of which must agree. */
export async function resolveRequiredOrg(instanceId: string, scope: unknown): Promise<RequiredOrg> {
  const required = requiredOrg(await resolveOrgScopes(instanceId, typeof scope === 'string' ? scope : null), {
    activeOnly: false,
  });
  if (required.kind === 'unknown') return { ok: false, message: LOGIN_MESSAGES.orgNotFound };
  if (required.kind === 'conflict') return { ok: false, message: LOGIN_MESSAGES.orgScopesConflict };
  return { ok: true, org: required.kind === 'org' ? required.org : null };
}

export function findLoginUser(instanceId: string, userId: string): Promise<LoginUser | null> {
  return findScoped(User, instanceId, userId, {}, USER_FIELDS);
}

/**
 * The user read fresh (the password step checks its latest hash and state), filling `findCachedLoginUser`'s entry
 * where there is none, so the code step after it reads nothing, and the account's (whole user then, which holds the
 * login's fields), so the resume reads nothing either. Set as the read starts: a drop of the cache during the read
 * discards it (store/cache/instance-cache.ts `cached`).
 */
export function readLoginUserFresh(instanceId: string, userId: string): Promise<LoginUser | null> {
  const fresh = readUserIntoAccount(instanceId, userId) ?? findLoginUser(instanceId, userId);
  void cached(instanceId, cacheKeys.loginUser(userId), () => fresh).catch(() => {});
  return fresh;
}

/**
 * The human user a filter matches, if exactly one does (else the login name is ambiguous); cached, with the users
 * themselves: a login name step of a user not seen before reads once, not once for the ids and once for the user.
 */
async function soleHumanUser(instanceId: string, key: string, filter: object): Promise<LoginUser | null> {
  const users = await cached(instanceId, key, () =>
    User.find({ instanceId, type: 'human', ...filter }, USER_FIELDS, { limit: 2 })
      .lean<LoginUser[]>()
      .exec(),
  );
  return users.length === 1 ? users[0]! : null;
}

/**
 * The user from the cache (every write of a user drops it, in other processes within a revision poll), for the steps
 * that do not depend on the latest state: the login name step only shows who cannot log in, and the password step
 * reads the user again, fresh, before its check (http/login/interaction.ts).
 */
export function findCachedLoginUser(instanceId: string, userId: string): Promise<LoginUser | null> {
  return cached(instanceId, cacheKeys.loginUser(userId), () => findLoginUser(instanceId, userId));
}

export function policyOf(instance: LoginInstance, org: LoginOrg | null): LoginPolicy {
  const ownPolicy = (owner: LoginInstance | LoginOrg) => policyWithOwnLogos(instance.issuer, owner);
  return effectiveLoginPolicy(ownPolicy(instance), org ? ownPolicy(org) : null);
}

export interface IdentifiedUser {
  user: LoginUser | null;
  /** The org selected by domain discovery, when no org was required and the login name's domain allows it. */
  discoveredOrg: LoginOrg | null;
}

/**
 * Finds the user a typed login name names: a username (unless the user's org policy has `userLoginMustBeDomain`);
 * `username@domain` with a verified domain of the user's org; or an email address, unless the user's org policy
 * disables login with email.
 * Without a required org, `…@{verified domain}` of an org that allows domain discovery selects that org.
 */
export async function identifyUser(
  instance: LoginInstance,
  loginName: string,
  requiredOrg: LoginOrg | null,
): Promise<IdentifiedUser> {
  const instanceId = instance._id;
  const name = loginName.trim().toLowerCase();
  const at = name.lastIndexOf('@');
  const domain = at > 0 && at < name.length - 1 ? name.slice(at + 1) : null;
  const domainOrg = domain
    ? await cached(instanceId, cacheKeys.orgWithVerifiedDomain(domain), () =>
        findOrgWithVerifiedDomain(instanceId, domain),
      )
    : null;
  const discoveredOrg =
    !requiredOrg && domainOrg && policyOf(instance, domainOrg).allowDomainDiscovery ? domainOrg : null;

  let user = await soleHumanUser(instanceId, cacheKeys.humanUsersByUsername(name), { username: name });
  // Where the user's org policy sets `userLoginMustBeDomain` (ZITADEL's domain policy), the bare username is no
  // login name: only `username@{verified org domain}` (below) is.
  if (user && policyOf(instance, await findOrg(instanceId, user.orgId)).userLoginMustBeDomain) user = null;
  if (!user && domainOrg) {
    const username = name.slice(0, at);
    user = await soleHumanUser(instanceId, cacheKeys.humanUsersByOrgUsername(domainOrg._id, username), {
      orgId: domainOrg._id,
      username,
    });
  }
  if (!user && at > 0) {
    const candidate = await soleHumanUser(instanceId, cacheKeys.humanUsersByEmail(name), { 'human.email': name });
    if (candidate && !policyOf(instance, await findOrg(instanceId, candidate.orgId)).disableLoginWithEmail)
      user = candidate;
  }
  return { user, discoveredOrg };
}

export type PasswordResult = 'ok' | 'wrong' | 'locked' | 'inactive';

/**
 * Verifies a password under the lockout policy. Every attempt first reserves one of the policy's
 * attempts (store/queries/login-attempts.ts), before the hash is checked, so parallel guesses can never run
 * more verifications than the policy allows. A failed last attempt, or any attempt beyond it, locks the user.
 * Success forgets the attempts, and only counts while the user is still active (a lock by a parallel attempt wins).
 */
export async function verifyPasswordUnderLockout(
  instanceId: string,
  user: LoginUser,
  password: string,
  maxAttempts: number,
  origin?: RequestOrigin,
): Promise<PasswordResult> {
  const result = await checkPassword(instanceId, user, password, maxAttempts, origin);
  if (result !== 'ok') countLogin(instanceId, result);
  return result;
}

async function checkPassword(
  instanceId: string,
  user: LoginUser,
  password: string,
  maxAttempts: number,
  origin?: RequestOrigin,
): Promise<PasswordResult> {
  const started = performance.now();
  const reservation = await reservePasswordAttempt(instanceId, user._id, maxAttempts);
  if (!reservation.allowed) {
    // The policy's attempts are used up (possibly by parallel guesses that are still running).
    await lockUser(instanceId, user, { failedPasswordAttempts: reservation.attempts }, origin);
    return 'locked';
  }
  // A user without a password costs what a wrong password costs (platform/passwords.ts), as an unknown one does.
  if (await verifyPassword(user.human?.passwordHash, password)) {
    // With a lockout policy, parallel attempts may have locked the user while this one was checked: read the
    // state again. Without one, the state read with the user just before the check is as fresh as it gets.
    if (maxAttempts > 0) await clearPasswordAttempts(instanceId, user._id);
    const current = maxAttempts > 0 ? await findScoped(User, instanceId, user._id, {}, { state: 1 }) : user;
    if (current?.state === 'active') return 'ok';
    return current?.state === 'locked' ? 'locked' : 'inactive';
  }
  await recordEvent({
    instanceId,
    orgId: user.orgId,
    actorId: user._id,
    type: 'user.password.check.failed',
    resourceType: 'user',
    resourceId: user._id,
    payload: { ...origin },
  });
  if (maxAttempts > 0 && reservation.attempts >= maxAttempts) {
    await lockUser(instanceId, user, { failedPasswordAttempts: reservation.attempts }, origin);
    return 'locked';
  }
  wrongPasswordTime.add(performance.now() - started);
  return 'wrong';
}

/**
 * Why `user` may not finish a login for `clientId` (ZITADEL's login checks and state checks), or null.
 * The same rules run for a fresh login and for a browser session reused by a new request.
 */
export async function loginRequirementProblem(
  instanceId: string,
  clientId: string,
  user: Pick<LoginUser, '_id' | 'orgId' | 'state' | 'type'>,
  requiredOrgId: string | null,
): Promise<LoginMessage | null> {
  const [userOrg, application] = await Promise.all([
    findOrg(instanceId, user.orgId),
    cached(instanceId, cacheKeys.loginApplication(clientId), () =>
      Application.findOne({ instanceId, clientId }, { state: 1, projectId: 1 }).lean(),
    ),
  ]);
  const project = application
    ? await cached(instanceId, cacheKeys.loginProject(application.projectId), () =>
        findScoped(
          Project,
          instanceId,
          application.projectId,
          {},
          { orgId: 1, state: 1, projectRoleCheck: 1, hasProjectCheck: 1 },
        ),
      )
    : null;
  const [userHasActiveGrant, userOrgHasActiveProjectGrant] = await Promise.all([
    project?.projectRoleCheck
      ? cached(instanceId, cacheKeys.hasActiveUserGrant(user._id, project._id), () =>
          UserGrant.exists({ instanceId, userId: user._id, projectId: project._id, state: 'active' }),
        )
      : null,
    project?.hasProjectCheck && project.orgId !== user.orgId
      ? cached(instanceId, cacheKeys.hasActiveProjectGrant(project._id, user.orgId), () =>
          ProjectGrant.exists({ instanceId, projectId: project._id, grantedOrgId: user.orgId, state: 'active' }),
        )
      : null,
  ]);
  return loginProblem({
    user,
    userOrg,
    requiredOrgId,
    application,
    project,
    userHasActiveGrant: Boolean(userHasActiveGrant),
    userOrgHasActiveProjectGrant: Boolean(userOrgHasActiveProjectGrant),
  });
}

/** For a request that arrives with a browser session: whether that session's user must log in again. */
export async function sessionNeedsFreshLogin(
  instanceId: string,
  clientId: string,
  scope: unknown,
  accountId: string,
): Promise<boolean> {
  const required = await resolveRequiredOrg(instanceId, scope);
  if (!required.ok) return true;
  // The cached account: sessions are reused on every authorization request, and a deactivated user or org
  // leaves the cache within the revision poll.
  const account = await findActiveAccount(instanceId, accountId);
  if (!account) return true;
  return (
    (await loginRequirementProblem(
      instanceId,
      clientId,
      { ...account.user, state: 'active' },
      required.org?._id ?? null,
    )) !== null
  );
}
