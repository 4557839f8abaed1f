import { z } from 'zod';
import { clientSecretHashKey } from '../../platform/derived-keys.ts';
import { hasPermissionAnywhere } from '../../domain/rules/permissions.ts';
import { passwordProblems } from '../../domain/rules/password-complexity.ts';
import { effectiveLoginPolicy, type LoginPolicyOverride } from '../../domain/rules/login-policy.ts';
import type { UserDocument } from '../../store/models/user.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { findOrgRecord, type OrgRecord } from '../../domain/commands/orgs.ts';
import {
  createPersonalAccessToken,
  listPersonalAccessTokens,
  removePersonalAccessToken,
} from '../../domain/commands/personal-access-tokens.ts';
import {
  changeUser,
  createHumanUser,
  createMachineUser,
  displayNameOf,
  findUserByLoginName,
  listUsers,
  loginNameOf,
  removeUser,
  removeUserMetadata,
  setUserMetadata,
  setUserState,
} from '../../domain/commands/users.ts';
import { removeMachineSecret, setMachineSecret, setUserPassword } from '../../domain/commands/user-credentials.ts';
import { invalidField, notFound } from '../../domain/errors.ts';
import { loadOrg, ORG, USER } from './load.ts';
import { resourceRoute, route, stateRoutes } from './route.ts';
import { metadataKey, name, page, username } from './schemas.ts';

const TAG = 'Users';
const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
const accessTokenType = z.enum(['bearer', 'jwt']);
const metadataValue = z.string().max(10_000);
const password = z.string().min(1).max(1024);

const userView = z.object({
  id: z.string(),
  orgId: z.string(),
  type: z.enum(['human', 'machine']),
  username: z.string(),
  loginName: z.string(),
  displayName: z.string(),
  state: z.enum(['active', 'inactive', 'locked']),
  human: z
    .object({ email: z.string(), emailVerified: z.boolean(), givenName: z.string(), familyName: z.string() })
    .nullable(),
  machine: z
    .object({ name: z.string(), description: z.string().nullable(), accessTokenType, hasSecret: z.boolean() })
    .nullable(),
});

function toUserView(user: UserDocument, primaryDomain: string): z.input<typeof userView> {
  return {
    id: user._id,
    orgId: user.orgId,
    type: user.type,
    username: user.username,
    loginName: loginNameOf(user, { primaryDomain }),
    displayName: displayNameOf(user),
    state: user.state,
    human: user.human
      ? {
          email: user.human.email,
          emailVerified: user.human.emailVerified ?? false,
          givenName: user.human.givenName,
          familyName: user.human.familyName,
        }
      : null,
    machine: user.machine
      ? {
          name: user.machine.name,
          description: user.machine.description ?? null,
          accessTokenType: user.machine.accessTokenType ?? 'bearer',
          hasSecret: Boolean(user.machine.secretHash),
        }
      : null,
  };
}

/** A password must satisfy the effective complexity of the user's org (its override of the instance policy). */
function requirePasswordComplexity(tenant: Tenant, org: OrgRecord, password: string): void {
  const rules = effectiveLoginPolicy(
    tenant.instance.loginPolicy as LoginPolicyOverride,
    org.loginPolicy as LoginPolicyOverride,
  ).passwordComplexity;
  const problems = passwordProblems(password, rules);
  if (problems.length) throw invalidField('password', problems.join('; '));
}

async function viewOf(actor: { instanceId: string }, user: UserDocument): Promise<z.input<typeof userView>> {
  return toUserView(user, (await findOrgRecord(actor.instanceId, user.orgId))?.primaryDomain ?? '');
}

const DEFAULT_PAT_LIFETIME_MS = 365 * 24 * 3600 * 1000;

