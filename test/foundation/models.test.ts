import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mongoose from 'mongoose';
import {
  Application,
  Event,
  Membership,
  Organization,
  PersonalAccessToken,
  Project,
  ProjectGrant,
  User,
  UserGrant,
} from '../../src/store/models/index.ts';
import { useFreshDatabase } from '../helpers/database.ts';

const instanceId = 'instance-1';
let dropDatabase: () => Promise<void>;

before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

async function assertInvalid(document: { validate(): Promise<unknown> }, path: string): Promise<void> {
  await assert.rejects(document.validate(), (error: unknown) => {
    assert.ok(error instanceof mongoose.Error.ValidationError, String(error));
    assert.ok(
      Object.keys(error.errors).some((key) => key === path || key.startsWith(`${path}.`)),
      `expected an error on ${path}, got ${Object.keys(error.errors).join(', ')}`,
    );
    return true;
  });
}

async function assertDuplicate(create: () => Promise<unknown>): Promise<void> {
  await assert.rejects(create(), (error: { code?: number }) => {
    assert.equal(error.code, 11000, String(error));
    return true;
  });
}

const human = { email: 'a@example.com', givenName: 'A', familyName: 'B' };

describe('organization', () => {
  it('requires a name and a well-formed primary domain, and keeps them unique per instance', async () => {
    await assertInvalid(new Organization({ instanceId, primaryDomain: 'x.example.com' }), 'name');
    await assertInvalid(new Organization({ instanceId, name: 'X' }), 'primaryDomain');
    await assertInvalid(
      new Organization({
        instanceId,
        name: 'X',
        primaryDomain: 'x.example.com',
        domains: [{ domain: 'not a domain!' }],
      }),
      'domains',
    );
    await assertInvalid(
      new Organization({ instanceId, name: 'X', primaryDomain: 'x.example.com', state: 'deleted' }),
      'state',
    );
    await Organization.create({ instanceId, name: 'Org', primaryDomain: 'org.example.com' });
    await assertDuplicate(() => Organization.create({ instanceId, name: 'Org', primaryDomain: 'other.example.com' }));
    await assertDuplicate(() => Organization.create({ instanceId, name: 'Other', primaryDomain: 'org.example.com' }));
    await Organization.create({ instanceId: 'instance-2', name: 'Org', primaryDomain: 'org.example.com' });
  });

  it('validates login policy overrides (colours, numbers)', async () => {
    await assertInvalid(
      new Organization({
        instanceId,
        name: 'P',
        primaryDomain: 'p.example.com',
        loginPolicy: { branding: { primaryColor: 'red' } },
      }),
      'loginPolicy',
    );
    await assertInvalid(
      new Organization({
        instanceId,
        name: 'P',
        primaryDomain: 'p.example.com',
        loginPolicy: { passwordComplexity: { minLength: 0 } },
      }),
      'loginPolicy',
    );
    const org = await Organization.create({
      instanceId,
      name: 'P',
      primaryDomain: 'p.example.com',
      loginPolicy: { lockout: { maxPasswordAttempts: 3 } },
    });
    assert.equal(org.loginPolicy?.lockout?.maxPasswordAttempts, 3);
    assert.equal(org.loginPolicy?.allowRegister, undefined, 'unset fields inherit from the instance');
  });

  it('refuses unknown fields instead of storing them silently', () => {
    assert.throws(() => new Organization({ instanceId, name: 'Q', primaryDomain: 'q.example.com', $where: 'x' }));
  });
});

