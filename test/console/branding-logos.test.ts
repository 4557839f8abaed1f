// The branding page's logos (issue 18): a multipart form per logo (no script needed) runs the management API's upload
// route, with its refusals next to the file field; the page, its login preview and the console header show the logo;
// removal; a viewer sees no controls and a forged upload changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Organization } from '../../src/store/models/index.ts';
import {
  consoleClient,
  membershipOn,
  previewOf,
  signedInManager,
  type ConsoleClient,
} from '../helpers/console-session.ts';
import { pngOf, SVG } from '../helpers/images.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let acme: string;
before(async () => {
  fixture = await startOidcFixture();
  acme = fixture.orgs.ACME!;
});
after(() => fixture.server.stop());

/** Posts the page's multipart form as a browser does: CSRF token, action, and the file field `image`. */
async function upload(client: ConsoleClient, path: string, action: string, file: Buffer | null, csrf = client.csrf) {
  const url = new URL(`${fixture.baseUrl}/ui/console${path}`);
  const form = new FormData();
  form.set('csrf', csrf);
  form.set('action', action);
  // A browser sends an empty part when no file was chosen.
  form.set('image', new Blob(file ? [new Uint8Array(file)] : []), file ? 'logo.png' : '');
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: client.jar.header(url) },
    body: form,
  });
  client.jar.store(response);
  return { status: response.status, html: await response.text() };
}

const storedLogos = async (orgId: string) =>
  ((await Organization.findById(orgId).lean()) as { brandingLogos?: Record<string, unknown> } | null)?.brandingLogos;

