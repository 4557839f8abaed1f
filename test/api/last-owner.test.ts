import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Instance, User, Membership, Organization } from '../../src/store/models/index.ts';
import type { UserDocument } from '../../src/store/models/user.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { addMember, changeMember, removeMember } from '../../src/domain/commands/memberships.ts';
import { createMachineUser } from '../../src/domain/commands/users.ts';
import { deactivateUser, removeUser } from '../../src/domain/commands/user-lifecycle.ts';
import { createOrg, removeOrg, setOrgState, type OrgRecord } from '../../src/domain/commands/orgs.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// Issue 13 item 9: the last IAM owner could remove, demote, deactivate or delete itself (or its org), locking
// everyone out. Each is refused with a 409; two concurrent removals of the last two owners never both succeed.

let server: TestServer;
let admin: string;
let defaultOrgId: string;

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
  defaultOrgId = (await Instance.findById(server.bootstrap.instanceId).lean())!.defaultOrgId;
});
after(() => server.stop());

const instance = () => server.bootstrap.instanceId;
const actor = () => ({ instanceId: instance(), actorId: 'last-owner-test' });
/** These users never signed in: no session to end (the routes pass the provider's session ender). */
const noSessions = async (): Promise<number> => 0;
const instanceTarget = () => ({
  level: 'instance' as const,
  resourceId: instance(),
  orgId: instance(),
  projectId: null,
});

/** Counted here, independently of the code under test: active users with IAM_OWNER in an active org. */
async function activeOwnerCount(): Promise<number> {
  const memberships = await Membership.find({ instanceId: instance(), level: 'instance' }).lean();
  const ids = memberships.filter((entry) => entry.roles.includes('IAM_OWNER')).map((entry) => entry.userId);
  const users = await User.find({ instanceId: instance(), _id: { $in: ids }, state: 'active' }).lean();
  const orgs = await Organization.find({ instanceId: instance(), state: 'active' }).lean();
  return users.filter((user) => orgs.some((org) => org._id === user.orgId)).length;
}

async function onlyOwners(...userIds: string[]): Promise<void> {
  await Membership.deleteMany({ instanceId: instance(), level: 'instance' });
  for (const userId of userIds) await addMember(actor(), instanceTarget(), userId, ['IAM_OWNER']);
}

test('the last IAM owner cannot remove, demote, deactivate or delete itself: 409, and it still administers', async () => {
  const self = await User.findOne({ instanceId: instance(), 'machine.name': 'Bootstrap automation' }).lean();
  assert.ok(self);
  const members = (await call(server, admin, 'GET', '/instance/members')).body.members as { userId: string }[];
  for (const member of members.filter((entry) => entry.userId !== self._id))
    assert.equal((await call(server, admin, 'DELETE', `/instance/members/${member.userId}`)).status, 204);
  const attempts = [
    () => call(server, admin, 'DELETE', `/instance/members/${self._id}`),
    () => call(server, admin, 'PUT', `/instance/members/${self._id}`, { roles: ['IAM_OWNER_VIEWER'] }),
    () => call(server, admin, 'POST', `/users/${self._id}/deactivate`),
    () => call(server, admin, 'DELETE', `/users/${self._id}`),
  ];
  for (const attempt of attempts) {
    const response = await attempt();
    assert.equal(response.status, 409, JSON.stringify(response.body));
    assert.match(String(response.body.detail), /IAM_OWNER/);
  }
  assert.equal((await call(server, admin, 'GET', '/instance/members')).status, 200);
  assert.equal(await activeOwnerCount(), 1);

  // With a second owner, the first may go.
  const org = (await call(server, admin, 'POST', '/orgs', { name: 'Second Owner Org' })).body.id as string;
  const second = (
    await call(server, admin, 'POST', `/orgs/${org}/users/machine`, { username: 'second-owner', name: 'Second' })
  ).body.id as string;
  assert.equal(
    (await call(server, admin, 'POST', '/instance/members', { userId: second, roles: ['IAM_OWNER'] })).status,
    201,
  );
  // The org holding the other owner cannot be deactivated or deleted once that owner is the last one.
  await Membership.deleteOne({ instanceId: instance(), level: 'instance', userId: self._id });
  await addMember(actor(), instanceTarget(), self._id, ['IAM_ORG_MANAGER']);
  const deactivate = await call(server, admin, 'POST', `/orgs/${org}/deactivate`);
  assert.equal(deactivate.status, 409, JSON.stringify(deactivate.body));
  assert.equal((await call(server, admin, 'DELETE', `/orgs/${org}`)).status, 409);
  assert.equal((await call(server, admin, 'GET', `/orgs/${org}`)).body.state, 'active');
  assert.equal(await activeOwnerCount(), 1);
  await onlyOwners(self._id);
});

type Race = (a: UserDocument, b: UserDocument, orgA: OrgRecord) => Promise<unknown>[];
const RACES: Record<string, Race> = {
  'remove both memberships': (a, b) => [
    removeMember(actor(), instanceTarget(), a._id),
    removeMember(actor(), instanceTarget(), b._id),
  ],
  'deactivate one, demote the other': (a, b) => [
    deactivateUser(actor(), a, noSessions),
    changeMember(actor(), instanceTarget(), b._id, ['IAM_OWNER_VIEWER']),
  ],
  'delete one user, remove the other membership': (a, b) => [
    removeUser(actor(), a),
    removeMember(actor(), instanceTarget(), b._id),
  ],
  "deactivate one's org, delete the other user": (_a, b, orgA) => [
    setOrgState(actor(), orgA, 'inactive', defaultOrgId, noSessions),
    removeUser(actor(), b),
  ],
  "delete one's org, deactivate the other user": (_a, b, orgA) => [
    removeOrg(actor(), orgA, defaultOrgId, noSessions),
    deactivateUser(actor(), b, noSessions),
  ],
};

test('concurrent changes taking away the last two IAM owners never both succeed', async () => {
  const rounds = 10;
  const ownerless: Record<string, number> = {};
  for (const [name, race] of Object.entries(RACES)) {
    ownerless[name] = 0;
    for (let round = 0; round < rounds; round++) {
      const tag = `${name.replace(/\W+/g, '-')}-${round}`;
      const orgA = await createOrg(actor(), { name: `A ${tag}` }, 'race.example');
      const orgB = await createOrg(actor(), { name: `B ${tag}` }, 'race.example');
      const a = await createMachineUser(actor(), orgA._id, { username: `a-${tag}`.toLowerCase(), name: 'A' });
      const b = await createMachineUser(actor(), orgB._id, { username: `b-${tag}`.toLowerCase(), name: 'B' });
      await onlyOwners(a._id, b._id);
      const outcomes = await Promise.allSettled(race(a, b, orgA));
      for (const outcome of outcomes)
        if (outcome.status === 'rejected')
          assert.ok(
            outcome.reason instanceof DomainError && outcome.reason.kind === 'conflict',
            `${name}: ${String(outcome.reason)}`,
          );
      const bothSucceeded = outcomes.every((outcome) => outcome.status === 'fulfilled');
      if (bothSucceeded || (await activeOwnerCount()) === 0) ownerless[name]++;
    }
  }
  assert.deepEqual(
    Object.values(ownerless),
    Object.keys(RACES).map(() => 0),
    `rounds of ${rounds} left without an owner: ${JSON.stringify(ownerless)}`,
  );
});
