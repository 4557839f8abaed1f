// Issue 18: the IdP fields the console could not edit (an OIDC provider's client authentication and allowed Entra ID
// tenants, every provider's attribute mapping) with the API's errors next to them and nothing typed lost, and a
// provider made from a template edited as that template: its own fields only, type, secret and name kept on a save.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { idpForProtocol } from '../../src/domain/commands/identity-providers.ts';
import { IdentityProvider } from '../../src/store/models/index.ts';
import type { IdentityProviderDocument } from '../../src/store/models/identity-provider.ts';
import { fixtureOfFile, withAcmeOwner, type ConsoleClient } from '../helpers/console-session.ts';
import { type OidcFixture } from '../helpers/oidc.ts';

const TENANT = '6c1a2b3d-0000-4000-8000-00000000c0de';
const SECRET = 'idp-fields-client-secret';
let fixture: OidcFixture;
let acme: string;
let owner: ConsoleClient;
fixtureOfFile(async (started) => ({ fixture, acme, owner } = await withAcmeOwner(started)));

const form = (fields: Record<string, string>): Array<[string, string]> =>
  Object.entries(fields).filter(([, value]) => value !== '');
const oidcForm = (action: string, changes: Record<string, string> = {}) =>
  form({
    action,
    type: 'oidc',
    name: 'Entra common',
    issuer: 'https://login.microsoftonline.com/common/v2.0',
    clientId: 'castellan',
    clientAuth: 'private_key_jwt',
    scopes: 'openid profile email',
    claimsFrom: 'id_token',
    allowedTenants: TENANT,
    'mapping.email': 'upn',
    'mapping.trustEmailVerified': 'on',
    ...changes,
  });
const escaped = (name: string) => name.replace('.', '\\.');
const errorNextTo = (html: string, action: string, field: string) =>
  new RegExp(`id="${action}-${escaped(field)}-error"`).test(html);

describe('the OIDC provider’s client authentication, allowed tenants and mapping', () => {
  it('are labelled fields of the form', async () => {
    const page = (await owner.get(`/orgs/${acme}/idps/new?type=oidc`)).html;
    for (const [name, label] of [
      ['clientAuth', 'Client authentication'],
      ['privateKeyJwk', 'Private key \\(JWK, JSON\\)'],
      ['allowedTenants', 'Tenants allowed to sign in'],
      ['mapping.username', 'Username: claim or attribute'],
      ['mapping.email', 'Email: claim or attribute'],
      ['mapping.locale', 'Language: claim or attribute'],
    ] as const)
      assert.match(page, new RegExp(`<label for="create-${escaped(name)}">${label}</label>`));
    assert.match(page, /<option value="private_key_jwt">private_key_jwt<\/option>/);
    assert.match(page, /name="mapping\.trustEmailVerified" value="on"> Trust the provider’s word/);
  });

  it('show the API’s errors next to them, keeping what was typed but the secrets', async () => {
    const path = `/orgs/${acme}/idps/new`;
    const noKey = await owner.post(path, oidcForm('create'));
    assert.equal(noKey.status, 400);
    assert.ok(errorNextTo(noKey.html, 'create', 'privateKeyJwk'), 'required for private_key_jwt');
    assert.match(noKey.html, new RegExp(`id="create-allowedTenants"[^>]*>${TENANT}</textarea>`));
    assert.match(noKey.html, /id="create-mapping\.email" name="mapping\.email" value="upn"/);
    assert.match(noKey.html, /<option value="private_key_jwt" selected>/);

    const badTenant = await owner.post(
      path,
      oidcForm('create', { clientAuth: 'client_secret_post', clientSecret: SECRET, allowedTenants: 'not a tenant' }),
    );
    assert.equal(badTenant.status, 400);
    assert.ok(errorNextTo(badTenant.html, 'create', 'allowedTenants'));
    assert.doesNotMatch(badTenant.html, new RegExp(SECRET));

    const longName = await owner.post(
      path,
      oidcForm('create', { privateKeyJwk: '{}', 'mapping.email': 'x'.repeat(201) }),
    );
    assert.equal(longName.status, 400);
    assert.ok(errorNextTo(longName.html, 'create', 'mapping.email'));
    assert.equal(await IdentityProvider.countDocuments({ orgId: acme, name: 'Entra common' }), 0);
  });

  it('are saved, shown again, and changed by a save', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'castellan-1', alg: 'RS256' });
    const created = await owner.post(`/orgs/${acme}/idps/new`, oidcForm('create', { privateKeyJwk: jwk }));
    assert.equal(created.status, 303, created.html);
    const idp = (await IdentityProvider.findOne({ orgId: acme, name: 'Entra common' }).lean())!;
    const settings = idp.settings as Record<string, unknown>;
    assert.equal(settings.clientAuth, 'private_key_jwt');
    assert.deepEqual(settings.allowedTenants, [TENANT]);
    assert.ok((idp.secrets as Record<string, string>).privateKeyJwk, 'the key is stored, encrypted');
    assert.deepEqual(idp.mapping, { email: 'upn', trustEmailVerified: true });

    const page = (await owner.get(`/orgs/${acme}/idps/${idp._id}`)).html;
    assert.match(page, /<option value="private_key_jwt" selected>/);
    assert.match(page, new RegExp(`id="save-allowedTenants"[^>]*>${TENANT}</textarea>`));
    assert.match(page, /id="save-mapping\.email" name="mapping\.email" value="upn"/);
    assert.doesNotMatch(page, /castellan-1/, 'the private key is never shown');

    const saved = await owner.post(
      `/orgs/${acme}/idps/${idp._id}`,
      oidcForm('save', {
        clientAuth: 'client_secret_post',
        clientSecret: SECRET,
        allowedTenants: '',
        'mapping.email': '',
        'mapping.username': 'upn',
        'mapping.trustEmailVerified': '',
      }),
    );
    assert.equal(saved.status, 303, saved.html);
    const after = (await IdentityProvider.findById(idp._id).lean())!;
    assert.equal((after.settings as Record<string, unknown>).clientAuth, 'client_secret_post');
    assert.equal((after.settings as Record<string, unknown>).allowedTenants, undefined, 'emptied: every tenant');
    assert.deepEqual(after.mapping, { username: 'upn', trustEmailVerified: false });
  });
});

