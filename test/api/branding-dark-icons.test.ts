// Dark-mode colours and icons of a branding (issue 18; ZITADEL's label policy primaryColorDark, backgroundColorDark,
// warnColorDark, fontColorDark, and its icon and dark icon): validated and audited as the light colours are, inherited
// org → instance → ZITADEL's built-in dark colours slot by slot, reported by the effective branding; the icons are
// uploaded, served, inherited and removed exactly as the logos, and the login pages link them as their favicon.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BrandingAsset, Event } from '../../src/store/models/index.ts';
import { GIF, pngOf } from '../helpers/images.ts';
import { startLogin } from '../helpers/login.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

let server: TestServer;
let admin: string;
let acme: string;
let beta: string;

interface ImageView {
  url: string;
  inherited: boolean;
}
type ImagesView = Record<'logo' | 'logoDark' | 'icon' | 'iconDark', ImageView | null>;
type Branding = Record<string, string | null>;

const effectiveBranding = async (path: string) =>
  ((await call(server, admin, 'GET', path)).body.effective as { branding: Branding }).branding;
const upload = (path: string, bytes: Buffer) => call(server, admin, 'PUT', path, { image: bytes.toString('base64') });

before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
  const orgs = (await call(server, admin, 'GET', '/orgs?limit=100')).body.orgs as Array<{ id: string; name: string }>;
  acme = orgs.find((org) => org.name === 'ACME')!.id;
  beta = orgs.find((org) => org.name === 'Beta')!.id;
});
after(() => server.stop());

