// What Castellan's replacements of node-oidc-provider's client and token look-ups
// (src/oidc/library-overrides-lookups.ts) rely on, checked on the library alone: a bare provider (its in-memory
// adapter) on a loopback port. Each test fails when an upgrade changes the behaviour its override's comment names; then
// read the override again (it also refuses to load when the endpoints' lists no longer hold the middleware it
// replaces). Castellan's side, end to end: test/oidc/client-lookups.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Provider from 'oidc-provider';
import type { Adapter, KoaContextWithOIDC } from 'oidc-provider';
import rejectStructuredTokens from 'oidc-provider/lib/shared/reject_structured_tokens.js';
import { startBareProvider, type BareProvider } from '../helpers/bare-provider.ts';

let provider: Provider;
let close: BareProvider['close'];

before(async () => {
  ({ provider, close } = await startBareProvider());
});
after(() => close());

describe('Client.find', () => {
  const metadata = (secret: string) => ({
    client_id: 'stored-app',
    client_secret: secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  });

  it('reads the metadata from the adapter on every call, and builds a client from equal metadata once', async () => {
    const { adapter } = provider.Client as unknown as { adapter: Adapter };
    assert.equal(provider.Client.find.length, 1);
    await adapter.upsert('stored-app', metadata('first-secret'), 0);
    const first = await provider.Client.find('stored-app');
    assert.equal(first?.clientSecret, 'first-secret');
    assert.equal(await provider.Client.find('stored-app'), first);
    await adapter.upsert('stored-app', metadata('second-secret'), 0);
    const second = await provider.Client.find('stored-app');
    assert.notEqual(second, first);
    assert.equal(second?.clientSecret, 'second-secret');
    await adapter.destroy('stored-app');
    assert.equal(await provider.Client.find('stored-app'), undefined);
  });
});

describe('rejectStructuredTokens (lib/shared/reject_structured_tokens.js)', () => {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url');
  const passes = async (token: string): Promise<boolean> => {
    const ctx = { oidc: { params: { token }, route: 'introspection' } } as unknown as KoaContextWithOIDC;
    let passed = false;
    try {
      await rejectStructuredTokens(ctx, async () => {
        passed = true;
      });
    } catch (error) {
      assert.equal((error as { error?: string }).error, 'unsupported_token_type');
    }
    return passed;
  };

  it('refuses a value of three or five parts whose header decodes, and lets any other number of parts through', async () => {
    assert.equal(await passes(`${header}.e30.c2ln`), false);
    assert.equal(await passes(`${header}.a.b.c.d`), false);
    const parts = [header, 'e30', 'c2ln', 'x', 'y', 'z'];
    for (const count of [1, 2, 4, 6])
      assert.equal(await passes(parts.slice(0, count).join('.')), true, `${count} parts`);
    assert.equal(await passes('an-opaque-token-value'), true);
  });
});
