import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { MasterKey } from '../../platform/crypto.ts';
import { newId } from '../../platform/ids.ts';
import { SigningKey } from '../models/index.ts';
import { SIGNING_ALGORITHMS } from '../models/signing-key.ts';

type Algorithm = (typeof SIGNING_ALGORITHMS)[number];
const ENCRYPTION_PURPOSE = 'signing-key';

async function createKey(
  instanceId: string,
  alg: Algorithm,
  state: 'next' | 'active',
  masterKey: MasterKey,
): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = newId();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  await SigningKey.create({
    _id: kid,
    instanceId,
    alg,
    state,
    publicJwk,
    privateJwkEncrypted: masterKey.encrypt(JSON.stringify(privateJwk), ENCRYPTION_PURPOSE),
  });
}

/** One active key per algorithm; idempotent. */
export async function ensureSigningKeys(instanceId: string, masterKey: MasterKey): Promise<void> {
  for (const alg of SIGNING_ALGORITHMS) {
    if (!(await SigningKey.exists({ instanceId, alg, state: 'active' })))
      await createKey(instanceId, alg, 'active', masterKey);
  }
}

const STATE_ORDER = { active: 0, next: 1, retired: 2 } as const;

/**
 * The private JWKS for the provider: active keys first (RS256 before ES256, so RS256 is the default
 * for compatibility), then next and retired keys, which are published for verification only.
 */
export async function loadSigningJwks(instanceId: string, masterKey: MasterKey): Promise<JWK[]> {
  const keys = await SigningKey.find({ instanceId }).lean();
  keys.sort(
    (a, b) =>
      STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
      SIGNING_ALGORITHMS.indexOf(a.alg) - SIGNING_ALGORITHMS.indexOf(b.alg),
  );
  return keys.map((key) => JSON.parse(masterKey.decrypt(key.privateJwkEncrypted, ENCRYPTION_PURPOSE)) as JWK);
}

/**
 * One rotation step, run on a schedule (e.g. `npm run keys:rotate` daily):
 * retired keys older than `retainSeconds` (the longest token lifetime) are deleted; active keys
 * retire; keys published as `next` in the previous step become active (so every verifier has
 * already seen them); and a new `next` key per algorithm is published.
 */
export async function rotateSigningKeys(
  instanceId: string,
  masterKey: MasterKey,
  retainSeconds: number,
): Promise<void> {
  const now = new Date();
  await SigningKey.deleteMany({
    instanceId,
    state: 'retired',
    retiredAt: { $lt: new Date(now.getTime() - retainSeconds * 1000) },
  });
  for (const alg of SIGNING_ALGORITHMS) {
    const next = await SigningKey.findOne({ instanceId, alg, state: 'next' });
    if (next) {
      await SigningKey.updateMany({ instanceId, alg, state: 'active' }, { $set: { state: 'retired', retiredAt: now } });
      await SigningKey.updateOne({ _id: next._id }, { $set: { state: 'active' } });
    }
    await createKey(instanceId, alg, 'next', masterKey);
  }
  await ensureSigningKeys(instanceId, masterKey);
}
