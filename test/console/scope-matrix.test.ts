// Issue 18's scope matrix: for each manager role of seed 004, held where seed 002 puts it, the console shows the
// pages the management API lets the role read (compared with the API itself, called by a machine user holding the same
// role), shows exactly the controls ZITADEL's role allows, and refuses a forged form post with nothing changed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { createPersonalAccessToken } from '../../src/domain/commands/personal-access-tokens.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { Membership, Project, ProjectGrant, User } from '../../src/store/models/index.ts';
import { hashPassword } from '../../src/platform/passwords.ts';
import { call } from '../api/helpers.ts';
import { CookieJar, openPage, submitLoginName, submitPassword } from '../helpers/login.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

type Level = 'instance' | 'org' | 'project' | 'projectGrant';
interface Holder {
  role: string;
  level: Level;
  /** The controls the console must show: create a person in ACME, add a role to the project, grant the project. */
  controls: { createPerson: boolean; addRole: boolean; grantProject: boolean };
}

const ALL = { createPerson: true, addRole: true, grantProject: true };
const NONE = { createPerson: false, addRole: false, grantProject: false };
// ZITADEL's permissions of each role (config/role-permissions.json): user.write, project.role.write,
// project.grant.write.
const HOLDERS: Holder[] = [
  { role: 'IAM_OWNER', level: 'instance', controls: ALL },
  { role: 'IAM_OWNER_VIEWER', level: 'instance', controls: NONE },
  { role: 'ORG_OWNER', level: 'org', controls: ALL },
  { role: 'ORG_OWNER_VIEWER', level: 'org', controls: NONE },
  { role: 'ORG_USER_MANAGER', level: 'org', controls: { ...NONE, createPerson: true } },
  { role: 'ORG_USER_PERMISSION_EDITOR', level: 'org', controls: NONE },
  { role: 'ORG_PROJECT_PERMISSION_EDITOR', level: 'org', controls: { ...NONE, grantProject: true } },
  { role: 'PROJECT_OWNER', level: 'project', controls: { ...NONE, addRole: true, grantProject: true } },
  { role: 'PROJECT_OWNER_VIEWER', level: 'project', controls: NONE },
  { role: 'PROJECT_GRANT_OWNER', level: 'projectGrant', controls: NONE },
];

let fixture: OidcFixture;
let betaGrantId: string;

before(async () => {
  fixture = await startOidcFixture();
  betaGrantId = (await ProjectGrant.findOne({
    instanceId: fixture.instanceId,
    grantedOrgId: fixture.orgs.Beta,
  }).lean())!._id;
});
after(() => fixture.server.stop());

/** A person (for the console) and a machine user (for the API) of ACME, both holding the role where it belongs. */
async function holderOf(holder: Holder): Promise<{ loginName: string; token: string }> {
  const instanceId = fixture.instanceId;
  const slug = holder.role.toLowerCase().replace(/_/g, '-');
  const resource = {
    instance: { resourceId: instanceId, orgId: instanceId, projectId: null },
    org: { resourceId: fixture.orgs.ACME!, orgId: fixture.orgs.ACME!, projectId: null },
    project: { resourceId: fixture.demoProjectId, orgId: fixture.orgs.ACME!, projectId: fixture.demoProjectId },
    projectGrant: { resourceId: betaGrantId, orgId: fixture.orgs.Beta!, projectId: fixture.demoProjectId },
  }[holder.level];
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const person = await User.create({
    instanceId,
    orgId: fixture.orgs.ACME,
    type: 'human',
    username: slug,
    human: {
      email: `${slug}@acme.localhost`,
      emailVerified: true,
      givenName: slug,
      familyName: 'Manager',
      passwordHash,
    },
  });
  const machine = await User.create({
    instanceId,
    orgId: fixture.orgs.ACME,
    type: 'machine',
    username: `${slug}-bot`,
    machine: { name: `${holder.role} bot` },
  });
  for (const user of [person, machine])
    await Membership.create({ instanceId, userId: user._id, level: holder.level, ...resource, roles: [holder.role] });
  const { token } = await createPersonalAccessToken(
    { instanceId, actorId: machine._id },
    machine.toObject(),
    new Date(Date.now() + 3600_000),
    clientSecretHashKey(fixture.server.services.masterKey),
  );
  return { loginName: `${slug}@acme.localhost`, token };
}

