import type { UserDocument } from '../../store/models/user.ts';
import type { UserGrantDocument } from '../../store/models/user-grant.ts';
import { userGrantsGivenBy } from '../../store/queries/scim-users.ts';
import type { Actor } from '../commands/changes.ts';
import type { OrgRecord } from '../commands/orgs.ts';
import { changeUser, createHumanUser, type UserChange } from '../commands/users.ts';
import { deactivateUser, reactivateUser, removeUser } from '../commands/user-lifecycle.ts';
import type { SessionEnder } from '../commands/user-sessions.ts';
import { changeUserEmail, type EmailFlow } from '../commands/user-email.ts';
import { setUserPassword } from '../commands/user-credentials.ts';
import { EXTERNAL_ID_TAKEN, findUserByExternalId, setUserExternalId } from '../commands/user-external-ids.ts';
import {
  assignableRoleKeys,
  changeUserGrantRoles,
  createUserGrant,
  projectAccessOf,
  removeUserGrant,
} from '../commands/user-grants.ts';
import { conflict } from '../errors.ts';
import { effectiveLoginPolicy, type LoginPolicyOverride } from '../rules/login-policy.ts';
import { passwordProblems } from '../rules/password-complexity.ts';
import { planGrants, type GrantPlan } from './grants.ts';
import { GRANTS_SCHEMA, scimInvalid } from './protocol.ts';
import type { ScimGrant, ScimUserInput, UserFacts } from './users.ts';

/**
 * Writes a SCIM User through the same commands the management API uses (users, email, password, external id, user
 * grants), so every change keeps its cascades and audit events. Everything a command could refuse for a reason the
 * request controls (password complexity, taken externalId, roles the org may not assign) is checked before the first
 * write; what remains (a concurrent writer) can leave an earlier step done, as two API calls would.
 */
export interface Provisioning {
  actor: Actor;
  org: OrgRecord;
  instanceLoginPolicy: unknown;
  emailFlow: EmailFlow;
  /** Ends a user's sign-in sessions, when SCIM deactivates or deletes it (as the management API does). */
  endSessions: SessionEnder;
}

const grantsField = `${GRANTS_SCHEMA}:grants`;

export function grantsOf(grants: readonly UserGrantDocument[]): ScimGrant[] {
  return grants.map((grant) => ({ projectId: grant.projectId, roles: [...grant.roleKeys] }));
}

function requirePasswordComplexity(run: Provisioning, password: string | undefined): void {
  if (password === undefined) return;
  const { passwordComplexity } = effectiveLoginPolicy(
    run.instanceLoginPolicy as LoginPolicyOverride,
    run.org.loginPolicy as LoginPolicyOverride,
  );
  const problems = passwordProblems(password, passwordComplexity);
  if (problems.length) throw scimInvalid('invalidValue', `password: ${problems.join('; ')}`);
}

async function requireExternalIdFree(run: Provisioning, externalId: string | null, userId?: string): Promise<void> {
  if (!externalId) return;
  const holder = await findUserByExternalId(run.actor.instanceId, run.org._id, externalId);
  if (holder && holder._id !== userId) throw conflict(EXTERNAL_ID_TAKEN);
}

/** Exactly the management API's rule: the org's own project's roles, or its project grant's subset of them. */
async function requireAssignable(run: Provisioning, projectId: string, roles: string[], grantId?: string | null) {
  const { instanceId } = run.actor;
  const access =
    grantId === undefined ? await projectAccessOf(instanceId, run.org._id, projectId) : { projectGrantId: grantId };
  const assignable = access && (await assignableRoleKeys(instanceId, projectId, access.projectGrantId));
  if (!access || !assignable)
    throw scimInvalid('invalidValue', `${grantsField}: the organization may not assign roles on project ${projectId}`);
  const refused = roles.filter((role) => !assignable.includes(role));
  if (refused.length)
    throw scimInvalid('invalidValue', `${grantsField}: not assignable on project ${projectId}: ${refused.join(', ')}`);
  return access.projectGrantId;
}

