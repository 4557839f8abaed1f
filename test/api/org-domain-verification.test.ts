import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOGIN_MESSAGES } from '../../src/domain/rules/login-checks.ts';
import { identifyUser } from '../../src/domain/login.ts';
import { Instance } from '../../src/store/models/index.ts';
import { demoRp, startOidcFixture, demoApp, type OidcFixture } from '../helpers/oidc.ts';
import { pageText, startLogin, submitLoginName } from '../helpers/login.ts';
import { startTestDns, type TestDns } from '../helpers/dns.ts';
import { bootstrapToken, call } from './helpers.ts';

// Verified org domains as ZITADEL does them (internal/command/org_domain.go, internal/api/http/domain_check.go): a
// token published as a TXT record at _zitadel-challenge.{domain} (a real DNS server on loopback, dns2) or as the body
// of /.well-known/zitadel-challenge/{token}.txt (a node:http server on loopback, found through that DNS server).
// Verified, a domain makes user@domain a login name and can become the primary domain.

let fixture: OidcFixture;
let admin: string;
let dns: TestDns;
let site: http.Server;
/** What the loopback web server answers, by path: a body, or a status with an optional Location. */
const pages = new Map<string, { body?: string; status?: number; location?: string }>();
const rp = demoRp(() => fixture);

