import test from 'node:test';
import assert from 'node:assert/strict';
import { roleFitsLevel, MANAGER_LEVELS, type ManagerLevel } from '../../src/domain/rules/permissions.ts';
import { loadRolePermissions } from '../../src/http/api/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// Expectations come from config/role-permissions.json and the scoping rules of the issue (instance roles
// anywhere, org roles in their org, project roles on their project, grant roles on their grant), not from
// the code under test: read → 200 or 404; write → 2xx, 403 when visible, 404 when not.

type Kind = 'org' | 'user' | 'project' | 'app' | 'grant' | 'userGrant' | 'orgMembers';
interface Side {
  org: string;
  user: string;
  project: string;
  app: string;
  grant: string;
  userGrant: string;
  member: string;
}
interface Probe {
  /** visibleWith: for listings under a parent, the parent's read permission (the parent is visible: 403, not 404). */
  read: { permission: string; visibleWith?: string[]; call: (side: Side) => [string, string, unknown?] };
  write: { permission: string; visibleWith: string[]; call: (side: Side) => [string, string, unknown?] };
  /** Which membership levels reach this kind's read, write and visibility contexts (besides the instance). */
  reach: { read: ManagerLevel[]; write: ManagerLevel[] };
}

const PROBES: Record<Kind, Probe> = {
  org: {
    read: { permission: 'org.read', call: (s) => ['GET', `/orgs/${s.org}`] },
    write: { permission: 'org.write', visibleWith: ['org.read'], call: (s) => ['POST', `/orgs/${s.org}/reactivate`] },
    reach: { read: ['org'], write: ['org'] },
  },
  user: {
    read: { permission: 'user.read', call: (s) => ['GET', `/users/${s.user}`] },
    write: {
      permission: 'user.write',
      visibleWith: ['user.read'],
      call: (s) => ['PATCH', `/users/${s.user}`, { name: 'Bot' }],
    },
    reach: { read: ['org'], write: ['org'] },
  },
  project: {
    read: { permission: 'project.read', call: (s) => ['GET', `/projects/${s.project}`] },
    write: {
      permission: 'project.write',
      visibleWith: ['project.read'],
      call: (s) => ['PATCH', `/projects/${s.project}`, { projectRoleCheck: false }],
    },
    reach: { read: ['org', 'project'], write: ['org', 'project'] },
  },
  app: {
    read: { permission: 'project.app.read', call: (s) => ['GET', `/projects/${s.project}/apps/${s.app}`] },
    write: {
      permission: 'project.app.write',
      visibleWith: ['project.app.read'],
      call: (s) => ['PATCH', `/projects/${s.project}/apps/${s.app}`, { name: 'Web' }],
    },
    reach: { read: ['org', 'project'], write: ['org', 'project'] },
  },
  grant: {
    read: { permission: 'project.grant.read', call: (s) => ['GET', `/projects/${s.project}/grants/${s.grant}`] },
    write: {
      permission: 'project.grant.write',
      visibleWith: ['project.grant.read'],
      call: (s) => ['PATCH', `/projects/${s.project}/grants/${s.grant}`, { roleKeys: ['reader'] }],
    },
    // The grant's own managers see it; only the owner side changes it.
    reach: { read: ['org', 'project', 'projectGrant'], write: ['org', 'project'] },
  },
  userGrant: {
    read: { permission: 'user.grant.read', call: (s) => ['GET', `/orgs/${s.org}/user-grants/${s.userGrant}`] },
    write: {
      permission: 'user.grant.write',
      visibleWith: ['user.grant.read'],
      call: (s) => ['PATCH', `/orgs/${s.org}/user-grants/${s.userGrant}`, { roleKeys: ['reader'] }],
    },
    reach: { read: ['org', 'project'], write: ['org', 'project'] },
  },
  orgMembers: {
    read: { permission: 'org.member.read', visibleWith: ['org.read'], call: (s) => ['GET', `/orgs/${s.org}/members`] },
    write: {
      permission: 'org.member.write',
      visibleWith: ['org.read', 'org.member.read'],
      call: (s) => ['PUT', `/orgs/${s.org}/members/${s.member}`, { roles: ['ORG_OWNER_VIEWER'] }],
    },
    reach: { read: ['org'], write: ['org'] },
  },
};

function levelOf(role: string): ManagerLevel | undefined {
  return MANAGER_LEVELS.find((level) => roleFitsLevel(role, level));
}

