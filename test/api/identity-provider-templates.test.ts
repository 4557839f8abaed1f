// A provider made from a template (Google, Entra ID, Okta, Keycloak, GitHub) stays that template (issue 18): its GET
// shows the template's own fields (`templateSettings`), a replacement through the template keeps the stored secret and
// the template's mapping defaults, and a replacement naming another type is refused (ZITADEL updates each template
// through its own route); a generic OIDC provider may still become a template (ZITADEL's migration).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROVIDER_TEMPLATES } from '../../src/domain/federation/templates.ts';
import { IdentityProvider } from '../../src/store/models/index.ts';
import { call, serverWithAdmin } from './helpers.ts';

const SECRET = 'template-client-secret-123';
const TENANT = '6c1a2b3d-0000-4000-8000-00000000c0de';
const INPUTS: Record<string, Record<string, unknown>> = {
  'azure-ad': { clientId: 'a', tenant: 'organizations', allowedTenants: [TENANT] },
  google: { clientId: 'g', scopes: ['openid', 'email'] },
  okta: { clientId: 'o', domain: 'acme.okta.com', authorizationServerId: 'aus1' },
  keycloak: { clientId: 'k', baseUrl: 'https://sso.acme.test/auth', realm: 'acme' },
  github: { clientId: 'h' },
};

describe('a template’s fields read back from its settings', () => {
  for (const [type, input] of Object.entries(INPUTS))
    it(`${type}: the fields it was made from, without the secret`, () => {
      const template = PROVIDER_TEMPLATES[type]!;
      const settings = template.settings({ ...input, clientSecret: SECRET });
      const { clientSecret: _secret, ...stored } = settings;
      const fields = template.fieldsOf(stored);
      assert.deepEqual({ ...fields, scopes: undefined }, { ...input, scopes: undefined });
      if (input.scopes) assert.deepEqual(fields.scopes, input.scopes);
    });
});

describe('replacing a provider made from a template', () => {
  const api = serverWithAdmin();

  const create = async (type: string, settings: Record<string, unknown>) => {
    const created = await call(api.server, api.admin, 'POST', '/idps', { name: type, type, settings });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };

  it('through its template keeps the secret, the mapping defaults and the template', async () => {
    const id = await create('azure-ad', { ...INPUTS['azure-ad'], clientSecret: SECRET });
    const read = (await call(api.server, api.admin, 'GET', `/idps/${id}`)).body;
    assert.equal(read.template, 'azure-ad');
    assert.deepEqual(read.templateSettings, { ...INPUTS['azure-ad'], scopes: ['openid', 'profile', 'email'] });
    const replaced = await call(api.server, api.admin, 'PUT', `/idps/${id}`, {
      name: 'Entra ID',
      type: 'azure-ad',
      settings: { ...(read.templateSettings as object), tenant: TENANT, allowedTenants: undefined },
    });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.template, 'azure-ad');
    assert.deepEqual(replaced.body.secretsSet, ['clientSecret'], 'the secret left out is kept');
    assert.deepEqual(replaced.body.templateSettings, {
      clientId: 'a',
      tenant: TENANT,
      scopes: ['openid', 'profile', 'email'],
    });
    assert.equal(
      (replaced.body.settings as { issuer: string }).issuer,
      `https://login.microsoftonline.com/${TENANT}/v2.0`,
    );
    assert.deepEqual(replaced.body.mapping, { username: 'preferred_username', trustEmailVerified: false });
  });

  it('naming another type is refused with 400 naming `type`, and nothing changes', async () => {
    const id = await create('google', { clientId: 'g', clientSecret: SECRET });
    const before = await IdentityProvider.findById(id).lean();
    for (const [type, settings] of [
      ['oidc', { issuer: 'https://accounts.google.com', clientId: 'g' }],
      ['okta', { clientId: 'g', domain: 'acme.okta.com' }],
    ] as const) {
      const refused = await call(api.server, api.admin, 'PUT', `/idps/${id}`, { name: 'Other', type, settings });
      assert.equal(refused.status, 400, type);
      assert.deepEqual(
        (refused.body.errors as Array<{ field: string }>).map((error) => error.field),
        ['type'],
      );
    }
    assert.deepEqual(await IdentityProvider.findById(id).lean(), before);
  });

  it('a generic OIDC provider may become a template', async () => {
    const created = await call(api.server, api.admin, 'POST', '/idps', {
      name: 'Generic',
      type: 'oidc',
      settings: { issuer: 'https://accounts.google.com', clientId: 'g', clientSecret: SECRET },
    });
    const migrated = await call(api.server, api.admin, 'PUT', `/idps/${created.body.id as string}`, {
      name: 'Google',
      type: 'google',
      settings: { clientId: 'g' },
    });
    assert.equal(migrated.status, 200, JSON.stringify(migrated.body));
    assert.equal(migrated.body.template, 'google');
    assert.deepEqual(migrated.body.secretsSet, ['clientSecret']);
  });
});
