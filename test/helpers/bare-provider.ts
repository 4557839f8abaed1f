// A bare node-oidc-provider (its in-memory adapter, one static client) on a loopback port: what the tests of
// src/oidc/library-overrides.ts check the library's own behaviour against.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Client } from 'oidc-provider';
import { readForm } from '../../src/platform/form-body.ts';

export const CLIENT_ID = 'bare-app';
export const STORED_SECRET = 'the-stored-client-secret';
export const REGISTERED_GLOB = 'https://rp.test/*';

/** Introspection and revocation policies (the library asks for one): a client's own tokens. */
const ownTokensOnly = {
  allowedPolicy: (_ctx: unknown, caller: Client, token: { clientId?: string }) => token.clientId === caller.clientId,
};

export interface BareProvider {
  provider: Provider;
  baseUrl: string;
  bareClient: Client;
  /** POSTs a form with the client's Basic authentication (and any headers given). */
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  /** A client-credentials token as the library stores it (opaque, its value is its id). */
  storedToken(fields?: { scope?: string; aud?: string }): Promise<string>;
  close(): Promise<void>;
}

/** A provider whose `use` middleware reads form bodies itself, as Castellan's introspection override does. */
export async function startBareProvider(): Promise<BareProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider('http://127.0.0.1', {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bare' }] },
    cookies: { keys: ['bare-cookie-key'] },
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: STORED_SECRET,
        grant_types: ['authorization_code', 'client_credentials'],
        response_types: ['code'],
        redirect_uris: [REGISTERED_GLOB],
        post_logout_redirect_uris: [REGISTERED_GLOB],
      },
    ],
    ttl: { AccessToken: 600, ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, ...ownTokensOnly },
      revocation: { enabled: true, ...ownTokensOnly },
      rpInitiatedLogout: { enabled: true },
    },
  });
  provider.use(async (ctx, next) => {
    if (ctx.get('x-read-form-first') && ctx.is('application/x-www-form-urlencoded'))
      Object.assign(ctx.req, { body: (await readForm(ctx.req)).toString() });
    await next();
  });
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bareClient = (await provider.Client.find(CLIENT_ID))!;
  return {
    provider,
    baseUrl,
    bareClient,
    post: (path, form, headers = {}) =>
      fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${STORED_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body: new URLSearchParams(form),
      }),
    async storedToken(fields = {}) {
      const token = new provider.ClientCredentials({ client: bareClient, scope: fields.scope ?? 'api' });
      if (fields.aud) token.setAudience(fields.aud);
      return token.save();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
