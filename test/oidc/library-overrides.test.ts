// What Castellan's replacements of node-oidc-provider methods (src/oidc/library-overrides.ts) rely on, checked on
// the library alone: a bare provider (its in-memory adapter, one static client) on a loopback port. Each test fails
// when an upgrade removes a replaced method or changes the behaviour its comment names; then read the override again.
// Castellan's side of each, end to end: client secrets (every flow authenticating a client, test/oidc/flows.test.ts),
// development-mode globs (test/oidc/dev-mode.test.ts), ID token claims (test/oidc/assertions.test.ts), JWT and sealed
// access tokens (test/oidc/machines.test.ts, test/oidc/sealed-tokens.test.ts, test/api/provider-tokens.test.ts),
// userinfo and introspection (test/oidc/assertions.test.ts, test/oidc/flows.test.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider, {
  errors,
  type AdapterPayload,
  type Client,
  type ClientCredentials,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import revoke from 'oidc-provider/lib/helpers/revoke.js';
import { readForm } from '../../src/platform/form-body.ts';

const CLIENT_ID = 'bare-app';
const STORED_SECRET = 'the-stored-client-secret';
const REGISTERED_GLOB = 'https://rp.test/*';

let provider: Provider;
let server: http.Server;
let baseUrl: string;
let bareClient: Client;

/** Introspection and revocation policies (the library asks for one): a client's own tokens. */
const ownTokensOnly = {
  allowedPolicy: (_ctx: unknown, caller: Client, token: { clientId?: string }) => token.clientId === caller.clientId,
};

/** A provider whose `use` middleware reads form bodies itself, as Castellan's introspection override does. */
async function startBareProvider(): Promise<void> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  provider = new Provider('http://127.0.0.1', {
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
  server = http.createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  bareClient = (await provider.Client.find(CLIENT_ID))!;
}

function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${STORED_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: new URLSearchParams(form),
  });
}

/** A client-credentials token as the library stores it (opaque, its value is its id). */
async function storedToken(fields: { scope?: string; aud?: string } = {}): Promise<string> {
  const token = new provider.ClientCredentials({ client: bareClient, scope: fields.scope ?? 'api' });
  if (fields.aud) token.setAudience(fields.aud);
  return token.save();
}

before(startBareProvider);
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

// An upgrade fails this first: read each override in src/oidc/library-overrides.ts against the new version, then name
// that version in its comment.
it('is the node-oidc-provider version every override names', () => {
  const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
  const { version } = JSON.parse(read('node_modules/oidc-provider/package.json')) as { version: string };
  const overrides = read('src/oidc/library-overrides.ts');
  const named = [...overrides.matchAll(/(?:^ \* |oidc-provider )(\d+\.\d+\.\d+)\b/gm)].map((match) => match[1]);
  assert.equal(named.length, 8);
  assert.deepEqual(new Set(named), new Set([version]));
});

describe('Client#compareClientSecret', () => {
  it('compares the presented secret with the client_secret metadata as stored', async () => {
    assert.equal(provider.Client.prototype.compareClientSecret.length, 1);
    assert.equal(await bareClient.compareClientSecret(STORED_SECRET), true);
    assert.equal(await bareClient.compareClientSecret('a-secret-whose-hash-is-stored'), false);
  });

  it('is what client_secret_basic authentication asks', async () => {
    const replaced = provider.Client.prototype.compareClientSecret;
    provider.Client.prototype.compareClientSecret = (actual: string) => actual === 'decided-by-the-override';
    try {
      const basic = (secret: string) => ({
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${secret}`).toString('base64')}`,
      });
      const form = { grant_type: 'client_credentials' };
      assert.equal((await post('/token', form, basic('decided-by-the-override'))).status, 200);
      assert.equal((await post('/token', form, basic(STORED_SECRET))).status, 401);
    } finally {
      provider.Client.prototype.compareClientSecret = replaced;
    }
  });
});

