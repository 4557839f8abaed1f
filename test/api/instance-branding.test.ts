// The instance's branding defaults as one resource (ZITADEL's default label policy, /admin/v1/policies/label): the
// name and colours every page of an org without branding of its own wears. Kept in the instance login policy, so the
// rest of that policy is untouched by a change; a change replaces the branding and is audited.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLogin } from '../helpers/login.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

/** ZITADEL's default label policy, light and dark (cmd/defaults.yaml), with no logo or icon. */
const DEFAULTS = {
  displayName: null,
  primaryColor: '#5469d4',
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
};

let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(() => server.stop());

describe('instance branding', () => {
  it('starts as the built-in defaults; a change replaces it, is worn by the login pages and audited', async () => {
    assert.deepEqual((await call(server, admin, 'GET', '/instance/branding')).body, DEFAULTS);
    const branding = { displayName: 'Sky Corp', primaryColor: '#123456', fontColor: '#222222' };
    const changed = await call(server, admin, 'PUT', '/instance/branding', branding);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(changed.body, { ...DEFAULTS, ...branding });
    const page = (await startLogin(demoLogin(server))).page!.html;
    assert.match(page, /--primary: #123456; --background: #fafafa; --font: #222222;/);
    assert.match(page, /<header>Sky Corp<\/header>/);

    const replaced = await call(server, admin, 'PUT', '/instance/branding', { backgroundColor: '#eeeeee' });
    assert.deepEqual(replaced.body, { ...DEFAULTS, backgroundColor: '#eeeeee' });
    const events = await call(server, admin, 'GET', `/events?resourceId=${server.bootstrap.instanceId}`);
    const recorded = (events.body.events as Array<{ type: string; payload: unknown }>)
      .filter((event) => event.type === 'instance.branding.set')
      .map((event) => event.payload);
    assert.deepEqual(recorded, [{ branding: { backgroundColor: '#eeeeee' } }, { branding }]);
    await call(server, admin, 'PUT', '/instance/branding', {});
  });

  it('leaves the rest of the instance login policy as it was, and shows in it', async () => {
    const policy = { allowRegister: true, lockout: { maxPasswordAttempts: 5 } };
    assert.equal((await call(server, admin, 'PUT', '/instance/login-policy', policy)).status, 200);
    await call(server, admin, 'PUT', '/instance/branding', { displayName: 'Kept' });
    const read = await call(server, admin, 'GET', '/instance/login-policy');
    assert.deepEqual(read.body.override, { ...policy, branding: { displayName: 'Kept' } });
    assert.equal((read.body.effective as { branding: { displayName: string } }).branding.displayName, 'Kept');
    await call(server, admin, 'PUT', '/instance/login-policy', {});
  });

  it('refuses a colour that is not #rrggbb, or an unknown field, with 400 naming it, changing nothing', async () => {
    for (const body of [{ primaryColor: 'red' }, { logoUrl: 'https://example.com/logo.png' }, { displayName: 7 }]) {
      const refused = await call(server, admin, 'PUT', '/instance/branding', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.match(JSON.stringify(refused.body), new RegExp(Object.keys(body)[0]!));
    }
    assert.deepEqual((await call(server, admin, 'GET', '/instance/branding')).body, DEFAULTS);
  });
});