export const userRoutes = [
  resourceRoute({
    method: 'post',
    path: '/orgs/{orgId}/users/human',
    tag: TAG,
    summary: "Create a human user; a password must satisfy the org's effective password complexity",
    permission: 'user.write',
    on: ORG,
    status: 201,
    body: z.strictObject({
      username,
      email,
      givenName: name,
      familyName: name,
      displayName: name.optional(),
      password: password.optional(),
      metadata: z.record(metadataKey, metadataValue).optional(),
    }),
    response: z.object({ id: z.string(), loginName: z.string() }),
    async handler({ target: org, body, actor, tenant }) {
      if (body.password) requirePasswordComplexity(tenant, org, body.password);
      const user = await createHumanUser(actor, org._id, body);
      return { id: user._id, loginName: loginNameOf(user, org) };
    },
  }),
  resourceRoute({
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
  resourceRoute({
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
    resource: 'user',
    response: z.object({ id: z.string(), orgId: z.string(), loginName: z.string(), displayName: z.string() }),
    async handler({ params, actor, caller, authorizeAnywhere }) {
      authorizeAnywhere(hasPermissionAnywhere(caller.permissions, 'user.global.read'));
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
  resourceRoute({
    method: 'get',
    path: '/users/{userId}',
    tag: TAG,
    summary: 'Read a user',
    permission: 'user.read',
    on: USER,
    response: userView,
    handler: ({ target, actor }) => viewOf(actor, target),
  }),
  resourceRoute({
    method: 'patch',
    path: '/users/{userId}',
    tag: TAG,
    summary: "Change a user's username or profile (human: email, names; machine: name, description, accessTokenType)",
    permission: 'user.write',
    on: USER,
    body: z.strictObject({
      username: username.optional(),
      email: email.optional(),
      givenName: name.optional(),
      familyName: name.optional(),
      displayName: name.optional(),
      name: name.optional(),
      description: z.string().max(1000).optional(),
      accessTokenType: accessTokenType.optional(),
    }),
    response: userView,
    handler: async ({ target, body, actor }) => viewOf(actor, await changeUser(actor, target, body)),
  }),
  ...stateRoutes({
    base: '/users/{userId}',
    tag: TAG,
    permission: 'user.write',
    on: USER,
    response: userView,
    summaries: {
      deactivate: 'Deactivate a user (cannot log in or call the API; nothing is lost)',
      reactivate: 'Reactivate a deactivated or locked user',
    },
    change: async ({ target, actor }, userState, action) =>
      viewOf(
        actor,
        await setUserState(actor, target, userState, action === 'deactivate' ? 'user.deactivated' : 'user.reactivated'),
      ),
  }),
  resourceRoute({
    method: 'delete',
    path: '/users/{userId}',
    tag: TAG,
    summary: 'Delete a user with its tokens, manager roles and user grants',
    permission: 'user.delete',
    on: USER,
    response: null,
    handler: ({ target, actor }) => removeUser(actor, target),
  }),
  resourceRoute({
    method: 'put',
    path: '/users/{userId}/password',
    tag: TAG,
    summary: "Set a human user's password; it must satisfy the org's effective password complexity",
    permission: 'user.write',
    on: USER,
    body: z.strictObject({ password }),
    response: null,
    async handler({ target, body, actor, tenant }) {
      requirePasswordComplexity(tenant, await loadOrg(actor, { orgId: target.orgId }), body.password);
      await setUserPassword(actor, target, body.password);
    },
  }),
  resourceRoute({
    method: 'post',
    path: '/users/{userId}/secret',
    tag: TAG,
    summary: 'Generate a client_credentials secret for a machine user (shown once)',
    permission: 'user.write',
    on: USER,
    response: z.object({ clientId: z.string(), clientSecret: z.string() }),
    handler: async ({ target, actor, services }) => ({
      clientId: target.username,
      clientSecret: await setMachineSecret(actor, target, clientSecretHashKey(services.masterKey)),
    }),
  }),
  resourceRoute({
    method: 'delete',
    path: '/users/{userId}/secret',
    tag: TAG,
    summary: "Remove a machine user's client secret",
    permission: 'user.write',
    on: USER,
    response: null,
    handler: ({ target, actor }) => removeMachineSecret(actor, target),
  }),
  resourceRoute({
    method: 'post',
    path: '/users/{userId}/personal-access-tokens',
    tag: TAG,
    summary: 'Create a personal access token for a machine user (shown once)',
    permission: 'user.write',
    on: USER,
    status: 201,
    body: z.strictObject({ expiresAt: z.iso.datetime({ offset: true }).optional() }),
    response: z.object({ id: z.string(), token: z.string(), expiresAt: z.string() }),
    async handler({ target, body, actor, services }) {
      if (target.type !== 'machine') throw invalidField('userId', 'only machine users have personal access tokens');
      const expiresAt = body.expiresAt ? new Date(body.expiresAt) : new Date(Date.now() + DEFAULT_PAT_LIFETIME_MS);
      if (expiresAt.getTime() <= Date.now()) throw invalidField('expiresAt', 'must be in the future');
      const created = await createPersonalAccessToken(
        actor,
        target,
        expiresAt,
        clientSecretHashKey(services.masterKey),
      );
      return { id: created.id, token: created.token, expiresAt: created.expiresAt.toISOString() };
    },
  }),
  resourceRoute({
    method: 'get',
    path: '/users/{userId}/personal-access-tokens',
    tag: TAG,
    summary: "List a machine user's personal access tokens (never the tokens themselves)",
    permission: 'user.read',
    on: USER,
    query: page,
    response: z.object({ tokens: z.array(z.object({ id: z.string(), expiresAt: z.string() })) }),
    handler: async ({ target, query, actor }) => ({
      tokens: (await listPersonalAccessTokens(actor.instanceId, target._id, query)).map((token) => ({
        id: token._id,
        expiresAt: token.expiresAt.toISOString(),
      })),
    }),
  }),
  resourceRoute({
    method: 'delete',
    path: '/users/{userId}/personal-access-tokens/{tokenId}',
    tag: TAG,
    summary: 'Revoke a personal access token',
    permission: 'user.write',
    on: USER,
    response: null,
    handler: ({ target, params, actor }) => removePersonalAccessToken(actor, target, params.tokenId ?? ''),
  }),
  resourceRoute({
    method: 'get',
    path: '/users/{userId}/metadata',
    tag: TAG,
    summary: "A user's metadata (values as UTF-8 strings)",
    permission: 'user.read',
    on: USER,
    response: z.object({ metadata: z.record(z.string(), z.string()) }),
    handler: async ({ target }) => ({
      metadata: Object.fromEntries(
        target.metadata.map((entry) => [entry.key, Buffer.from(entry.value.buffer).toString('utf8')]),
      ),
    }),
  }),
  resourceRoute({
    method: 'put',
    path: '/users/{userId}/metadata/{key}',
    tag: TAG,
    summary: 'Set one metadata entry (the value is a UTF-8 string; tokens carry it base64url-encoded)',
    permission: 'user.write',
    on: USER,
    body: z.strictObject({ value: metadataValue }),
    response: null,
    async handler({ target, params, body, actor }) {
      const key = metadataKey.safeParse(params.key);
      if (!key.success) throw invalidField('key', key.error.issues[0]?.message ?? 'invalid');
      await setUserMetadata(actor, target, key.data, body.value);
    },
  }),
  resourceRoute({
    method: 'delete',
    path: '/users/{userId}/metadata/{key}',
    tag: TAG,
    summary: 'Remove one metadata entry',
    permission: 'user.write',
    on: USER,
    response: null,
    handler: ({ target, params, actor }) => removeUserMetadata(actor, target, params.key ?? ''),
  }),
];