describe('user', () => {
  it('is either human or machine with the matching profile', async () => {
    await assertInvalid(new User({ instanceId, orgId: 'o', type: 'human', username: 'h' }), 'human');
    await assertInvalid(new User({ instanceId, orgId: 'o', type: 'machine', username: 'm' }), 'machine');
    await assertInvalid(
      new User({ instanceId, orgId: 'o', type: 'human', username: 'h', human, machine: { name: 'M' } }),
      'type',
    );
    await assertInvalid(new User({ instanceId, orgId: 'o', type: 'robot', username: 'h', human }), 'type');
    await assertInvalid(
      new User({ instanceId, orgId: 'o', type: 'human', username: 'h', human: { ...human, email: 'not-an-email' } }),
      'human',
    );
    await assertInvalid(new User({ instanceId, orgId: 'o', type: 'human', username: 'has space', human }), 'username');
    await assertInvalid(
      new User({
        instanceId,
        orgId: 'o',
        type: 'machine',
        username: 'm',
        machine: { name: 'M', accessTokenType: 'paper' },
      }),
      'machine',
    );
    await assertInvalid(
      new User({ instanceId, orgId: 'o', type: 'human', username: 'h', human, state: 'gone' }),
      'state',
    );
  });

  it('keeps usernames unique per instance, case-insensitively', async () => {
    await User.create({ instanceId, orgId: 'o1', type: 'human', username: 'Alice', human });
    const stored = await User.findOne({ instanceId, username: 'alice' }).lean();
    assert.equal(stored?.username, 'alice');
    await assertDuplicate(() =>
      User.create({ instanceId, orgId: 'o2', type: 'machine', username: 'ALICE', machine: { name: 'M' } }),
    );
    await User.create({ instanceId: 'instance-2', orgId: 'o1', type: 'human', username: 'alice', human });
  });

  it('keeps personal access token hashes unique', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    await PersonalAccessToken.create({ instanceId, userId: 'u', tokenHash: 'h1', expiresAt });
    await assertDuplicate(() => PersonalAccessToken.create({ instanceId, userId: 'v', tokenHash: 'h1', expiresAt }));
    await assertInvalid(new PersonalAccessToken({ instanceId, userId: 'u', tokenHash: 'h2' }), 'expiresAt');
  });
});

describe('project', () => {
  it('validates role keys and keeps them unique within the project', async () => {
    await assertInvalid(
      new Project({ instanceId, orgId: 'o', name: 'P', roles: [{ key: 'bad key', displayName: 'x' }] }),
      'roles',
    );
    await assertInvalid(
      new Project({
        instanceId,
        orgId: 'o',
        name: 'P',
        roles: [
          { key: 'a', displayName: 'A' },
          { key: 'a', displayName: 'A again' },
        ],
      }),
      'roles',
    );
    await assertInvalid(
      new Project({ instanceId, orgId: 'o', name: 'P', privateLabelingSetting: 'whatever' }),
      'privateLabelingSetting',
    );
    const project = await Project.create({
      instanceId,
      orgId: 'o',
      name: 'P',
      roles: [{ key: 'support:read', displayName: 'Support read' }],
    });
    assert.equal(project.projectRoleAssertion, false);
    assert.equal(project.state, 'active');
    await assertDuplicate(() => Project.create({ instanceId, orgId: 'o', name: 'P' }));
    await Project.create({ instanceId, orgId: 'o2', name: 'P' });
  });
});

describe('application', () => {
  it('needs the configuration of its type and a unique client id per instance', async () => {
    await assertInvalid(
      new Application({ instanceId, projectId: 'p', orgId: 'o', name: 'A', type: 'oidc', clientId: 'c1' }),
      'oidc',
    );
    await assertInvalid(
      new Application({ instanceId, projectId: 'p', orgId: 'o', name: 'A', type: 'api', clientId: 'c1' }),
      'api',
    );
    await assertInvalid(
      new Application({
        instanceId,
        projectId: 'p',
        orgId: 'o',
        name: 'A',
        type: 'api',
        clientId: 'c1',
        api: { authMethod: 'none' },
      }),
      'api',
    );
    await assertInvalid(
      new Application({
        instanceId,
        projectId: 'p',
        orgId: 'o',
        name: 'A',
        type: 'oidc',
        clientId: 'has.dot',
        oidc: {},
      }),
      'clientId',
    );
    await assertInvalid(
      new Application({
        instanceId,
        projectId: 'p',
        orgId: 'o',
        name: 'A',
        type: 'oidc',
        clientId: 'c1',
        oidc: { grantTypes: ['password'] },
      }),
      'oidc',
    );
    await assertInvalid(
      new Application({
        instanceId,
        projectId: 'p',
        orgId: 'o',
        name: 'A',
        type: 'oidc',
        clientId: 'c1',
        oidc: { responseTypes: ['token'] },
      }),
      'oidc',
    );
    await assertInvalid(
      new Application({
        instanceId,
        projectId: 'p',
        orgId: 'o',
        name: 'A',
        type: 'oidc',
        clientId: 'c1',
        oidc: { clockSkewSeconds: 6 },
      }),
      'oidc',
    );
    const app = await Application.create({
      instanceId,
      projectId: 'p',
      orgId: 'o',
      name: 'A',
      type: 'oidc',
      clientId: 'c1',
      oidc: { redirectUris: ['https://rp.example.com/cb'] },
    });
    assert.deepEqual(app.oidc?.grantTypes, ['authorization_code']);
    assert.equal(app.oidc?.authMethod, 'basic');
    await assertDuplicate(() =>
      Application.create({
        instanceId,
        projectId: 'p2',
        orgId: 'o',
        name: 'B',
        type: 'api',
        clientId: 'c1',
        api: { authMethod: 'basic' },
      }),
    );
  });
});

