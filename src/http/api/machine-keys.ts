import { z } from 'zod';
import { addMachineKey, machineKeysOf, removeMachineKey } from '../../domain/commands/machine-keys.ts';
import { invalidField } from '../../domain/errors.ts';
import { USER, USER_CREDENTIALS } from './locators.ts';
import { futureExpiry, keyToRegister, publicJwk, publicKeyPem } from './public-keys.ts';
import { route, type ApiRoute } from './route.ts';

const TAG = 'Users';

const serviceAccountKeyFile = z.object({
  type: z.literal('serviceaccount'),
  keyId: z.string(),
  key: z.string().describe('PEM (PKCS#1) private key: shown this once, never stored'),
  userId: z.string(),
  expirationDate: z.string(),
});
const registeredKey = z.object({ keyId: z.string(), userId: z.string(), expirationDate: z.string() });
const keyView = z.object({
  keyId: z.string(),
  type: z.literal('json'),
  expirationDate: z.string(),
  creationDate: z.string().nullable(),
});

/**
 * A machine user's keys for the JWT bearer grant (RFC 7523 §2.1, oidc/grants/jwt-bearer.ts): a key lets whoever holds
 * it act as the user, so issuing one is a credential write under the credential-authority rule (USER_CREDENTIALS).
 */
export const machineKeyRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/users/{userId}/keys',
    tag: TAG,
    summary:
      "Give a machine user a key: without a JWK an RSA-2048 pair is generated and ZITADEL's key file returned, once " +
      '(its private key is not kept); with a public key (a JWK, or PEM as ZITADEL takes it), that key is registered',
    permission: 'user.credential.write',
    on: USER_CREDENTIALS,
    status: 201,
    body: z.strictObject({
      jwk: publicJwk.optional(),
      publicKey: publicKeyPem.optional(),
      expirationDate: z.iso.datetime({ offset: true }).optional(),
    }),
    response: z.union([serviceAccountKeyFile, registeredKey]),
    async handler({ target, body, actor }) {
      if (target.type !== 'machine') throw invalidField('userId', 'only machine users have keys');
      const expiresAt = futureExpiry(body.expirationDate, 'expirationDate');
      const { privateKeyPem, ...input } = await keyToRegister(body);
      const key = await addMachineKey(actor, target, { ...input, expiresAt });
      const registered = { keyId: key.keyId, userId: target._id, expirationDate: key.expiresAt.toISOString() };
      // ZITADEL's key file (domain.MachineKeyMarshalJSON), read by its SDKs as it is.
      return privateKeyPem === null ? registered : { type: 'serviceaccount', ...registered, key: privateKeyPem };
    },
  }),
  route({
    method: 'get',
    path: '/users/{userId}/keys',
    tag: TAG,
    summary: "A machine user's keys: ids, type and dates, never key material",
    permission: 'user.read',
    on: USER,
    response: z.object({ keys: z.array(keyView) }),
    handler: async ({ target }) => ({
      keys: machineKeysOf(target).map((key) => ({
        keyId: key.keyId,
        type: 'json' as const,
        expirationDate: key.expiresAt.toISOString(),
        creationDate: key.createdAt?.toISOString() ?? null,
      })),
    }),
  }),
  route({
    method: 'delete',
    path: '/users/{userId}/keys/{keyId}',
    tag: TAG,
    summary: 'Remove a machine key: assertions signed with it are refused, and the tokens granted with it end',
    permission: 'user.credential.write',
    on: USER_CREDENTIALS,
    response: null,
    handler: ({ target, params, actor }) => removeMachineKey(actor, target, params.keyId ?? ''),
  }),
];
