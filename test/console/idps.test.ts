// Identity providers in the console (issue 18): ORG_OWNER adds an OIDC provider (the API's 400s next to their fields,
// the client secret never rendered back), edits it keeping the secret, offers it on the login policy and removes it;
// ORG_OWNER_VIEWER sees the list without controls, and a forged post of theirs changes nothing. The instance's list is
// reached from Instance settings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdentityProvider, Organization } from '../../src/store/models/index.ts';
import {
  assertForbidden,
  consoleClient,
  fixtureOfFile,
  flashOf,
  instanceOwner,
  orgViewer,
} from '../helpers/console-session.ts';
import { type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let acme: string;
fixtureOfFile((started) => {
  fixture = started;
  acme = started.orgs.ACME!;
});

const SECRET = 'upstream-client-secret-never-shown';
const oidcForm = (action: string, changes: Record<string, string> = {}): Array<[string, string]> =>
  Object.entries({
    action,
    type: 'oidc',
    name: 'Corporate SSO',
    issuer: 'https://sso.acme.test',
    clientId: 'castellan',
    clientSecret: SECRET,
    scopes: 'openid profile email',
    usePkce: 'on',
    claimsFrom: 'id_token',
    isCreationAllowed: 'on',
    isLinkingAllowed: 'on',
    ...changes,
  }).filter(([, value]) => value !== '');
const offered = async () =>
  ((await Organization.findById(acme).lean())!.loginPolicy as { idps?: string[] } | null)?.idps ?? [];

describe('identity providers in the console', () => {
  it('ORG_OWNER adds, edits, offers and removes an OIDC provider; its secret is never shown', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const list = await owner.get(`/orgs/${acme}/idps`);
    assert.equal(list.status, 200);
    assert.match(list.html, /<form method="get" action="\/ui\/console\/orgs\/[^/]+\/idps\/new">/);
    const form = await owner.get(`/orgs/${acme}/idps/new?type=oidc`);
    assert.match(form.html, /Add an identity provider: OpenID Connect/);
    assert.match(form.html, /id="create-issuer"/);

    const refused = await owner.post(`/orgs/${acme}/idps/new`, oidcForm('create', { issuer: 'not a url' }));
    assert.equal(refused.status, 400);
    assert.match(refused.html, /id="create-issuer-error"/, 'the API’s 400 next to the field');
    assert.match(refused.html, /id="create-name"[^>]*value="Corporate SSO"/, 'what was typed stays…');
    assert.doesNotMatch(refused.html, new RegExp(SECRET), '…but never the secret');

    const created = await owner.post(`/orgs/${acme}/idps/new`, oidcForm('create'));
    assert.equal(created.status, 303);
    const idp = (await IdentityProvider.findOne({ orgId: acme, name: 'Corporate SSO' }).lean())!;
    assert.ok(idp);
    const page = await owner.get(`/orgs/${acme}/idps/${idp._id}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.html, new RegExp(SECRET));
    assert.equal(flashOf(page.html), 'Created.');
    assert.match(page.html, /\/ui\/login\/login\/externalidp\/callback/, 'the callback URL to register');
    assert.match(page.html, /Set; it is never shown\. Leave empty to keep it\./);

    const edited = await owner.post(
      `/orgs/${acme}/idps/${idp._id}`,
      oidcForm('save', { name: 'ACME SSO', clientSecret: '' }),
    );
    assert.equal(edited.status, 303);
    const stored = (await IdentityProvider.findById(idp._id).lean())!;
    assert.equal(stored.name, 'ACME SSO');
    assert.equal(flashOf((await owner.get(`/orgs/${acme}/idps/${idp._id}`)).html), 'Your changes are saved.');
    assert.ok((stored.secrets as Record<string, string>).clientSecret, 'the secret left empty is kept');

    assert.equal(
      (
        await owner.post(`/orgs/${acme}/idps`, [
          ['action', 'offer'],
          ['idpId', idp._id],
        ])
      ).status,
      303,
    );
    assert.deepEqual(await offered(), [idp._id]);
    const offeredList = (await owner.get(`/orgs/${acme}/idps`)).html;
    assert.match(offeredList, />Stop offering ACME SSO<\/button>/);
    assert.equal(flashOf(offeredList), 'The provider is offered at login.');
    assert.equal(
      (
        await owner.post(`/orgs/${acme}/idps`, [
          ['action', 'withdraw'],
          ['idpId', idp._id],
        ])
      ).status,
      303,
    );
    assert.deepEqual(await offered(), []);
    assert.equal(flashOf((await owner.get(`/orgs/${acme}/idps`)).html), 'The provider is no longer offered at login.');

    const confirm = await owner.get(`/orgs/${acme}/idps/${idp._id}/remove`);
    assert.match(confirm.html, /its users’ links to it[^]*its place on the login page[^]*>Delete ACME SSO<\/button>/);
    assert.equal((await owner.post(`/orgs/${acme}/idps/${idp._id}/remove`, [['action', 'delete']])).status, 303);
    assert.equal(await IdentityProvider.findById(idp._id).lean(), null);
    assert.equal(flashOf((await owner.get(`/orgs/${acme}/idps`)).html), 'Removed.');
  });

  it('ORG_OWNER_VIEWER sees the providers without controls; a forged post changes nothing', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    assert.equal((await owner.post(`/orgs/${acme}/idps/new`, oidcForm('create', { name: 'Kept SSO' }))).status, 303);
    const idp = (await IdentityProvider.findOne({ orgId: acme, name: 'Kept SSO' }).lean())!;
    const viewer = await orgViewer(fixture, 'idp-viewer', acme);
    const list = await viewer.get(`/orgs/${acme}/idps`);
    assert.equal(list.status, 200);
    assert.match(list.html, /Kept SSO/);
    assert.doesNotMatch(list.html, /Offer Kept SSO|Remove Kept SSO|Add an identity provider/);
    const page = await viewer.get(`/orgs/${acme}/idps/${idp._id}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.html, /Save identity provider|type="password"/);
    assert.match((await viewer.get(`/orgs/${acme}/idps/${idp._id}/remove`)).html, /You may not delete Kept SSO/);

    await assertForbidden(
      viewer.post(`/orgs/${acme}/idps/${idp._id}/remove`, [['action', 'delete']]),
      viewer.post(`/orgs/${acme}/idps/${idp._id}`, oidcForm('save', { name: 'Forged' })),
      viewer.post(`/orgs/${acme}/idps/new`, oidcForm('create', { name: 'Forged new' })),
    );
    assert.equal((await IdentityProvider.findById(idp._id).lean())!.name, 'Kept SSO');
    assert.equal(await IdentityProvider.findOne({ orgId: acme, name: 'Forged new' }).lean(), null);
  });

  it('IAM_OWNER reaches the instance’s providers from Instance settings', async () => {
    const iam = await instanceOwner(fixture, 'idp-iam', acme);
    const page = await iam.get('/instance/idps');
    assert.equal(page.status, 200);
    assert.match(page.html, /<a href="\/ui\/console\/instance\/idps" aria-current="page">Identity providers<\/a>/);
    const form = await iam.get('/instance/idps/new?type=google');
    assert.match(form.html, /id="create-clientId"/);
    assert.doesNotMatch(form.html, /id="create-issuer"/, 'a template asks only for its own fields');
  });
});
