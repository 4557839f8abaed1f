// A refresh may ask for fewer scopes than were granted (RFC 6749 §6: "MUST NOT include any scope not originally
// granted"; a subset is allowed). Issue 14 item 4: `scope=offline_access` alone, without `openid`, was refused with
// invalid_target when the grant carried reserved scopes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { createProject, demoRp, introspect, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
const { demoLogin, demoConfig } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture();
});
after(() => fixture.server.stop());

describe('refresh with a subset of the granted scopes', () => {
  it('issues tokens for `offline_access` alone, without openid: no ID token, a narrower scope', async () => {
    const audScope = `urn:zitadel:iam:org:project:id:${fixture.demoProjectId}:aud`;
    const tokens = await demoLogin('alice', `openid profile offline_access ${audScope}`);
    const config = await demoConfig();
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'offline_access' });
    assert.equal(refreshed.id_token, undefined, 'no openid: no ID token');
    assert.equal(refreshed.scope, 'offline_access');
    assert.ok(refreshed.refresh_token, 'the refresh token rotates');
    const introspection = await introspect(config, refreshed.access_token);
    assert.equal(introspection.active, true);
    assert.equal(introspection.scope, 'offline_access');

    const again = await client.refreshTokenGrant(config, refreshed.refresh_token!);
    // The demo app asserts roles: its grant holds a role scope per project role besides the requested ones.
    assert.deepEqual(new Set(again.scope?.split(' ')), new Set(tokens.scope?.split(' ')));
    assert.ok(tokens.scope?.includes(audScope));
    assert.ok(again.id_token, 'the rotated refresh token keeps every granted scope');
  });

  it('issues tokens for a subset with openid, and for the reserved scopes alone', async () => {
    const audScope = `urn:zitadel:iam:org:project:id:${fixture.demoProjectId}:aud`;
    const tokens = await demoLogin('bob', `openid profile offline_access ${audScope}`);
    const config = await demoConfig();
    const withOpenid = await client.refreshTokenGrant(config, tokens.refresh_token!, {
      scope: 'openid offline_access',
    });
    assert.equal(withOpenid.scope, 'openid offline_access');
    assert.ok(withOpenid.id_token);
    const reservedOnly = await client.refreshTokenGrant(config, withOpenid.refresh_token!, { scope: audScope });
    assert.equal(reservedOnly.scope, audScope);
  });

  it('redeems a code granted without openid, and refreshes it', async () => {
    const audScope = `urn:zitadel:iam:org:project:id:${fixture.demoProjectId}:aud`;
    const tokens = await demoLogin('alice', `offline_access ${audScope}`);
    assert.equal(tokens.id_token, undefined);
    const refreshed = await client.refreshTokenGrant(await demoConfig(), tokens.refresh_token!, {
      scope: 'offline_access',
    });
    assert.equal(refreshed.scope, 'offline_access');
  });

  // OIDC Core 12.2 keeps a refreshed ID token's aud; ZITADEL keeps the session's audience for every refreshed token
  // (docs/zitadel-behaviour.md §10). Castellan narrows the access token's to the scopes the refresh asks for.
  it('narrows the access token’s audience with the scopes, never the ID token’s, and never widens either', async () => {
    const otherProject = await createProject(fixture, 'refresh-aud', { orgId: fixture.orgs.ACME!, roles: [] });
    const audScope = `urn:zitadel:iam:org:project:id:${otherProject}:aud`;
    const tokens = await demoLogin('alice', `openid offline_access ${audScope}`);
    const config = await demoConfig();
    const firstAud = (await introspect(config, tokens.access_token)).aud as string[];
    assert.ok(firstAud.includes(otherProject) && firstAud.includes(fixture.demoProjectId));
    const narrow = await client.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'openid offline_access' });
    assert.deepEqual(narrow.claims()!.aud, tokens.claims()!.aud, 'the ID token keeps the first aud');
    const narrowAud = (await introspect(config, narrow.access_token)).aud as string[];
    assert.deepEqual(
      narrowAud,
      firstAud.filter((value) => value !== otherProject),
    );
    const full = await client.refreshTokenGrant(config, narrow.refresh_token!);
    assert.deepEqual((await introspect(config, full.access_token)).aud, firstAud);
    assert.deepEqual(full.claims()!.aud, tokens.claims()!.aud);
  });

  it('still refuses a scope that was not granted', async () => {
    const tokens = await demoLogin('alice', 'openid offline_access');
    const config = await demoConfig();
    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'openid email' }), {
      error: 'invalid_scope',
    });
  });
});
