// ZITADEL v1's external-authentication flow (issue 20): after a login through an IdP (post-authentication, which can
// deny) and around the creation of a just-in-time user (pre-creation, which runs instead of the internal flow's, once),
// with the upstream's identity as ctx.v1.externalUser and its claims as ctx.v1.providerInfo (and the login's
// authorization request as ctx.v1.authRequest).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { User } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { CALLBACK_PATH, UPSTREAM_CLIENT, addOidcIdp, offerIdps, signInUpstream } from '../helpers/external-login.ts';
import { pageText, redeemCode, startLogin } from '../helpers/login.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startUpstreamOidc, type UpstreamOidc, addUpstreamUser } from '../helpers/upstream-oidc.ts';
import { attach, createAction } from './helpers.ts';

let server: TestServer;
let admin: string;
let upstream: UpstreamOidc;

before(async () => {
  // The upstream listens on loopback.
  server = await startTestServer({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  admin = await bootstrapToken(server);
  const client = { client_id: UPSTREAM_CLIENT.clientId, client_secret: UPSTREAM_CLIENT.clientSecret };
  upstream = await startUpstreamOidc([{ ...client, redirect_uris: [`${server.url}${CALLBACK_PATH}`] }], []);
});
after(async () => {
  await upstream.stop();
  await server.stop();
});

const upstreamUser = (fields: Record<string, unknown> = {}) => addUpstreamUser(upstream, fields);

/** A new org whose only way in is its own IdP (auto-creation on): a login goes straight to the upstream. */
async function orgWithIdp(): Promise<string> {
  const orgId = (await call(server, admin, 'POST', '/orgs', { name: `Ext ${randomUUID().slice(0, 8)}` })).body
    .id as string;
  const idp = await addOidcIdp(server, admin, orgId, upstream.issuer);
  await offerIdps(server, admin, orgId, [idp], { allowUsernamePassword: false });
  return orgId;
}

const loginIn = (orgId: string) =>
  startLogin(demoLogin(server, { scope: `openid profile email urn:zitadel:iam:org:id:${orgId}` }));

async function metadataOf(userId: string): Promise<Record<string, string>> {
  const user = await User.findById(userId).lean();
  const entries = (user?.metadata ?? []) as Array<{ key: string; value: { buffer: ArrayBufferLike } | Uint8Array }>;
  return Object.fromEntries(
    entries.map(({ key, value }) => [
      key,
      Buffer.from(value instanceof Uint8Array ? value : new Uint8Array(value.buffer)).toString('utf8'),
    ]),
  );
}

describe('the external-authentication flow', () => {
  it("runs its pre-creation for a just-in-time user, instead of the internal flow's, with the upstream's views", async () => {
    const orgId = await orgWithIdp();
    const base = `/orgs/${orgId}`;
    const external = await createAction(server, admin, base, {
      name: 'fromIdp',
      script: `function fromIdp(ctx, api) {
        api.v1.user.appendMetadata('idp', ctx.v1.externalUser.externalIdpId + ':' + ctx.v1.externalUser.externalId);
        api.v1.user.appendMetadata('department', ctx.v1.providerInfo.given_name);
        api.v1.user.appendMetadata('app', ctx.v1.authRequest.applicationId);
        api.setLastName(ctx.v1.externalUser.human.lastName.toUpperCase());
      }`,
    });
    const internal = await createAction(server, admin, base, {
      name: 'internalOnly',
      script: `function internalOnly(ctx, api) { api.v1.user.appendMetadata('internal', 'ran'); }`,
    });
    await attach(server, admin, base, 'external-authentication', 'pre-creation', [external.id]);
    await attach(server, admin, base, 'internal-authentication', 'pre-creation', [internal.id]);
    const sub = upstreamUser({ given_name: 'Sales' });
    const tokens = await redeemCode(await signInUpstream(await loginIn(orgId), sub));
    const metadata = await metadataOf(tokens.claims()!.sub);
    assert.match(metadata.idp ?? '', new RegExp(`:${sub}$`));
    assert.equal(metadata.department, 'Sales');
    assert.equal(metadata.app, demoLogin(server).clientId, "the login's authorization request, as ctx.v1.authRequest");
    assert.equal(metadata.internal, undefined, 'the internal pre-creation does not run for a just-in-time user');
    const { human } = (await User.findById(tokens.claims()!.sub).lean())!;
    assert.deepEqual([human?.givenName, human?.familyName], ['Sales', 'STREAM'], 'api.setLastName is applied');
  });

  it("denies a login in its post-authentication, by the upstream's claims; the internal one does not run", async () => {
    const orgId = await orgWithIdp();
    const base = `/orgs/${orgId}`;
    const gate = await createAction(server, admin, base, {
      name: 'gate',
      script: `function gate(ctx, api) {
        if (ctx.v1.providerInfo.family_name === 'Blocked') api.v1.setDenied('Blocked department ' + ctx.v1.user.username);
      }`,
    });
    const internalDeny = await createAction(server, admin, base, {
      name: 'internalDeny',
      script: `function internalDeny(ctx, api) { api.v1.setDenied('internal flow ran'); }`,
    });
    await attach(server, admin, base, 'external-authentication', 'post-authentication', [gate.id]);
    await attach(server, admin, base, 'internal-authentication', 'post-authentication', [internalDeny.id]);
    const allowed = await redeemCode(await signInUpstream(await loginIn(orgId), upstreamUser({ given_name: 'Sales' })));
    assert.ok(allowed.claims()!.sub);
    const blocked = upstreamUser({ family_name: 'Blocked' });
    const denied = await signInUpstream(await loginIn(orgId), blocked);
    assert.equal(denied.page?.status, 403, JSON.stringify({ url: denied.page?.url, cb: denied.callbackUrl }));
    assert.match(pageText(denied.page!.html), new RegExp(`Blocked department ${blocked}`));
  });
});
