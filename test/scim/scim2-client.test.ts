// A real SCIM client (Python's scim2-client, PyPI) provisions users into an org through Castellan's SCIM endpoint:
// discovery, create, filters, a patch with ZITADEL's grants extension, bulk with a bulkId reference, delete. The user
// it created then logs in through the login UI (openid-client) and carries the granted role in its roles claim.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { after, before, it } from 'node:test';
import * as client from 'openid-client';
import { Organization } from '../../src/store/models/index.ts';
import { bootstrapToken } from '../api/helpers.ts';
import { loginWithPassword } from '../helpers/login.ts';
import { demoApp, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { provisioningToken, scim2ClientPython } from './helpers.ts';

let fixture: OidcFixture;
before(async () => {
  fixture = await startOidcFixture();
});
after(() => fixture.server.stop());

it('scim2-client provisions a user with a project role; the user logs in with it', async () => {
  const python = scim2ClientPython();
  const { server, orgs, demoProjectId } = fixture;
  const acme = orgs.ACME!;
  const token = await provisioningToken(server, await bootstrapToken(server), acme, ['ORG_USER_MANAGER']);
  const script = path.join(import.meta.dirname, 'scim2_client_run.py');
  const base = `${server.url}/scim/v2/${acme}`;
  // Asynchronously: the server runs in this process.
  const run = await promisify(execFile)(python, [script, base, token, demoProjectId, 'developer']).catch(
    (error: { stdout: string; stderr: string }) => assert.fail(`${error.stderr}\n${error.stdout}`),
  );
  const report = JSON.parse(run.stdout);

  assert.deepEqual(report.resourceTypes, ['Group', 'User']);
  assert.equal(report.created.userName, 'jane.doe');
  assert.match(report.created.version, /^W\/"/);
  assert.deepEqual(report.filters, {
    'userName eq "jane.doe"': 1,
    'externalId eq "directory-jane"': 1,
    'emails co "example.org" and active eq true': 1,
    'name.familyName sw "do" or userName eq "nobody"': 1,
    'userName eq "nobody"': 0,
  });
  assert.equal(report.searched, 1);
  assert.deepEqual(report.patched, {
    grants: [{ projectId: demoProjectId, roles: ['developer'] }],
    displayName: 'Jane D.',
  });
  assert.deepEqual(
    report.bulk.map((operation: { status: number }) => operation.status),
    [201, 200],
  );
  assert.equal(report.bobActive, false);
  assert.equal(report.bobAfterDelete, 0);

  const org = await Organization.findById(acme).lean();
  const tokens = await loginWithPassword({
    baseUrl: fixture.baseUrl,
    ...demoApp(fixture),
    scope: 'openid profile email',
    loginName: `jane.doe@${org!.primaryDomain}`,
    password: 'Scim-Passw0rd!',
  });
  const config = await client.discovery(
    new URL(fixture.baseUrl),
    demoApp(fixture).clientId,
    demoApp(fixture).clientSecret,
    undefined,
    { execute: [client.allowInsecureRequests] },
  );
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck);
  assert.equal(userinfo.preferred_username, `jane.doe@${org!.primaryDomain}`);
  assert.deepEqual(userinfo['urn:zitadel:iam:org:project:roles'], { developer: { [acme]: org!.primaryDomain } });
});
