import { z } from 'zod';
import { clientSecretHashKey } from '../../queries/secrets.ts';
import { hasPermissionAnywhere } from '../../libraries/permissions.ts';
import { passwordProblems } from '../../libraries/passwords.ts';
import { effectiveLoginPolicy, type LoginPolicyOverride } from '../../libraries/policy.ts';
import { orgContext } from '../../libraries/resource-context.ts';
import type { UserDocument } from '../../models/user.ts';
import { findOrg } from '../../queries/orgs.ts';
import { createPersonalAccessToken, listPersonalAccessTokens, removePersonalAccessToken } from '../../queries/personal-access-tokens.ts';
import {
  changeUser, createHumanUser, createMachineUser, displayNameOf, findUserByLoginName, listUsers, loginNameOf, removeMachineSecret, removeUser, removeUserMetadata, setMachineSecret, setUserMetadata, setUserState,
} from '../../queries/users.ts';
import { invalidField, notFound } from '../../queries/writes.ts';
import { loadOrg, loadUser } from './load.ts';
import { route } from './route.ts';
import { metadataKey, name, page, username } from './schemas.ts';

const TAG = 'Users';
const email = z.string().trim().toLowerCase().max(320).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
const accessTokenType = z.enum(['bearer', 'jwt']);
const metadataValue = z.string().max(10_000);

const userView = z.object({
  id: z.string(),
  orgId: z.string(),
  type: z.enum(['human', 'machine']),
  username: z.string(),
  loginName: z.string(),
  displayName: z.string(),
  state: z.enum(['active', 'inactive', 'locked']),
  human: z.object({ email: z.string(), emailVerified: z.boolean(), givenName: z.string(), familyName: z.string() }).nullable(),
  machine: z.object({ name: z.string(), description: z.string().nullable(), accessTokenType, hasSecret: z.boolean() }).nullable(),
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
    human: user.human ? { email: user.human.email, emailVerified: user.human.emailVerified ?? false, givenName: user.human.givenName, familyName: user.human.familyName } : null,
    machine: user.machine ? { name: user.machine.name, description: user.machine.description ?? null, accessTokenType: user.machine.accessTokenType ?? 'bearer', hasSecret: Boolean(user.machine.secretHash) } : null,
  };
}

async function primaryDomainOf(instanceId: string, orgId: string): Promise<string> {
  return (await findOrg(instanceId, orgId))?.primaryDomain ?? '';
}

const DEFAULT_PAT_LIFETIME_MS = 365 * 24 * 3600 * 1000;

