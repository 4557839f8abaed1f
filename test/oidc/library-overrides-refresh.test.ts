// What the refresh-token and session-id replacements (src/oidc/library-overrides-tokens.ts `keepInPayload`,
// `keepGrantAudienceAndActor`; src/oidc/refresh-rotation.ts; src/oidc/library-overrides.ts `sidInEveryIdToken`) rely
// on in node-oidc-provider 9.13.3, checked on the library alone (test/helpers/bare-provider.ts). Castellan's side:
// test/oidc/conformance-plan.test.ts and refresh-scopes.test.ts (kept audience), refresh-rotation.test.ts and
// replay.test.ts (rotation), id-token-shape.test.ts (sid).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { startBareProvider, type BareProvider } from '../helpers/bare-provider.ts';

let provider: Provider;
let bareClient: Client;
let close: BareProvider['close'];

before(async () => {
  ({ provider, bareClient, close } = await startBareProvider());
});
after(() => close());

function librarySource(path: string): string {
  return readFileSync(new URL(`../../node_modules/oidc-provider/lib/${path}`, import.meta.url), 'utf8');
}

describe('RefreshToken', () => {
  it('keeps no audience of its own: IN_PAYLOAD lists no aud, and a rotation copies only the fields it names', () => {
    assert.ok(!provider.RefreshToken.IN_PAYLOAD.includes('aud'));
    const rotation = librarySource('actions/grants/refresh_token.js');
    assert.match(
      rotation,
      /ctx\.oidc\.entity\('RotatedRefreshToken', refreshToken\);\s+refreshToken = new RefreshToken\(\{/,
    );
    assert.ok(!/aud: refreshToken\.aud/.test(rotation));
    // The new refresh token is saved before the access token is built, with the rotated one as an entity.
    assert.ok(rotation.indexOf('await refreshToken.save()') < rotation.indexOf('createAccessToken(provider, ctx'));
  });

  it('is saved by a code grant after its access token (an entity by then)', () => {
    const issue = librarySource('helpers/grant_common.js');
    const accessTokenEntity = issue.indexOf("ctx.oidc.entity('AccessToken', at)");
    assert.ok(accessTokenEntity > 0 && accessTokenEntity < issue.indexOf('new provider.RefreshToken('));
    assert.equal(typeof provider.RefreshToken.prototype.save, 'function');
  });
});

describe('RefreshToken rotation (src/oidc/refresh-rotation.ts)', () => {
  /** Matches `steps` in this order, separated only by whitespace, or by anything where a step ends with `…`. */
  function inSequence(steps: string[]): RegExp {
    const escaped = steps.map((step) => step.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/…$/, '[^]*?'));
    return new RegExp(escaped.join('\\s*'));
  }

  it('consumes the presented token right before saving its successor (the rotated token an entity), then the access token', () => {
    const rotation = inSequence([
      'await refreshToken.consume();',
      "ctx.oidc.entity('RotatedRefreshToken', refreshToken);",
      'refreshToken = new RefreshToken({…',
      "ctx.oidc.entity('RefreshToken', refreshToken);",
      'refreshTokenValue = await refreshToken.save();…',
      'const at = createAccessToken(…',
      "ctx.oidc.entity('AccessToken', at);",
      'const accessToken = await at.save();',
    ]);
    assert.match(librarySource('actions/grants/refresh_token.js'), rotation);
    const consume = inSequence(['async consume() {', 'await this.adapter.consume(this.jti);']);
    assert.match(librarySource('models/refresh_token.js'), consume);
  });

  it('saves a token in the steps the successor’s save repeats: id, value and payload, adapter, event', () => {
    const save = inSequence([
      'async save(ttl) {',
      'if (!this.jti) {…',
      'const { value, payload } = await this.getValueAndPayload();',
      'if (payload) {',
      'await this.adapter.upsert(this.jti, payload, ttl);',
      "this.emit('saved');",
    ]);
    assert.match(librarySource('models/base_model.js'), save);
    const tokenSave = inSequence(['async save() {', 'return super.save(this.remainingTTL);']);
    assert.match(librarySource('models/base_token.js'), tokenSave);
  });

  it('finds refresh tokens at the token endpoint only in the refresh grant (which rotates them)', () => {
    const callers = ['actions/grants/refresh_token.js', 'helpers/token_find.js'];
    for (const path of callers) assert.match(librarySource(path), /RefreshToken\.find\(/);
    assert.doesNotMatch(librarySource('actions/token.js'), /RefreshToken/);
    assert.doesNotMatch(librarySource('helpers/grant_source.js'), /RefreshToken/);
  });
});

describe('Client#includeSid', () => {
  it('is true only for an app that requires sid in back-channel logout tokens, and decides the code’s sid', () => {
    assert.ok(!(bareClient as Client & { includeSid(): boolean }).includeSid());
    for (const path of ['helpers/process_response_types.js', 'actions/authorization/device.js'])
      assert.match(librarySource(path), /if \(ctx\.oidc\.client\.includeSid\(\)/);
    assert.match(
      librarySource('models/client.js'),
      /if \(this\.backchannelLogoutSessionRequired\) \{\s+logoutToken\.set\('sid'/,
    );
  });
});
