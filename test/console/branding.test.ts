// The branding editor of issue 18 (org, and the instance's default for IAM managers): the fields the login policy API
// stores, a preview of the login page with unsaved values (a form post, no script), saving and resetting; a viewer sees
// the branding without controls, and a forged post of theirs changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Instance, Organization } from '../../src/store/models/index.ts';
import { consoleClient, flashOf, membershipOn, previewOf, signedInManager } from '../helpers/console-session.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let acme: string;
before(async () => {
  fixture = await startOidcFixture();
  acme = fixture.orgs.ACME!;
});
after(() => fixture.server.stop());

const brandingForm = (action: string, values: Record<string, string>): Array<[string, string]> => [
  ['displayName', values.displayName ?? ''],
  ['primaryColor', values.primaryColor ?? '#5469d4'],
  ['backgroundColor', values.backgroundColor ?? '#fafafa'],
  ['fontColor', values.fontColor ?? '#000000'],
  ['action', action],
];
/** The login page the dark-mode preview frame shows. */
const darkPreviewOf = (html: string) =>
  previewOf(html.slice(html.lastIndexOf('<iframe', html.indexOf('title="Preview of the login page in dark mode"'))));
const storedBranding = async (orgId: string) =>
  ((await Organization.findById(orgId).lean())!.loginPolicy as { branding?: Record<string, unknown> } | null)?.branding;