function expected(
  permissions: readonly string[],
  level: ManagerLevel,
  own: boolean,
  probe: Probe,
): { read: number; write: number[] } {
  const reaches = (levels: ManagerLevel[]) => level === 'instance' || (own && levels.includes(level));
  const holds = (permission: string, levels: ManagerLevel[]) => reaches(levels) && permissions.includes(permission);
  const readVisible = (probe.read.visibleWith ?? []).some((permission) => holds(permission, probe.reach.read));
  const read = holds(probe.read.permission, probe.reach.read) ? 200 : readVisible ? 403 : 404;
  if (holds(probe.write.permission, probe.reach.write)) return { read, write: [200, 201, 204] };
  const visible = probe.write.visibleWith.some((permission) => holds(permission, probe.reach.read));
  return { read, write: [visible ? 403 : 404] };
}

async function buildSide(server: TestServer, admin: string, tag: string, third: string): Promise<Side> {
  const post = async (path: string, body: unknown) => {
    const response = await call(server, admin, 'POST', path, body);
    assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
    return response.body.id as string;
  };
  const org = await post('/orgs', { name: `Org ${tag}` });
  const project = await post(`/orgs/${org}/projects`, { name: 'Portal' });
  await post(`/projects/${project}/roles`, { key: 'reader', displayName: 'Reader' });
  const app = await post(`/projects/${project}/apps`, {
    type: 'oidc',
    name: 'Web',
    redirectUris: ['https://app.example/cb'],
  });
  const grant = await post(`/projects/${project}/grants`, { grantedOrgId: third, roleKeys: ['reader'] });
  const user = await post(`/orgs/${org}/users/machine`, { username: `user-${tag}`, name: 'Bot' });
  const userGrant = await post(`/orgs/${org}/user-grants`, { userId: user, projectId: project, roleKeys: ['reader'] });
  const member = await post(`/orgs/${org}/users/machine`, { username: `member-${tag}`, name: 'Member' });
  assert.equal(
    (await call(server, admin, 'POST', `/orgs/${org}/members`, { userId: member, roles: ['ORG_OWNER_VIEWER'] })).status,
    201,
  );
  return { org, user, project, app, grant, userGrant, member };
}

test('permission matrix: every manager role × resource kind × own/other org, from the mapping', async () => {
  const server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  try {
    const admin = await bootstrapToken(server);
    const third = (await call(server, admin, 'POST', '/orgs', { name: 'Third' })).body.id as string;
    const own = await buildSide(server, admin, 'own', third);
    const other = await buildSide(server, admin, 'other', third);
    const missing = await call(server, admin, 'GET', '/projects/999999999');
    const mapping = loadRolePermissions();
    let checked = 0;
    for (const [role, permissions] of Object.entries(mapping)) {
      const level = levelOf(role);
      if (!level) continue;
      const caller = (
        await call(server, admin, 'POST', `/orgs/${own.org}/users/machine`, {
          username: `caller-${role.toLowerCase().replace(/_/g, '-')}`,
          name: role,
        })
      ).body.id as string;
      const membersPath = {
        instance: '/instance/members',
        org: `/orgs/${own.org}/members`,
        project: `/projects/${own.project}/members`,
        projectGrant: `/projects/${own.project}/grants/${own.grant}/members`,
      }[level];
      assert.equal(
        (await call(server, admin, 'POST', membersPath, { userId: caller, roles: [role] })).status,
        201,
        role,
      );
      const token = (await call(server, admin, 'POST', `/users/${caller}/personal-access-tokens`, {})).body
        .token as string;
      for (const [kind, probe] of Object.entries(PROBES)) {
        for (const [sideName, side] of [
          ['own', own],
          ['other', other],
        ] as const) {
          const expectation = expected(permissions, level, sideName === 'own', probe);
          const [readMethod, readPath] = probe.read.call(side);
          const read = await call(server, token, readMethod, readPath);
          assert.equal(
            read.status,
            expectation.read,
            `${role} read ${kind} (${sideName}): ${JSON.stringify(read.body)}`,
          );
          const [writeMethod, writePath, body] = probe.write.call(side);
          const write = await call(server, token, writeMethod, writePath, body);
          assert.ok(
            expectation.write.includes(write.status),
            `${role} write ${kind} (${sideName}): expected ${expectation.write.join('/')}, ` +
              `got ${write.status} ${JSON.stringify(write.body)}`,
          );
          // A hidden resource is indistinguishable from a missing one.
          for (const response of [read, write])
            if (response.status === 404) assert.deepEqual(response.body, missing.body);
          checked += 2;
        }
      }
    }
    assert.ok(checked >= 600, `${checked} checks`);
  } finally {
    await server.stop();
  }
});
