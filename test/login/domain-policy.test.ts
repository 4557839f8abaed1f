// ZITADEL's domain policy `userLoginMustBeDomain` (issue 16), part of Castellan's login policy (instance default,
// org override): where set, a user logs in as `username@{org domain}` only, not by the bare username; where not, a
// username may not end in a domain another org verified (it would be found before that org's user).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { bootstrapToken, call } from '../api/helpers.ts';
import { redeemCode } from '../helpers/login.ts';
import { orgWithUser, passwordStep } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(() => server.stop());

const primaryDomainOf = async (orgId: string) =>
  (await call(server, admin, 'GET', `/orgs/${orgId}`)).body.primaryDomain as string;

const loginSucceeds = async (loginName: string) => Boolean((await passwordStep(server, loginName)).callbackUrl);

function createUser(orgId: string, username: string) {
  return call(server, admin, 'POST', `/orgs/${orgId}/users/human`, {
    username,
    email: `${randomUUID().slice(0, 8)}@example.com`,
    givenName: 'Dom',
    familyName: 'Ain',
    password: 'Domain-Passw0rd!',
  });
}

describe('userLoginMustBeDomain', () => {
  it('is off by default (ZITADEL): the bare username logs in, and so does username@domain', async () => {
    const user = await orgWithUser(server, admin, {});
    const policy = await call(server, admin, 'GET', `/orgs/${user.orgId}/login-policy`);
    assert.equal((policy.body.effective as { userLoginMustBeDomain: boolean }).userLoginMustBeDomain, false);
    assert.ok(await loginSucceeds(user.username));
    assert.ok(await loginSucceeds(`${user.username}@${await primaryDomainOf(user.orgId)}`));
  });

  it('where set, only username@{verified org domain} logs in', async () => {
    const user = await orgWithUser(server, admin, { userLoginMustBeDomain: true });
    const policy = await call(server, admin, 'GET', `/orgs/${user.orgId}/login-policy`);
    assert.equal((policy.body.override as { userLoginMustBeDomain: boolean }).userLoginMustBeDomain, true);
    assert.equal(await loginSucceeds(user.username), false);
    const flow = await passwordStep(server, `${user.username}@${await primaryDomainOf(user.orgId)}`);
    assert.equal((await redeemCode(flow)).claims()?.sub, user.userId);
  });

  it("refuses a username ending in another org's verified domain unless login names carry the org domain", async () => {
    const beta = await orgWithUser(server, admin, {});
    const betaDomain = await primaryDomainOf(beta.orgId);
    const other = await orgWithUser(server, admin, {});
    const taken = await createUser(other.orgId, `bob-${randomUUID().slice(0, 4)}@${betaDomain}`);
    assert.equal(taken.status, 409, JSON.stringify(taken.body));
    assert.match(JSON.stringify(taken.body), /username/);
    assert.equal((await createUser(beta.orgId, `bob-${randomUUID().slice(0, 4)}@${betaDomain}`)).status, 201);
    const carrying = await orgWithUser(server, admin, { userLoginMustBeDomain: true });
    assert.equal((await createUser(carrying.orgId, `bob-${randomUUID().slice(0, 4)}@${betaDomain}`)).status, 201);
  });
});
