// The System API (ZITADEL's system API): operators authenticate with self-signed JWTs whose keys the configuration
// lists; they create, list, change, deactivate and remove instances and their domains; errors are problem details.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Instance, InstanceDomain, Organization, User } from '../../src/store/models/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { newInstanceBody, newOperator, systemCall, systemJwt, systemUsersEnv } from './helpers.ts';

const owner = newOperator('system-owner');
const viewer = newOperator('system-viewer');
const stranger = newOperator('system-owner');

let server: TestServer;
let ownerToken: string;
let viewerToken: string;

before(async () => {
  server = await startTestServer({
    CASTELLAN_DEMO: 'false',
    CASTELLAN_BASE_DOMAIN: 'castellan.test',
    // Not the loopback address the tests connect from: their X-Forwarded-Host must be ignored.
    TRUSTED_PROXIES: '192.0.2.1',
    CASTELLAN_SYSTEM_USERS: systemUsersEnv([{ operator: owner }, { operator: viewer, roles: ['SYSTEM_OWNER_VIEWER'] }]),
  });
  ownerToken = await systemJwt(owner, { audience: server.config.publicUrl });
  viewerToken = await systemJwt(viewer, { audience: server.config.publicUrl });
});
after(() => server.stop());

describe('System API authentication', () => {
  it('refuses a missing, foreign, mis-addressed, expired or long-lived JWT with the same 401', async () => {
    const audience = server.config.publicUrl;
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      null,
      'not-a-jwt',
      await systemJwt(stranger, { audience }),
      await systemJwt(owner, { audience: 'https://elsewhere.example' }),
      await systemJwt(owner, { audience, issuedAt: now - 7200, lifetimeSeconds: 600 }),
      await systemJwt(owner, { audience, lifetimeSeconds: 7200 }),
      await systemJwt(owner, { audience, subject: 'someone-else' }),
    ];
    for (const [index, token] of tokens.entries()) {
      const answer = await systemCall(server.url, token, 'GET', '/instances');
      assert.equal(answer.status, 401, `token ${index}`);
      assert.equal(answer.contentType, 'application/problem+json');
      assert.equal(answer.body.detail, 'a valid system JWT is required');
    }
  });

  it('a viewer reads but may not create (403)', async () => {
    assert.equal((await systemCall(server.url, viewerToken, 'GET', '/instances')).status, 200);
    const refused = await systemCall(server.url, viewerToken, 'POST', '/instances', newInstanceBody('V', ['v.test']));
    assert.equal(refused.status, 403);
    assert.equal(await InstanceDomain.exists({ _id: 'v.test' }), null);
  });

  it('an instance token is no system token', async () => {
    const answer = await systemCall(server.url, 'eyJhbGciOiJub25lIn0.e30.', 'GET', '/instances');
    assert.equal(answer.status, 401);
  });
});