async function consoleSession(loginName: string): Promise<CookieJar> {
  const jar = new CookieJar();
  let flow = await openPage(jar, `${fixture.baseUrl}/ui/console/signin`);
  flow = await submitLoginName(flow, loginName);
  flow = await submitPassword(flow, DEMO_PASSWORD);
  assert.equal(flow.page?.url, `${fixture.baseUrl}/ui/console`, `${loginName} is signed in to the console`);
  return jar;
}

async function consoleGet(jar: CookieJar, path: string) {
  const browsing = await openPage(jar, `${fixture.baseUrl}/ui/console${path}`);
  return browsing.page!;
}

async function consolePost(jar: CookieJar, path: string, csrf: string, fields: Record<string, string>) {
  const url = new URL(`${fixture.baseUrl}/ui/console${path}`);
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(url), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, ...fields }).toString(),
  });
  jar.store(response);
  return response.status;
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('the console’s scope matrix', () => {
  for (const holder of HOLDERS) {
    it(`${holder.role}: pages as the API allows, exactly its controls, forged posts refused`, async () => {
      const { loginName, token } = await holderOf(holder);
      const jar = await consoleSession(loginName);
      const acme = fixture.orgs.ACME!;
      const project = fixture.demoProjectId;
      const pages: Array<[string, string]> = [
        [`/orgs/${acme}`, `/orgs/${acme}`],
        [`/orgs/${acme}/users`, `/orgs/${acme}/users`],
        [`/projects/${project}`, `/projects/${project}`],
        [`/projects/${project}/grants/${betaGrantId}`, `/projects/${project}/grants/${betaGrantId}`],
        [`/orgs/${fixture.orgs.Beta}/authorizations`, `/orgs/${fixture.orgs.Beta}/user-grants`],
        ['/instance/managers', '/instance/members'],
      ];
      for (const [consolePath, apiPath] of pages) {
        const page = await consoleGet(jar, consolePath);
        const api = await call(fixture.server, token, 'GET', apiPath);
        assert.equal(
          page.status === 200,
          api.status === 200,
          `${holder.role} ${consolePath}: console ${page.status}, API ${api.status}`,
        );
      }

      const users = await consoleGet(jar, `/orgs/${acme}/users`);
      const projectPage = await consoleGet(jar, `/projects/${project}`);
      const shown = {
        createPerson: users.html.includes('>Create person</button>'),
        addRole: projectPage.html.includes('>Add role</button>'),
        grantProject: projectPage.html.includes('>Grant project</button>'),
      };
      assert.deepEqual(shown, holder.controls, `${holder.role}: controls`);

      // Forged posts, with the session's own CSRF token, for every control the role must not have.
      const csrf = csrfOf((await consoleGet(jar, '/')).html);
      if (!holder.controls.createPerson) {
        const before = await User.countDocuments({ instanceId: fixture.instanceId });
        const status = await consolePost(jar, `/orgs/${acme}/users`, csrf, {
          action: 'createHuman',
          username: `forged-${holder.role.toLowerCase()}`,
          email: 'forged@acme.localhost',
          givenName: 'Forged',
          familyName: 'User',
        });
        assert.ok(status === 403 || status === 404, `${holder.role}: forged person refused (${status})`);
        assert.equal(await User.countDocuments({ instanceId: fixture.instanceId }), before, 'nobody was created');
      }
      if (!holder.controls.addRole) {
        const status = await consolePost(jar, `/projects/${project}`, csrf, {
          action: 'addRole',
          key: 'forged',
          displayName: 'Forged',
        });
        assert.ok(status === 403 || status === 404, `${holder.role}: forged role refused (${status})`);
        const roles = (await Project.findById(project).lean())!.roles.map((role) => role.key);
        assert.deepEqual(roles, ['accountant', 'developer'], 'the roles are unchanged');
      }
    });
  }

  it('a form without the session’s CSRF token is refused with nothing changed', async () => {
    const jar = await consoleSession('acme-owner@acme.localhost');
    const status = await consolePost(jar, `/projects/${fixture.demoProjectId}`, 'not-the-token', {
      action: 'addRole',
      key: 'csrf',
      displayName: 'CSRF',
    });
    assert.equal(status, 403);
    const roles = (await Project.findById(fixture.demoProjectId).lean())!.roles.map((role) => role.key);
    assert.deepEqual(roles, ['accountant', 'developer']);
  });
});
