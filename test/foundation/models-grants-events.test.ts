// User grant, membership (manager roles) and event models: uniqueness and the audit trail's order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Event, Membership, UserGrant } from '../../src/store/models/index.ts';
import { useFreshDatabase } from '../helpers/database.ts';
import { assertDuplicate, assertInvalid } from '../helpers/model-assertions.ts';

const instanceId = 'instance-1';
let dropDatabase: () => Promise<void>;

before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

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
