import type { KeyObject } from 'node:crypto';
import { cached } from '../../store/cache/instance-cache.ts';
import { cacheKeys } from '../../store/cache/keys.ts';
import { PersonalAccessToken } from '../../store/models/index.ts';
import { randomSecret, secretHash } from '../../platform/crypto.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';
import { notFound } from '../errors.ts';

/** Recognisable in logs and secret scanners; the rest is 256 random bits. */
export const PAT_PREFIX = 'cpat_';

export interface PatSummary {
  _id: string;
  userId: string;
  expiresAt: Date;
  createdAt?: Date;
}

export function createPersonalAccessToken(
  actor: Actor,
  user: { _id: string; orgId: string },
  expiresAt: Date,
  hashKey: KeyObject,
): Promise<{ id: string; token: string; expiresAt: Date }> {
  return asOneChange(actor, async () => {
    const token = `${PAT_PREFIX}${randomSecret(32)}`;
    const created = await PersonalAccessToken.create({
      instanceId: actor.instanceId,
      userId: user._id,
      tokenHash: secretHash(hashKey, token),
      expiresAt,
    });
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.pat.added',
      resourceType: 'user',
      resourceId: user._id,
      payload: { tokenId: created._id, expiresAt: expiresAt.toISOString() },
    });
    return { id: created._id, token, expiresAt };
  });
}

export function listPersonalAccessTokens(
  instanceId: string,
  userId: string,
  page: { limit: number; offset: number },
): Promise<PatSummary[]> {
  return PersonalAccessToken.find({ instanceId, userId }, { tokenHash: 0 })
    .sort({ _id: 1 })
    .skip(page.offset)
    .limit(page.limit)
    .lean<PatSummary[]>();
}

export function removePersonalAccessToken(
  actor: Actor,
  user: { _id: string; orgId: string },
  tokenId: string,
): Promise<void> {
  return asOneChange(actor, async () => {
    const removed = await PersonalAccessToken.findOneAndDelete({
      instanceId: actor.instanceId,
      userId: user._id,
      _id: tokenId,
    }).lean();
    if (!removed) throw notFound();
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.pat.removed',
      resourceType: 'user',
      resourceId: user._id,
      payload: { tokenId },
    });
  });
}

/** The owner of an unexpired token, or null. */
export async function personalAccessTokenOwner(
  instanceId: string,
  token: string,
  hashKey: KeyObject,
): Promise<string | null> {
  if (!token.startsWith(PAT_PREFIX)) return null;
  const tokenHash = secretHash(hashKey, token);
  const found = await cached(instanceId, cacheKeys.personalAccessToken(tokenHash), () =>
    PersonalAccessToken.findOne({ instanceId, tokenHash }, { userId: 1, expiresAt: 1 }).lean(),
  );
  return found && found.expiresAt.getTime() > Date.now() ? found.userId : null;
}