describe('Client#redirectUriAllowed and #postLogoutRedirectUriAllowed', () => {
  it('accept only a registered URI as it is: a glob pattern matches only itself', () => {
    for (const method of ['redirectUriAllowed', 'postLogoutRedirectUriAllowed'] as const) {
      assert.equal(provider.Client.prototype[method].length, 1);
      assert.equal(bareClient[method](REGISTERED_GLOB), true);
      assert.equal(bareClient[method]('https://rp.test/callback'), false);
    }
  });
});

describe('Claims#result', () => {
  it('drops claims the configuration does not declare for the scopes (dynamic role claim names)', async () => {
    assert.equal(provider.Claims.prototype.result.length, 0);
    const available = { sub: 'user-1', 'urn:zitadel:iam:org:project:roles': { reader: { org: 'example.com' } } };
    const claims = new provider.Claims(available, { client: bareClient });
    claims.scope('openid');
    assert.deepEqual(await claims.result(), { sub: 'user-1' });
  });

  it("is called for the ID token with the ID token's request context, by which Castellan finds its claims", async () => {
    const ctx = { oidc: { client: bareClient } } as unknown as KoaContextWithOIDC;
    const replaced = provider.Claims.prototype.result;
    let seen: unknown;
    provider.Claims.prototype.result = async function recordContext(this: object) {
      seen = Reflect.get(this, 'ctx');
      return {};
    };
    try {
      const idToken = new provider.IdToken({ sub: 'user-1' }, { ctx, client: bareClient });
      Object.assign(idToken, { scope: 'openid' });
      await Reflect.get(idToken, 'payload').call(idToken);
      assert.equal(seen, ctx);
    } finally {
      provider.Claims.prototype.result = replaced;
    }
  });
});

describe('AccessToken#getValueAndPayload and ClientCredentials#getValueAndPayload', () => {
  it('give an opaque value, the token id, that finds the stored token', async () => {
    for (const Model of [provider.AccessToken, provider.ClientCredentials])
      assert.equal((Reflect.get(Model.prototype, 'getValueAndPayload') as () => unknown).length, 0);
    const value = await storedToken();
    const found = await provider.ClientCredentials.find(value);
    assert.equal(found?.jti, value);
  });

  it('decide what `save` returns, and nothing is stored without a payload (sealed tokens)', async () => {
    const prototype = provider.ClientCredentials.prototype;
    const opaque = Reflect.get(prototype, 'getValueAndPayload') as () => Promise<{ payload?: AdapterPayload }>;
    Reflect.set(prototype, 'getValueAndPayload', async function sealed(this: object) {
      await opaque.call(this);
      return { value: 'sealed-value' };
    });
    try {
      const token = new provider.ClientCredentials({ client: bareClient, scope: 'api' });
      assert.equal(await token.save(), 'sealed-value');
      assert.equal(await provider.ClientCredentials.find(token.jti), undefined);
    } finally {
      Reflect.set(prototype, 'getValueAndPayload', opaque);
    }
  });
});

describe('ClientCredentials#destroy', () => {
  it('deletes the stored token, and is what revocation calls', async () => {
    assert.equal(provider.ClientCredentials.prototype.destroy.length, 0);
    const destroy = provider.ClientCredentials.prototype.destroy;
    const destroyed: string[] = [];
    provider.ClientCredentials.prototype.destroy = async function recordDestroy(this: ClientCredentials) {
      destroyed.push(this.jti);
      await destroy.call(this);
    };
    try {
      const value = await storedToken();
      assert.equal((await post('/token/revocation', { token: value })).status, 200);
      assert.deepEqual(destroyed, [value]);
      assert.equal(await provider.ClientCredentials.find(value), undefined);
    } finally {
      provider.ClientCredentials.prototype.destroy = destroy;
    }
  });
});

