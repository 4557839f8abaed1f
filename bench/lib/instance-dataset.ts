// Many instances on one database for the instances bench (bench/instances.ts), written as bulk inserts of documents
// built by the models (defaults and casting as the application writes them, no per-document validation round trip).
import type { Model } from 'mongoose';
import { exportJWK, generateKeyPair } from 'jose';
import { issuerFor } from '../../src/domain/rules/instance-domains.ts';
import { secretHash, type MasterKey } from '../../src/platform/crypto.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { newId } from '../../src/platform/ids.ts';
import {
  Instance,
  InstanceDomain,
  Membership,
  Organization,
  Project,
  SigningKey,
  User,
} from '../../src/store/models/index.ts';
import { SIGNING_ALGORITHMS } from '../../src/store/models/signing-key.ts';

const BATCH = 2_000;
/** Every seeded instance's machine user has this secret: the bench asks each instance for a token with it. */
export const SEEDED_MACHINE_SECRET = 'bench-instance-machine-secret';
export const SEEDED_MACHINE_ID = 'bench-instance-machine';

export interface InstanceSizes {
  instances: number;
  orgsPerInstance: number;
  usersPerInstance: number;
}

export interface SeededInstance {
  id: string;
  domain: string;
}

/**
 * Inserts in batches of `BATCH`. The documents are built by the model but not validated one by one (1,000 instances
 * hold a million users): their shapes are the ones the application writes.
 */
class BulkWriter {
  readonly #pending = new Map<Model<unknown>, Array<Record<string, unknown>>>();

  async add(model: Model<unknown>, document: Record<string, unknown>): Promise<void> {
    const batch = this.#pending.get(model) ?? [];
    this.#pending.set(model, batch);
    batch.push(new model(document).toObject() as Record<string, unknown>);
    if (batch.length >= BATCH) await this.#flush(model);
  }

  async #flush(model: Model<unknown>): Promise<void> {
    const batch = this.#pending.get(model) ?? [];
    this.#pending.set(model, []);
    if (batch.length) await model.collection.insertMany(batch, { ordered: false });
  }

  async flushAll(): Promise<void> {
    for (const model of this.#pending.keys()) await this.#flush(model);
  }
}

/** One key pair per algorithm, re-encrypted under a new kid for each instance: generating 2,000 keys takes minutes. */
async function keyTemplates(): Promise<Array<{ alg: string; publicJwk: object; privateJwk: object }>> {
  return Promise.all(
    SIGNING_ALGORITHMS.map(async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      return { alg, publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
    }),
  );
}

/** `sizes.instances` instances, each with its orgs, users (one machine IAM owner among them) and one project. */
export async function seedInstances(
  sizes: InstanceSizes,
  masterKey: MasterKey,
  deployment: { publicUrl: string; tokenLifetimes: Record<string, number> },
): Promise<SeededInstance[]> {
  const writer = new BulkWriter();
  const add = (model: unknown, document: Record<string, unknown>) => writer.add(model as Model<unknown>, document);
  const templates = await keyTemplates();
  const machineSecretHash = secretHash(clientSecretHashKey(masterKey), SEEDED_MACHINE_SECRET);
  const seeded: SeededInstance[] = [];
  for (let index = 0; index < sizes.instances; index += 1) {
    const instanceId = newId();
    const domain = `inst-${index}.bench.test`;
    const orgIds = Array.from({ length: sizes.orgsPerInstance }, () => newId());
    const projectId = newId();
    for (const [orgIndex, orgId] of orgIds.entries())
      await add(Organization, {
        _id: orgId,
        instanceId,
        name: `Org ${orgIndex}`,
        primaryDomain: `org-${orgIndex}.${domain}`,
        domains: [{ domain: `org-${orgIndex}.${domain}`, verified: true }],
      });
    await add(Project, { _id: projectId, instanceId, orgId: orgIds[0], name: 'Castellan' });
    await add(Instance, {
      _id: instanceId,
      name: `Instance ${index}`,
      issuer: issuerFor(domain, deployment.publicUrl),
      domains: [domain],
      primaryDomain: domain,
      managementProjectId: projectId,
      defaultOrgId: orgIds[0],
      tokenLifetimes: deployment.tokenLifetimes,
    });
    await add(InstanceDomain, { _id: domain, instanceId });
    for (const template of templates) {
      const kid = newId();
      await add(SigningKey, {
        _id: kid,
        instanceId,
        alg: template.alg,
        state: 'active',
        publicJwk: { ...template.publicJwk, kid, alg: template.alg, use: 'sig' },
        privateJwkEncrypted: masterKey.encrypt(
          JSON.stringify({ ...template.privateJwk, kid, alg: template.alg, use: 'sig' }),
          'signing-key',
        ),
      });
    }
    const machineId = newId();
    await add(User, {
      _id: machineId,
      instanceId,
      orgId: orgIds[0],
      type: 'machine',
      username: SEEDED_MACHINE_ID,
      machine: { name: 'Bench machine', accessTokenType: 'bearer', secretHash: machineSecretHash },
    });
    await add(Membership, {
      instanceId,
      userId: machineId,
      level: 'instance',
      resourceId: instanceId,
      orgId: instanceId,
      roles: ['IAM_OWNER'],
    });
    for (let user = 1; user < sizes.usersPerInstance; user += 1)
      await add(User, {
        instanceId,
        orgId: orgIds[user % orgIds.length],
        type: 'human',
        username: `user-${user}`,
        human: { email: `user-${user}@${domain}`, givenName: 'Bench', familyName: `User ${user}` },
      });
    seeded.push({ id: instanceId, domain });
  }
  await writer.flushAll();
  return seeded;
}