before(async () => {
  dns = await startTestDns();
  site = http.createServer((request, response) => {
    const page = pages.get(request.url ?? '') ?? { status: 404 };
    response.writeHead(page.status ?? 200, page.location ? { location: page.location } : {});
    response.end(page.body ?? '');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  fixture = await startOidcFixture({
    DOMAIN_VERIFICATION_DNS_SERVER: dns.address,
    DOMAIN_VERIFICATION_HTTP_SCHEME: 'http',
    DOMAIN_VERIFICATION_HTTP_PORT: String((site.address() as AddressInfo).port),
  });
  admin = await bootstrapToken(fixture.server);
});
after(async () => {
  await fixture.server.stop();
  await dns.stop();
  site.close();
});

const api = (method: string, path: string, body?: unknown) => call(fixture.server, admin, method, path, body);

async function loginNamePage(loginName: string): Promise<string> {
  const app = demoApp(fixture);
  const flow = await startLogin({ baseUrl: fixture.baseUrl, ...app, scope: 'openid' });
  return pageText((await submitLoginName(flow, loginName)).page?.html ?? '');
}

async function domainsOf(orgId: string) {
  return (await api('GET', `/orgs/${orgId}`)).body.domains as Array<{ domain: string; verified: boolean }>;
}

test('Beta verifies beta.example with a TXT record; only then does bob@beta.example log in', async () => {
  const beta = fixture.orgs.Beta!;
  assert.equal((await api('POST', `/orgs/${beta}/domains`, { domain: 'beta.example' })).status, 201);
  assert.match(await loginNamePage('bob@beta.example'), new RegExp(LOGIN_MESSAGES.userNotFound));
  const instance = (await Instance.findById(fixture.instanceId).lean())!;
  const discovered = async () => (await identifyUser(instance, 'someone@beta.example', null)).discoveredOrg?._id;
  assert.equal(await discovered(), undefined, 'an unverified domain discovers no org');

  const validation = await api('POST', `/orgs/${beta}/domains/beta.example/validation`, { type: 'dns' });
  assert.equal(validation.status, 200);
  const token = validation.body.token as string;
  assert.equal(validation.body.url, '_zitadel-challenge.beta.example');

  const early = await api('POST', `/orgs/${beta}/domains/beta.example/verify`);
  assert.equal(early.status, 400);
  assert.match(String(early.body.detail), /no TXT record _zitadel-challenge\.beta\.example holds the token/);
  assert.deepEqual(
    (await domainsOf(beta)).find((entry) => entry.domain === 'beta.example'),
    { domain: 'beta.example', verified: false },
  );

  dns.zone.set('_zitadel-challenge.beta.example', { txt: ['v=spf1 -all', token] });
  assert.equal((await api('POST', `/orgs/${beta}/domains/beta.example/verify`)).status, 204);
  assert.ok((await domainsOf(beta)).some((entry) => entry.domain === 'beta.example' && entry.verified));
  assert.equal((await api('POST', `/orgs/${beta}/domains/beta.example/verify`)).status, 409);
  assert.equal((await api('POST', `/orgs/${beta}/domains/beta.example/validation`, { type: 'dns' })).status, 409);

  assert.equal(await discovered(), beta, 'a verified domain discovers its org');
  const tokens = await rp.demoLogin('bob@beta.example', 'openid');
  assert.equal(tokens.claims()?.sub, await rp.userId('bob'));
  const events = await api('GET', `/events?resourceId=${beta}`);
  const types = (events.body.events as Array<{ type: string }>).map((event) => event.type);
  assert.ok(types.includes('org.domain.verification.failed') && types.includes('org.domain.verified'));
});

test('ACME verifies acme.example over HTTP; a wrong body, a 404 or a redirect to another host fails', async () => {
  const acme = fixture.orgs.ACME!;
  dns.zone.set('acme.example', { a: ['127.0.0.1'] });
  assert.equal((await api('POST', `/orgs/${acme}/domains`, { domain: 'acme.example' })).status, 201);
  const validation = await api('POST', `/orgs/${acme}/domains/acme.example/validation`, { type: 'http' });
  const token = validation.body.token as string;
  const path = `/.well-known/zitadel-challenge/${token}.txt`;
  assert.equal(validation.body.url, `https://acme.example${path}`);

  const verify = () => api('POST', `/orgs/${acme}/domains/acme.example/verify`);
  const failures: Array<[{ body?: string; status?: number; location?: string }, RegExp]> = [
    [{ status: 404 }, /answered HTTP 404/],
    [{ body: 'not-the-token' }, /does not hold the token/],
    [{ status: 302, location: `http://elsewhere.example${path}` }, /redirected to elsewhere\.example/],
  ];
  for (const [page, problem] of failures) {
    pages.set(path, page);
    const refused = await verify();
    assert.equal(refused.status, 400);
    assert.match(String(refused.body.detail), problem);
  }
  pages.set(path, { status: 302, location: `${path}?same-host` });
  pages.set(`${path}?same-host`, { body: `${token}\n` });
  assert.equal((await verify()).status, 204);
  assert.ok((await domainsOf(acme)).some((entry) => entry.domain === 'acme.example' && entry.verified));
});

test('a verified domain can become primary (login names follow); an unverified one cannot; another org cannot take it', async () => {
  const acme = fixture.orgs.ACME!;
  assert.equal((await api('POST', `/orgs/${acme}/domains`, { domain: 'pending.example' })).status, 201);
  assert.equal((await api('POST', `/orgs/${acme}/domains/pending.example/primary`)).status, 409);
  assert.equal((await api('POST', `/orgs/${acme}/domains`, { domain: '10.0.0.1' })).status, 201);
  const address = await api('POST', `/orgs/${acme}/domains/10.0.0.1/validation`, { type: 'http' });
  assert.equal(address.status, 400);
  assert.equal((await api('POST', `/orgs/${fixture.orgs.Beta}/domains`, { domain: 'acme.example' })).status, 409);
  assert.equal((await api('POST', `/orgs/${fixture.orgs.Beta}/domains/acme.example/primary`)).status, 404);

  const previous = (await api('GET', `/orgs/${acme}`)).body.primaryDomain as string;
  const primary = await api('POST', `/orgs/${acme}/domains/acme.example/primary`);
  assert.equal(primary.status, 200);
  assert.equal(primary.body.primaryDomain, 'acme.example');
  const owner = await rp.userId('acme-owner');
  assert.equal((await api('GET', `/users/${owner}`)).body.loginName, 'acme-owner@acme.example');
  assert.equal((await api('GET', '/users/_by-login-name/acme-owner@acme.example')).status, 200);
  assert.equal((await api('GET', `/users/_by-login-name/acme-owner@${previous}`)).status, 404);
  const claims = (await rp.demoLogin('acme-owner@acme.example', 'openid profile')).claims();
  assert.equal(claims?.preferred_username, 'acme-owner@acme.example');
});
