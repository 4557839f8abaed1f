import { z } from 'zod';
import {
  EC_CLIENT_ALGS,
  EC_CURVES,
  PRIVATE_JWK_MEMBERS,
  publicJwkProblem,
  jwkThumbprint,
  RSA_CLIENT_ALGS,
  type PublicSigningJwk,
} from '../../domain/rules/jwk.ts';
import { newId } from '../../platform/ids.ts';
import { addApplicationKey, removeApplicationKey, type ApplicationKey } from '../../domain/commands/applications.ts';
import { invalidField } from '../../domain/errors.ts';
import { APPLICATION } from './locators.ts';
import { route, type ApiRoute } from './route.ts';
import { id } from './schemas.ts';

const TAG = 'Applications';
const base64url = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');
// Named so that a private key is refused with a message that says why, rather than as an unknown member.
const refused = z.never({ error: 'a private key member: register the public key only' }).optional();
const privateMembers = Object.fromEntries(PRIVATE_JWK_MEMBERS.map((member) => [member, refused])) as Record<
  (typeof PRIVATE_JWK_MEMBERS)[number],
  typeof refused
>;
const common = { use: z.literal('sig').optional(), kid: id.optional(), ...privateMembers };
const publicJwk = z.discriminatedUnion('kty', [
  z.strictObject({
    kty: z.literal('RSA'),
    n: base64url,
    e: base64url.max(16),
    alg: z.enum(RSA_CLIENT_ALGS).optional(),
    ...common,
  }),
  z.strictObject({
    kty: z.literal('EC'),
    crv: z.enum(EC_CURVES),
    x: base64url.max(64),
    y: base64url.max(64),
    alg: z.enum(EC_CLIENT_ALGS).optional(),
    ...common,
  }),
]);

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
      'Register a public JWK (RSA ≥ 2048 bits for RS256/PS256, or EC P-256 for ES256) for private_key_jwt; ' +
      'its kid, or a generated one, is the keyId to put in client assertions',
    permission: 'project.app.write',
    on: APPLICATION,
    status: 201,
    body: z.strictObject({ jwk: publicJwk, expiresAt: z.iso.datetime({ offset: true }).optional() }),
    response: z.object({ keyId: z.string(), thumbprint: z.string() }),
    async handler({ target, body, actor }) {
      const { kid, ...jwk } = body.jwk;
      const problem = await publicJwkProblem(jwk as PublicSigningJwk);
      if (problem) throw invalidField('jwk', problem);
      const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw invalidField('expiresAt', 'must be in the future');
      const key = await addApplicationKey(actor, target, {
        keyId: kid ?? newId(),
        jwk: jwk as PublicSigningJwk,
        expiresAt,
      });
      return { keyId: key.keyId, thumbprint: jwkThumbprint(key.jwk) };
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
