// Logins through an upstream OpenID provider (issue 17): just-in-time users in the right org, whose tokens carry the
// roles their org grants; auto-update; linking by verified email and after a password login, unlinking; the reserved
// IdP scope; domain discovery to an org's IdP; the pre-filled registration form; forceMfaLocalOnly; amr.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { User } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import {
  CALLBACK_PATH,
  UPSTREAM_CLIENT,
  addOidcIdp,
  follow,
  idpButtons,
  offerIdps,
  signInUpstream,
} from '../helpers/external-login.ts';
import {
  CookieJar,
  openPage,
  pageText,
  redeemCode,
  startLogin,
  submitForm,
  submitLoginName,
  submitPassword,
} from '../helpers/login.ts';
import { demoLogin, orgWithUser, PASSWORD, submitFormTo } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startUpstreamOidc, type UpstreamOidc, addUpstreamUser } from '../helpers/upstream-oidc.ts';

let server: TestServer;
let admin: string;
let upstream: UpstreamOidc;
const orgs: Record<string, string> = {};

const pkjwtKey = await generateKeyPair('RS256', { extractable: true });
const PKJWT_CLIENT = 'castellan-private-key-jwt';

before(async () => {
  // The upstream listens on loopback.
  server = await startTestServer({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  admin = await bootstrapToken(server);
  const redirectUris = [`${server.url}${CALLBACK_PATH}`];
  const publicJwk = { ...(await exportJWK(pkjwtKey.publicKey)), kid: 'castellan-1', alg: 'RS256' };
  upstream = await startUpstreamOidc(
    [
      { client_id: UPSTREAM_CLIENT.clientId, client_secret: UPSTREAM_CLIENT.clientSecret, redirect_uris: redirectUris },
      {
        client_id: PKJWT_CLIENT,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [publicJwk] },
        redirect_uris: redirectUris,
      },
    ],
    [],
  );
  for (const org of (await call(server, admin, 'GET', '/orgs')).body.orgs as Array<{ id: string; name: string }>)
    orgs[org.name] = org.id;
});
after(async () => {
  await upstream.stop();
  await server.stop();
});

const upstreamUser = (fields: Record<string, unknown> = {}) => addUpstreamUser(upstream, fields);

async function newOrg(): Promise<string> {
  const org = await call(server, admin, 'POST', '/orgs', { name: `Fed ${randomUUID().slice(0, 8)}` });
  return org.body.id as string;
}

const inOrg = (orgId: string, extra = '') =>
  startLogin(demoLogin(server, { scope: `openid profile email urn:zitadel:iam:org:id:${orgId} ${extra}`.trim() }));

describe('ACME logs in through its upstream OpenID provider', () => {
  let acmeIdp: string;
  before(async () => {
    acmeIdp = await addOidcIdp(server, admin, orgs.ACME!, upstream.issuer, { name: 'ACME Entra ID' });
    await offerIdps(server, admin, orgs.ACME!, [acmeIdp], { allowUsernamePassword: false });
  });

  it('creates the user just in time in ACME; the roles ACME grants reach the tokens; later logins auto-update', async () => {
    const sub = upstreamUser({
      given_name: 'Jit',
      family_name: 'User',
      preferred_username: `jit-${randomUUID().slice(0, 6)}`,
    });
    // No passwords in ACME and one IdP: the login goes straight to it.
    const flow = await inOrg(orgs.ACME!);
    const tokens = await redeemCode(await signInUpstream(flow, sub));
    const claims = tokens.claims()!;
    const user = await User.findById(claims.sub).lean();
    assert.equal(user?.orgId, orgs.ACME);
    assert.equal(user?.human?.email, `${sub}@upstream.test`);
    assert.equal(user?.human?.emailVerified, true);
    assert.equal(user?.human?.givenName, 'Jit');
    assert.deepEqual(claims.amr, ['fed']);

    const projectId = (
      (await call(server, admin, 'GET', `/orgs/${orgs.ACME}/projects`)).body.projects as Array<{ id: string }>
    )[0]!.id;
    const grant = await call(server, admin, 'POST', `/orgs/${orgs.ACME}/user-grants`, {
      userId: claims.sub,
      projectId,
      roleKeys: ['accountant'],
    });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    upstream.users.get(sub)!.given_name = 'Renamed';
    const again = await redeemCode(await signInUpstream(await inOrg(orgs.ACME!), sub));
    const roles = decodeJwt(again.id_token!)['urn:zitadel:iam:org:project:roles'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(roles), ['accountant']);
    assert.equal(again.claims()!.sub, claims.sub, 'the same user, through the link');
    assert.equal((await User.findById(claims.sub).lean())?.human?.givenName, 'Renamed');

    const links = await call(server, admin, 'GET', `/users/${claims.sub}/links`);
    assert.deepEqual(
      (links.body.links as Array<{ idpId: string; externalUserId: string }>).map((link) => [
        link.idpId,
        link.externalUserId,
      ]),
      [[acmeIdp, sub]],
    );
  });

  it("routes a login name at ACME's verified domain to its IdP (domain discovery)", async () => {
    const sub = upstreamUser();
    const flow = await startLogin(demoLogin(server, { scope: 'openid' }));
    assert.equal(idpButtons(flow).length, 0, 'the instance login offers no IdP');
    const acmeDomain = (await call(server, admin, 'GET', `/orgs/${orgs.ACME}`)).body.primaryDomain as string;
    const routed = await submitLoginName(flow, `someone@${acmeDomain}`);
    const tokens = await redeemCode(await signInUpstream(routed, sub));
    assert.equal((await User.findById(tokens.claims()!.sub).lean())?.orgId, orgs.ACME);
  });
  it("never links another org's user by email through ACME's own IdP", async () => {
    const email = `beta-${randomUUID().slice(0, 8)}@example.com`;
    const betaUser = await call(server, admin, 'POST', `/orgs/${orgs.Beta}/users/human`, {
      username: email,
      email,
      emailVerified: true,
      givenName: 'Beta',
      familyName: 'User',
    });
    assert.equal(betaUser.status, 201, JSON.stringify(betaUser.body));
    const sub = upstreamUser({ email });
    const tokens = await redeemCode(await signInUpstream(await inOrg(orgs.ACME!), sub));
    assert.notEqual(tokens.claims()!.sub, betaUser.body.id);
    assert.equal((await User.findById(tokens.claims()!.sub).lean())?.orgId, orgs.ACME);
  });
});

describe('an instance IdP', () => {
  let instanceIdp: string;
  before(async () => {
    instanceIdp = await addOidcIdp(server, admin, null, upstream.issuer, {
      name: 'Corporate SSO',
      options: { isAutoCreation: true, trustUpstreamAmr: true },
    });
    await offerIdps(server, admin, orgs.Beta!, [instanceIdp]);
  });

  it('is chosen by the reserved scope, only where the org offers it', async () => {
    const sub = upstreamUser();
    const flow = await inOrg(orgs.Beta!, `urn:zitadel:iam:org:idp:id:${instanceIdp}`);
    const tokens = await redeemCode(await signInUpstream(flow, sub));
    assert.equal((await User.findById(tokens.claims()!.sub).lean())?.orgId, orgs.Beta, 'created in the org in scope');
    const refused = await inOrg(orgs.Alpha!, `urn:zitadel:iam:org:idp:id:${instanceIdp}`);
    assert.equal(refused.page?.status, 403);
    assert.match(pageText(refused.page!.html), /not offered here/);
  });

  it('links a user with the same verified email; the link is listed and removable', async () => {
    const bob = (await User.findOne({ username: 'bob' }).lean())!;
    const sub = upstreamUser({ email: bob.human!.email });
    const page = await inOrg(orgs.Beta!);
    assert.equal(page.page?.status, 200);
    const [button] = idpButtons(page);
    assert.ok(button, 'Beta offers the IdP as a button, next to the password login');
    const tokens = await redeemCode(await signInUpstream(await follow(server, page, button), sub));
    assert.equal(tokens.claims()!.sub, bob._id);
    const links = await call(server, admin, 'GET', `/users/${bob._id}/links`);
    const [link] = links.body.links as Array<{ id: string; externalUserId: string }>;
    assert.equal(link?.externalUserId, sub);
    assert.equal((await call(server, admin, 'DELETE', `/users/${bob._id}/links/${link.id}`)).status, 204);
    assert.deepEqual((await call(server, admin, 'GET', `/users/${bob._id}/links`)).body.links, []);
  });

  it("reports the upstream's amr where trusted, and forceMfaLocalOnly skips the second factor", async () => {
    const orgId = await newOrg();
    await offerIdps(server, admin, orgId, [instanceIdp], { forceMfa: true, forceMfaLocalOnly: true });
    upstream.amr = ['pwd', 'otp'];
    try {
      const tokens = await redeemCode(
        await signInUpstream(await inOrg(orgId, `urn:zitadel:iam:org:idp:id:${instanceIdp}`), upstreamUser()),
      );
      assert.deepEqual(tokens.claims()!.amr, ['fed', 'pwd', 'otp', 'mfa']);
    } finally {
      upstream.amr = ['pwd'];
    }
    await offerIdps(server, admin, orgId, [instanceIdp], { forceMfa: true, forceMfaLocalOnly: false });
    const setup = await signInUpstream(await inOrg(orgId, `urn:zitadel:iam:org:idp:id:${instanceIdp}`), upstreamUser());
    assert.match(pageText(setup.page!.html), /authenticator/i, 'without forceMfaLocalOnly a second factor is set up');
  });
});

describe('client authentication and claims', () => {
  it('authenticates with private_key_jwt and reads the claims from userinfo', async () => {
    const orgId = await newOrg();
    const privateJwk = { ...(await exportJWK(pkjwtKey.privateKey)), kid: 'castellan-1', alg: 'RS256' };
    const idp = await addOidcIdp(server, admin, orgId, upstream.issuer, {
      settings: {
        clientId: PKJWT_CLIENT,
        clientSecret: undefined,
        clientAuth: 'private_key_jwt',
        privateKeyJwk: JSON.stringify(privateJwk),
        claimsFrom: 'userinfo',
      },
    });
    const stored = await call(server, admin, 'GET', `/orgs/${orgId}/idps/${idp}`);
    assert.deepEqual(stored.body.secretsSet, ['privateKeyJwk'], 'the private key is a secret: never returned');
    await offerIdps(server, admin, orgId, [idp], { allowUsernamePassword: false });
    const sub = upstreamUser({ given_name: 'Kay' });
    const tokens = await redeemCode(await signInUpstream(await inOrg(orgId), sub));
    assert.equal((await User.findById(tokens.claims()!.sub).lean())?.human?.givenName, 'Kay');
  });
});

describe('without automatic creation', () => {
  it('shows the registration form pre-filled with what the upstream sent', async () => {
    const orgId = await newOrg();
    const idp = await addOidcIdp(server, admin, orgId, upstream.issuer, { options: { isAutoCreation: false } });
    await offerIdps(server, admin, orgId, [idp], { allowUsernamePassword: false });
    const sub = upstreamUser({ given_name: 'Reggie' });
    const form = await signInUpstream(await inOrg(orgId), sub);
    assert.equal(form.page?.status, 200);
    assert.match(form.page!.html, new RegExp(`value="${sub}@upstream.test"`));
    assert.match(form.page!.html, /value="Reggie"/);
    const tokens = await redeemCode(await submitForm(form, { username: `chosen-${sub}` }));
    const user = await User.findById(tokens.claims()!.sub).lean();
    assert.equal(user?.username, `chosen-${sub}`);
    assert.equal(user?.orgId, orgId);
  });

  it('links the identity after the user signs in with their password', async () => {
    const local = await orgWithUser(server, admin, {});
    const idp = await addOidcIdp(server, admin, local.orgId, upstream.issuer, {
      options: { isCreationAllowed: false, isLinkingAllowed: true },
    });
    await offerIdps(server, admin, local.orgId, [idp]);
    const sub = upstreamUser({ email_verified: false });
    const start = await inOrg(local.orgId);
    const notice = await signInUpstream(await follow(server, start, idpButtons(start)[0]!), sub);
    assert.match(pageText(notice.page!.html), /Sign in with your password to link it/);
    const linked = await submitPassword(await submitLoginName(notice, local.username), PASSWORD);
    assert.equal((await redeemCode(linked)).claims()!.sub, local.userId);
    // From now on the upstream identity is the user.
    const next = await inOrg(local.orgId);
    const tokens = await redeemCode(await signInUpstream(await follow(server, next, idpButtons(next)[0]!), sub));
    assert.equal(tokens.claims()!.sub, local.userId);

    // The user sees the link on their account page and removes it.
    const jar = new CookieJar();
    const signIn = await openPage(jar, `${server.url}/ui/account`);
    const account = await submitForm(signIn, { loginName: local.username, password: PASSWORD });
    assert.match(pageText(account.page!.html), new RegExp(`Upstream: ${sub}@upstream.test`));
    const linkId = /action="\/ui\/account\/links\/([^/]+)\/remove"/.exec(account.page!.html)![1]!;
    const unlinked = await submitFormTo(account, `/ui/account/links/${linkId}/remove`, {});
    assert.doesNotMatch(pageText(unlinked.page!.html), /Linked sign-ins/);
    assert.deepEqual((await call(server, admin, 'GET', `/users/${local.userId}/links`)).body.links, []);
  });
});