describe('project grant', () => {
  it('is never to the owner org and one per project and granted org', async () => {
    await assertInvalid(
      new ProjectGrant({ instanceId, projectId: 'p', orgId: 'o', grantedOrgId: 'o' }),
      'grantedOrgId',
    );
    await ProjectGrant.create({ instanceId, projectId: 'p', orgId: 'o', grantedOrgId: 'g', roleKeys: ['a'] });
    await assertDuplicate(() =>
      ProjectGrant.create({ instanceId, projectId: 'p', orgId: 'o', grantedOrgId: 'g', roleKeys: [] }),
    );
    await ProjectGrant.create({ instanceId, projectId: 'p', orgId: 'o', grantedOrgId: 'h' });
  });
});

describe('user grant', () => {
  it('is one per granting org, user and project', async () => {
    await assertInvalid(new UserGrant({ instanceId, projectId: 'p', orgId: 'o', userOrgId: 'o' }), 'userId');
    await UserGrant.create({ instanceId, userId: 'u', userOrgId: 'x', projectId: 'p', orgId: 'o', roleKeys: ['a'] });
    await assertDuplicate(() =>
      UserGrant.create({ instanceId, userId: 'u', userOrgId: 'x', projectId: 'p', orgId: 'o', roleKeys: ['b'] }),
    );
    // The same user may hold grants on the same project from another org (an external user grant).
    await UserGrant.create({
      instanceId,
      userId: 'u',
      userOrgId: 'x',
      projectId: 'p',
      orgId: 'g',
      projectGrantId: 'pg',
      roleKeys: ['a'],
    });
  });
});

describe('membership', () => {
  it('has a level, at least one role, and is one per resource and user', async () => {
    await assertInvalid(
      new Membership({ instanceId, userId: 'u', level: 'galaxy', resourceId: 'r', orgId: 'o', roles: ['X'] }),
      'level',
    );
    await assertInvalid(
      new Membership({ instanceId, userId: 'u', level: 'org', resourceId: 'r', orgId: 'o', roles: [] }),
      'roles',
    );
    await Membership.create({
      instanceId,
      userId: 'u',
      level: 'org',
      resourceId: 'o',
      orgId: 'o',
      roles: ['ORG_OWNER'],
    });
    await assertDuplicate(() =>
      Membership.create({
        instanceId,
        userId: 'u',
        level: 'org',
        resourceId: 'o',
        orgId: 'o',
        roles: ['ORG_USER_MANAGER'],
      }),
    );
    await Membership.create({
      instanceId,
      userId: 'u',
      level: 'project',
      resourceId: 'p',
      orgId: 'o',
      projectId: 'p',
      roles: ['PROJECT_OWNER'],
    });
  });
});

describe('event', () => {
  it('needs actor, type and resource, and lists newest first', async () => {
    await assertInvalid(new Event({ instanceId, type: 't', resourceType: 'org', resourceId: 'o' }), 'actorId');
    const first = await Event.create({
      instanceId,
      orgId: 'o',
      actorId: 'u',
      type: 'org.added',
      resourceType: 'org',
      resourceId: 'o',
      createdAt: new Date(1000),
    });
    const second = await Event.create({
      instanceId,
      orgId: 'o',
      actorId: 'u',
      type: 'org.changed',
      resourceType: 'org',
      resourceId: 'o',
      createdAt: new Date(2000),
    });
    const listed = await Event.find({ instanceId, orgId: 'o' }).sort({ createdAt: -1, _id: -1 }).lean();
    assert.deepEqual(
      listed.map((e) => e._id),
      [second._id, first._id],
    );
  });
});
