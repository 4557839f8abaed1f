// The seed article's example (issue 17): each customer organization logs in its own way. ACME's staff through ACME's
// upstream OpenID provider, Beta's through its SAML 2.0 IdP, Alpha's with a password and TOTP; each user's tokens
// carry the roles their orgs granted.
// A user created just in time and a local user look the same to the management API, except for their links.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeJwt } from 'jose';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { totpCode } from '../../src/platform/one-time-codes.ts';
import { User } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { CALLBACK_PATH, UPSTREAM_CLIENT, addOidcIdp, offerIdps, signInUpstream } from '../helpers/external-login.ts';
import { redeemCode, startLogin, submitForm, submitLoginName, submitPassword } from '../helpers/login.ts';
import { confirmSetup, demoLogin } from '../helpers/mfa.ts';
import { alice } from '../helpers/saml-sp.ts';
import { startSamlIdp, type SamlIdp } from '../helpers/saml-idp.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startUpstreamOidc, type UpstreamOidc } from '../helpers/upstream-oidc.ts';

let server: TestServer;
let admin: string;
let acmeUpstream: UpstreamOidc;
let betaIdp: SamlIdp;
const orgs: Record<string, string> = {};
let projectId: string;

before(async () => {
  // The upstream listens on loopback.
  server = await startTestServer({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  admin = await bootstrapToken(server);
  for (const org of (await call(server, admin, 'GET', '/orgs')).body.orgs as Array<{ id: string; name: string }>)
    orgs[org.name] = org.id;
  projectId = (
    (await call(server, admin, 'GET', `/orgs/${orgs.ACME}/projects`)).body.projects as Array<{ id: string }>
  )[0]!.id;
  acmeUpstream = await startUpstreamOidc(
    [
      {
        client_id: UPSTREAM_CLIENT.clientId,
        client_secret: UPSTREAM_CLIENT.clientSecret,
        redirect_uris: [`${server.url}${CALLBACK_PATH}`],
      },
    ],
    [{ sub: 'emp-1', email: 'erin@acme-corp.test', email_verified: true, given_name: 'Erin', family_name: 'Employee' }],
  );
  // ACME: its own OpenID provider, no passwords.
  const acmeIdp = await addOidcIdp(server, admin, orgs.ACME!, acmeUpstream.issuer, { name: 'ACME Entra ID' });
  await offerIdps(server, admin, orgs.ACME!, [acmeIdp], { allowUsernamePassword: false });
  // Beta: its own SAML 2.0 IdP, which trusts Castellan's SP metadata.
  betaIdp = await startSamlIdp();
  const saml = await call(server, admin, 'POST', `/orgs/${orgs.Beta}/idps`, {
    name: 'Beta Okta',
    type: 'saml',
    settings: { metadataXml: betaIdp.metadataXml },
    options: { isAutoCreation: true },
  });
  assert.equal(saml.status, 201, JSON.stringify(saml.body));
  betaIdp.trust(await (await fetch(`${server.url}/idps/${saml.body.id}/saml/metadata`)).text());
  await offerIdps(server, admin, orgs.Beta!, [saml.body.id as string], { allowUsernamePassword: false });
  // Alpha: passwords and a second factor.
  const alpha = await call(server, admin, 'PUT', `/orgs/${orgs.Alpha}/login-policy`, { forceMfa: true });
  assert.equal(alpha.status, 200);
});
after(async () => {
  await acmeUpstream.stop();
  await betaIdp.close();
  await server.stop();
});

interface SeedLogin {
  org: string;
  /** A full login of the org's user through the org's own method; returns the ID token's claims. */
  login(): Promise<Record<string, unknown>>;
  /** The roles the org's managers grant the user (after their first login, for a user created just in time). */
  roles: string[];
  /** Whether the user is created just in time by their first login (else a demo user with roles already). */
  justInTime: boolean;
}

const inOrg = (orgId: string) => startLogin(demoLogin(server, { scope: `openid urn:zitadel:iam:org:id:${orgId}` }));
let aliceTotp: string | null = null;

const LOGINS: SeedLogin[] = [
  {
    org: 'ACME',
    roles: ['developer'],
    justInTime: true,
    login: async () => decodeJwt((await redeemCode(await signInUpstream(await inOrg(orgs.ACME!), 'emp-1'))).id_token!),
  },
  {
    org: 'Alpha',
    roles: ['accountant'],
    justInTime: false,
    async login() {
      const password = await submitPassword(await submitLoginName(await inOrg(orgs.Alpha!), 'alice'), DEMO_PASSWORD);
      let done;
      if (aliceTotp) done = await submitForm(password, { code: totpCode(aliceTotp, Date.now() + 30_000) });
      else {
        const setup = await confirmSetup(password);
        aliceTotp = setup.secret;
        done = await submitForm(setup.flow, {});
      }
      return decodeJwt((await redeemCode(done)).id_token!);
    },
  },
  {
    org: 'Beta',
    roles: ['developer'],
    justInTime: true,
    async login() {
      const attributes = { ...alice.attributes, username: 'sam', email: 'sam@beta-saml.test', firstName: 'Sam' };
      betaIdp.next = { user: { nameId: 'beta-sam', attributes } };
      const atIdp = await inOrg(orgs.Beta!);
      assert.match(atIdp.page?.url ?? '', /\/sso/, 'Beta goes straight to its SAML IdP');
      return decodeJwt((await redeemCode(await submitForm(atIdp, {}))).id_token!);
    },
  },
];

it("each org's users log in their org's way, and their tokens carry the roles their orgs granted", async () => {
  for (const seed of LOGINS) {
    const first = await seed.login();
    const user = await User.findById(first.sub).lean();
    assert.equal(user?.orgId, orgs[seed.org], `${seed.org}'s user is in ${seed.org}`);
    if (seed.justInTime) {
      const grant = await call(server, admin, 'POST', `/orgs/${orgs[seed.org]}/user-grants`, {
        userId: first.sub,
        projectId,
        roleKeys: seed.roles,
      });
      assert.equal(grant.status, 201, JSON.stringify(grant.body));
    }
    const claims = await seed.login();
    assert.equal(claims.sub, first.sub);
    const roles = claims['urn:zitadel:iam:org:project:roles'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(roles ?? {}), seed.roles, `${seed.org}: ${JSON.stringify(claims)}`);
    assert.ok((claims.amr as string[]).includes(seed.justInTime ? 'fed' : 'otp'));
  }
});

it('a user created just in time and a local user look the same to the management API, except for their links', async () => {
  const jit = (await User.findOne({ 'human.email': 'erin@acme-corp.test' }).lean())!;
  const local = (await User.findOne({ username: 'alice' }).lean())!;
  const [jitView, localView] = [
    (await call(server, admin, 'GET', `/users/${jit._id}`)).body,
    (await call(server, admin, 'GET', `/users/${local._id}`)).body,
  ];
  assert.deepEqual(Object.keys(jitView).sort(), Object.keys(localView).sort());
  assert.equal(jitView.type ?? 'human', localView.type ?? 'human');
  assert.equal(((await call(server, admin, 'GET', `/users/${jit._id}/links`)).body.links as unknown[]).length, 1);
  assert.deepEqual((await call(server, admin, 'GET', `/users/${local._id}/links`)).body.links, []);
});
