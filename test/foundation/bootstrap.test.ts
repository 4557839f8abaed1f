import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { loadDemo, DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { bootstrapInstance } from '../../src/domain/setup/instance.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { secretMatches, MasterKey } from '../../src/platform/crypto.ts';
import { verifyPassword } from '../../src/platform/passwords.ts';
import {
  Application,
  Event,
  Instance,
  Membership,
  Organization,
  Project,
  ProjectGrant,
  SigningKey,
  User,
  UserGrant,
} from '../../src/store/models/index.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let dropDatabase: (() => Promise<void>) | null = null;
beforeEach(async () => {
  await dropDatabase?.();
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase?.());

function configWith(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-bootstrap-'));
  return loadConfig({ DATA_DIR: dataDir, PUBLIC_URL: 'http://localhost:8080', ...env });
}

async function counts() {
  const models = {
    Instance,
    Organization,
    User,
    Project,
    Application,
    ProjectGrant,
    UserGrant,
    Membership,
    SigningKey,
    Event,
  };
  return Object.fromEntries(
    await Promise.all(
      Object.entries(models).map(async ([name, model]) => [name, await (model as typeof Instance).countDocuments()]),
    ),
  );
}

describe('bootstrap', () => {
  it('creates the first instance, org and two IAM owners, and prints generated secrets once', async () => {
    const config = configWith();
    const masterKey = MasterKey.generate();
    const first = await bootstrapInstance(config, masterKey);
    assert.equal(first.created, true);
    const credentials = first.generatedCredentials!;
    assert.ok(credentials.adminPassword && credentials.clientId && credentials.clientSecret);
    assert.equal(credentials.adminLoginName, 'admin@castellan.localhost');

    const file = path.join(config.dataDir, 'bootstrap-credentials.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), credentials);

    const instance = await Instance.findById(first.instanceId).lean();
    assert.equal(instance?.issuer, 'http://localhost:8080');
    assert.deepEqual(instance?.domains, ['localhost']);
    const org = await Organization.findById(instance?.defaultOrgId).lean();
    assert.equal(org?.primaryDomain, 'castellan.localhost');
    assert.ok(await Project.exists({ _id: instance?.managementProjectId, orgId: org?._id }));

    const admin = await User.findOne({ username: 'admin' }).lean();
    assert.ok(admin?.human?.passwordHash?.startsWith('$argon2id$'));
    assert.equal(await verifyPassword(admin!.human!.passwordHash!, credentials.adminPassword), true);
    const machine = await User.findOne({ username: credentials.clientId }).lean();
    assert.equal(machine?.type, 'machine');
    assert.equal(
      secretMatches(clientSecretHashKey(masterKey), credentials.clientSecret, machine!.machine!.secretHash!),
      true,
    );
    assert.ok(!JSON.stringify(machine).includes(credentials.clientSecret), 'the client secret is not stored in clear');

    const owners = await Membership.find({ level: 'instance', resourceId: first.instanceId }).lean();
    assert.deepEqual(owners.map((m) => m.userId).sort(), [admin!._id, machine!._id].sort());
    assert.ok(owners.every((m) => m.roles.join() === 'IAM_OWNER'));
    assert.deepEqual((await SigningKey.find({ state: 'active' }).lean()).map((k) => k.alg).sort(), ['ES256', 'RS256']);
  });

  it('is idempotent: a second start changes nothing and generates nothing', async () => {
    const config = configWith();
    const masterKey = MasterKey.generate();
    const first = await bootstrapInstance(config, masterKey);
    const before = await counts();
    const adminBefore = await User.findOne({ username: 'admin' }).lean();
    const second = await bootstrapInstance(config, masterKey);
    assert.equal(second.created, false);
    assert.equal(second.instanceId, first.instanceId);
    assert.equal(second.generatedCredentials, null);
    assert.deepEqual(await counts(), before);
    const adminAfter = await User.findOne({ username: 'admin' }).lean();
    assert.equal(adminAfter?.human?.passwordHash, adminBefore?.human?.passwordHash, 'the admin password is not reset');
  });

  it('completes an interrupted bootstrap without duplicating what exists', async () => {
    const config = configWith();
    const masterKey = MasterKey.generate();
    await bootstrapInstance(config, masterKey);
    // Simulate a crash after the instance was written but before the users were.
    await User.deleteMany({});
    await Membership.deleteMany({});
    const resumed = await bootstrapInstance(config, masterKey);
    assert.equal(resumed.created, false);
    assert.equal(await User.countDocuments(), 2);
    assert.equal(await Membership.countDocuments(), 2);
    assert.equal(await Organization.countDocuments(), 1);
  });

  it('moves the default instance to a changed PUBLIC_URL instead of creating a second one', async () => {
    const config = configWith();
    const masterKey = MasterKey.generate();
    const first = await bootstrapInstance(config, masterKey);
    const before = await counts();
    const moved = await bootstrapInstance({ ...config, publicUrl: 'https://id.example.com' }, masterKey);
    assert.equal(moved.instanceId, first.instanceId);
    assert.equal(moved.generatedCredentials, null);
    const instance = await Instance.findById(first.instanceId).lean();
    assert.equal(instance?.issuer, 'https://id.example.com');
    assert.deepEqual(instance?.domains, ['localhost', 'id.example.com']);
    assert.deepEqual({ ...(await counts()), Event: 0 }, { ...before, Event: 0 });
    assert.ok(await Event.exists({ type: 'instance.issuer.changed' }));
  });

  it('uses the credentials given in the environment and generates none', async () => {
    const config = configWith({
      CASTELLAN_BOOTSTRAP_ADMIN_PASSWORD: 'Given-Passw0rd!',
      CASTELLAN_BOOTSTRAP_CLIENT_ID: 'ci-bot',
      CASTELLAN_BOOTSTRAP_CLIENT_SECRET: 'a-long-given-client-secret',
    });
    const masterKey = MasterKey.generate();
    const result = await bootstrapInstance(config, masterKey);
    assert.equal(result.generatedCredentials, null);
    const admin = await User.findOne({ username: 'admin' }).lean();
    assert.equal(await verifyPassword(admin!.human!.passwordHash!, 'Given-Passw0rd!'), true);
    const machine = await User.findOne({ username: 'ci-bot', type: 'machine' }).lean();
    assert.equal(
      secretMatches(clientSecretHashKey(masterKey), 'a-long-given-client-secret', machine!.machine!.secretHash!),
      true,
    );
  });

  it('loads the demo scenario once: ACME grants Time Tracking to Alpha and Beta; Beta grants Bob and Alice', async () => {
    const config = configWith();
    const masterKey = MasterKey.generate();
    const { instanceId } = await bootstrapInstance(config, masterKey);
    await loadDemo(config, instanceId, masterKey);
    const afterFirst = await counts();
    await loadDemo(config, instanceId, masterKey);
    assert.deepEqual(await counts(), afterFirst, 'loading the demo twice duplicates nothing');

    const orgs = Object.fromEntries(
      (await Organization.find({ name: { $in: ['ACME', 'Alpha', 'Beta'] } }).lean()).map((o) => [o.name, o]),
    );
    const project = await Project.findOne({ name: 'Time Tracking' }).lean();
    assert.equal(project?.orgId, orgs.ACME?._id);
    assert.deepEqual(
      project?.roles.map((r) => r.key),
      ['accountant', 'developer'],
    );
    const grants = await ProjectGrant.find({ projectId: project?._id }).lean();
    assert.deepEqual(grants.map((g) => g.grantedOrgId).sort(), [orgs.Alpha?._id, orgs.Beta?._id].sort());

    const alice = await User.findOne({ username: 'alice' }).lean();
    const bob = await User.findOne({ username: 'bob' }).lean();
    assert.equal(alice?.orgId, orgs.Alpha?._id);
    assert.equal(bob?.orgId, orgs.Beta?._id);
    assert.equal(await verifyPassword(alice!.human!.passwordHash!, DEMO_PASSWORD), true);
    const betaGrant = grants.find((g) => g.grantedOrgId === orgs.Beta?._id);
    const aliceGrant = await UserGrant.findOne({ userId: alice?._id }).lean();
    assert.deepEqual(
      { org: aliceGrant?.orgId, via: aliceGrant?.projectGrantId, roles: aliceGrant?.roleKeys },
      { org: orgs.Beta?._id, via: betaGrant?._id, roles: ['accountant'] },
    );
    const bobGrant = await UserGrant.findOne({ userId: bob?._id }).lean();
    assert.deepEqual(
      { org: bobGrant?.orgId, roles: bobGrant?.roleKeys },
      { org: orgs.Beta?._id, roles: ['developer'] },
    );
    assert.ok(await Application.exists({ clientId: 'demo-rp', projectId: project?._id }));
  });
});
