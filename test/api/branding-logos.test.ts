// Logos of a branding (issue 18; ZITADEL's label policy logo and dark-mode logo): uploaded through the management API
// as base64, checked by their bytes, kept in a collection of their own, served under the issuer with the hash in the
// path (cached for a year, never running script), inherited org → instance slot by slot, and never served on another
// instance's host.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BrandingAsset, Event } from '../../src/store/models/index.ts';
import { GIF, JPEG, pngOf, SVG, WEBP } from '../helpers/images.ts';
import { startLogin } from '../helpers/login.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { newInstanceBody, newOperator, systemCall, systemJwt, systemUsersEnv } from '../system/helpers.ts';
import { bootstrapToken, call } from './helpers.ts';

const operator = newOperator('operator');
let server: TestServer;
let admin: string;
let acme: string;
let beta: string;

interface LogoView {
  url: string;
  contentType: string;
  size: number;
  inherited: boolean;
}
type LogosView = { logo: LogoView | null; logoDark: LogoView | null };

const upload = (path: string, bytes: Buffer) => call(server, admin, 'PUT', path, { image: bytes.toString('base64') });
const logos = async (path: string) => (await call(server, admin, 'GET', path)).body as unknown as LogosView;
const fetchLogo = (url: string, host?: string) => fetch(url, host ? { headers: { host } } : {});

before(async () => {
  server = await startTestServer({ CASTELLAN_SYSTEM_USERS: systemUsersEnv([{ operator }]) });
  admin = await bootstrapToken(server);
  const orgs = (await call(server, admin, 'GET', '/orgs?limit=100')).body.orgs as Array<{ id: string; name: string }>;
  acme = orgs.find((org) => org.name === 'ACME')!.id;
  beta = orgs.find((org) => org.name === 'Beta')!.id;
});
after(() => server.stop());