describe('the branding page’s logos', () => {
  it('ORG_OWNER uploads a logo: the page, its preview and the console header show it; then removes it', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const page = await owner.get(`/orgs/${acme}/branding`);
    assert.match(page.html, /<form method="post" enctype="multipart\/form-data" novalidate>/);
    assert.match(page.html, /<label for="uploadLogo-image">Logo image<\/label>/);
    assert.match(page.html, /<input type="file" id="uploadLogoDark-image" name="image" accept="image\/png,/);

    const uploaded = await upload(owner, `/orgs/${acme}/branding`, 'uploadLogo', pngOf(60, 20, [170, 51, 0]));
    assert.equal(uploaded.status, 303, uploaded.html);
    const after = await owner.get(`/orgs/${acme}/branding`);
    const url = /<img class="logo-current" src="([^"]+)" alt="Logo now shown">/.exec(after.html)?.[1];
    assert.match(url ?? '', new RegExp(`^${fixture.baseUrl}/assets/v1/branding/${acme}/logo-[0-9a-f]{16}$`));
    assert.match(after.html, new RegExp(`<span class="brand"><picture><img class="logo" src="${url}" alt="ACME">`));
    assert.match(previewOf(after.html), new RegExp(`<header><picture><img class="logo" src="${url}" alt="ACME">`));
    assert.match(after.html, />Remove logo<\/button>/);
    assert.equal((await fetch(url!)).status, 200);

    const dark = await upload(owner, `/orgs/${acme}/branding`, 'uploadLogoDark', SVG);
    assert.equal(dark.status, 303, dark.html);
    const both = (await owner.get(`/orgs/${acme}/branding`)).html;
    assert.match(
      both,
      /<picture><source srcset="[^"]+\/logo-dark-[0-9a-f]{16}" media="\(prefers-color-scheme: dark\)">/,
    );

    assert.equal((await owner.post(`/orgs/${acme}/branding`, [['action', 'removeLogoDark']])).status, 303);
    assert.equal((await owner.post(`/orgs/${acme}/branding`, [['action', 'removeLogo']])).status, 303);
    assert.deepEqual(await storedLogos(acme), { logo: null, logoDark: null });
    const removed = (await owner.get(`/orgs/${acme}/branding`)).html;
    assert.match(removed, /<span class="brand">ACME · Console<\/span>/);
    assert.doesNotMatch(removed, /Remove logo/);
  });

  it('shows the API’s refusal next to the file field, and a form past the size limit as a page notice', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const wrong = await upload(owner, `/orgs/${acme}/branding`, 'uploadLogo', Buffer.from('GIF? no: plain text'));
    assert.equal(wrong.status, 400);
    assert.match(wrong.html, /id="uploadLogo-image"[^>]*aria-invalid="true"/);
    assert.match(
      wrong.html,
      /<p class="error" id="uploadLogo-image-error">must be a PNG, JPEG, GIF, WebP or SVG image/,
    );
    assert.doesNotMatch(wrong.html, /id="uploadLogoDark-image-error"/, 'only next to the field of the form sent');

    const none = await upload(owner, `/orgs/${acme}/branding`, 'uploadLogoDark', null);
    assert.equal(none.status, 400);
    assert.match(none.html, /id="uploadLogoDark-image-error">choose an image file/);

    const tooLarge = Buffer.concat([pngOf(1, 1, [0, 0, 0]), Buffer.alloc(300 * 1024)]);
    const large = await upload(owner, `/orgs/${acme}/branding`, 'uploadLogo', tooLarge);
    assert.equal(large.status, 400);
    assert.match(large.html, /id="uploadLogo-image-error">the image may hold at most 256 KB/);

    const huge = await upload(owner, `/orgs/${acme}/branding`, 'uploadLogo', Buffer.alloc(1100 * 1024));
    assert.equal(huge.status, 413);
    assert.match(huge.html, /role="alert">The form was too large \(at most 1024 KB\): nothing was saved\./);
    assert.equal((await storedLogos(acme))?.logo ?? null, null, 'nothing stored');
  });

  it('a viewer sees the logos without controls; a forged upload, or one without the CSRF token, is refused', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    assert.equal((await upload(owner, `/orgs/${acme}/branding`, 'uploadLogo', SVG, 'forged')).status, 403);
    const viewer = await signedInManager(
      fixture,
      'logo-viewer',
      acme,
      membershipOn(fixture, 'org', acme, 'ORG_OWNER_VIEWER'),
    );
    const page = await viewer.get(`/orgs/${acme}/branding`);
    assert.equal(page.status, 200);
    assert.match(page.html, /<h2>Logos<\/h2>/);
    assert.doesNotMatch(page.html, /type="file"|Upload logo|Remove logo/);
    const forged = await upload(viewer, `/orgs/${acme}/branding`, 'uploadLogo', SVG);
    assert.equal(forged.status, 403);
    assert.equal((await storedLogos(acme))?.logo ?? null, null);
  });

  it('IAM_OWNER sets the instance’s logo, which an org without its own shows as inherited', async () => {
    const iam = await signedInManager(fixture, 'logo-iam', acme, membershipOn(fixture, 'instance', acme, 'IAM_OWNER'));
    assert.equal((await upload(iam, '/instance/branding', 'uploadLogo', pngOf(8, 8, [0, 90, 0]))).status, 303);
    const org = await iam.get(`/orgs/${acme}/branding`);
    assert.match(org.html, /<img class="logo-current" src="[^"]+\/logo-[0-9a-f]{16}" alt="Logo now shown">/);
    assert.match(org.html, /The instance’s; uploading one gives this organization its own\./);
    assert.doesNotMatch(org.html, />Remove logo</, 'the instance’s is removed on its own page');
    assert.equal((await iam.post('/instance/branding', [['action', 'removeLogo']])).status, 303);
  });

  it('ORG_OWNER uploads an icon and a dark one: the favicon links; a dark logo alone is shown in dark mode only', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const page = await owner.get(`/orgs/${acme}/branding`);
    assert.match(page.html, /<label for="uploadIcon-image">Icon image<\/label>/);
    assert.match(page.html, /<label for="uploadIconDark-image">Icon for dark mode image<\/label>/);
    assert.doesNotMatch(page.html, /<link rel="icon"/, 'no icon yet: the browser’s default');

    assert.equal((await upload(owner, `/orgs/${acme}/branding`, 'uploadIcon', pngOf(16, 16, [1, 2, 3]))).status, 303);
    assert.equal((await upload(owner, `/orgs/${acme}/branding`, 'uploadIconDark', SVG)).status, 303);
    assert.equal((await upload(owner, `/orgs/${acme}/branding`, 'uploadLogoDark', SVG)).status, 303);
    const branded = (await owner.get(`/orgs/${acme}/branding`)).html;
    const icon = /<link rel="icon" href="([^"]+)">/.exec(branded)?.[1];
    assert.match(icon ?? '', new RegExp(`^${fixture.baseUrl}/assets/v1/branding/${acme}/icon-[0-9a-f]{16}$`));
    assert.match(
      branded,
      /<link rel="icon" href="[^"]+\/icon-dark-[0-9a-f]{16}" media="\(prefers-color-scheme: dark\)">/,
    );
    assert.equal((await fetch(icon!)).status, 200);
    assert.match(
      branded,
      new RegExp(
        '<span class="brand"><span class="scheme-light-only">ACME</span>' +
          '<picture class="scheme-dark-only"><img class="logo" src="[^"]+/logo-dark-',
      ),
    );
    assert.match(branded, />Remove icon<\/button>/);

    for (const action of ['removeIcon', 'removeIconDark', 'removeLogoDark'])
      assert.equal((await owner.post(`/orgs/${acme}/branding`, [['action', action]])).status, 303, action);
    const removed = await storedLogos(acme);
    assert.equal(removed?.icon, null);
    assert.equal(removed?.iconDark, null);
    assert.doesNotMatch((await owner.get(`/orgs/${acme}/branding`)).html, /<link rel="icon"/);
  });
});
