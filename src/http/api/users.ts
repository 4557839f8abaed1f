import { z } from 'zod';
import { hasPermissionAnywhere } from '../../domain/rules/permissions.ts';
import { passwordProblems } from '../../domain/rules/password-complexity.ts';
import { effectiveLoginPolicy, type LoginPolicyOverride } from '../../domain/rules/login-policy.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import type { OrgRecord } from '../../domain/commands/orgs.ts';
import {
  changeUser,
  createHumanUser,
  createMachineUser,
  displayNameOf,
  findUserByLoginName,
  listUsers,
  loginNameOf,
} from '../../domain/commands/users.ts';
import { deactivateUser, deleteUser, reactivateUser } from '../../domain/commands/user-lifecycle.ts';
import { setUserPassword } from '../../domain/commands/user-credentials.ts';
import {
  changeUserEmail,
  requireEmailChangeable,
  sendVerificationAfterCreation,
} from '../../domain/commands/user-email.ts';
import { inviteUser, requireInvitable } from '../../domain/commands/user-invitation.ts';
import { invalidField, notFound } from '../../domain/errors.ts';
import { loadOrg, ORG, USER, USER_CREDENTIALS } from './locators.ts';
import { route, stateRoutes, type ApiRoute } from './route.ts';
import { sessionEnder } from './user-sessions.ts';
import { emailFlowOf } from './user-email.ts';
import { locale, metadataKey, metadataValue, name, page, username } from './schemas.ts';
import { contactFields } from './user-contact.ts';
import { accessTokenType, toUserView, userView, viewOf } from './user-view.ts';

const TAG = 'Users';
export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
export const password = z.string().min(1).max(1024);

/** A password must satisfy the effective complexity of the user's org (its override of the instance policy). */
function requirePasswordComplexity(tenant: Tenant, org: OrgRecord, password: string): void {
  const rules = effectiveLoginPolicy(
    tenant.instance.loginPolicy as LoginPolicyOverride,
    org.loginPolicy as LoginPolicyOverride,
  ).passwordComplexity;
  const problems = passwordProblems(password, rules);
  if (problems.length) throw invalidField('password', problems.join('; '));
}