describe('dark-mode colours', () => {
  it('an org’s dark colours are saved, audited and effective; unset ones come from the instance, then ZITADEL', async () => {
    const instance = await call(server, admin, 'PUT', '/instance/branding', { backgroundColorDark: '#101010' });
    assert.equal(instance.status, 200, JSON.stringify(instance.body));
    const branding = { primaryColorDark: '#a5b4fc', fontColorDark: '#eeeeee', warnColor: '#b00020' };
    const set = await call(server, admin, 'PUT', `/orgs/${acme}/login-policy`, { branding });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const effective = await effectiveBranding(`/orgs/${acme}/login-policy`);
    assert.deepEqual(
      {
        primaryColorDark: effective.primaryColorDark,
        backgroundColorDark: effective.backgroundColorDark,
        warnColorDark: effective.warnColorDark,
        fontColorDark: effective.fontColorDark,
        warnColor: effective.warnColor,
        primaryColor: effective.primaryColor,
      },
      {
        primaryColorDark: '#a5b4fc',
        backgroundColorDark: '#101010',
        warnColorDark: '#ff3b5b',
        fontColorDark: '#eeeeee',
        warnColor: '#b00020',
        primaryColor: '#5469d4',
      },
      'own, the instance’s, ZITADEL’s built-in dark colour, own, own, built-in light',
    );
    const event = await Event.findOne({ type: 'org.login_policy.set', resourceId: acme }).sort({ _id: -1 }).lean();
    assert.deepEqual((event?.payload as { policy: unknown }).policy, { branding });
    const beta_ = await effectiveBranding(`/orgs/${beta}/login-policy`);
    assert.equal(beta_.primaryColorDark, '#2073c4', 'an org without any keeps ZITADEL’s default');
    assert.equal(beta_.backgroundColorDark, '#101010');

    // The login page of the instance wears both schemes' colours as custom properties.
    const page = (await startLogin(demoLogin(server))).page!.html;
    assert.match(page, /:root \{ color-scheme: light; --primary: #5469d4; --background: #fafafa; --font: #000000;/);
    const dark = /@media \(prefers-color-scheme: dark\) \{ :root \{ (color-scheme: dark;[^}]*)\}/.exec(page)?.[1];
    assert.match(dark ?? '', /--primary: #2073c4; --background: #101010; --font: #ffffff; --warn: #ff3b5b;/);
    await call(server, admin, 'PUT', '/instance/branding', {});
  });

  it('refuses a dark colour that is not #rrggbb with 400 naming it, changing nothing', async () => {
    const before = await effectiveBranding(`/orgs/${beta}/login-policy`);
    for (const field of ['primaryColorDark', 'backgroundColorDark', 'warnColorDark', 'fontColorDark', 'warnColor']) {
      const refused = await call(server, admin, 'PUT', `/orgs/${beta}/login-policy`, {
        branding: { [field]: 'navy' },
      });
      assert.equal(refused.status, 400, field);
      assert.deepEqual(
        (refused.body.errors as Array<{ field: string; message: string }>).map((error) => error.field),
        [`branding.${field}`],
      );
      const instance = await call(server, admin, 'PUT', '/instance/branding', { [field]: '#12345' });
      assert.equal(instance.status, 400, field);
      assert.match(JSON.stringify(instance.body), new RegExp(field));
    }
    assert.deepEqual(await effectiveBranding(`/orgs/${beta}/login-policy`), before);
  });
});

describe('icons', () => {
  it('are uploaded, served, reported, inherited and removed as the logos are, and linked as the favicon', async () => {
    const icon = pngOf(16, 16, [0, 120, 60]);
    const set = await upload('/instance/branding/icon', icon);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const instanceIcon = (set.body as unknown as ImagesView).icon!;
    assert.match(
      instanceIcon.url,
      new RegExp(`^${server.url}/assets/v1/branding/${server.bootstrap.instanceId}/icon-`),
    );
    const served = await fetch(instanceIcon.url);
    assert.equal(served.status, 200);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), icon);
    assert.equal(served.headers.get('cache-control'), 'public, max-age=31536000, immutable');

    const dark = await upload(`/orgs/${acme}/branding/icon-dark`, GIF);
    assert.equal(dark.status, 200, JSON.stringify(dark.body));
    const images = dark.body as unknown as ImagesView;
    assert.deepEqual(images.icon, { ...instanceIcon, inherited: true }, 'ACME wears the instance’s icon');
    assert.equal(images.iconDark!.inherited, false);
    assert.match(images.iconDark!.url, new RegExp(`/assets/v1/branding/${acme}/icon-dark-[0-9a-f]{16}$`));
    assert.equal((await fetch(images.iconDark!.url)).headers.get('content-type'), 'image/gif');
    assert.ok(await Event.exists({ type: 'org.branding.icon_dark.set', resourceId: acme }));
    const effective = await effectiveBranding(`/orgs/${acme}/login-policy`);
    assert.equal(effective.iconUrl, instanceIcon.url);
    assert.equal(effective.iconDarkUrl, images.iconDark!.url);
    assert.equal((await call(server, admin, 'GET', '/instance/branding')).body.iconUrl, instanceIcon.url);

    const page = (await startLogin(demoLogin(server))).page!.html;
    assert.match(page, new RegExp(`<link rel="icon" href="${instanceIcon.url}">`), 'the instance’s login page');
    assert.doesNotMatch(page, /media="\(prefers-color-scheme: dark\)">\s*<style/, 'no dark icon of the instance');

    const refused = await call(server, admin, 'PUT', `/orgs/${acme}/branding/icon`, { image: 'aGVsbG8=' });
    assert.equal(refused.status, 400);
    assert.equal((refused.body.errors as Array<{ field: string }>)[0]!.field, 'image');

    assert.equal((await call(server, admin, 'DELETE', `/orgs/${acme}/branding/icon-dark`)).status, 204);
    assert.equal((await fetch(images.iconDark!.url)).status, 404);
    assert.equal(await BrandingAsset.countDocuments({ policyId: acme, slot: 'iconDark' }), 0);
    assert.ok(await Event.exists({ type: 'org.branding.icon_dark.removed', resourceId: acme }));
    assert.equal((await call(server, admin, 'DELETE', '/instance/branding/icon')).status, 204);
    const none = (await call(server, admin, 'GET', `/orgs/${acme}/branding/logos`)).body as unknown as ImagesView;
    assert.equal(none.icon, null);
    assert.equal(none.iconDark, null);
  });
});