describe('AuthorizationCode#consume, DeviceCode#consume, RefreshToken#consume, and lib/helpers/revoke.js', () => {
  const ofGrant = (grantId: string) => ({ client: bareClient, accountId: 'user-1', grantId, gty: '', scope: 'openid' });
  it('consume: what the token endpoint calls (context: `Provider.ctx`) after its replay check; its error answers', async () => {
    for (const Model of [provider.AuthorizationCode, provider.DeviceCode, provider.RefreshToken])
      assert.equal(Model.prototype.consume.length, 0);
    const grantId = await new provider.Grant({ accountId: 'user-1', clientId: CLIENT_ID }).save();
    const verifier = 'a-code-verifier-of-forty-three-characters-at-least';
    const code = new provider.AuthorizationCode({
      ...{ ...ofGrant(grantId), redirectUri: REGISTERED_GLOB, codeChallengeMethod: 'S256' },
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    });
    const form = { grant_type: 'authorization_code', code: await code.save(), redirect_uri: REGISTERED_GLOB };
    const consume = provider.AuthorizationCode.prototype.consume;
    let route: string | undefined;
    provider.AuthorizationCode.prototype.consume = async function lose() {
      route = Provider.ctx?.oidc.route;
      throw new errors.InvalidGrant('consumed by another request');
    };
    try {
      const response = await post('/token', { ...form, code_verifier: verifier });
      assert.deepEqual([response.status, ((await response.json()) as { error: string }).error], [400, 'invalid_grant']);
      assert.equal(route, 'token');
    } finally {
      provider.AuthorizationCode.prototype.consume = consume;
    }
  });

  it('revoke (the replay path) revokes the tokens of the grant and the grant', async () => {
    const grantId = await new provider.Grant({ accountId: 'user-1', clientId: CLIENT_ID }).save();
    const value = await new provider.AccessToken(ofGrant(grantId)).save();
    const ctx = { oidc: { client: bareClient, provider, route: 'token', entities: {} } };
    await revoke(ctx as unknown as KoaContextWithOIDC, grantId);
    assert.equal(await provider.AccessToken.find(value), undefined);
    assert.equal(await provider.Grant.find(grantId), undefined);
  });
});

describe('the userinfo, introspection and revocation endpoints', () => {
  it('userinfo refuses an access token with an audience (every ZITADEL access token has one)', async () => {
    const token = new provider.AccessToken({
      client: bareClient,
      accountId: 'user-1',
      gty: 'authorization_code',
      grantId: 'grant-1',
      scope: 'openid',
    });
    token.setAudience('project-1');
    const refused = new Promise<unknown>((resolve) => provider.once('userinfo.error', (_ctx, error) => resolve(error)));
    const response = await fetch(`${baseUrl}/me`, { headers: { authorization: `Bearer ${await token.save()}` } });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_token');
    assert.equal(
      ((await refused) as { error_detail?: string }).error_detail,
      'token audience prevents accessing the userinfo endpoint',
    );
  });

  it('introspection and revocation refuse JWTs, before looking them up', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const jwt = await new SignJWT({ jti: 'some-id' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    for (const path of ['/token/introspection', '/token/revocation']) {
      const response = await post(path, { token: jwt });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: string }).error, 'unsupported_token_type');
    }
  });

  it('read a body that a middleware in front has read already from `req.body`, as the client sent it', async () => {
    const value = await storedToken({ scope: 'api', aud: CLIENT_ID });
    const response = await post('/token/introspection', { token: value }, { 'x-read-form-first': 'yes' });
    assert.equal(response.status, 200);
    assert.deepEqual(
      { ...((await response.json()) as Record<string, unknown>), exp: undefined, iat: undefined },
      {
        active: true,
        client_id: CLIENT_ID,
        aud: CLIENT_ID,
        scope: 'api',
        token_type: 'Bearer',
        iss: 'http://127.0.0.1',
        exp: undefined,
        iat: undefined,
      },
    );
  });
});