export const userRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/orgs/{orgId}/users/human',
    tag: TAG,
    summary:
      "Create a human user; a password must satisfy the org's effective password complexity. Unless emailVerified, " +
      'a verification code is emailed when the instance can send email (emailCodeSent); sendInvitation (no ' +
      'password) emails a link to set one instead, which verifies the address too (409 without email delivery)',
    permission: 'user.write',
    on: ORG,
    status: 201,
    body: z.strictObject({
      username,
      email,
      emailVerified: z.boolean().optional(),
      givenName: name,
      familyName: name,
      displayName: name.optional(),
      ...contactFields,
      locale: locale.optional(),
      password: password.optional(),
      sendInvitation: z.boolean().optional(),
      metadata: z.record(metadataKey, metadataValue).optional(),
    }),
    response: z.object({ id: z.string(), loginName: z.string(), emailCodeSent: z.boolean() }),
    async handler(request) {
      const { target: org, body, actor, tenant } = request;
      if (body.password) requirePasswordComplexity(tenant, org, body.password);
      const flow = emailFlowOf(request);
      if (body.sendInvitation) await requireInvitable(flow, actor, body);
      const user = await createHumanUser(actor, org._id, body);
      const emailCodeSent = body.sendInvitation
        ? (await inviteUser(flow, actor, user), true)
        : await sendVerificationAfterCreation(flow, actor, user);
      return { id: user._id, loginName: loginNameOf(user, org), emailCodeSent };
    },
  }),
  route({
    method: 'post',
    path: '/orgs/{orgId}/users/machine',
    tag: TAG,
    summary: 'Create a machine user (service account); its username is its client_credentials client id',
    permission: 'user.write',
    on: ORG,
    status: 201,
    body: z.strictObject({
      username,
      name,
      description: z.string().max(1000).optional(),
      accessTokenType: accessTokenType.optional(),
    }),
    response: z.object({ id: z.string() }),
    handler: async ({ target, body, actor }) => ({ id: (await createMachineUser(actor, target._id, body))._id }),
  }),
  route({
    method: 'get',
    path: '/orgs/{orgId}/users',
    tag: TAG,
    summary: "List an organization's users",
    permission: 'user.read',
    on: ORG,
    query: page,
    response: z.object({ users: z.array(userView) }),
    handler: async ({ target: org, query, actor }) => ({
      users: (await listUsers(actor.instanceId, org._id, query)).map((user) => toUserView(user, org.primaryDomain)),
    }),
  }),
  route({
    method: 'get',
    path: '/users/_by-login-name/{loginName}',
    tag: TAG,
    summary: 'Find a user of any organization by exact login name (username@org-primary-domain); no search, no listing',
    permission: 'user.global.read',
    on: {
      custom:
        "ZITADEL's user.global.read holds wherever it is held (an org, a project, a grant): the user found may " +
        'belong to any organization, so there is no resource to decide on before the exact lookup',
      resource: 'user',
      allows: hasPermissionAnywhere,
    },
    response: z.object({ id: z.string(), orgId: z.string(), loginName: z.string(), displayName: z.string() }),
    async handler({ params, actor }) {
      const found = await findUserByLoginName(actor.instanceId, (params.loginName ?? '').slice(0, 500));
      if (!found) throw notFound();
      return {
        id: found.user._id,
        orgId: found.user.orgId,
        loginName: loginNameOf(found.user, found),
        displayName: displayNameOf(found.user),
      };
    },
  }),
  route({
    method: 'get',
    path: '/users/{userId}',
    tag: TAG,
    summary: 'Read a user',
    permission: 'user.read',
    on: USER,
    response: userView,
    handler: ({ target, actor }) => viewOf(actor, target),
  }),
  route({
    method: 'patch',
    path: '/users/{userId}',
    tag: TAG,
    summary:
      "Change a user's username or profile (human: email, names, locale, phone, address; machine: name, " +
      'description, accessTokenType). A new email is pending until verified (a code is emailed; 409 without email ' +
      'delivery), unless emailVerified',
    permission: 'user.write',
    on: USER,
    body: z.strictObject({
      username: username.optional(),
      email: email.optional(),
      emailVerified: z.boolean().optional(),
      givenName: name.optional(),
      familyName: name.optional(),
      displayName: name.optional(),
      ...contactFields,
      locale: locale.optional(),
      name: name.optional(),
      description: z.string().max(1000).optional(),
      accessTokenType: accessTokenType.optional(),
    }),
    response: userView,
    async handler(request) {
      const { email: newEmail, emailVerified, ...rest } = request.body;
      if (emailVerified !== undefined && newEmail === undefined)
        throw invalidField('emailVerified', 'applies to a new email only');
      const { target, actor } = request;
      const flow = emailFlowOf(request);
      if (newEmail !== undefined) await requireEmailChangeable(flow, actor, target, newEmail, emailVerified ?? false);
      const changed =
        newEmail === undefined || Object.keys(rest).length > 0 ? await changeUser(actor, target, rest) : target;
      if (newEmail === undefined) return viewOf(actor, changed);
      return viewOf(actor, await changeUserEmail(flow, actor, changed, newEmail, emailVerified ?? false));
    },
  }),
  ...stateRoutes({
    base: '/users/{userId}',
    tag: TAG,
    permission: 'user.write',
    on: USER,
    response: userView,
    summaries: {
      deactivate: 'Deactivate a user (cannot log in or call the API; sessions end, apps get logout tokens)',
      reactivate: 'Reactivate a deactivated or locked user',
    },
    async change({ target, actor, tenant }, _userState, action) {
      const changed =
        action === 'deactivate'
          ? await deactivateUser(actor, target, sessionEnder(tenant))
          : await reactivateUser(actor, target);
      return viewOf(actor, changed);
    },
  }),
  route({
    method: 'delete',
    path: '/users/{userId}',
    tag: TAG,
    summary: 'Delete a user with its sessions, tokens, manager roles and user grants (apps get logout tokens)',
    permission: 'user.delete',
    on: USER,
    response: null,
    async handler({ target, actor, tenant }) {
      await deleteUser(actor, target, sessionEnder(tenant));
    },
  }),
  route({
    method: 'put',
    path: '/users/{userId}/password',
    tag: TAG,
    summary: "Set a human user's password; it must satisfy the org's effective password complexity",
    permission: 'user.credential.write',
    on: USER_CREDENTIALS,
    body: z.strictObject({ password }),
    response: null,
    async handler({ target, body, actor, tenant }) {
      requirePasswordComplexity(tenant, await loadOrg(actor, { orgId: target.orgId }), body.password);
      await setUserPassword(actor, target, body.password);
    },
  }),
];
