import { z } from 'zod';
import { clientSecretHashKey } from '../../platform/derived-keys.ts';
import {
  createPersonalAccessToken,
  listPersonalAccessTokens,
  removePersonalAccessToken,
} from '../../domain/commands/personal-access-tokens.ts';
import { removeMachineSecret, setMachineSecret } from '../../domain/commands/user-credentials.ts';
import { invalidField } from '../../domain/errors.ts';
import { USER, USER_CREDENTIALS } from './locators.ts';
import { route, type ApiRoute } from './route.ts';
import { page } from './schemas.ts';

const TAG = 'Users';
const DEFAULT_PAT_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/** How a machine user authenticates: its client_credentials secret and its personal access tokens. */
export const machineCredentialRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/users/{userId}/secret',
    tag: TAG,
    summary: 'Generate a client_credentials secret for a machine user (shown once)',
    permission: 'user.credential.write',
    on: USER_CREDENTIALS,
    response: z.object({ clientId: z.string(), clientSecret: z.string() }),
    handler: async ({ target, actor, services }) => ({
      clientId: target.username,
      clientSecret: await setMachineSecret(actor, target, clientSecretHashKey(services.masterKey)),
    }),
  }),
  route({
    method: 'delete',
    path: '/users/{userId}/secret',
    tag: TAG,
    summary: "Remove a machine user's client secret",
    permission: 'user.credential.write',
    on: USER_CREDENTIALS,
    response: null,
    handler: ({ target, actor }) => removeMachineSecret(actor, target),
  }),
  route({
    method: 'post',
    path: '/users/{userId}/personal-access-tokens',
    tag: TAG,
    summary: 'Create a personal access token for a machine user (shown once)',
    permission: 'user.credential.write',
    on: USER_CREDENTIALS,
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
  route({
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
  route({
    method: 'delete',
    path: '/users/{userId}/personal-access-tokens/{tokenId}',
    tag: TAG,
    summary: 'Revoke a personal access token',
    permission: 'user.credential.write',
    on: USER_CREDENTIALS,
    response: null,
    handler: ({ target, params, actor }) => removePersonalAccessToken(actor, target, params.tokenId ?? ''),
  }),
];
