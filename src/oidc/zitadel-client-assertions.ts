import type Provider from 'oidc-provider';
import { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';
import * as JWT from 'oidc-provider/lib/helpers/jwt.js';
import { instanceSettings } from '../domain/commands/instance-settings.ts';
import { assertClientAssertion, CLOCK_TOLERANCE_SECONDS } from './client-assertions.ts';

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

/** How lib/shared/jwt_client_auth.js (9.13.3) details the two refusals ZITADEL does not make. */
export const LIBRARY_REFUSALS = {
  missingJti: 'unique jti (JWT ID) must be provided in the client_assertion JWT',
  reused: 'client assertion tokens must only be used once',
} as const;

/** The instance each Castellan provider serves: its settings decide how strict client assertions are. */
const instanceOfProvider = new WeakMap<Provider, string>();

export function servesInstance(provider: Provider, instanceId: string): void {
  instanceOfProvider.set(provider, instanceId);
}

/** `Client#asymmetricKeyStore` (lib/models/client.js): the client's registered public keys. */
interface KeyedClient {
  asymmetricKeyStore: unknown;
}

/**
 * The rest of lib/shared/jwt_client_auth.js for an assertion it refused for lacking a `jti`, which it checks right
 * after the algorithm and `exp`: `iss` is the client, the signature is by one of the client's keys (and the time
 * claims hold), and Castellan's own rules (oidc/client-assertions.ts: the issuer alone as the audience, at most an
 * hour).
 */
async function verifyAssertionWithoutJti(ctx: KoaContextWithOIDC, client: Client): Promise<void> {
  const assertion = String(ctx.oidc.params?.client_assertion);
  const { header, payload } = JWT.decode(assertion);
  if (payload.iss !== client.clientId) throw new errors.InvalidClientAuth('iss (JWT issuer) must be the client_id');
  try {
    await JWT.verify(assertion, (client as Client & KeyedClient).asymmetricKeyStore, {
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      ignoreAzp: true,
    });
  } catch (cause) {
    throw new errors.InvalidClientAuth({ cause });
  }
  type Check = Parameters<typeof assertClientAssertion>;
  await assertClientAssertion(ctx, payload as Check[1], header as Check[2], client);
}

/**
 * Client authentication with client assertions as ZITADEL accepts them: `jti` optional, and an assertion valid again
 * until it expires (passport-zitadel signs one and reuses it for up to an hour; @zitadel/node sends none). The
 * library's authentication runs first and decides everything else; of its refusals, Castellan overrules only those
 * two, for private_key_jwt clients of an instance whose strict setting is off (`oidc.strictClientAssertions`, RFC 7523
 * §3's single use, with the library's checks as they are). A reused assertion was refused at the library's very last
 * check, everything else verified (the attestation signal that could follow is not enabled); one without `jti` is
 * verified here for what the library had left.
 */
export function authenticateClientAsZitadel(authenticateClient: Middleware): Middleware {
  return async function authenticateClientOrAssertionAsZitadel(ctx, next) {
    const instanceId = instanceOfProvider.get(ctx.oidc.provider);
    if (!instanceId || ctx.oidc.params?.client_assertion === undefined) return authenticateClient(ctx, next);
    if ((await instanceSettings(instanceId)).oidc.strictClientAssertions) return authenticateClient(ctx, next);
    let authenticated = false;
    try {
      await authenticateClient(ctx, () => {
        authenticated = true;
        return next();
      });
    } catch (error) {
      const { client } = ctx.oidc;
      const detail = error instanceof errors.InvalidClientAuth ? error.error_detail : undefined;
      if (authenticated || client?.clientAuthMethod !== 'private_key_jwt') throw error;
      if (detail === LIBRARY_REFUSALS.missingJti) await verifyAssertionWithoutJti(ctx, client);
      else if (detail !== LIBRARY_REFUSALS.reused) throw error;
      await next();
    }
  };
}
