// Microsoft Entra ID's multi-tenant `common` and `organizations` endpoints (issue 17): the discovery document's issuer
// is the template `https://login.microsoftonline.com/{tenantid}/v2.0`, and each ID token's `iss` is that template with
// the token's own `tid` in it; `allowedTenants` restricts which tenants may sign in
// (https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-the-issuer).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { User } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { CALLBACK_PATH, UPSTREAM_CLIENT, addOidcIdp, offerIdps, signInUpstream } from '../helpers/external-login.ts';
import { pageText, redeemCode, startLogin } from '../helpers/login.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startUpstreamEntra, type UpstreamEntra } from '../helpers/upstream-entra.ts';

const CONTOSO = '6c1a2b3d-0000-4000-8000-00000000c0de';
const FABRIKAM = '9f8e7d6c-0000-4000-8000-0000000fab00';
const IMPOSTOR = 'impostor';

let server: TestServer;
let admin: string;
let entra: UpstreamEntra;

before(async () => {
  // The upstream listens on loopback.
  server = await startTestServer({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  admin = await bootstrapToken(server);
  entra = await startUpstreamEntra(
    [
      {
        client_id: UPSTREAM_CLIENT.clientId,
        client_secret: UPSTREAM_CLIENT.clientSecret,
        redirect_uris: [`${server.url}${CALLBACK_PATH}`],
      },
    ],
    // The impostor tenant signs tokens with its own issuer but claims to be Contoso.
    { [CONTOSO]: CONTOSO, [FABRIKAM]: FABRIKAM, [IMPOSTOR]: CONTOSO },
  );
});
after(async () => {
  await entra.stop();
  await server.stop();
});

/** A new org offering only a new `common` IdP (discovered while `tenant` is the active one), and a login in it. */
async function loginThroughCommon(tenant: string, settings: Record<string, unknown> = {}) {
  entra.activeTenant = tenant;
  const orgId = (await call(server, admin, 'POST', '/orgs', { name: `Entra ${randomUUID().slice(0, 8)}` })).body
    .id as string;
  const idpId = await addOidcIdp(server, admin, orgId, entra.commonIssuer, { name: 'Entra ID', settings });
  await offerIdps(server, admin, orgId, [idpId], { allowUsernamePassword: false });
  const sub = `e-${randomUUID().slice(0, 8)}`;
  entra.users.set(sub, { sub, email: `${sub}@contoso.test`, email_verified: true, given_name: 'E', family_name: 'Id' });
  const flow = await startLogin(demoLogin(server, { scope: `openid email urn:zitadel:iam:org:id:${orgId}` }));
  return { orgId, done: await signInUpstream(flow, sub) };
}

describe('an IdP on the common endpoint', () => {
  it('accepts each tenant whose token names itself as its issuer, and creates the user', async () => {
    for (const tenant of [CONTOSO, FABRIKAM]) {
      const { orgId, done } = await loginThroughCommon(tenant);
      const tokens = await redeemCode(done);
      const user = await User.findById(tokens.claims()!.sub).lean();
      assert.equal(user?.orgId, orgId, `a user of tenant ${tenant}`);
    }
  });

  it("refuses a token whose issuer is not the template with the token's tid", async () => {
    const { done } = await loginThroughCommon(IMPOSTOR);
    assert.equal(done.callbackUrl, null);
    assert.match(pageText(done.page!.html), /could not be accepted/);
  });

  it('with allowedTenants, lets only those tenants in', async () => {
    const allowed = await loginThroughCommon(CONTOSO, { allowedTenants: [CONTOSO] });
    assert.ok(allowed.done.callbackUrl, 'Contoso is allowed');
    const refused = await loginThroughCommon(FABRIKAM, { allowedTenants: [CONTOSO] });
    assert.equal(refused.done.callbackUrl, null);
    assert.match(pageText(refused.done.page!.html), /may not sign in here/);
  });
});
