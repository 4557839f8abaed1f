// Issue 18's scope matrix: for each manager role of seed 004, held where seed 002 puts it, the console shows the
// pages the management API lets the role read (compared with the API itself, called by a machine user holding the same
// role), shows exactly the controls ZITADEL's role allows, and refuses a forged form post with nothing changed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPersonalAccessToken } from '../../src/domain/commands/personal-access-tokens.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { Membership, Project, ProjectGrant, User } from '../../src/store/models/index.ts';
import { call } from '../api/helpers.ts';
import { consoleClient, managerOf, membershipOn } from '../helpers/console-session.ts';
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
  const acme = fixture.orgs.ACME!;
  const slug = holder.role.toLowerCase().replace(/_/g, '-');
  const grant = { resourceId: betaGrantId, orgId: fixture.orgs.Beta!, projectId: fixture.demoProjectId };
  const membership =
    holder.level === 'projectGrant'
      ? { level: holder.level, ...grant, role: holder.role }
      : membershipOn(fixture, holder.level, acme, holder.role, fixture.demoProjectId);
  const { loginName } = await managerOf(fixture, slug, acme, membership);
  const { role, ...where } = membership;
  const machine = await User.create({
    instanceId,
    orgId: acme,
    type: 'machine',
    username: `${slug}-bot`,
    machine: { name: `${holder.role} bot` },
  });
  await Membership.create({ instanceId, userId: machine._id, projectId: null, ...where, roles: [role] });
  const { token } = await createPersonalAccessToken(
    { instanceId, actorId: machine._id },
    machine.toObject(),
    new Date(Date.now() + 3600_000),
    clientSecretHashKey(fixture.server.services.masterKey),
  );
  return { loginName, token };
}

describe('the console’s scope matrix', () => {
  for (const holder of HOLDERS) {
    it(`${holder.role}: pages as the API allows, exactly its controls, forged posts refused`, async () => {
      const { loginName, token } = await holderOf(holder);
      const manager = await consoleClient(fixture, loginName);
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
        const page = await manager.get(consolePath);
        const api = await call(fixture.server, token, 'GET', apiPath);
        assert.equal(
          page.status === 200,
          api.status === 200,
          `${holder.role} ${consolePath}: console ${page.status}, API ${api.status}`,
        );
      }

      const users = await manager.get(`/orgs/${acme}/users`);
      const projectPage = await manager.get(`/projects/${project}`);
      const shown = {
        createPerson: users.html.includes('>Create person</button>'),
        addRole: projectPage.html.includes('>Add role</button>'),
        grantProject: projectPage.html.includes('>Grant project</button>'),
      };
      assert.deepEqual(shown, holder.controls, `${holder.role}: controls`);
      // Forged posts, with the session's own CSRF token, for every control the role must not have.
      if (!holder.controls.createPerson) {
        const before = await User.countDocuments({ instanceId: fixture.instanceId });
        const { status } = await manager.post(`/orgs/${acme}/users`, [
          ['action', 'createHuman'],
          ['username', `forged-${holder.role.toLowerCase()}`],
          ['email', 'forged@acme.localhost'],
          ['givenName', 'Forged'],
          ['familyName', 'User'],
        ]);
        assert.ok(status === 403 || status === 404, `${holder.role}: forged person refused (${status})`);
        assert.equal(await User.countDocuments({ instanceId: fixture.instanceId }), before, 'nobody was created');
      }
      if (!holder.controls.addRole) {
        const { status } = await manager.post(`/projects/${project}`, [
          ['action', 'addRole'],
          ['key', 'forged'],
          ['displayName', 'Forged'],
        ]);
        assert.ok(status === 403 || status === 404, `${holder.role}: forged role refused (${status})`);
        const roles = (await Project.findById(project).lean())!.roles.map((role) => role.key);
        assert.deepEqual(roles, ['accountant', 'developer'], 'the roles are unchanged');
      }
    });
  }

  it('a form without the session’s CSRF token is refused with nothing changed', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const { status } = await owner.post(
      `/projects/${fixture.demoProjectId}`,
      [
        ['action', 'addRole'],
        ['key', 'csrf'],
        ['displayName', 'CSRF'],
      ],
      'not-the-token',
    );
    assert.equal(status, 403);
    const roles = (await Project.findById(fixture.demoProjectId).lean())!.roles.map((role) => role.key);
    assert.deepEqual(roles, ['accountant', 'developer']);
  });
});
