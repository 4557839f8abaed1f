// The bench's data, written straight through the mongoose models (documents built by the models, so
// defaults and casting are exactly what the application writes; big sets go in as bulk inserts).
import type { Document, Model } from 'mongoose';
import { invalidateInstanceCaches } from '../../src/store/cache/revisions.ts';
import { randomSecret, secretHash, type MasterKey } from '../../src/platform/crypto.ts';
import { newId } from '../../src/platform/ids.ts';
import { hashPassword } from '../../src/platform/passwords.ts';
import {
  Application,
  Instance,
  Membership,
  Organization,
  PersonalAccessToken,
  Project,
  User,
  UserFactor,
  UserGrant,
} from '../../src/store/models/index.ts';
import { totpSetUp } from './one-time-codes.ts';
import { PAT_PREFIX } from '../../src/domain/commands/personal-access-tokens.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import type { Credentials, LoginClient } from './login-flow.ts';

const BATCH = 1_000;
const PASSWORD = 'Bench-Passw0rd!';
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const BENCH_ROLE = 'reader';

export interface CastellanFixture {
  instanceId: string;
  orgId: string;
  projectId: string;
  web: LoginClient;
  machine: { clientId: string; clientSecret: string };
  machineJwt: { clientId: string; clientSecret: string };
  /** Human users of the bench org, all with the same password, each holding one user grant. */
  users: Credentials[];
  /** Users like `users`, each with an authenticator app (TOTP) set up: their logins ask for a code. */
  totpUsers: Credentials[];
  /** The user whose grants grow from 1 to 1,000. */
  growthUser: Credentials & { userId: string };
  /** A personal access token of an IAM_OWNER machine user, for the management API. */
  adminToken: string;
}

/** Builds documents with the model (defaults, casting, validation) and inserts them in batches. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any of the application's models
async function bulkInsert(model: Model<any>, documents: Iterable<Record<string, unknown>>): Promise<void> {
  let batch: Array<Record<string, unknown>> = [];
  const instanceIds = new Set<string>();
  const flush = async (): Promise<void> => {
    if (batch.length) await model.collection.insertMany(batch, { ordered: false });
    batch = [];
  };
  for (const document of documents) {
    const built = new model(document) as Document;
    if (typeof document.instanceId === 'string') instanceIds.add(document.instanceId);
    await built.validate();
    batch.push(built.toObject());
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  // The running servers cache what these documents change: tell them, as the API would.
  await Promise.all([...instanceIds].map((instanceId) => invalidateInstanceCaches(instanceId)));
}

function* range(from: number, to: number): Generator<number> {
  for (let index = from; index < to; index += 1) yield index;
}

export async function seedCastellan(
  issuer: string,
  masterKey: MasterKey,
  userCount: number,
  totpUserCount = 0,
): Promise<CastellanFixture> {
  const instance = await Instance.findOne({ issuer }).lean();
  if (!instance) throw new Error(`no instance with issuer ${issuer}: did Castellan bootstrap?`);
  const instanceId = instance._id as string;
  const hashKey = clientSecretHashKey(masterKey);
  const primaryDomain = `bench.${instance.primaryDomain}`;
  const org = await Organization.create({
    instanceId,
    name: 'Bench',
    primaryDomain,
    domains: [{ domain: primaryDomain, verified: true }],
  });
  const project = await Project.create({
    instanceId,
    orgId: org._id,
    name: 'Bench',
    roles: [{ key: BENCH_ROLE, displayName: 'Reader' }],
    projectRoleAssertion: true,
  });
  const web = {
    clientId: 'bench-web',
    clientSecret: randomSecret(),
    redirectUri: REDIRECT_URI,
    scope: 'openid profile email offline_access',
  };
  await Application.create({
    instanceId,
    projectId: project._id,
    orgId: org._id,
    name: 'Bench web',
    type: 'oidc',
    clientId: web.clientId,
    clientSecretHash: secretHash(hashKey, web.clientSecret),
    oidc: {
      redirectUris: [REDIRECT_URI],
      grantTypes: ['authorization_code', 'refresh_token'],
      authMethod: 'basic',
      accessTokenType: 'bearer',
    },
  });
  const machineUser = async (
    username: string,
    accessTokenType: 'bearer' | 'jwt',
  ): Promise<{ clientId: string; clientSecret: string; userId: string }> => {
    const clientSecret = randomSecret();
    const user = await User.create({
      instanceId,
      orgId: org._id,
      type: 'machine',
      username,
      machine: { name: username, accessTokenType, secretHash: secretHash(hashKey, clientSecret) },
    });
    return { clientId: username, clientSecret, userId: user._id };
  };
  const machine = await machineUser('bench-machine', 'bearer');
  const machineJwt = await machineUser('bench-machine-jwt', 'jwt');
  const admin = await machineUser('bench-admin', 'bearer');
  await Membership.create({
    instanceId,
    level: 'instance',
    resourceId: instanceId,
    orgId: instanceId,
    userId: admin.userId,
    roles: ['IAM_OWNER'],
  });
  const adminToken = `${PAT_PREFIX}${randomSecret(32)}`;
  await PersonalAccessToken.create({
    instanceId,
    userId: admin.userId,
    tokenHash: secretHash(hashKey, adminToken),
    expiresAt: new Date(Date.now() + 86_400_000),
  });

  const passwordHash = await hashPassword(PASSWORD);
  const humans = [
    ...Array.from({ length: userCount }, (_, index) => ({ _id: newId(), username: `bench-user-${index}` })),
    ...Array.from({ length: totpUserCount }, (_, index) => ({ _id: newId(), username: `bench-totp-${index}` })),
  ];
  await bulkInsert(
    User,
    humans.map(({ _id, username }) => ({
      _id,
      instanceId,
      orgId: org._id,
      type: 'human',
      username,
      human: {
        email: `${username}@${primaryDomain}`,
        emailVerified: true,
        givenName: 'Bench',
        familyName: username,
        passwordHash,
      },
    })),
  );
  await bulkInsert(
    UserGrant,
    humans.map(({ _id }) => ({
      instanceId,
      userId: _id,
      userOrgId: org._id,
      projectId: project._id,
      orgId: org._id,
      roleKeys: [BENCH_ROLE],
    })),
  );
  const credentials = humans.map(({ username }) => ({ loginName: `${username}@${primaryDomain}`, password: PASSWORD }));
  const totp = totpSetUp(
    { instanceId, orgId: org._id, masterKey },
    humans.slice(userCount).map(({ _id }) => _id),
  );
  await bulkInsert(UserFactor, totp.factors);
  const totpUsers = credentials.slice(userCount).map((user) => ({ ...user, totpSecret: totp.secret }));
  const [growth] = humans;
  if (!growth || !credentials[0]) throw new Error('the bench needs at least one user');
  return {
    instanceId,
    orgId: org._id,
    projectId: project._id,
    web,
    machine,
    machineJwt,
    users: credentials.slice(0, userCount),
    totpUsers,
    growthUser: { ...credentials[0], userId: growth._id },
    adminToken,
  };
}

/** Gives one user `total` user grants in all: one on the bench project, the others on projects of their own. */
export async function growUserGrants(fixture: CastellanFixture, total: number): Promise<void> {
  const projects = [...range(0, total - 1)].map((index) => ({ _id: newId(), name: `Growth project ${index}` }));
  await bulkInsert(
    Project,
    projects.map(({ _id, name }) => ({
      _id,
      instanceId: fixture.instanceId,
      orgId: fixture.orgId,
      name,
      roles: [{ key: BENCH_ROLE, displayName: 'Reader' }],
    })),
  );
  await bulkInsert(
    UserGrant,
    projects.map(({ _id }) => ({
      instanceId: fixture.instanceId,
      userId: fixture.growthUser.userId,
      userOrgId: fixture.orgId,
      projectId: _id,
      orgId: fixture.orgId,
      roleKeys: [BENCH_ROLE],
    })),
  );
}

