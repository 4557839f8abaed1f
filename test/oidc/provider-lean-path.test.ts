// The provider's lean path (src/http/provider-requests.ts) answers exactly as the whole koa app does. A request sent
// with an absolute URL in its request line ("GET http://host/path", RFC 9112 §3.2.2) is one koa parses in full, so
// it takes the app's whole chain; the same request with the path alone takes the lean path. Each pair must get the
// same status, headers and body (but for what is made per response: the date, the CSP nonce).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Instance, RateLimitHit } from '../../src/store/models/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const MACHINE_ID = 'lean-path-machine';
const MACHINE_SECRET = 'lean-path-machine-secret-0123456789';

before(async () => {
  server = await startTestServer({
    METRICS_TOKEN: 'lean-path-metrics',
    CASTELLAN_BOOTSTRAP_CLIENT_ID: MACHINE_ID,
    CASTELLAN_BOOTSTRAP_CLIENT_SECRET: MACHINE_SECRET,
  });
});
after(() => server.stop());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request over a connection of its own, its path as given (origin-form) or in absolute-form. */
function send({ method, path, headers = {}, body }: Sent, absolute: boolean): Promise<Answer> {
  const { host, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: absolute ? `http://${host}${path}` : path,
        headers: { host, connection: 'close', ...headers },
        agent: false,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** What may differ between two answers to the same request: the date, the nonce, ids made per response. */
function comparable({ status, headers, body }: Answer): Answer {
  const { date: _date, ...rest } = headers;
  const scrub = (value: string) =>
    value
      .replace(/'nonce-[^']+'/g, "'nonce-…'")
      .replace(/nonce="[^"]+"/g, 'nonce="…"')
      .replace(/\/[\w-]{21,}/g, '/{uid}');
  return {
    status,
    headers: Object.fromEntries(
      Object.entries(rest).map(([name, value]) => [name, typeof value === 'string' ? scrub(value) : value]),
    ),
    body: scrub(body),
  };
}

async function assertSameAnswer(sent: Sent): Promise<Answer> {
  const lean = await send(sent, false);
  const whole = await send(sent, true);
  assert.deepEqual(comparable(lean), comparable(whole), `${sent.method} ${sent.path}`);
  return lean;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
});

describe('the provider lean path answers as the whole app', () => {
  it('discovery and keys, with the security headers', async () => {
    const discovery = await assertSameAnswer({ method: 'GET', path: '/.well-known/openid-configuration' });
    assert.equal(discovery.status, 200);
    assert.equal(JSON.parse(discovery.body).issuer, server.url);
    assert.equal(discovery.headers['x-content-type-options'], 'nosniff');
    assert.match(String(discovery.headers['content-security-policy']), /style-src 'self' 'nonce-/);
    assert.equal((await assertSameAnswer({ method: 'GET', path: '/oauth/v2/keys' })).status, 200);
  });

  it('CORS preflight, unknown provider paths, HEAD', async () => {
    await assertSameAnswer({
      method: 'OPTIONS',
      path: '/oauth/v2/token',
      headers: { origin: 'https://rp.example', 'access-control-request-method': 'POST' },
    });
    assert.equal((await assertSameAnswer({ method: 'GET', path: '/oauth/v2/nothing-here' })).status, 404);
    await assertSameAnswer({ method: 'HEAD', path: '/.well-known/openid-configuration' });
  });

  it("paths the app's routes answer stay the app's: health, login pages, the API, the demo", async () => {
    assert.equal((await assertSameAnswer({ method: 'GET', path: '/healthz' })).status, 200);
    assert.equal((await assertSameAnswer({ method: 'GET', path: '/ui/login/no-such-interaction' })).status, 400);
    assert.equal((await assertSameAnswer({ method: 'GET', path: '/api/v1/orgs' })).status, 401);
    // The demo's redirect carries a fresh PKCE challenge and state: the status and target are what compare.
    const demo = await send({ method: 'GET', path: '/demo/login' }, false);
    assert.equal(demo.status, 302);
    assert.match(String(demo.headers.location), /\/oauth\/v2\/authorize\?/);
  });

  it('token, introspection and revocation refuse an unknown client (throttled paths)', async () => {
    // Also at the paths the provider's router takes for them (any case, a trailing slash: src/oidc/configuration.ts).
    for (const path of ['/oauth/v2/token', '/oauth/v2/introspect', '/oauth/v2/revoke', '/OAuth/V2/Token/']) {
      const answer = await assertSameAnswer({
        method: 'POST',
        path,
        headers: { ...form, ...basic('no-such-client', 'secret') },
        body: /token\/?$/i.test(path) ? 'grant_type=client_credentials' : 'token=abc',
      });
      assert.equal(answer.status, 401, path);
    }
    const bodyOnly = await assertSameAnswer({
      method: 'POST',
      path: '/oauth/v2/token',
      headers: form,
      body: 'grant_type=client_credentials&client_id=no-such-client&client_secret=x',
    });
    assert.equal(bodyOnly.status, 401);
  });

  it('userinfo without a token, and a form post to the authorization endpoint (303 to a GET)', async () => {
    assert.equal((await assertSameAnswer({ method: 'GET', path: '/oidc/v1/userinfo' })).status, 401);
    const posted = await assertSameAnswer({
      method: 'POST',
      path: '/oauth/v2/authorize',
      headers: form,
      body: 'client_id=unknown&response_type=code&scope=openid',
    });
    assert.equal(posted.status, 303);
    assert.equal(
      posted.headers.location,
      `${server.url}/oauth/v2/authorize?client_id=unknown&response_type=code&scope=openid`,
    );
    const otherCase = await assertSameAnswer({
      method: 'POST',
      path: '/OAUTH/V2/AUTHORIZE/',
      headers: form,
      body: 'client_id=unknown',
    });
    assert.equal(otherCase.status, 303);
    const unsupported = await assertSameAnswer({
      method: 'POST',
      path: '/oauth/v2/authorize',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    assert.equal(unsupported.status, 415);
    assert.match(String(unsupported.headers['content-type']), /application\/problem\+json/);
  });

  it("a host no instance is served at: the app's 404 problem details", async () => {
    const answer = await assertSameAnswer({
      method: 'GET',
      path: '/.well-known/openid-configuration',
      headers: { host: 'nobody.example' },
    });
    assert.equal(answer.status, 404);
    assert.match(String(answer.headers['content-type']), /application\/problem\+json/);
  });

  it('forwarded headers from a trusted proxy (loopback, by default) select the instance, never the issuer', async () => {
    const { host } = new URL(server.url);
    const elsewhere = await assertSameAnswer({
      method: 'GET',
      path: '/.well-known/openid-configuration',
      headers: { 'x-forwarded-host': 'nobody.example' },
    });
    assert.equal(elsewhere.status, 404);
    const here = await assertSameAnswer({
      method: 'GET',
      path: '/.well-known/openid-configuration',
      headers: { host: 'nobody.example', 'x-forwarded-host': host, 'x-forwarded-proto': 'https' },
    });
    assert.equal(JSON.parse(here.body).issuer, server.url);
  });

  it("requests on the lean path are timed for /metrics under the provider endpoint's name", async () => {
    const series = async () => {
      const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer lean-path-metrics' } });
      const line = (await metrics.text())
        .split('\n')
        .find((text) => text.startsWith('castellan_http_request_duration_seconds_count{route="jwks",method="GET"'));
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await series();
    await send({ method: 'GET', path: '/oauth/v2/keys' }, false);
    await send({ method: 'GET', path: '/oauth/v2/keys' }, true);
    assert.equal((await series()) - before, 2);
  });

  it("client authentication throttles in the provider's context: a refusal, a body too large, a token", async () => {
    const { instanceId } = server.bootstrap;
    await Instance.updateOne(
      { _id: instanceId },
      { $set: { rateLimits: { clientAuthFailuresPerClient: { max: 1, windowSeconds: 60 } } } },
    );
    try {
      const wrong = {
        method: 'POST',
        path: '/oauth/v2/token',
        headers: { ...form, ...basic('throttled-client', 'wrong') },
        body: 'grant_type=client_credentials',
      };
      assert.equal((await send(wrong, false)).status, 401);
      // The seconds left of the block may differ by one between the two answers.
      const seconds = (answer: Answer): Answer => ({
        ...answer,
        headers: { ...answer.headers, 'retry-after': 'N' },
        body: answer.body.replace(/\d+ seconds/, 'N seconds'),
      });
      const [lean, whole] = [await send(wrong, false), await send(wrong, true)];
      assert.deepEqual(comparable(seconds(lean)), comparable(seconds(whole)));
      assert.equal(lean.status, 429);
      assert.ok(Number(lean.headers['retry-after']) > 0);
      assert.equal(JSON.parse(lean.body).error, 'temporarily_unavailable');
      assert.equal(lean.headers['x-content-type-options'], 'nosniff');
    } finally {
      await Instance.updateOne({ _id: instanceId }, { $unset: { rateLimits: 1 } });
      await RateLimitHit.deleteMany({});
    }
    const tooLarge = await assertSameAnswer({
      method: 'POST',
      path: '/oauth/v2/introspect',
      headers: form,
      body: `client_id=x&token=${'a'.repeat(60 * 1024)}`,
    });
    assert.equal(tooLarge.status, 400);
    const granted = async (absolute: boolean) => {
      const sent = {
        method: 'POST',
        path: '/oauth/v2/token',
        headers: { ...form, ...basic(MACHINE_ID, MACHINE_SECRET) },
      };
      const answer = await send({ ...sent, body: 'grant_type=client_credentials' }, absolute);
      const { access_token: token, ...rest } = JSON.parse(answer.body) as Record<string, unknown>;
      assert.equal(typeof token, 'string');
      const { 'content-length': _length, ...headers } = comparable(answer).headers;
      return { status: answer.status, headers, rest };
    };
    const [lean, whole] = [await granted(false), await granted(true)];
    assert.deepEqual(lean, whole);
    assert.equal(lean.status, 200);
    assert.equal(lean.headers['cache-control'], 'no-store');
  });
});