export const userRoutes = [
  route({
    method: 'post', path: '/orgs/{orgId}/users/human', tag: TAG, summary: "Create a human user; a password must satisfy the org's effective password complexity",
    permission: 'user.write', resource: 'org', status: 201,
    body: z.strictObject({ username, email, givenName: name, familyName: name, displayName: name.optional(), password: z.string().min(1).max(1024).optional(), metadata: z.record(metadataKey, metadataValue).optional() }),
    response: z.object({ id: z.string(), loginName: z.string() }),
    async handler({ params, body, actor, tenant, authorize }) {
      const org = await loadOrg(actor, params);
      authorize(orgContext(org._id));
      if (body.password) {
        const rules = effectiveLoginPolicy(tenant.instance.loginPolicy as LoginPolicyOverride, org.loginPolicy as LoginPolicyOverride).passwordComplexity;
        const problems = passwordProblems(body.password, rules);
        if (problems.length) throw invalidField('password', problems.join('; '));
      }
      const user = await createHumanUser(actor, org._id, body);
      return { id: user._id, loginName: loginNameOf(user, org) };
    },
  }),
  route({
    method: 'post', path: '/orgs/{orgId}/users/machine', tag: TAG, summary: 'Create a machine user (service account); its username is its client_credentials client id',
    permission: 'user.write', resource: 'org', status: 201,
    body: z.strictObject({ username, name, description: z.string().max(1000).optional(), accessTokenType: accessTokenType.optional() }),
    response: z.object({ id: z.string() }),
    async handler({ params, body, actor, authorize }) {
      const org = await loadOrg(actor, params);
      authorize(orgContext(org._id));
      return { id: (await createMachineUser(actor, org._id, body))._id };
    },
  }),
  route({
    method: 'get', path: '/orgs/{orgId}/users', tag: TAG, summary: "List an organization's users",
    permission: 'user.read', resource: 'org', query: page, response: z.object({ users: z.array(userView) }),
    async handler({ params, query, actor, authorize }) {
      const org = await loadOrg(actor, params);
      authorize(orgContext(org._id));
      return { users: (await listUsers(actor.instanceId, org._id, query)).map((user) => toUserView(user, org.primaryDomain)) };
    },
  }),
  route({
    method: 'get', path: '/users/_by-login-name/{loginName}', tag: TAG, summary: 'Find a user of any organization by exact login name (username@org-primary-domain); no search, no listing',
    permission: 'user.global.read', resource: 'user',
    response: z.object({ id: z.string(), orgId: z.string(), loginName: z.string(), displayName: z.string() }),
    async handler({ params, actor, caller, authorizeAnywhere }) {
      authorizeAnywhere(hasPermissionAnywhere(caller.permissions, 'user.global.read'));
      const found = await findUserByLoginName(actor.instanceId, (params.loginName ?? '').slice(0, 500));
      if (!found) throw notFound();
      return { id: found.user._id, orgId: found.user.orgId, loginName: loginNameOf(found.user, found), displayName: displayNameOf(found.user) };
    },
  }),
  route({
    method: 'get', path: '/users/{userId}', tag: TAG, summary: 'Read a user',
    permission: 'user.read', resource: 'user', response: userView,
    async handler({ params, actor, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      return toUserView(user, await primaryDomainOf(actor.instanceId, user.orgId));
    },
  }),
  route({
    method: 'patch', path: '/users/{userId}', tag: TAG, summary: "Change a user's username or profile (human: email, names; machine: name, description, accessTokenType)",
    permission: 'user.write', resource: 'user',
    body: z.strictObject({ username: username.optional(), email: email.optional(), givenName: name.optional(), familyName: name.optional(), displayName: name.optional(), name: name.optional(), description: z.string().max(1000).optional(), accessTokenType: accessTokenType.optional() }),
    response: userView,
    async handler({ params, body, actor, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      return toUserView(await changeUser(actor, user, body), await primaryDomainOf(actor.instanceId, user.orgId));
    },
  }),
  ...(['deactivate', 'reactivate'] as const).map((action) =>
    route({
      method: 'post', path: `/users/{userId}/${action}`, tag: TAG, summary: action === 'deactivate' ? 'Deactivate a user (cannot log in or call the API; nothing is lost)' : 'Reactivate a deactivated or locked user',
      permission: 'user.write', resource: 'user', response: userView,
      async handler({ params, actor, authorize }) {
        const user = await loadUser(actor, params);
        authorize(orgContext(user.orgId));
        const updated = await setUserState(actor, user, action === 'deactivate' ? 'inactive' : 'active', action === 'deactivate' ? 'user.deactivated' : 'user.reactivated');
        return toUserView(updated, await primaryDomainOf(actor.instanceId, user.orgId));
      },
    }),
  ),
  route({
    method: 'delete', path: '/users/{userId}', tag: TAG, summary: 'Delete a user with its tokens, manager roles and user grants',
    permission: 'user.delete', resource: 'user', response: null,
    async handler({ params, actor, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      await removeUser(actor, user);
    },
  }),
  route({
    method: 'post', path: '/users/{userId}/secret', tag: TAG, summary: 'Generate a client_credentials secret for a machine user (shown once)',
    permission: 'user.write', resource: 'user', response: z.object({ clientId: z.string(), clientSecret: z.string() }),
    async handler({ params, actor, services, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      return { clientId: user.username, clientSecret: await setMachineSecret(actor, user, clientSecretHashKey(services.masterKey)) };
    },
  }),
  route({
    method: 'delete', path: '/users/{userId}/secret', tag: TAG, summary: "Remove a machine user's client secret",
    permission: 'user.write', resource: 'user', response: null,
    async handler({ params, actor, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      await removeMachineSecret(actor, user);
    },
  }),
  route({
    method: 'post', path: '/users/{userId}/personal-access-tokens', tag: TAG, summary: 'Create a personal access token for a machine user (shown once)',
    permission: 'user.write', resource: 'user', status: 201,
    body: z.strictObject({ expiresAt: z.iso.datetime({ offset: true }).optional() }),
    response: z.object({ id: z.string(), token: z.string(), expiresAt: z.string() }),
    async handler({ params, body, actor, services, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      if (user.type !== 'machine') throw invalidField('userId', 'only machine users have personal access tokens');
      const expiresAt = body.expiresAt ? new Date(body.expiresAt) : new Date(Date.now() + DEFAULT_PAT_LIFETIME_MS);
      if (expiresAt.getTime() <= Date.now()) throw invalidField('expiresAt', 'must be in the future');
      const created = await createPersonalAccessToken(actor, user, expiresAt, clientSecretHashKey(services.masterKey));
      return { id: created.id, token: created.token, expiresAt: created.expiresAt.toISOString() };
    },
  }),
  route({
    method: 'get', path: '/users/{userId}/personal-access-tokens', tag: TAG, summary: "List a machine user's personal access tokens (never the tokens themselves)",
    permission: 'user.read', resource: 'user', response: z.object({ tokens: z.array(z.object({ id: z.string(), expiresAt: z.string() })) }),
    async handler({ params, actor, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      return { tokens: (await listPersonalAccessTokens(actor.instanceId, user._id)).map((token) => ({ id: token._id, expiresAt: token.expiresAt.toISOString() })) };
    },
  }),
  route({
    method: 'delete', path: '/users/{userId}/personal-access-tokens/{tokenId}', tag: TAG, summary: 'Revoke a personal access token',
    permission: 'user.write', resource: 'user', response: null,
    async handler({ params, actor, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      await removePersonalAccessToken(actor, user, params.tokenId ?? '');
    },
  }),
  route({
    method: 'get', path: '/users/{userId}/metadata', tag: TAG, summary: "A user's metadata (values as UTF-8 strings)",
    permission: 'user.read', resource: 'user', response: z.object({ metadata: z.record(z.string(), z.string()) }),
    async handler({ params, actor, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      return { metadata: Object.fromEntries(user.metadata.map((entry) => [entry.key, Buffer.from(entry.value.buffer).toString('utf8')])) };
    },
  }),
  route({
    method: 'put', path: '/users/{userId}/metadata/{key}', tag: TAG, summary: 'Set one metadata entry (the value is a UTF-8 string; tokens carry it base64url-encoded)',
    permission: 'user.write', resource: 'user', body: z.strictObject({ value: metadataValue }), response: null,
    async handler({ params, body, actor, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      const key = metadataKey.safeParse(params.key);
      if (!key.success) throw invalidField('key', key.error.issues[0]?.message ?? 'invalid');
      await setUserMetadata(actor, user, key.data, body.value);
    },
  }),
  route({
    method: 'delete', path: '/users/{userId}/metadata/{key}', tag: TAG, summary: 'Remove one metadata entry',
    permission: 'user.write', resource: 'user', response: null,
    async handler({ params, actor, authorize }) {
      const user = await loadUser(actor, params);
      authorize(orgContext(user.orgId));
      await removeUserMetadata(actor, user, params.key ?? '');
    },
  }),
];
