import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../platform/config.ts';
import { randomSecret, secretHash, type MasterKey } from '../../platform/crypto.ts';
import { newId } from '../../platform/ids.ts';
import { hashPassword } from '../../platform/passwords.ts';
import { slug } from '../rules/org-domains.ts';
import { Instance, Membership, Organization, Project, User } from '../../store/models/index.ts';
import type { InstanceDocument } from '../../store/models/instance.ts';
import { recordEvent, SYSTEM_ACTOR } from '../../store/queries/events.ts';
import { asOneChange } from '../commands/changes.ts';
import { clientSecretHashKey } from '../../platform/derived-keys.ts';
import { ensureSigningKeys } from '../../store/queries/signing-keys.ts';
import { claimDomains } from '../../store/queries/instance-domains.ts';
import { ensureConsoleApp } from './console-app.ts';

export interface BootstrapResult {
  instanceId: string;
  created: boolean;
  /** Secrets generated on this start (never again): printed once and written to a 0600 file. */
  generatedCredentials: Record<string, string> | null;
}

/**
 * Creates the first instance, its first organization, and two IAM_OWNER users (a human admin and a
 * machine user for automation). Every step looks for what an earlier, possibly interrupted, start
 * already created, so restarting never duplicates or resets anything.
 */
export async function bootstrapInstance(config: Config, masterKey: MasterKey): Promise<BootstrapResult> {
  const issuer = config.publicUrl;
  // The first instance is the default one; PUBLIC_URL is its address, so a changed PUBLIC_URL moves it
  // rather than creating a second instance.
  const existing =
    (await Instance.findOne({ issuer }).lean()) ?? (await Instance.findOne({}).sort({ createdAt: 1, _id: 1 }).lean());
  const instanceId = existing?._id ?? newId();
  return asOneChange({ instanceId, actorId: SYSTEM_ACTOR }, () => bootstrap(config, masterKey, instanceId, existing));
}

async function bootstrap(
  config: Config,
  masterKey: MasterKey,
  instanceId: string,
  existing: Pick<InstanceDocument, '_id' | 'issuer' | 'primaryDomain' | 'domains'> | null,
): Promise<BootstrapResult> {
  const issuer = config.publicUrl;
  const host = new URL(issuer).hostname;
  if (existing && existing.issuer !== issuer) {
    await Instance.updateOne({ _id: existing._id }, { $set: { issuer }, $addToSet: { domains: host } });
    await recordEvent({
      instanceId: existing._id,
      orgId: null,
      actorId: SYSTEM_ACTOR,
      type: 'instance.issuer.changed',
      resourceType: 'instance',
      resourceId: existing._id,
      payload: { from: existing.issuer, to: issuer },
    });
  }
  const orgPrimaryDomain = `${slug(config.bootstrap.orgName)}.${existing?.primaryDomain ?? host}`;
  const generated: Record<string, string> = {};

  let org: { _id: string } | null = await Organization.findOne(
    { instanceId, primaryDomain: orgPrimaryDomain },
    { _id: 1 },
  ).lean();
  if (!org) {
    org = await Organization.create({
      instanceId,
      name: config.bootstrap.orgName,
      primaryDomain: orgPrimaryDomain,
      domains: [{ domain: orgPrimaryDomain, verified: true }],
    });
    await recordEvent({
      instanceId,
      orgId: org._id,
      actorId: SYSTEM_ACTOR,
      type: 'org.added',
      resourceType: 'org',
      resourceId: org._id,
      payload: { name: config.bootstrap.orgName },
    });
  }
  const managementProject =
    (await Project.findOne({ instanceId, orgId: org._id, name: 'Castellan' }, { _id: 1 }).lean()) ??
    (await Project.create({ instanceId, orgId: org._id, name: 'Castellan' }));
  if (!existing) {
    await Instance.create({
      _id: instanceId,
      name: config.bootstrap.instanceName,
      issuer,
      domains: [host],
      primaryDomain: host,
      managementProjectId: managementProject._id,
      defaultOrgId: org._id,
      tokenLifetimes: config.tokenLifetimes,
    });
    await recordEvent({
      instanceId,
      orgId: null,
      actorId: SYSTEM_ACTOR,
      type: 'instance.added',
      resourceType: 'instance',
      resourceId: instanceId,
      payload: { issuer },
    });
  }
  // The System API must never hand the first instance's hosts to another instance (store/models/instance-domain.ts).
  const hosts = [...new Set([...(existing?.domains ?? []), host])];
  const taken = await claimDomains(instanceId, hosts);
  if (taken.length) throw new Error(`PUBLIC_URL's host ${taken.join(', ')} belongs to another instance`);
  await ensureSigningKeys(instanceId, masterKey);
  const instance = await Instance.findById(instanceId, { issuer: 1, managementProjectId: 1 }).lean();
  await ensureConsoleApp(instance!, org._id);

  const adminUsername = config.bootstrap.adminUsername.toLowerCase();
  let admin: { _id: string } | null = await User.findOne({ instanceId, username: adminUsername }, { _id: 1 }).lean();
  if (!admin) {
    const password = config.bootstrap.adminPassword ?? (generated.adminPassword = randomSecret(18));
    admin = await User.create({
      instanceId,
      orgId: org._id,
      type: 'human',
      username: adminUsername,
      human: {
        email: `${adminUsername}@${orgPrimaryDomain}`,
        emailVerified: true,
        givenName: 'Instance',
        familyName: 'Administrator',
        displayName: 'Instance Administrator',
        passwordHash: await hashPassword(password),
        passwordChangedAt: new Date(),
      },
    });
    if (generated.adminPassword) generated.adminLoginName = `${adminUsername}@${orgPrimaryDomain}`;
  }

  const hashKey = clientSecretHashKey(masterKey);
  let machine: { _id: string } | null = await User.findOne(
    { instanceId, orgId: org._id, type: 'machine', 'machine.name': 'Bootstrap automation' },
    { _id: 1 },
  ).lean();
  if (!machine) {
    const clientId =
      config.bootstrap.clientId ??
      (generated.clientId = `automation-${randomSecret(6)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, 'x')}`);
    const clientSecret = config.bootstrap.clientSecret ?? (generated.clientSecret = randomSecret());
    machine = await User.create({
      instanceId,
      orgId: org._id,
      type: 'machine',
      username: clientId.toLowerCase(),
      machine: {
        name: 'Bootstrap automation',
        description: 'Created at first start for automation against the management API',
        accessTokenType: 'bearer',
        secretHash: secretHash(hashKey, clientSecret),
      },
    });
    if (generated.clientSecret && !generated.clientId) generated.clientId = clientId;
  }

  for (const user of [admin, machine]) {
    await Membership.updateOne(
      { instanceId, level: 'instance', resourceId: instanceId, userId: user._id },
      { $setOnInsert: { _id: newId(), orgId: instanceId, roles: ['IAM_OWNER'] } },
      { upsert: true },
    );
  }

  const generatedCredentials = Object.keys(generated).length ? generated : null;
  if (generatedCredentials) writeCredentialsFile(config.dataDir, generatedCredentials);
  return { instanceId, created: !existing, generatedCredentials };
}

function writeCredentialsFile(dataDir: string, credentials: Record<string, string>): void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'bootstrap-credentials.json');
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