describe('a generic OAuth 2.0 provider', () => {
  it('has its PKCE switch as a field: saved, shown, and cleared by a save', async () => {
    const oauthForm = (action: string, changes: Record<string, string>) =>
      form({
        action,
        type: 'oauth',
        name: 'Plain OAuth',
        authorizationEndpoint: 'https://oauth.example.com/authorize',
        tokenEndpoint: 'https://oauth.example.com/token',
        userEndpoint: 'https://oauth.example.com/user',
        clientId: 'castellan',
        clientSecret: SECRET,
        scopes: 'read:user',
        idAttribute: 'id',
        ...changes,
      });
    const created = await owner.post(`/orgs/${acme}/idps/new`, oauthForm('create', { usePkce: 'on' }));
    assert.equal(created.status, 303, created.html);
    const idp = (await IdentityProvider.findOne({ orgId: acme, name: 'Plain OAuth' }).lean())!;
    assert.equal((idp.settings as { usePkce: boolean }).usePkce, true);
    assert.match((await owner.get(`/orgs/${acme}/idps/${idp._id}`)).html, /name="usePkce" value="on" checked/);

    const saved = await owner.post(`/orgs/${acme}/idps/${idp._id}`, oauthForm('save', { clientSecret: '' }));
    assert.equal(saved.status, 303, saved.html);
    const after = (await IdentityProvider.findById(idp._id).lean())!;
    assert.equal((after.settings as { usePkce: boolean }).usePkce, false, 'unticked: no PKCE');
  });
});

describe('a provider made from a template', () => {
  it('is edited as its template: its own fields, and a save keeps the type, the name and the secret', async () => {
    const created = await owner.post(
      `/orgs/${acme}/idps/new`,
      form({
        action: 'create',
        type: 'azure-ad',
        name: 'Contoso',
        tenant: 'organizations',
        clientId: 'entra',
        clientSecret: SECRET,
        'mapping.username': 'preferred_username',
      }),
    );
    assert.equal(created.status, 303, created.html);
    const idp = (await IdentityProvider.findOne({ orgId: acme, name: 'Contoso' }).lean())!;
    assert.equal(idp.template, 'azure-ad');

    const page = (await owner.get(`/orgs/${acme}/idps/${idp._id}`)).html;
    assert.match(page, /<h1>Contoso \(Microsoft Entra ID\)<\/h1>/);
    assert.match(page, /<input type="hidden" name="type" value="azure-ad">/);
    assert.match(page, /id="save-tenant" name="tenant" value="organizations"/);
    assert.match(page, /id="save-clientId" name="clientId" value="entra"/);
    assert.doesNotMatch(page, /id="save-issuer"|id="save-clientAuth"|id="save-usePkce"/, 'no generic OIDC field');

    const saved = await owner.post(
      `/orgs/${acme}/idps/${idp._id}`,
      form({
        action: 'save',
        type: 'azure-ad',
        name: 'Contoso ID',
        tenant: TENANT,
        clientId: 'entra',
        scopes: 'openid profile email',
        'mapping.username': 'preferred_username',
      }),
    );
    assert.equal(saved.status, 303, saved.html);
    const after = (await IdentityProvider.findById(idp._id).lean())!;
    assert.equal(after.template, 'azure-ad', 'still a template provider');
    assert.equal(after.name, 'Contoso ID');
    assert.equal((after.settings as { issuer: string }).issuer, `https://login.microsoftonline.com/${TENANT}/v2.0`);
    const secretOf = (doc: IdentityProviderDocument) =>
      idpForProtocol(fixture.server.services.masterKey, doc).settings.clientSecret;
    assert.equal(secretOf(after), SECRET, 'the secret left empty is kept');
    const list = (await owner.get(`/orgs/${acme}/idps`)).html;
    assert.match(list, /Contoso ID<\/a><\/td>\s*<td>Microsoft Entra ID<\/td>/, 'the list names the template');
  });

  it('a new one starts from the template’s mapping (Google: email verified as it says)', async () => {
    const page = (await owner.get(`/orgs/${acme}/idps/new?type=google`)).html;
    assert.match(page, /id="create-mapping\.username" name="mapping\.username" value="email"/);
    assert.match(page, /name="mapping\.trustEmailVerified" value="on" checked/);
  });
});
