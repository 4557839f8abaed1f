// An instance's settings through the System API: the operator reads them (SYSTEM_OWNER_VIEWER) and changes them
// (SYSTEM_OWNER) with the management API's validation and commands: the same 400s naming the field, the same events in
// the instance's audit trail (the operator as actor), the SMTP password written but never read back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { updateInstance } from '../../src/domain/commands/instance-admin.ts';
import { Event, Instance } from '../../src/store/models/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { newInstanceBody, newOperator, systemCall, systemJwt, systemUsersEnv } from './helpers.ts';

const owner = newOperator('settings-owner');
const viewer = newOperator('settings-viewer');

let server: TestServer;
let ownerToken: string;
let viewerToken: string;
let instanceId: string;

before(async () => {
  server = await startTestServer({
    CASTELLAN_DEMO: 'false',
    CASTELLAN_SYSTEM_USERS: systemUsersEnv([{ operator: owner }, { operator: viewer, roles: ['SYSTEM_OWNER_VIEWER'] }]),
  });
  ownerToken = await systemJwt(owner, { audience: server.config.publicUrl });
  viewerToken = await systemJwt(viewer, { audience: server.config.publicUrl });
  const created = await systemCall(server.url, ownerToken, 'POST', '/instances', newInstanceBody('Set', ['set.test']));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  instanceId = created.body.id as string;
});
after(() => server.stop());

const settingsPath = () => `/instances/${instanceId}/settings`;

const change = {
  tokenLifetimes: { accessTokenSeconds: 900 },
  loginPolicy: { forceMfa: true, passwordComplexity: { minLength: 12 }, lockout: { maxPasswordAttempts: 4 } },
  branding: { displayName: 'Set Inc', primaryColor: '#0a0b0c' },
  features: { registration: true, tokenExchange: true },
  oidc: { requirePkceForAllClients: true },
  strictReservedScopes: { projectRole: true },
  smtp: {
    host: 'smtp.set.test',
    port: 587,
    tls: 'starttls',
    user: 'mailer',
    password: 'smtp-secret-1',
    senderAddress: 'no-reply@set.test',
  },
};