describe('System API instances', () => {
  it('creates an instance with a generated and a custom domain, its org and owners; lists and gets it', async () => {
    const created = await systemCall(
      server.url,
      ownerToken,
      'POST',
      '/instances',
      newInstanceBody('Alpha Co', ['alpha.test']),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const domains = created.body.domains as string[];
    assert.match(domains[0]!, /^alpha-co-[0-9a-f]{8}\.castellan\.test$/);
    assert.deepEqual(domains.slice(1), ['alpha.test']);
    assert.equal(created.body.primaryDomain, 'alpha.test');
    assert.equal(created.body.issuer, `http://alpha.test:${new URL(server.url).port}`);
    assert.equal((created.body.owner as { loginName: string }).loginName, 'owner@alpha-co-org.alpha.test');
    assert.ok((created.body.machine as { clientSecret: string }).clientSecret.length >= 20);
    const id = created.body.id as string;
    assert.equal(await Organization.countDocuments({ instanceId: id }), 1);
    assert.equal(await User.countDocuments({ instanceId: id }), 2);

    const got = await systemCall(server.url, viewerToken, 'GET', `/instances/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.state, 'active');
    const listed = await systemCall(server.url, viewerToken, 'GET', '/instances?limit=500');
    assert.ok((listed.body.instances as Array<{ id: string }>).some((instance) => instance.id === id));
    assert.equal(listed.body.total, (listed.body.instances as unknown[]).length);
    const usage = await systemCall(server.url, viewerToken, 'GET', `/instances/${id}/usage`);
    assert.deepEqual([usage.body.orgs, usage.body.users, usage.body.logins], [1, 2, 0]);
  });

  it('refuses a domain another instance holds (409) and leaves nothing behind', async () => {
    const before = await Instance.countDocuments();
    const taken = await systemCall(
      server.url,
      ownerToken,
      'POST',
      '/instances',
      newInstanceBody('Dup', ['alpha.test']),
    );
    assert.equal(taken.status, 409);
    assert.match(String(taken.body.detail), /alpha\.test belongs to another instance/);
    const firstInstanceHost = await systemCall(
      server.url,
      ownerToken,
      'POST',
      '/instances',
      newInstanceBody('Dup', ['localhost']),
    );
    assert.equal(firstInstanceHost.status, 409, 'the bootstrap instance claims its host too');
    assert.equal(await Instance.countDocuments(), before);
  });

  it('names the field of bad input (400): unknown fields, a bad domain, a weak password, no password', async () => {
    const cases: Array<[unknown, string]> = [
      [{ ...(newInstanceBody('X', ['x.test']) as object), extra: 1 }, '(body)'],
      [newInstanceBody('X', ['not a domain']), 'customDomains.0'],
      [newInstanceBody('X', ['x.test'], { primaryDomain: 'y.test' }), 'primaryDomain'],
      [
        newInstanceBody('X', ['x.test'], {
          owner: { username: 'o', email: 'o@x.test', givenName: 'O', familyName: 'O', password: 'short' },
        }),
        'owner.password',
      ],
      [
        newInstanceBody('X', ['x.test'], {
          owner: { username: 'o', email: 'o@x.test', givenName: 'O', familyName: 'O' },
        }),
        'owner.password',
      ],
      [
        newInstanceBody('X', ['x.test'], { tokenLifetimes: { accessTokenSeconds: 5 } }),
        'tokenLifetimes.accessTokenSeconds',
      ],
    ];
    for (const [body, field] of cases) {
      const answer = await systemCall(server.url, ownerToken, 'POST', '/instances', body);
      assert.equal(answer.status, 400, `${field}: ${JSON.stringify(answer.body)}`);
      const fields = (answer.body.errors as Array<{ field: string }>).map((error) => error.field);
      assert.ok(fields.includes(field), `${field} not in ${fields.join(', ')}`);
    }
    assert.equal(await InstanceDomain.exists({ _id: 'x.test' }), null);
  });

  it('changes name and lifetimes, adds and removes domains, moves the primary domain', async () => {
    const created = await systemCall(
      server.url,
      ownerToken,
      'POST',
      '/instances',
      newInstanceBody('Beta', ['beta.test']),
    );
    const id = created.body.id as string;
    const changed = await systemCall(server.url, ownerToken, 'PATCH', `/instances/${id}`, {
      name: 'Beta Renamed',
      tokenLifetimes: { accessTokenSeconds: 600 },
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.name, 'Beta Renamed');
    assert.equal((changed.body.tokenLifetimes as { accessTokenSeconds: number }).accessTokenSeconds, 600);

    assert.equal(
      (await systemCall(server.url, ownerToken, 'POST', `/instances/${id}/domains`, { domain: 'alpha.test' })).status,
      409,
    );
    const added = await systemCall(server.url, ownerToken, 'POST', `/instances/${id}/domains`, {
      domain: 'Beta2.test',
    });
    assert.equal(added.status, 201);
    assert.ok((added.body.domains as string[]).includes('beta2.test'));
    const primary = await systemCall(server.url, ownerToken, 'POST', `/instances/${id}/primary-domain`, {
      domain: 'beta2.test',
    });
    assert.equal(primary.status, 200);
    assert.equal(primary.body.issuer, `http://beta2.test:${new URL(server.url).port}`);
    const removePrimary = await systemCall(server.url, ownerToken, 'DELETE', `/instances/${id}/domains/beta2.test`);
    assert.equal(removePrimary.status, 409);
    assert.equal(
      (await systemCall(server.url, ownerToken, 'DELETE', `/instances/${id}/domains/beta.test`)).status,
      204,
    );
    assert.equal(await InstanceDomain.exists({ _id: 'beta.test' }), null);
    assert.equal(
      (await systemCall(server.url, ownerToken, 'DELETE', `/instances/${id}/domains/beta.test`)).status,
      404,
    );
  });

  it('selects the instance by Host; X-Forwarded-Host only from a trusted proxy (this peer is none)', async () => {
    const port = Number(new URL(server.url).port);
    const issuerAt = (headers: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        const request = http.get({ host: '127.0.0.1', port, path: '/.well-known/openid-configuration', headers });
        request.on('error', reject);
        request.on('response', (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () =>
            resolve(
              response.statusCode === 200
                ? (JSON.parse(body) as { issuer: string }).issuer
                : String(response.statusCode),
            ),
          );
        });
      });
    assert.equal(await issuerAt({ host: `alpha.test:${port}` }), `http://alpha.test:${port}`);
    assert.equal(await issuerAt({ host: `localhost:${port}`, 'x-forwarded-host': 'alpha.test' }), server.url);
    assert.equal(await issuerAt({ host: `nowhere.test:${port}` }), '404');
  });

  it('answers 404 for an unknown instance', async () => {
    for (const [method, path] of [
      ['GET', '/instances/nope'],
      ['PATCH', '/instances/nope'],
      ['POST', '/instances/nope/deactivate'],
      ['DELETE', '/instances/nope'],
      ['GET', '/instances/nope/usage'],
    ] as const) {
      const answer = await systemCall(server.url, ownerToken, method, path, method === 'PATCH' ? {} : undefined);
      assert.equal(answer.status, 404, `${method} ${path}`);
    }
  });

  it('serves its own OpenAPI document listing every route with its statuses', async () => {
    const response = await fetch(`${server.url}/system/v1/openapi.json`);
    const document = (await response.json()) as { paths: Record<string, Record<string, { responses: object }>> };
    assert.ok(document.paths['/instances']?.post);
    assert.ok(document.paths['/instances/{instanceId}']?.delete);
    assert.ok(document.paths['/instances/{instanceId}/usage']?.get);
    assert.deepEqual(Object.keys(document.paths['/instances']!.post!.responses).sort(), [
      '201',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '503',
    ]);
  });
});