describe('the branding editor', () => {
  it('ORG_OWNER previews unsaved colours in the login page, saves them, and resets to the instance’s', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const page = await owner.get(`/orgs/${acme}/branding`);
    assert.equal(page.status, 200);
    assert.match(page.html, />Preview<\/button>/);
    assert.match(page.html, />Save branding<\/button>/);
    assert.match(page.html, /<iframe class="preview" title="Preview of the login page" sandbox srcdoc="/);
    assert.match(previewOf(page.html), /--primary: #5469d4/, 'the stored (inherited) branding');
    assert.doesNotMatch(page.html, /Use the instance’s branding/, 'nothing of its own to reset');

    const previewed = await owner.post(
      `/orgs/${acme}/branding`,
      brandingForm('preview', { displayName: 'ACME Time', primaryColor: '#aa3300' }),
    );
    assert.equal(previewed.status, 200);
    const login = previewOf(previewed.html);
    assert.match(login, /--primary: #aa3300/, 'the typed colour in the preview');
    assert.match(login, /<header>ACME Time<\/header>/);
    assert.match(login, /<style nonce="[^"]+">/, 'styled under the console page’s own CSP nonce');
    assert.match(previewed.html, /id="branding-primaryColor"[^>]*value="#aa3300"/, 'what was typed stays');
    assert.equal(await storedBranding(acme), undefined, 'a preview saves nothing');
    assert.match(previewed.html, /<span class="brand">ACME · Console<\/span>/, 'the console keeps the stored branding');

    const invalid = await owner.post(`/orgs/${acme}/branding`, brandingForm('preview', { primaryColor: 'red' }));
    assert.equal(invalid.status, 400);
    assert.match(invalid.html, /id="branding-primaryColor-error"[^>]*>must be a #rrggbb color/);
    assert.match(previewOf(invalid.html), /--primary: #5469d4;/, 'an invalid value never reaches the preview’s CSS');

    const pale = await owner.post(`/orgs/${acme}/branding`, brandingForm('preview', { primaryColor: '#ffeb3b' }));
    assert.match(pale.html, /Button text \(white\) on the primary colour \(light\): contrast 1\.\d:1/);

    const saved = await owner.post(
      `/orgs/${acme}/branding`,
      brandingForm('save', { displayName: 'ACME Time', primaryColor: '#aa3300' }),
    );
    assert.equal(saved.status, 303);
    assert.deepEqual(await storedBranding(acme), {
      displayName: 'ACME Time',
      primaryColor: '#aa3300',
      backgroundColor: '#fafafa',
      fontColor: '#000000',
    });
    assert.equal(flashOf((await owner.get(`/orgs/${acme}/branding`)).html), 'Your changes are saved.');
    const refused = await owner.post(`/orgs/${acme}/branding`, brandingForm('save', { fontColor: 'black' }));
    assert.equal(refused.status, 400);
    assert.match(refused.html, /id="branding-fontColor-error"/, 'the API’s 400 next to the field');

    const reset = await owner.get(`/orgs/${acme}/branding`);
    assert.match(reset.html, />Use the instance’s branding<\/button>/);
    assert.equal((await owner.post(`/orgs/${acme}/branding`, [['action', 'reset']])).status, 303);
    assert.equal(await storedBranding(acme), undefined, 'the org wears the instance’s branding again');
    const afterReset = (await owner.get(`/orgs/${acme}/branding`)).html;
    assert.equal(flashOf(afterReset), 'Reset: the inherited settings apply again.');
  });

  it('ORG_OWNER_VIEWER sees the branding and its preview without controls; a forged save changes nothing', async () => {
    const viewer = await signedInManager(
      fixture,
      'branding-viewer',
      acme,
      membershipOn(fixture, 'org', acme, 'ORG_OWNER_VIEWER'),
    );
    const page = await viewer.get(`/orgs/${acme}/branding`);
    assert.equal(page.status, 200);
    assert.match(page.html, /<iframe class="preview"/);
    assert.doesNotMatch(page.html, /Save branding|>Preview<|Use the instance’s branding|type="color"/);
    const before = await storedBranding(acme);
    const forged = await viewer.post(`/orgs/${acme}/branding`, brandingForm('save', { primaryColor: '#000001' }));
    assert.equal(forged.status, 403);
    assert.deepEqual(await storedBranding(acme), before);
  });

  it('the instance’s branding: IAM_OWNER saves it from Instance settings; ORG_OWNER cannot reach it', async () => {
    const iam = await signedInManager(
      fixture,
      'branding-iam',
      acme,
      membershipOn(fixture, 'instance', acme, 'IAM_OWNER'),
    );
    const home = await iam.get('/');
    assert.match(home.html, /<a href="\/ui\/console\/instance\/[a-z-]+">Instance settings<\/a>/);
    const page = await iam.get('/instance/branding');
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.html, /Use the instance’s branding/, 'nothing above the instance');
    const saved = await iam.post('/instance/branding', brandingForm('save', { backgroundColor: '#eeeeff' }));
    assert.equal(saved.status, 303);
    const instance = (await Instance.findById(fixture.instanceId).lean())!;
    assert.equal(
      (instance.loginPolicy as { branding?: { backgroundColor?: string } }).branding?.backgroundColor,
      '#eeeeff',
    );

    const orgOwner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    assert.doesNotMatch((await orgOwner.get('/')).html, /Instance settings/);
    const read = await orgOwner.get('/instance/branding');
    assert.ok(read.status === 403 || read.status === 404, `read refused (${read.status})`);
    const forged = await orgOwner.post('/instance/branding', brandingForm('save', { backgroundColor: '#000000' }));
    assert.ok(forged.status === 403 || forged.status === 404, `forged post refused (${forged.status})`);
    const unchanged = (await Instance.findById(fixture.instanceId).lean())!.loginPolicy as typeof instance.loginPolicy;
    assert.deepEqual(unchanged, instance.loginPolicy);
  });

  it('ORG_OWNER sets the dark-mode colours: errors next to the fields, both schemes previewed, saved as typed', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const page = await owner.get(`/orgs/${acme}/branding`);
    assert.match(page.html, /<legend>Dark colour scheme \(where the browser prefers dark\)<\/legend>/);
    assert.match(page.html, /<label for="branding-primaryColorDark">Primary colour \(buttons\), dark<\/label>/);
    assert.match(page.html, /id="branding-backgroundColorDark"[^>]*value="#111827"/, 'ZITADEL’s built-in dark colour');
    assert.match(darkPreviewOf(page.html), /:root \{ color-scheme: dark; --primary: #2073c4;/);
    assert.doesNotMatch(darkPreviewOf(page.html), /prefers-color-scheme/, 'the preview pins its scheme');

    const dark = { primaryColorDark: '#7c3aed', backgroundColorDark: '#0b1a2a', fontColorDark: '#e6f0ff' };
    const invalid = await owner.post(
      `/orgs/${acme}/branding`,
      brandingForm('preview', {}).concat([...Object.entries(dark), ['warnColorDark', 'pink']]),
    );
    assert.equal(invalid.status, 400);
    assert.match(invalid.html, /id="branding-warnColorDark-error"[^>]*>must be a #rrggbb color/);
    assert.match(invalid.html, /id="branding-warnColorDark"[^>]*value="pink"[^>]*aria-invalid="true"/);
    assert.match(invalid.html, /id="branding-primaryColorDark"[^>]*value="#7c3aed"/, 'what was typed stays');

    const previewed = await owner.post(
      `/orgs/${acme}/branding`,
      brandingForm('preview', {}).concat([...Object.entries(dark), ['warnColorDark', '#5a0000']]),
    );
    assert.equal(previewed.status, 200);
    assert.match(darkPreviewOf(previewed.html), /--primary: #7c3aed; --background: #0b1a2a; --font: #e6f0ff;/);
    assert.match(previewOf(previewed.html), /:root \{ color-scheme: light; --primary: #5469d4;/, 'the light preview');
    assert.match(previewed.html, /Error text \(the warn colour\) on the page’s card \(dark\): contrast 1\.\d:1/);

    const saved = await owner.post(`/orgs/${acme}/branding`, brandingForm('save', {}).concat(Object.entries(dark)));
    assert.equal(saved.status, 303);
    assert.deepEqual(await storedBranding(acme), {
      primaryColor: '#5469d4',
      backgroundColor: '#fafafa',
      fontColor: '#000000',
      ...dark,
    });
    const console_ = (await owner.get(`/orgs/${acme}/branding`)).html;
    assert.match(console_, /@media \(prefers-color-scheme: dark\) \{ :root \{ color-scheme: dark; --primary: #7c3aed;/);
    assert.equal((await owner.post(`/orgs/${acme}/branding`, [['action', 'reset']])).status, 303);
  });
});
