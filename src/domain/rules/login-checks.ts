/**
 * Whether an identified user may finish a login for a client: pure decisions over facts the caller loaded. The messages
 * are ZITADEL's (docs/zitadel-behaviour.md §1.3 and §3), so users and support see familiar wording.
 */

export const LOGIN_MESSAGES = {
  notAllowedOrg: 'User is no member of the required organization',
  grantRequired:
    'Login not possible. The user is required to have at least one grant on the application. ' +
    'Please contact your administrator.',
  projectRequired:
    'Login not possible. The organization of the user must be granted to the project. ' +
    'Please contact your administrator.',
  userNotFound: 'User could not be found',
  userInactive: 'User is inactive',
  userLocked: 'User is locked. Please contact your administrator.',
  orgInactive: 'The organization of the user is inactive',
  appInactive: 'The application is inactive',
  projectInactive: 'The project of the application is inactive',
  passwordInvalid: 'Password is invalid',
  usernameOrPasswordInvalid: 'Username or password is invalid',
  passwordLoginNotAllowed: 'Login with username and password is not allowed',
  orgNotFound: 'Organisation not found',
  orgScopesConflict: 'The requested organizations do not match',
  mfaForcedNotConfigured:
    'Multi-factor authentication is required, but no second factor is allowed. Please contact your administrator.',
  codeInvalid: 'The code is invalid or was already used',
} as const;

export type LoginMessage = (typeof LOGIN_MESSAGES)[keyof typeof LOGIN_MESSAGES];

export interface LoginFacts {
  user: { orgId: string; state: string; type: string };
  userOrg: { state: string } | null;
  /** The org the request is restricted to (org scope or domain discovery), if any. */
  requiredOrgId: string | null;
  application: { state: string } | null;
  project: { orgId: string; state: string; projectRoleCheck: boolean; hasProjectCheck: boolean } | null;
  /** Whether the user holds an active user grant on the project (from any org); only needed with projectRoleCheck. */
  userHasActiveGrant: boolean;
  /** Whether the user's own org holds an active project grant for the project; only needed with hasProjectCheck. */
  userOrgHasActiveProjectGrant: boolean;
}

export function userStateProblem(user: LoginFacts['user']): LoginMessage | null {
  if (user.type !== 'human') return LOGIN_MESSAGES.userNotFound;
  if (user.state === 'locked') return LOGIN_MESSAGES.userLocked;
  if (user.state !== 'active') return LOGIN_MESSAGES.userInactive;
  return null;
}

export function orgMembershipProblem(requiredOrgId: string | null, userOrgId: string): LoginMessage | null {
  return requiredOrgId !== null && requiredOrgId !== userOrgId ? LOGIN_MESSAGES.notAllowedOrg : null;
}

/** ZITADEL's `projectRoleCheck`: an active grant, even one without roles, is enough. */
export function projectRoleCheck(
  project: NonNullable<LoginFacts['project']>,
  userHasActiveGrant: boolean,
): LoginMessage | null {
  return project.projectRoleCheck && !userHasActiveGrant ? LOGIN_MESSAGES.grantRequired : null;
}

/**
 * ZITADEL's `hasProjectCheck`: the user's own org owns the project or holds an active grant for it (external user
 * grants do not count).
 */
export function hasProjectCheck(
  project: NonNullable<LoginFacts['project']>,
  userOrgId: string,
  userOrgHasActiveProjectGrant: boolean,
): LoginMessage | null {
  if (!project.hasProjectCheck || project.orgId === userOrgId) return null;
  return userOrgHasActiveProjectGrant ? null : LOGIN_MESSAGES.projectRequired;
}

/** The first reason the login must not complete, in the order a user can best act on, or null. */
export function loginProblem(facts: LoginFacts): LoginMessage | null {
  const { user, project } = facts;
  const early = userStateProblem(user) ?? orgMembershipProblem(facts.requiredOrgId, user.orgId);
  if (early) return early;
  if (facts.userOrg?.state !== 'active') return LOGIN_MESSAGES.orgInactive;
  if (facts.application?.state !== 'active') return LOGIN_MESSAGES.appInactive;
  if (project?.state !== 'active') return LOGIN_MESSAGES.projectInactive;
  return (
    projectRoleCheck(project, facts.userHasActiveGrant) ??
    hasProjectCheck(project, user.orgId, facts.userOrgHasActiveProjectGrant)
  );
}
