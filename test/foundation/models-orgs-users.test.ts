// Organization and user models: required fields, formats and uniqueness per instance.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Organization, PersonalAccessToken, User } from '../../src/store/models/index.ts';
import { useFreshDatabase } from '../helpers/database.ts';
import { assertDuplicate, assertInvalid } from '../helpers/model-assertions.ts';

const instanceId = 'instance-1';
let dropDatabase: () => Promise<void>;

before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

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
