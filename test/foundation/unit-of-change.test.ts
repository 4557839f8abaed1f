import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mongoose from 'mongoose';
import { createApplication } from '../../src/domain/commands/applications.ts';
import type { Actor } from '../../src/domain/commands/changes.ts';
import { createOrg, removeOrg } from '../../src/domain/commands/orgs.ts';
import { createProjectGrant } from '../../src/domain/commands/project-grants.ts';
import { addProjectRole, createProject, findProject, removeProject } from '../../src/domain/commands/projects.ts';
import { createUserGrant } from '../../src/domain/commands/user-grants.ts';
import { createHumanUser } from '../../src/domain/commands/users.ts';
import { reactivateUser } from '../../src/domain/commands/user-lifecycle.ts';
import { MasterKey } from '../../src/platform/crypto.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { cached } from '../../src/store/cache/instance-cache.ts';
import { Project, User } from '../../src/store/models/index.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let dropDatabase: () => Promise<void>;
before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

/** How many times `action` published a cache revision, by the database operations mongoose sends. */
async function publishesDuring(action: () => Promise<unknown>): Promise<number> {
  let publishes = 0;
  mongoose.set('debug', (collection: string, method: string) => {
    if (collection === 'cache_revisions' && method === 'replaceOne') publishes++;
  });
  try {
    await action().catch(() => undefined);
  } finally {
    mongoose.set('debug', false);
  }
  return publishes;
}

const actor: Actor = { instanceId: 'unit-of-change', actorId: 'tester' };

describe('unit of change: one cache revision per domain command', () => {
  it('publishes once for a cascade of many writes, and drops this process cache', async () => {
    const org = await createOrg(actor, { name: 'Cascade' }, 'example.com');
    const other = await createOrg(actor, { name: 'Other' }, 'example.com');
    const project = await createProject(actor, org._id, { name: 'P' });
    await addProjectRole(actor, project, { key: 'reader', displayName: 'Reader' });
    await createProjectGrant(actor, (await findProject(actor.instanceId, project._id))!, other._id, ['reader']);
    const user = await createHumanUser(actor, org._id, {
      username: 'cascade-user',
      email: 'cascade-user@example.com',
      givenName: 'C',
      familyName: 'U',
    });
    await createUserGrant(
      actor,
      { orgId: org._id, userId: user._id, projectId: project._id, roleKeys: ['reader'] },
      null,
    );
    let loads = 0;
    const load = async () => ++loads;
    await cached(actor.instanceId, 'probe', load);

    assert.equal(await publishesDuring(() => removeOrg(actor, org, 'another-default-org', async () => 0)), 1);
    assert.equal(await cached(actor.instanceId, 'probe', load), 2, 'the cache was dropped');
  });

  it('publishes when a command fails half-way, and nothing when it fails before writing', async () => {
    const org = await createOrg(actor, { name: 'Failures' }, 'example.com');
    const project = await createProject(actor, org._id, { name: 'Vanishing' });
    await removeProject(actor, project);
    const hashKey = clientSecretHashKey(MasterKey.generate());
    // The app is inserted, then removed again when the project turns out to be gone.
    const halfWay = () =>
      createApplication(actor, project, { name: 'A', type: 'api', api: { authMethod: 'basic' } }, hashKey);
    assert.equal(await publishesDuring(halfWay), 1);
    assert.equal(await publishesDuring(() => createOrg(actor, { name: 'Failures' }, 'example.com')), 0);
  });

  it('publishes a write outside any command by itself, unless it matched nothing', async () => {
    const org = await createOrg(actor, { name: 'Outside' }, 'example.com');
    const user = await createHumanUser(actor, org._id, {
      username: 'outside-user',
      email: 'outside-user@example.com',
      givenName: 'O',
      familyName: 'U',
    });
    const lock = () =>
      User.updateOne({ instanceId: actor.instanceId, _id: user._id, state: 'active' }, { state: 'locked' });
    assert.equal(await publishesDuring(lock), 1);
    assert.equal(await publishesDuring(lock), 0, 'a user already locked is not locked again');
    assert.equal(await publishesDuring(() => reactivateUser(actor, user, 'user.unlocked')), 1);
  });

  it('publishes an insertMany outside any command once per instance it wrote to', async () => {
    const projects = ['a', 'b', 'c'].map((name) => ({ instanceId: actor.instanceId, orgId: 'org', name }));
    const other = { instanceId: 'another-instance', orgId: 'org', name: 'd' };
    assert.equal(await publishesDuring(() => Project.insertMany([...projects, other])), 2);
  });
});
