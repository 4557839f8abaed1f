// GET /metrics (404 without a configured token: metrics-off.test.ts): 401 without the right bearer token, and
// after a login and a client-credentials grant the Prometheus exposition holds the expected series, non-zero.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { secretHash } from '../../src/platform/crypto.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { User } from '../../src/store/models/index.ts';
import { clientConfig } from '../helpers/login.ts';
import { demoRp, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const MACHINE_SECRET = 'metrics-bot-secret-0123456789abcdef';

let fixture: OidcFixture;
const { demoLogin } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture({ METRICS_TOKEN: TOKEN });
});
after(() => fixture.server.stop());

const scrape = (token?: string) =>
  fetch(`${fixture.baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The exposition's samples (comments skipped); label values here never hold quotes or commas. */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
      assert.ok(match, `not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key!, value!]),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name)
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

describe('GET /metrics', () => {
  it('answers 401 without the bearer token or with another one', async () => {
    const anonymous = await scrape();
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await scrape(`${TOKEN}x`)).status, 401);
    assert.equal((await scrape('short')).status, 401);
  });

  it('after a login and a client-credentials grant, counts them, their requests, the database and the caches', async () => {
    const { instanceId, orgs } = fixture;
    await User.create({
      instanceId,
      orgId: orgs.Beta,
      type: 'machine',
      username: 'metrics-bot',
      machine: {
        name: 'Metrics bot',
        accessTokenType: 'bearer',
        secretHash: secretHash(clientSecretHashKey(fixture.server.services.masterKey), MACHINE_SECRET),
      },
    });
    await demoLogin('bob');
    await client.clientCredentialsGrant(await clientConfig(fixture.baseUrl, 'metrics-bot', MACHINE_SECRET), {});
    await fetch(`${fixture.baseUrl}/no/such/path/${Math.random()}`);

    const response = await scrape(TOKEN);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const samples = parse(await response.text());
    const instance = { instance: instanceId };

    assert.equal(total(samples, 'castellan_logins_total', { ...instance, outcome: 'success' }), 1);
    const grants = 'castellan_token_grants_total';
    assert.equal(total(samples, grants, { ...instance, grant_type: 'authorization_code', outcome: 'success' }), 1);
    assert.equal(total(samples, grants, { ...instance, grant_type: 'client_credentials', outcome: 'success' }), 1);

    const requests = 'castellan_http_request_duration_seconds_count';
    assert.ok(total(samples, requests, { route: 'token', method: 'POST', status: '200' }) >= 2);
    assert.ok(total(samples, requests, { route: 'discovery', method: 'GET', status: '200' }) >= 2);
    assert.ok(total(samples, requests, { route: 'authorization', method: 'GET' }) >= 1);
    assert.equal(total(samples, requests, { route: '/ui/login/:uid/password', method: 'POST', status: '303' }), 1);
    assert.ok(total(samples, requests, { route: 'other', status: '404' }) >= 1);
    const routes = new Set(samples.filter((sample) => sample.name === requests).map((sample) => sample.labels.route));
    assert.ok(![...routes].some((route) => route?.startsWith('/no/')), 'raw paths never become labels');
    assert.ok(total(samples, 'castellan_http_request_duration_seconds_sum') > 0);

    assert.ok(total(samples, 'castellan_db_command_duration_seconds_count', { command: 'find', outcome: 'ok' }) > 0);
    assert.ok(total(samples, 'castellan_db_command_duration_seconds_count', { command: 'insert' }) > 0);
    assert.ok(total(samples, 'castellan_cache_lookups_total', { result: 'hit' }) > 0);
    assert.ok(total(samples, 'castellan_cache_lookups_total', { result: 'miss' }) > 0);
    assert.ok(samples.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds'));
    assert.ok(total(samples, 'process_cpu_seconds_total') > 0);
  });
});
