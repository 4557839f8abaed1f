// Every form body Castellan reads itself goes through one reader with one limit (src/platform/form-body.ts): the
// login forms, and the userinfo, introspection and revocation requests before node-oidc-provider sees them.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { MAX_FORM_BYTES } from '../../src/platform/form-body.ts';
import { pageText, startLogin, submitForm } from '../helpers/login.ts';
import { demoApp, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
before(async () => {
  fixture = await startOidcFixture();
});
after(() => fixture.server.stop());

function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });
}

it('refuses a form over the limit everywhere: a page at the login, invalid_request at the provider endpoints', async () => {
  const padding = { padding: 'x'.repeat(MAX_FORM_BYTES) };
  const app = demoApp(fixture);
  const basic = { authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}` };

  const flow = await startLogin({ baseUrl: fixture.baseUrl, ...app, scope: 'openid' });
  const login = await submitForm(flow, { loginName: 'alice', ...padding });
  assert.equal(login.page?.status, 413);
  assert.match(pageText(login.page.html), /The form is too large/);

  for (const path of ['/oauth/v2/introspect', '/oauth/v2/revoke']) {
    const refused = await postForm(`${fixture.baseUrl}${path}`, { token: 'some-token', ...padding }, basic);
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), {
      error: 'invalid_request',
      error_description: 'failed to parse the request body',
    });
    const accepted = await postForm(`${fixture.baseUrl}${path}`, { token: 'some-token' }, basic);
    assert.equal(accepted.status, 200);
  }

  const userinfo = await postForm(`${fixture.baseUrl}/oidc/v1/userinfo`, { access_token: 'some-token', ...padding });
  assert.equal(userinfo.status, 400);
  assert.equal(((await userinfo.json()) as { error: string }).error, 'invalid_request');
});
