// What goes wrong at an external IdP ends on a readable page with a way back, bounded in time, and in the audit trail
// (issue 17): the user refusing at the upstream, a forged or replayed callback, an upstream that is down or stalls; and
// the GitHub-like OAuth 2.0 upstream (no OpenID Connect) creating a user from its user endpoint.
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Event, User } from '../../src/store/models/index.ts';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { CALLBACK_PATH, UPSTREAM_CLIENT, addOidcIdp, follow, offerIdps } from '../helpers/external-login.ts';
import { openPage, pageText, redeemCode, startLogin, submitForm, type LoginFlow } from '../helpers/login.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  startUpstreamOauth,
  startUpstreamOidc,
  type UpstreamOauth,
  type UpstreamOidc,
} from '../helpers/upstream-oidc.ts';

let server: TestServer;
let admin: string;
let upstream: UpstreamOidc;
let github: UpstreamOauth;

before(async () => {
  // The upstream listens on loopback.
  server = await startTestServer({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  admin = await bootstrapToken(server);
  const redirectUri = `${server.url}${CALLBACK_PATH}`;
  upstream = await startUpstreamOidc(
    [
      {
        client_id: UPSTREAM_CLIENT.clientId,
        client_secret: UPSTREAM_CLIENT.clientSecret,
        redirect_uris: [redirectUri],
      },
    ],
    [{ sub: 'carol', email: 'carol@upstream.test', email_verified: true, given_name: 'Carol', family_name: 'Up' }],
  );
  github = await startUpstreamOauth(UPSTREAM_CLIENT);
});
after(async () => {
  await github.stop();
  await upstream.stop();
  await server.stop();
});

/** A new org whose login offers only `idpId`, and a login in it standing at the upstream (or at an error page). */
async function orgOffering(idpOf: (orgId: string) => Promise<string>): Promise<{ orgId: string; idpId: string }> {
  const orgId = (await call(server, admin, 'POST', '/orgs', { name: `Err ${randomUUID().slice(0, 8)}` })).body
    .id as string;
  const idpId = await idpOf(orgId);
  await offerIdps(server, admin, orgId, [idpId], { allowUsernamePassword: false });
  return { orgId, idpId };
}

const loginIn = (orgId: string) =>
  startLogin(demoLogin(server, { scope: `openid email urn:zitadel:iam:org:id:${orgId}` }));

/** Stops the flow at Castellan's callback: the URL the upstream sent the browser to. */
async function callbackOf(flow: LoginFlow, sub: string): Promise<URL> {
  const form = /<form method="post" action="([^"]+)"/.exec(flow.page!.html)![1]!;
  const response = await fetch(new URL(form, flow.page!.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: flow.jar.header(new URL(flow.page!.url)) },
    body: new URLSearchParams({ username: sub }),
    redirect: 'manual',
  });
  flow.jar.store(response);
  const stopped = await openPage(
    flow.jar,
    new URL(response.headers.get('location')!, flow.page!.url).href,
    `${server.url}${CALLBACK_PATH}`,
  );
  assert.ok(stopped.callbackUrl, 'the upstream sends the browser to the callback');
  return stopped.callbackUrl;
}

describe('errors at the upstream', () => {
  let org: { orgId: string; idpId: string };
  before(async () => {
    org = await orgOffering((orgId) => addOidcIdp(server, admin, orgId, upstream.issuer));
  });

  it('shows a readable page with a way back when the user refuses at the upstream', async () => {
    const refused = await submitForm(await loginIn(org.orgId), { username: '' });
    assert.equal(refused.page?.status, 400);
    assert.match(pageText(refused.page!.html), /cancelled or refused/);
    assert.match(refused.page!.html, /href="\/ui\/login\/[^"]+"/, 'a way back to the login');
    const event = await Event.findOne({ type: 'user.idp.login.failed', resourceId: org.idpId }).lean();
    assert.equal(event?.payload?.reason, 'access_denied');
  });

  it('refuses a forged state and a replayed callback', async () => {
    const forged = await openPage((await loginIn(org.orgId)).jar, `${server.url}${CALLBACK_PATH}?code=x&state=forged`);
    assert.equal(forged.page?.status, 400);
    assert.match(pageText(forged.page!.html), /does not belong to a sign-in in progress/);

    const flow = await loginIn(org.orgId);
    const callback = await callbackOf(flow, 'carol');
    const done = await follow(server, flow, callback.href);
    assert.ok((await redeemCode(done)).claims()!.sub);
    const replayed = await follow(server, flow, callback.href);
    assert.equal(replayed.page?.status, 400);
    assert.match(pageText(replayed.page!.html), /expired or was already used/);
  });

  it('ends on a readable page, at once, when the upstream is down', async () => {
    const closedPort = await freeLoopbackPort();
    const down = await orgOffering((orgId) =>
      addOidcIdp(server, admin, orgId, `http://127.0.0.1:${closedPort}`, { name: 'Down' }),
    );
    const started = performance.now();
    const page = await loginIn(down.orgId);
    assert.equal(page.page?.status, 502);
    assert.match(pageText(page.page!.html), /could not be reached/);
    assert.ok(performance.now() - started < 5_000);
  });

  it('gives up on an upstream that accepts connections and never answers (a timeout, no hang)', async () => {
    const stalled = net.createServer(() => undefined);
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    try {
      const port = (stalled.address() as net.AddressInfo).port;
      const slow = await orgOffering((orgId) =>
        addOidcIdp(server, admin, orgId, `http://127.0.0.1:${port}`, { name: 'Stalled' }),
      );
      const started = performance.now();
      const page = await loginIn(slow.orgId);
      assert.equal(page.page?.status, 502);
      assert.ok(performance.now() - started < 20_000, 'bounded by the upstream timeout (10 s)');
    } finally {
      stalled.close();
    }
  });
});

describe('a GitHub-like OAuth 2.0 upstream', () => {
  it('creates the user from the user endpoint, keyed by its id attribute', async () => {
    const org = await orgOffering(async (orgId) => {
      const response = await call(server, admin, 'POST', `/orgs/${orgId}/idps`, {
        name: 'GitHub',
        type: 'oauth',
        settings: {
          authorizationEndpoint: `${github.baseUrl}/login/oauth/authorize`,
          tokenEndpoint: `${github.baseUrl}/login/oauth/access_token`,
          userEndpoint: `${github.baseUrl}/user`,
          ...UPSTREAM_CLIENT,
          idAttribute: 'id',
        },
        options: { isAutoCreation: true },
        mapping: { username: 'login', displayName: 'name', trustEmailVerified: false },
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.id as string;
    });
    github.signedIn = { id: 4242, login: 'octo-cat', name: 'Octo Cat', email: 'octo@github.test' };
    const tokens = await redeemCode(await loginIn(org.orgId));
    const user = await User.findById(tokens.claims()!.sub).lean();
    assert.equal(user?.username, 'octo-cat');
    assert.equal(user?.orgId, org.orgId);
    assert.equal(user?.human?.emailVerified, false, 'plain OAuth asserts nothing about the address');
    const links = await call(server, admin, 'GET', `/users/${user!._id}/links`);
    assert.equal((links.body.links as Array<{ externalUserId: string }>)[0]?.externalUserId, '4242');

    github.signedIn = null;
    const refused = await loginIn(org.orgId);
    assert.equal(refused.page?.status, 400);
    assert.match(pageText(refused.page!.html), /cancelled or refused/);
  });
});