/** Adds documents made by `make` until the instance has `total` of them. */
async function topUp(
  model: typeof Organization | typeof User,
  instanceId: string,
  total: number,
  make: (name: string) => Record<string, unknown>,
): Promise<void> {
  const existing = await (model as typeof Organization).countDocuments({ instanceId });
  const stamp = newId();
  await bulkInsert(
    model,
    [...range(existing, total)].map((index) => ({ instanceId, ...make(`filler-${stamp}-${index}`) })),
  );
}

export function growOrganizations(instanceId: string, total: number): Promise<void> {
  return topUp(Organization, instanceId, total, (name) => ({
    name,
    primaryDomain: `${name}.bench.test`,
    domains: [{ domain: `${name}.bench.test`, verified: true }],
  }));
}

/** Human users without passwords: they only take up room, in `orgId`. */
export function growUsers(instanceId: string, orgId: string, total: number): Promise<void> {
  return topUp(User, instanceId, total, (username) => ({
    orgId,
    type: 'human',
    username,
    human: { email: `${username}@bench.test`, givenName: 'Filler', familyName: username },
  }));
}

/** Users and projects whose every pair can receive one new user grant (the management-API write scenario). */
export async function grantTargets(
  fixture: CastellanFixture,
  count: number,
): Promise<Array<{ userId: string; projectId: string }>> {
  const side = Math.ceil(Math.sqrt(count));
  const stamp = newId();
  const users = [...range(0, side)].map((index) => ({ _id: newId(), username: `grantee-${stamp}-${index}` }));
  const projects = [...range(0, side)].map((index) => ({ _id: newId(), name: `Grant target ${stamp} ${index}` }));
  await bulkInsert(
    User,
    users.map(({ _id, username }) => ({
      _id,
      instanceId: fixture.instanceId,
      orgId: fixture.orgId,
      type: 'human',
      username,
      human: { email: `${username}@bench.test`, givenName: 'Grantee', familyName: username },
    })),
  );
  await bulkInsert(
    Project,
    projects.map(({ _id, name }) => ({
      _id,
      instanceId: fixture.instanceId,
      orgId: fixture.orgId,
      name,
      roles: [{ key: BENCH_ROLE, displayName: 'Reader' }],
    })),
  );
  return users
    .flatMap((user) => projects.map((project) => ({ userId: user._id, projectId: project._id })))
    .slice(0, count);
}