async function checkedPlan(
  run: Provisioning,
  userId: string | null,
  desired: ScimGrant[] | undefined,
): Promise<CheckedPlan> {
  if (!desired) return null;
  const existing = userId ? await userGrantsGivenBy(run.actor.instanceId, run.org._id, [userId]) : [];
  const plan = planGrants(existing, desired);
  // The project grant each new user grant goes through (null: the org owns the project).
  const grantIds = new Map<string, string | null>();
  for (const grant of plan.create)
    grantIds.set(grant.projectId, await requireAssignable(run, grant.projectId, grant.roles));
  for (const { grant, roles } of plan.change)
    await requireAssignable(run, grant.projectId, roles, grant.projectGrantId ?? null);
  return { plan, grantIds };
}

type CheckedPlan = { plan: GrantPlan<UserGrantDocument>; grantIds: Map<string, string | null> } | null;

async function applyGrants(run: Provisioning, userId: string, checked: CheckedPlan) {
  if (!checked) return;
  const { plan, grantIds } = checked;
  for (const grant of plan.remove) await removeUserGrant(run.actor, grant);
  for (const { grant, roles } of plan.change) await changeUserGrantRoles(run.actor, grant, roles);
  for (const grant of plan.create) {
    const input = { orgId: run.org._id, userId, projectId: grant.projectId, roleKeys: grant.roles };
    await createUserGrant(run.actor, input, grantIds.get(grant.projectId) ?? null);
  }
}

export async function createScimUser(run: Provisioning, input: ScimUserInput): Promise<UserDocument> {
  requirePasswordComplexity(run, input.password);
  await requireExternalIdFree(run, input.externalId);
  const grants = await checkedPlan(run, null, input.grants);
  let user = await createHumanUser(run.actor, run.org._id, {
    username: input.userName,
    email: input.email,
    // The directory vouches for the address, as a manager creating a user with emailVerified does.
    emailVerified: true,
    givenName: input.givenName,
    familyName: input.familyName,
    ...(input.displayName ? { displayName: input.displayName } : {}),
    ...(input.preferredLanguage ? { locale: input.preferredLanguage } : {}),
    ...(input.phone ? { phone: input.phone } : {}),
    ...(input.password ? { password: input.password } : {}),
  });
  try {
    if (input.externalId) user = await setUserExternalId(run.actor, user, input.externalId);
  } catch (error) {
    // Another request took the externalId meanwhile: the user must not stay without it.
    await removeUser(run.actor, user);
    throw error;
  }
  if (!input.active) user = await deactivateUser(run.actor, user, run.endSessions);
  await applyGrants(run, user._id, grants);
  return user;
}

/** The profile changes between what SCIM showed and what the client wants. */
function profileChange(user: UserFacts, desired: ScimUserInput): UserChange {
  const { human } = user;
  const change: UserChange = {};
  if (desired.userName !== user.username) change.username = desired.userName;
  if (desired.givenName !== human.givenName) change.givenName = desired.givenName;
  if (desired.familyName !== human.familyName) change.familyName = desired.familyName;
  const displayName = desired.displayName ?? `${desired.givenName} ${desired.familyName}`;
  if (displayName !== (human.displayName || `${human.givenName} ${human.familyName}`)) change.displayName = displayName;
  if (desired.preferredLanguage && desired.preferredLanguage !== human.locale)
    change.locale = desired.preferredLanguage;
  if (desired.phone !== (human.phone ?? null)) change.phone = desired.phone;
  return change;
}

/** Replace (PUT) or the result of a patch: every stored attribute becomes what the client sent. */
export async function updateScimUser(run: Provisioning, user: UserDocument, desired: ScimUserInput): Promise<void> {
  const facts = user as unknown as UserFacts;
  requirePasswordComplexity(run, desired.password);
  await requireExternalIdFree(run, desired.externalId, user._id);
  const grants = await checkedPlan(run, user._id, desired.grants);
  const change = profileChange(facts, desired);
  if (Object.keys(change).length) await changeUser(run.actor, user, change);
  if (desired.email !== facts.human.email) await changeUserEmail(run.emailFlow, run.actor, user, desired.email, true);
  if (desired.externalId !== (facts.externalId ?? null)) await setUserExternalId(run.actor, user, desired.externalId);
  if (desired.password !== undefined) await setUserPassword(run.actor, user, desired.password);
  if (desired.active !== (user.state === 'active')) {
    if (desired.active) await reactivateUser(run.actor, user);
    else await deactivateUser(run.actor, user, run.endSessions);
  }
  await applyGrants(run, user._id, grants);
}
