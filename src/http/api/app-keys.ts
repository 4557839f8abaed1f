import { z } from 'zod';
import { jwkThumbprint } from '../../domain/rules/jwk.ts';
import { addApplicationKey, removeApplicationKey, type ApplicationKey } from '../../domain/commands/applications.ts';
import { APPLICATION } from './locators.ts';
import { futureExpiry, keyToRegister, publicJwk, publicKeyPem } from './public-keys.ts';
import { route, type ApiRoute } from './route.ts';

const TAG = 'Applications';

const keyView = z.object({
  keyId: z.string(),
  thumbprint: z.string(),
  jwk: z.record(z.string(), z.string()),
  expiresAt: z.string().nullable(),
});
function toKeyView(key: ApplicationKey): z.input<typeof keyView> {
  return {
    keyId: key.keyId,
    thumbprint: jwkThumbprint(key.jwk),
    jwk: { ...(key.jwk as Record<string, string>), kid: key.keyId },
    expiresAt: key.expiresAt?.toISOString() ?? null,
  };
}

const registeredKey = z.object({ keyId: z.string(), thumbprint: z.string() });
const applicationKeyFile = z.object({
  type: z.literal('application'),
  keyId: z.string(),
  key: z.string().describe('PEM (PKCS#1) private key: shown this once, never stored'),
  appId: z.string(),
  clientId: z.string(),
});

/**
 * Public keys of a private_key_jwt application: the provider serves them as the client's jwks, each with its keyId as
 * kid.
 */
export const appKeyRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/projects/{projectId}/apps/{appId}/keys',
    tag: TAG,
    summary:
      'Register a public key, a JWK or PEM (RSA ≥ 2048 bits for RS256/PS256, or EC P-256 for ES256), for ' +
      'private_key_jwt; its kid, ' +
      'or a generated one, is the keyId to put in client assertions. Without a JWK, an RSA key pair is generated ' +
      "and ZITADEL's application key file returned, once: its private key is not kept",
    permission: 'project.app.write',
    on: APPLICATION,
    status: 201,
    body: z.strictObject({
      jwk: publicJwk.optional(),
      publicKey: publicKeyPem.optional(),
      expiresAt: z.iso.datetime({ offset: true }).optional(),
    }),
    response: z.union([registeredKey, applicationKeyFile]),
    async handler({ target, body, actor }) {
      const expiresAt = futureExpiry(body.expiresAt, 'expiresAt');
      const { privateKeyPem, ...input } = await keyToRegister(body);
      const key = await addApplicationKey(actor, target, { ...input, expiresAt });
      if (privateKeyPem === null) return { keyId: key.keyId, thumbprint: jwkThumbprint(key.jwk) };
      // ZITADEL's application key file, read by its SDKs and passport-zitadel as it is.
      const file = { type: 'application' as const, keyId: key.keyId, key: privateKeyPem, appId: target._id };
      return { ...file, clientId: target.clientId };
    },
  }),
  route({
    method: 'get',
    path: '/projects/{projectId}/apps/{appId}/keys',
    tag: TAG,
    summary: "An application's registered public keys",
    permission: 'project.app.read',
    on: APPLICATION,
    response: z.object({ keys: z.array(keyView) }),
    handler: async ({ target }) => ({ keys: (target.keys as ApplicationKey[]).map(toKeyView) }),
  }),
  route({
    method: 'delete',
    path: '/projects/{projectId}/apps/{appId}/keys/{keyId}',
    tag: TAG,
    summary: 'Remove a public key: assertions signed with it are refused from now on',
    permission: 'project.app.write',
    on: APPLICATION,
    response: null,
    handler: ({ target, params, actor }) => removeApplicationKey(actor, target, params.keyId ?? ''),
  }),
];
