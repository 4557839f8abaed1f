// What Castellan's replacements of node-oidc-provider methods (src/oidc/library-overrides.ts) rely on, checked on
// the library alone: a bare provider (its in-memory adapter, one static client) on a loopback port. Each test fails
// when an upgrade removes a replaced method or changes the behaviour its comment names; then read the override again.
// Castellan's side of each, end to end: client secrets (every flow authenticating a client, test/oidc/flows.test.ts),
// development-mode globs (test/oidc/dev-mode.test.ts), ID token claims (test/oidc/assertions.test.ts), JWT and sealed
// access tokens (test/oidc/machines.test.ts, test/oidc/sealed-tokens.test.ts, test/api/provider-tokens.test.ts),
// userinfo and introspection (test/oidc/assertions.test.ts, test/oidc/flows.test.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Provider, {
  type AdapterPayload,
  type Client,
  type ClientCredentials,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import {
  CLIENT_ID,
  REGISTERED_GLOB,
  STORED_SECRET,
  startBareProvider,
  type BareProvider,
} from '../helpers/bare-provider.ts';

let provider: Provider;
let bareClient: Client;
let post: BareProvider['post'];
let storedToken: BareProvider['storedToken'];
let close: BareProvider['close'];

before(async () => {
  ({ provider, bareClient, post, storedToken, close } = await startBareProvider());
});
after(() => close());

// An upgrade fails this first: read each override in src/oidc/library-overrides.ts against the new version, then name
// that version in its comment.
it('is the node-oidc-provider version every override names', () => {
  const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
  const { version } = JSON.parse(read('node_modules/oidc-provider/package.json')) as { version: string };
  const overrides = ['', '-tokens', '-lookups'].map((part) => read(`src/oidc/library-overrides${part}.ts`)).join('\n');
  const named = [...overrides.matchAll(/(?:^ \* |oidc-provider )(\d+\.\d+\.\d+)\b/gm)].map((match) => match[1]);
  assert.equal(named.length, 19);
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

describe('Client.find', () => {
  it('asks the adapter, and gives the Client built before for equal metadata, a new one for changed metadata', async () => {
    // Castellan keeps the Client with the metadata object its cached adapter returned: the same answer as here.
    const { adapter } = provider.Client as unknown as {
      adapter: { upsert(id: string, payload: object): Promise<void> };
    };
    const metadata = { client_id: 'adapter-app', client_secret: 'x', redirect_uris: ['https://rp.test/cb'] };
    await adapter.upsert('adapter-app', metadata);
    const first = await provider.Client.find('adapter-app');
    assert.ok(first);
    await adapter.upsert('adapter-app', { ...metadata });
    assert.equal(await provider.Client.find('adapter-app'), first, 'equal metadata, another object: the same Client');
    await adapter.upsert('adapter-app', { ...metadata, redirect_uris: ['https://rp.test/other'] });
    const changed = await provider.Client.find('adapter-app');
    assert.notEqual(changed, first);
    assert.deepEqual(changed?.redirectUris, ['https://rp.test/other']);
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

describe('ClientCredentials.IN_PAYLOAD', () => {
  /** A fresh provider: the library reads a model's list once, when the first token of that model is built. */
  async function savedAndFound(listBinding: boolean): Promise<Record<string, unknown> | undefined> {
    const fresh = new Provider('http://127.0.0.1', {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: STORED_SECRET,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
      ],
      features: { clientCredentials: { enabled: true } },
      ttl: { ClientCredentials: 600 },
    });
    const Model = fresh.ClientCredentials;
    const fields = Model.IN_PAYLOAD;
    assert.ok(fields.includes('jti') && fields.includes('clientId') && fields.includes('scope'));
    if (listBinding)
      Object.defineProperty(Model, 'IN_PAYLOAD', { configurable: true, get: () => [...fields, 'binding'] });
    const token = new Model({ client: (await fresh.Client.find(CLIENT_ID))!, scope: 'api' });
    Object.assign(token, { binding: { sub: 'user-1', credential: 'fingerprint' } });
    const found = await Model.find(await token.save());
    return found as unknown as Record<string, unknown> | undefined;
  }

  it('decides what a token keeps: a field it does not list is dropped, one it lists is stored and found', async () => {
    assert.equal((await savedAndFound(false))?.binding, undefined);
    assert.deepEqual((await savedAndFound(true))?.binding, { sub: 'user-1', credential: 'fingerprint' });
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

describe('Interaction#save and Session#save', () => {
  it('set `exp` on the first save, which a model found again carries; that save is of the id it was built with', async () => {
    const { Interaction, Session } = provider;
    assert.equal(Interaction.prototype.save.length, 1);
    assert.equal(Session.prototype.save.length, 1);
    // As lib/actions/authorization/interactions.js builds one (@types/oidc-provider declares no arguments).
    const Built = Interaction as unknown as new (uid: string, payload: object) => InstanceType<typeof Interaction>;
    const interaction = new Built('first-save-uid', { params: { client_id: CLIENT_ID }, prompt: {} });
    const session = new Session();
    const built = session.jti;
    const upserted: string[] = [];
    for (const model of [interaction, session]) {
      assert.equal(model.exp, undefined);
      const { adapter } = model as unknown as { adapter: { upsert(id: string, ...rest: unknown[]): Promise<void> } };
      const upsert = adapter.upsert.bind(adapter);
      Object.assign(adapter, { upsert: (id: string, ...rest: unknown[]) => (upserted.push(id), upsert(id, ...rest)) });
      await model.save(60);
      delete (adapter as { upsert?: unknown }).upsert;
      assert.equal(typeof model.exp, 'number');
    }
    assert.deepEqual(upserted, ['first-save-uid', built]);
    assert.equal(typeof (await Interaction.find('first-save-uid'))?.exp, 'number');
    assert.equal(typeof (await Session.find(built))?.exp, 'number');
  });
});