describe('instance settings through the System API', () => {
  it('a viewer reads the settings in effect; without SMTP it is null', async () => {
    const read = await systemCall(server.url, viewerToken, 'GET', settingsPath());
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.deepEqual(Object.keys(read.body).sort(), [
      'branding',
      'features',
      'loginPolicy',
      'oidc',
      'smtp',
      'strictReservedScopes',
      'tokenLifetimes',
    ]);
    assert.equal(read.body.smtp, null);
    assert.deepEqual(read.body.features, {
      registration: false,
      orgSignUp: false,
      impersonation: false,
      tokenExchange: false,
    });
    assert.equal((read.body.branding as { primaryColor: string }).primaryColor, '#5469d4');
  });

  it('a viewer may not change them (403)', async () => {
    const refused = await systemCall(server.url, viewerToken, 'PATCH', settingsPath(), {
      oidc: { strictClientAssertions: true },
    });
    assert.equal(refused.status, 403);
  });

  it('an owner changes every group at once; each is stored as the management API stores it, and audited', async () => {
    const changed = await systemCall(server.url, ownerToken, 'PATCH', settingsPath(), change);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const body = changed.body as Record<string, Record<string, unknown>>;
    assert.equal(body.tokenLifetimes!.accessTokenSeconds, 900);
    const effective = (body.loginPolicy!.effective ?? {}) as Record<string, Record<string, unknown>>;
    assert.equal(effective.forceMfa, true);
    assert.equal(effective.passwordComplexity!.minLength, 12);
    assert.equal(effective.lockout!.maxPasswordAttempts, 4);
    assert.deepEqual(body.branding, {
      displayName: 'Set Inc',
      primaryColor: '#0a0b0c',
      backgroundColor: '#fafafa',
      warnColor: '#cd3d56',
      fontColor: '#000000',
      primaryColorDark: '#2073c4',
      backgroundColorDark: '#111827',
      warnColorDark: '#ff3b5b',
      fontColorDark: '#ffffff',
      logoUrl: null,
      logoDarkUrl: null,
      iconUrl: null,
      iconDarkUrl: null,
    });
    assert.deepEqual(body.features, {
      registration: true,
      orgSignUp: false,
      impersonation: false,
      tokenExchange: true,
    });
    assert.equal(body.oidc!.requirePkceForAllClients, true);
    assert.equal(body.strictReservedScopes!.projectRole, true);
    assert.deepEqual(body.smtp, {
      host: 'smtp.set.test',
      port: 587,
      tls: 'starttls',
      user: 'mailer',
      hasPassword: true,
      senderAddress: 'no-reply@set.test',
      senderName: null,
      replyTo: null,
    });
    assert.ok(!JSON.stringify(body).includes('smtp-secret-1'));
    const stored = await Instance.findById(instanceId).lean();
    assert.ok(stored?.smtp?.passwordEncrypted && !stored.smtp.passwordEncrypted.includes('smtp-secret-1'));
    assert.equal(stored?.loginPolicy?.allowRegister, true);

    const events = await Event.find({ instanceId, actorId: 'system:settings-owner' }, { type: 1 }).lean();
    for (const type of [
      'instance.login_policy.set',
      'instance.branding.set',
      'instance.features.set',
      'instance.settings.changed',
      'instance.changed',
      'instance.smtp.set',
    ])
      assert.ok(
        events.some((event) => event.type === type),
        `audit event ${type}`,
      );
    const read = await systemCall(server.url, viewerToken, 'GET', settingsPath());
    assert.deepEqual(read.body, changed.body);
  });

  it('keeps the SMTP password when it is left out, and removes the settings with null', async () => {
    const { password: _password, ...withoutPassword } = change.smtp;
    const kept = await systemCall(server.url, ownerToken, 'PATCH', settingsPath(), {
      smtp: { ...withoutPassword, port: 2525 },
    });
    assert.equal((kept.body.smtp as { hasPassword: boolean; port: number }).hasPassword, true);
    assert.equal((kept.body.smtp as { port: number }).port, 2525);
    const removed = await systemCall(server.url, ownerToken, 'PATCH', settingsPath(), { smtp: null });
    assert.equal(removed.status, 200);
    assert.equal(removed.body.smtp, null);
    const again = await systemCall(server.url, ownerToken, 'PATCH', settingsPath(), { smtp: null });
    assert.equal(again.status, 200);
  });

  it('refuses what the management API refuses, with 400 naming the field, before changing anything', async () => {
    const before = await Instance.findById(instanceId).lean();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ branding: { primaryColor: 'blue' } }, 'branding.primaryColor'],
      [{ features: { selfService: true } }, 'features'],
      [{ tokenLifetimes: { accessTokenSeconds: 5 } }, 'tokenLifetimes.accessTokenSeconds'],
      [{ smtp: { ...change.smtp, tls: 'ssl' } }, 'smtp.tls'],
      [{ strictReservedScopes: { roleId: true } }, 'strictReservedScopes'],
      [{ unknown: {} }, '(body)'],
      // Refused by the login policy command itself (domain/rules/login-policy-support.ts), as on the management API.
      [{ tokenLifetimes: { accessTokenSeconds: 120 }, loginPolicy: { secondFactors: ['otp_sms'] } }, 'secondFactors'],
    ];
    for (const [body, field] of cases) {
      const answer = await systemCall(server.url, ownerToken, 'PATCH', settingsPath(), body);
      assert.equal(answer.status, 400, `${field}: ${JSON.stringify(answer.body)}`);
      assert.ok(JSON.stringify(answer.body).includes(field), `${field} in ${JSON.stringify(answer.body)}`);
    }
    const after = await Instance.findById(instanceId).lean();
    assert.deepEqual({ ...after, updatedAt: undefined }, { ...before, updatedAt: undefined }, 'nothing was written');
  });

  it('changes only the token lifetimes given: one left out, or present but undefined, keeps its value', async () => {
    const lifetimesOf = async (): Promise<Record<string, number>> => {
      const answer = await systemCall(server.url, viewerToken, 'GET', `/instances/${instanceId}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.tokenLifetimes as Record<string, number>;
    };
    const before = await lifetimesOf();
    const patched = await systemCall(server.url, ownerToken, 'PATCH', `/instances/${instanceId}`, {
      tokenLifetimes: { idTokenSeconds: 1800 },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(await lifetimesOf(), { ...before, idTokenSeconds: 1800 });
    // JSON cannot say `undefined`; the commands' own callers can (Partial<TokenLifetimes>, as the settings change
    // passes it on): such a key must not wipe the stored value.
    await updateInstance('system:settings-owner', instanceId, {
      tokenLifetimes: { accessTokenSeconds: undefined, refreshTokenIdleSeconds: 7200 },
    });
    assert.deepEqual(await lifetimesOf(), { ...before, idTokenSeconds: 1800, refreshTokenIdleSeconds: 7200 });
  });

  it('answers 404 for an unknown instance, 409 for one being removed', async () => {
    assert.equal((await systemCall(server.url, viewerToken, 'GET', '/instances/nope/settings')).status, 404);
    assert.equal((await systemCall(server.url, ownerToken, 'PATCH', '/instances/nope/settings', {})).status, 404);
    await Instance.updateOne({ _id: instanceId }, { $set: { state: 'removing' } });
    const refused = await systemCall(server.url, ownerToken, 'PATCH', settingsPath(), { oidc: {} });
    assert.equal(refused.status, 409);
    await Instance.updateOne({ _id: instanceId }, { $set: { state: 'active' } });
  });

  it('is in the System API OpenAPI document', async () => {
    const document = (await (await fetch(`${server.url}/system/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: object }>>;
    };
    const path = document.paths['/instances/{instanceId}/settings']!;
    assert.deepEqual(Object.keys(path.get!.responses).sort(), ['200', '401', '403', '404', '503']);
    assert.deepEqual(Object.keys(path.patch!.responses).sort(), [
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '503',
    ]);
  });
});
