// Issue 13, items 6 and 12: throttles on client authentication (token, introspection), password checks, device
// user codes and the management API, against a real server. Each limit is made small through the instance's own
// `rateLimits`, which the server honours as soon as the instance changes.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { register } from 'prom-client';
import { DEMO_CLIENT_ID, DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import type { RateLimitName } from '../../src/platform/config.ts';
import { Instance, RateLimitHit } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import {
  CookieJar,
  loginWithPassword,
  openPage,
  pageText,
  redeemCode,
  startLogin,
  submitForm,
  submitLoginName,
  submitPassword,
  type LoginOptions,
} from '../helpers/login.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

const MACHINE_ID = 'rate-limit-machine';
const MACHINE_SECRET = 'rate-limit-machine-secret-0123456789';

let fixture: OidcFixture;
let demo: LoginOptions;

before(async () => {
  fixture = await startOidcFixture({
    CASTELLAN_BOOTSTRAP_CLIENT_ID: MACHINE_ID,
    CASTELLAN_BOOTSTRAP_CLIENT_SECRET: MACHINE_SECRET,
  });
  demo = {
    baseUrl: fixture.baseUrl,
    clientId: DEMO_CLIENT_ID,
    clientSecret: fixture.demoClientSecret,
    redirectUri: `${fixture.baseUrl}/demo/callback`,
    scope: 'openid profile email',
  };
});
after(() => fixture.server.stop());

/** Sets the instance's own limits (and forgets every count and block of the test before). */
async function limits(rules: Partial<Record<RateLimitName, { max: number; windowSeconds: number }>>): Promise<void> {
  await Instance.updateOne({ _id: fixture.instanceId }, { $set: { rateLimits: rules } });
  await RateLimitHit.deleteMany({});
}
beforeEach(() => limits({}));

/** The number of stored counts once it has stopped changing for 200 ms. */
async function settledHitCount(): Promise<number> {
  for (let previous = -1; ;) {
    const count = await RateLimitHit.countDocuments({});
    if (count === previous) return count;
    previous = count;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

function post(path: string, form: Record<string, string>, authorization?: string): Promise<Response> {
  return fetch(`${fixture.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
}

const clientCredentials = (secret: string) =>
  post('/oauth/v2/token', { grant_type: 'client_credentials' }, basic(MACHINE_ID, secret));

async function rejections(limit: RateLimitName): Promise<number> {
  const metric = await register.getSingleMetric('castellan_rate_limit_rejections_total')!.get();
  return metric.values.find((value) => value.labels.limit === limit)?.value ?? 0;
}

describe('client authentication', () => {
  it('answers 429 with Retry-After after N wrong client secrets, also to the right one, and not to other clients', async () => {
    await limits({ clientAuthFailuresPerClient: { max: 3, windowSeconds: 60 } });
    assert.equal((await clientCredentials(MACHINE_SECRET)).status, 200, 'under the limit: untouched');
    for (let i = 0; i < 3; i++) assert.equal((await clientCredentials('wrong-secret')).status, 401);
    const before = await rejections('clientAuthFailuresPerClient');
    const refused = await clientCredentials('wrong-secret');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0 && Number(refused.headers.get('retry-after')) <= 60);
    const body = (await refused.json()) as Record<string, string>;
    assert.equal(body.error, 'temporarily_unavailable');
    assert.equal((await clientCredentials(MACHINE_SECRET)).status, 429, 'the client is blocked for the window');
    assert.equal(await rejections('clientAuthFailuresPerClient'), before + 2);
    // Another client (the demo RP at the introspection endpoint, client_secret_post) is untouched.
    const other = await post('/oauth/v2/introspect', {
      token: 'x',
      client_id: DEMO_CLIENT_ID,
      client_secret: fixture.demoClientSecret,
    });
    assert.equal(other.status, 200);
    assert.deepEqual(await other.json(), { active: false });
  });

  it('counts the same endpoint at every path the provider answers it on (any case, a trailing slash)', async () => {
    await limits({ clientAuthFailuresPerClient: { max: 2, windowSeconds: 60 } });
    const wrong = { grant_type: 'client_credentials' };
    assert.equal((await post('/OAuth/V2/Token', wrong, basic(MACHINE_ID, 'wrong-secret'))).status, 401);
    assert.equal((await post('/oauth/v2/token/', wrong, basic(MACHINE_ID, 'wrong-secret'))).status, 401);
    assert.equal((await post('/OAUTH/V2/TOKEN/', wrong, basic(MACHINE_ID, MACHINE_SECRET))).status, 429);
    assert.equal((await clientCredentials(MACHINE_SECRET)).status, 429);
  });

  it('counts a client id sent in the form (introspection, revocation) the same way', async () => {
    await limits({ clientAuthFailuresPerClient: { max: 2, windowSeconds: 60 } });
    const wrong = { token: 'x', client_id: DEMO_CLIENT_ID, client_secret: 'wrong' };
    assert.equal((await post('/oauth/v2/introspect', wrong)).status, 401);
    assert.equal((await post('/oauth/v2/revoke', wrong)).status, 401);
    const refused = await post('/oauth/v2/introspect', { ...wrong, client_secret: fixture.demoClientSecret });
    assert.equal(refused.status, 429);
    assert.ok(refused.headers.get('retry-after'));
  });

  it('counts failures per IP address across client ids', async () => {
    await limits({ clientAuthFailuresPerIp: { max: 4, windowSeconds: 60 } });
    for (let i = 0; i < 4; i++)
      assert.equal(
        (await post('/oauth/v2/token', { grant_type: 'client_credentials' }, basic(`nobody-${i}`, 'x'))).status,
        401,
      );
    assert.equal(
      (await post('/oauth/v2/token', { grant_type: 'client_credentials' }, basic('nobody-9', 'x'))).status,
      429,
    );
  });

  it('holds the limit for parallel wrong secrets once the client has failed', async () => {
    await limits({ clientAuthFailuresPerClient: { max: 10, windowSeconds: 60 } });
    assert.equal((await clientCredentials('wrong-secret')).status, 401);
    const statuses = await Promise.all(Array.from({ length: 40 }, () => clientCredentials('wrong-secret')));
    const checked = statuses.filter((response) => response.status === 401).length;
    assert.ok(checked <= 9, `${checked} of 40 parallel wrong secrets were checked (9 allowed)`);
    assert.equal(statuses.filter((response) => response.status === 429).length, 40 - checked);
  });

  it('leaves a successful client-credentials flow without any count', async () => {
    // Rules of their own: a key that failed under the same rule in a test before stays suspected in this process, and a
    // suspected key's requests are counted (and the count taken back on success).
    await limits({
      clientAuthFailuresPerClient: { max: 1, windowSeconds: 59 },
      clientAuthFailuresPerIp: { max: 1000, windowSeconds: 59 },
    });
    // Counts of the test before may still be landing (a failure is counted after its answer is sent).
    const before = await settledHitCount();
    for (let i = 0; i < 20; i++) assert.equal((await clientCredentials(MACHINE_SECRET)).status, 200);
    assert.equal(await RateLimitHit.countDocuments({}), before);
  });
});

describe('password checks', () => {
  it('answers a readable 429 page with Retry-After after N wrong passwords for one login name', async () => {
    await limits({ passwordFailuresPerLoginName: { max: 3, windowSeconds: 300 } });
    let flow = await submitLoginName(await startLogin(demo), 'bob');
    for (let i = 0; i < 3; i++) {
      flow = await submitPassword(flow, 'wrong-password');
      assert.equal(flow.page?.status, 401);
    }
    flow = await submitPassword(flow, 'wrong-password');
    assert.equal(flow.page?.status, 429);
    assert.match(pageText(flow.page!.html), /Too many failed sign-in attempts\. Please wait 300 seconds|5 minutes/);
    // The right password is refused as well while the login name is blocked, also in a new login.
    const again = await submitPassword(await submitLoginName(await startLogin(demo), 'BOB'), DEMO_PASSWORD);
    assert.equal(again.page?.status, 429);
    // Another login name is not affected.
    const alice = await loginWithPassword({ ...demo, loginName: 'alice', password: DEMO_PASSWORD });
    assert.ok(alice.access_token);
  });

  it('sends Retry-After with the 429 page, and counts an unknown login name like a known one', async () => {
    await limits({ passwordFailuresPerLoginName: { max: 1, windowSeconds: 60 } });
    await Instance.updateOne({ _id: fixture.instanceId }, { $set: { 'loginPolicy.ignoreUnknownUsernames': true } });
    fixture.server.services.tenants.invalidate(fixture.instanceId);
    const flow = await submitPassword(await submitLoginName(await startLogin(demo), 'nobody-known'), 'x');
    await Instance.updateOne({ _id: fixture.instanceId }, { $unset: { 'loginPolicy.ignoreUnknownUsernames': 1 } });
    fixture.server.services.tenants.invalidate(fixture.instanceId);
    assert.equal(flow.page?.status, 401);
    const form = /action="([^"]+)"/.exec(flow.page!.html)![1]!.replace(/&amp;/g, '&');
    const csrf = /name="csrf" value="([^"]+)"/.exec(flow.page!.html)![1]!;
    const response = await fetch(new URL(form, fixture.baseUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: flow.jar.header(new URL(form, fixture.baseUrl)),
      },
      body: new URLSearchParams({ csrf, password: 'y' }).toString(),
      redirect: 'manual',
    });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '60');
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
  });

  it('runs at most N checks of parallel wrong passwords', async () => {
    await limits({ passwordFailuresPerLoginName: { max: 5, windowSeconds: 300 } });
    const flow = await submitLoginName(await startLogin(demo), 'beta-owner@beta.localhost');
    const results = await Promise.all(Array.from({ length: 30 }, () => submitPassword(flow, 'wrong-password')));
    const statuses = results.map((result) => result.page?.status);
    assert.ok(statuses.filter((status) => status === 401).length <= 5, statuses.join(','));
    assert.equal(statuses.filter((status) => status === 401 || status === 429).length, 30);
  });

  it('lets successful logins through under the limit without using it up', async () => {
    await limits({ passwordFailuresPerLoginName: { max: 2, windowSeconds: 300 } });
    for (let i = 0; i < 4; i++) {
      const flow = await submitPassword(await submitLoginName(await startLogin(demo), 'alice'), DEMO_PASSWORD);
      assert.ok((await redeemCode(flow)).access_token);
    }
  });
});

describe('device user codes (RFC 8628 §5.1)', () => {
  it('answers a readable 429 page after N wrong user codes', async () => {
    await limits({ deviceCodeFailuresPerIp: { max: 3, windowSeconds: 120 } });
    const jar = new CookieJar();
    let page = await openPage(jar, `${fixture.baseUrl}/oauth/v2/device`);
    for (let i = 0; i < 3; i++) {
      page = await submitForm(page, { user_code: 'BCDF-GHJK' });
      assert.equal(page.page?.status, 400);
    }
    page = await submitForm(page, { user_code: 'BCDF-GHJK' });
    assert.equal(page.page?.status, 429);
    assert.match(pageText(page.page!.html), /Too many codes were entered/);
  });
});

describe('management API', () => {
  it('answers 429 problem details with Retry-After per caller', async () => {
    const token = await bootstrapToken(fixture.server);
    await limits({ apiRequestsPerCaller: { max: 5, windowSeconds: 60 } });
    for (let i = 0; i < 5; i++) assert.equal((await call(fixture.server, token, 'GET', '/orgs')).status, 200);
    const refused = await fetch(`${fixture.baseUrl}/api/v1/orgs`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(refused.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(((await refused.json()) as { status: number }).status, 429);
  });
});