describe('branding logos', () => {
  it('an org’s logo is stored apart, served under the issuer with its hash, immutable, and audited', async () => {
    const png = pngOf(40, 20, [170, 51, 0]);
    const set = await upload(`/orgs/${acme}/branding/logo`, png);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const { logo, logoDark } = set.body as unknown as LogosView;
    assert.equal(logoDark, null);
    assert.match(logo!.url, new RegExp(`^${server.url}/assets/v1/branding/${acme}/logo-[0-9a-f]{16}$`));
    assert.deepEqual({ ...logo, url: '' }, { url: '', contentType: 'image/png', size: png.length, inherited: false });
    assert.deepEqual(await logos(`/orgs/${acme}/branding/logos`), set.body);

    const served = await fetchLogo(logo!.url);
    assert.equal(served.status, 200);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), png);
    assert.equal(served.headers.get('content-type'), 'image/png');
    assert.equal(served.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(
      served.headers.get('content-security-policy'),
      "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    );

    const stored = await BrandingAsset.find({ policyId: acme }).lean();
    assert.equal(stored.length, 1, 'the bytes in a collection of their own');
    const policy = await call(server, admin, 'GET', `/orgs/${acme}/login-policy`);
    const branding = (policy.body.effective as { branding: Record<string, unknown> }).branding;
    assert.equal(branding.logoUrl, logo!.url, 'the effective branding reports the URL');
    assert.equal((policy.body.override as { branding?: unknown } | null)?.branding, undefined, 'not a policy field');
    const event = await Event.findOne({ type: 'org.branding.logo.set', resourceId: acme }).lean();
    assert.deepEqual(event?.payload, { hash: stored[0]!.hash, contentType: 'image/png', size: png.length });
  });

  it('replacing a logo serves the new version at a new URL; the old one is gone; removal leaves none', async () => {
    const first = (await upload(`/orgs/${beta}/branding/logo`, GIF)).body as unknown as LogosView;
    const second = (await upload(`/orgs/${beta}/branding/logo`, JPEG)).body as unknown as LogosView;
    assert.notEqual(second.logo!.url, first.logo!.url);
    assert.equal(second.logo!.contentType, 'image/jpeg');
    assert.equal((await fetchLogo(first.logo!.url)).status, 404);
    assert.equal((await fetchLogo(second.logo!.url)).status, 200);
    assert.equal(await BrandingAsset.countDocuments({ policyId: beta, slot: 'logo' }), 1, 'older versions deleted');

    const removed = await call(server, admin, 'DELETE', `/orgs/${beta}/branding/logo`);
    assert.equal(removed.status, 204);
    const missing = await fetchLogo(second.logo!.url);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(await BrandingAsset.countDocuments({ policyId: beta }), 0);
    assert.equal((await logos(`/orgs/${beta}/branding/logos`)).logo, null);
    assert.ok(await Event.exists({ type: 'org.branding.logo.removed', resourceId: beta }));
  });

  it('an org without a logo of its own wears the instance’s, slot by slot; the login page shows it', async () => {
    const instanceLogo = await upload('/instance/branding/logo', WEBP);
    assert.equal(instanceLogo.status, 200, JSON.stringify(instanceLogo.body));
    const dark = await upload('/instance/branding/logo-dark', SVG);
    assert.equal(dark.status, 200, JSON.stringify(dark.body));
    const { logo: instanceLight, logoDark: instanceDark } = dark.body as unknown as LogosView;
    assert.match(instanceLight!.url, new RegExp(`/assets/v1/branding/${server.bootstrap.instanceId}/logo-`));

    const inherited = await logos(`/orgs/${beta}/branding/logos`);
    assert.deepEqual(inherited.logo, { ...instanceLight, inherited: true });
    assert.deepEqual(inherited.logoDark, { ...instanceDark, inherited: true });
    const mixed = await logos(`/orgs/${acme}/branding/logos`);
    assert.equal(mixed.logo!.inherited, false, 'ACME’s own logo wins');
    assert.deepEqual(mixed.logoDark, { ...instanceDark, inherited: true }, 'its dark one is the instance’s');
    assert.equal(
      (await call(server, admin, 'GET', '/instance/branding')).body.logoDarkUrl,
      instanceDark!.url,
      'the instance’s branding reports its URLs',
    );

    const svg = await fetchLogo(instanceDark!.url);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.match(svg.headers.get('content-security-policy') ?? '', /^default-src 'none'/);

    // The demo login page is the instance's (no org scope): the instance's logos, the name as alt text.
    const page = (await startLogin(demoLogin(server))).page!.html;
    const picture = /<header><picture>(.*?)<\/picture><\/header>/s.exec(page)?.[1] ?? '';
    assert.match(
      picture,
      new RegExp(`<source srcset="${instanceDark!.url}" media="\\(prefers-color-scheme: dark\\)">`),
    );
    assert.match(picture, new RegExp(`<img class="logo" src="${instanceLight!.url}" alt="[^"]+">`));

    assert.equal((await call(server, admin, 'DELETE', '/instance/branding/logo-dark')).status, 204);
    assert.equal((await logos(`/orgs/${beta}/branding/logos`)).logoDark, null);
  });

  it('refuses too large, unknown or mislabelled bytes with 400 naming `image`, and a body past the limit with 413', async () => {
    const before = await logos(`/orgs/${beta}/branding/logos`);
    const tooLarge = Buffer.concat([pngOf(1, 1, [0, 0, 0]), Buffer.alloc(256 * 1024)]);
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64)]);
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const entities = Buffer.from('<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg"/>');
    for (const [what, body] of [
      ['too large', { image: tooLarge.toString('base64') }],
      ['an executable', { image: exe.toString('base64') }],
      ['HTML', { image: html.toString('base64') }],
      ['an SVG with entities', { image: entities.toString('base64') }],
      ['empty', { image: '' }],
      ['not base64', { image: 'not base64!' }],
    ] as const) {
      const refused = await call(server, admin, 'PUT', `/orgs/${beta}/branding/logo`, body);
      assert.equal(refused.status, 400, what);
      assert.match(refused.contentType, /application\/problem\+json/);
      assert.equal((refused.body.errors as Array<{ field: string }>)[0]!.field, 'image', what);
    }
    const huge = await call(server, admin, 'PUT', `/orgs/${beta}/branding/logo`, { image: 'A'.repeat(2_000_000) });
    assert.equal(huge.status, 413);
    assert.deepEqual(await logos(`/orgs/${beta}/branding/logos`), before, 'nothing changed');
  });

  it('a served logo needs no database read again; unknown names and versions are 404', async () => {
    const { logo } = (await upload(`/orgs/${beta}/branding/logo`, pngOf(2, 2, [1, 2, 3]))).body as unknown as LogosView;
    assert.equal((await fetchLogo(logo!.url)).status, 200);
    // Taken from under the cache: the next requests are answered from the process's memory.
    await BrandingAsset.collection.deleteMany({ policyId: beta });
    for (let request = 0; request < 3; request++) assert.equal((await fetchLogo(logo!.url)).status, 200);
    const base = `${server.url}/assets/v1/branding`;
    for (const path of [
      `${base}/${beta}/logo-0000000000000000`,
      `${base}/${beta}/logo.png`,
      `${base}/unknown-org/logo-${logo!.url.slice(-16)}`,
      `${base}/${acme}/logo-${logo!.url.slice(-16)}`,
    ])
      assert.equal((await fetchLogo(path)).status, 404, path);
  });

  it('an org’s logos go with the org when it is removed', async () => {
    const created = await call(server, admin, 'POST', '/orgs', { name: 'Short-lived' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const orgId = created.body.id as string;
    const { logo } = (await upload(`/orgs/${orgId}/branding/logo`, GIF)).body as unknown as LogosView;
    assert.equal((await call(server, admin, 'DELETE', `/orgs/${orgId}`)).status, 204);
    assert.equal(await BrandingAsset.countDocuments({ policyId: orgId }), 0);
    assert.equal((await fetchLogo(logo!.url)).status, 404);
  });

  it('an instance’s logo is never served on another instance’s host', async () => {
    const systemToken = await systemJwt(operator, { audience: server.config.publicUrl });
    const created = await systemCall(
      server.url,
      systemToken,
      'POST',
      '/instances',
      newInstanceBody('Other', ['127.0.0.2']),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const other = created.body as unknown as { id: string; issuer: string };
    const { logo } = await logos(`/orgs/${acme}/branding/logos`);
    const port = new URL(server.url).port;
    const path = new URL(logo!.url).pathname;
    assert.equal((await fetchLogo(`${server.url}${path}`)).status, 200, 'on its own host');
    assert.equal((await fetchLogo(`http://127.0.0.2:${port}${path}`)).status, 404, 'not on the other’s');
    const ownPath = path.replace(acme, other.id);
    assert.equal((await fetchLogo(`http://127.0.0.2:${port}${ownPath}`)).status, 404);
  });
});
