// What the JWT bearer grant (src/oidc/grants/jwt-bearer.ts) relies on in node-oidc-provider 9.13.3, checked on the
// library alone (a bare provider, test/helpers/bare-provider.ts): a token request must authenticate a client before any
// grant runs (why the grant enters through a gate client), and the grant helpers of lib/actions/grants/
// client_credentials.js issue a token for the client a grant names. Castellan's side: test/oidc/jwt-bearer.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import type Provider from 'oidc-provider';
import { resolveRequestedResources, validateClientScope } from 'oidc-provider/lib/helpers/grant_authorization.js';
import { buildTokenResponse } from 'oidc-provider/lib/helpers/grant_response.js';
import { CLIENT_ID, startBareProvider, type BareProvider } from '../helpers/bare-provider.ts';

const GRANT = 'urn:test:helpers-grant';
const CLIENT = 'helpers-client';
const SECRET = 'helpers-client-secret';

let provider: Provider;
let baseUrl: string;
let post: BareProvider['post'];
let close: BareProvider['close'];

before(async () => {
  ({ provider, baseUrl, post, close } = await startBareProvider());
  provider.registerGrantType(
    GRANT,
    async (ctx) => {
      // As the JWT bearer grant continues as the machine user: the client the grant names replaces the gate.
      ctx.oidc.entity('Client', (await provider.Client.find(CLIENT_ID))!);
      await resolveRequestedResources(provider, ctx);
      const scopes = [...validateClientScope(provider, ctx)];
      const token = new provider.ClientCredentials({ client: ctx.oidc.client, scope: scopes.join(' ') || undefined });
      const value = await token.save();
      ctx.body = buildTokenResponse(provider, { accessToken: value, tokenType: token.tokenType, scope: token.scope });
    },
    ['scope'],
  );
  // A client with the grant, in the bare provider's own (in-memory) client storage.
  const clients = (provider.Client as unknown as { adapter: { upsert(id: string, payload: object): Promise<void> } })
    .adapter;
  await clients.upsert(CLIENT, {
    client_id: CLIENT,
    client_secret: SECRET,
    grant_types: [GRANT],
    response_types: [],
    redirect_uris: [],
  });
});
after(() => close());

it('authenticates a client before any grant: a request without client authentication is refused', async () => {
  const response = await fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: GRANT }),
  });
  assert.equal(response.status, 400);
  assert.deepEqual(await response.json(), {
    error: 'invalid_request',
    error_description: 'no client authentication mechanism provided',
  });
});

it("issues a token with client_credentials' helpers, for the client the grant names", async () => {
  const source = readFileSync(
    new URL('../../node_modules/oidc-provider/lib/actions/grants/client_credentials.js', import.meta.url),
    'utf8',
  );
  for (const helper of ['resolveRequestedResources', 'validateClientScope', 'buildTokenResponse'])
    assert.ok(source.includes(helper), `client_credentials still uses ${helper}`);
  const response = await post(
    '/token',
    { grant_type: GRANT, scope: 'openid' },
    { authorization: `Basic ${Buffer.from(`${CLIENT}:${SECRET}`).toString('base64')}` },
  );
  assert.equal(response.status, 200, await response.clone().text());
  const body = (await response.json()) as { access_token: string; token_type: string; scope: string };
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.scope, 'openid');
  const token = await provider.ClientCredentials.find(body.access_token);
  assert.equal(token?.clientId, CLIENT_ID, 'issued to the named client, not the authenticated one');
});
