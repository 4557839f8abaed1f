// The instance's allowed features as one resource (ZITADEL's instance features, /v2/features/instance, and the
// security policy's impersonation switch): registration, org sign-up, token exchange and impersonation. A change names
// only the features it sets, is audited, and each feature switched off is refused where it is used.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type * as client from 'openid-client';
import { Instance } from '../../src/store/models/index.ts';
import { CookieJar, openPage, startLogin, type LoginFlow } from '../helpers/login.ts';
import { useTestSmtp } from '../helpers/mailing-server.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { appConfig, createOidcApp, startOidcFixture, userIdOf, type OidcFixture } from '../helpers/oidc.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { refusal, TOKEN_EXCHANGE, TOKEN_TYPE } from '../helpers/token-exchange.ts';
import { bootstrapToken, call } from './helpers.ts';

const ALL_OFF = { registration: false, orgSignUp: false, impersonation: false, tokenExchange: false };

let fixture: OidcFixture;
let admin: string;
let smtp: TestSmtp;
let exchanger: client.Configuration;

before(async () => {
  fixture = await startOidcFixture();
  admin = await bootstrapToken(fixture.server);
  smtp = await startTestSmtp();
  // Org sign-up is offered only where the instance can send the owner's verification email.
  await useTestSmtp(fixture.server, admin, smtp);
  const app = await createOidcApp(fixture, fixture.demoProjectId, 'feature-exchanger', {
    grantTypes: ['authorization_code', TOKEN_EXCHANGE],
  });
  exchanger = await appConfig(fixture, app);
});
after(async () => {
  await fixture.server.stop();
  await smtp.stop();
});

async function setFeatures(change: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = await call(fixture.server, admin, 'PUT', '/instance/features', change);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

const link = (flow: LoginFlow, page: string) =>
  new RegExp(`href="(/ui/login/[^"]+/${page})"`).exec(flow.page!.html)?.[1] ?? null;
const interactionOf = (flow: LoginFlow) => /action="\/ui\/login\/([^/"]+)\/login-name"/.exec(flow.page!.html)![1];

describe('instance features', () => {
  it('start off; a change sets only the features it names, where they were stored before, and is audited', async () => {
    assert.deepEqual((await call(fixture.server, admin, 'GET', '/instance/features')).body, ALL_OFF);
    assert.deepEqual(await setFeatures({ registration: true, tokenExchange: true }), {
      ...ALL_OFF,
      registration: true,
      tokenExchange: true,
    });
    assert.deepEqual(await setFeatures({ impersonation: true }), {
      ...ALL_OFF,
      registration: true,
      tokenExchange: true,
      impersonation: true,
    });
    const stored = await Instance.findById(fixture.instanceId).lean();
    assert.equal(stored?.loginPolicy?.allowRegister, true);
    assert.deepEqual(stored?.settings?.features, { tokenExchange: true });
    assert.deepEqual(stored?.settings?.security, { enableImpersonation: true });
    const settings = await call(fixture.server, admin, 'GET', '/instance/settings');
    assert.deepEqual(settings.body.features, { tokenExchange: true, orgSignUp: false });
    const events = await call(fixture.server, admin, 'GET', `/events?resourceId=${fixture.instanceId}`);
    const recorded = (events.body.events as Array<{ type: string; payload: unknown }>)
      .filter((event) => event.type === 'instance.features.set')
      .map((event) => event.payload);
    assert.deepEqual(recorded, [
      { features: { impersonation: true } },
      { features: { registration: true, tokenExchange: true } },
    ]);
    await setFeatures(ALL_OFF);
  });

  it('refuses an unknown feature or a value that is not a boolean with 400 naming it, changing nothing', async () => {
    for (const body of [{ selfService: true }, { registration: 'yes' }, { orgSignUp: null }]) {
      const refused = await call(fixture.server, admin, 'PUT', '/instance/features', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.match(JSON.stringify(refused.body), new RegExp(Object.keys(body)[0]!));
    }
    assert.deepEqual((await call(fixture.server, admin, 'GET', '/instance/features')).body, ALL_OFF);
  });

  it('registration: offered and open only while on (for orgs without a policy of their own)', async () => {
    const org = await call(fixture.server, admin, 'POST', '/orgs', { name: `Features ${randomUUID().slice(0, 8)}` });
    const start = () =>
      startLogin(demoLogin(fixture.server, { scope: `openid urn:zitadel:iam:org:id:${org.body.id as string}` }));
    await setFeatures({ registration: true });
    assert.ok(link(await start(), 'register'));
    await setFeatures({ registration: false });
    const closed = await start();
    assert.equal(link(closed, 'register'), null);
    const page = await openPage(closed.jar, `${fixture.baseUrl}/ui/login/${interactionOf(closed)}/register`);
    assert.equal(page.page?.status, 403);
  });

  it('org sign-up: offered and open only while on', async () => {
    await setFeatures({ orgSignUp: true });
    assert.ok(link(await startLogin(demoLogin(fixture.server)), 'org-signup'));
    assert.equal((await openPage(new CookieJar(), `${fixture.baseUrl}/ui/login/register/org`)).page?.status, 200);
    await setFeatures({ orgSignUp: false });
    const closed = await startLogin(demoLogin(fixture.server));
    assert.equal(link(closed, 'org-signup'), null);
    assert.equal((await openPage(new CookieJar(), `${fixture.baseUrl}/ui/login/register/org`)).page?.status, 403);
  });

  it('token exchange: advertised and granted only while on', async () => {
    const grants = async () =>
      ((await (await fetch(`${fixture.baseUrl}/.well-known/openid-configuration`)).json()) as Record<string, string[]>)
        .grant_types_supported!;
    const params = { subject_token: await userIdOf(fixture, 'alice'), subject_token_type: TOKEN_TYPE.userId };
    assert.ok(!(await grants()).includes(TOKEN_EXCHANGE));
    assert.equal((await refusal(exchanger, params)).error, 'unsupported_grant_type');
    await setFeatures({ tokenExchange: true });
    assert.ok((await grants()).includes(TOKEN_EXCHANGE));
    assert.notEqual((await refusal(exchanger, params)).error, 'unsupported_grant_type');
    await setFeatures({ tokenExchange: false });
  });

  it('impersonation: refused as disabled while off, decided by the impersonator roles while on', async () => {
    await setFeatures({ tokenExchange: true });
    const params = { subject_token: await userIdOf(fixture, 'alice'), subject_token_type: TOKEN_TYPE.userId };
    const disabled = 'impersonation is disabled by the instance security settings';
    assert.equal((await refusal(exchanger, params)).description, disabled);
    await setFeatures({ impersonation: true });
    assert.notEqual((await refusal(exchanger, params)).description, disabled);
    await setFeatures(ALL_OFF);
  });
});
