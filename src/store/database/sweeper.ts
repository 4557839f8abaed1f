import type { Collection } from 'mongodb';
import type { Logger } from '../../platform/logger.ts';
import { OidcConsumption, oidcPayloadModels } from '../models/oidc-payload.ts';
import { WriteLock } from '../models/write-lock.ts';
import { CacheRevision } from '../models/cache-revision.ts';
import { REVISION_RETENTION_MS } from '../cache/revisions.ts';
import { RateLimitHit } from '../models/rate-limit-hit.ts';
import { SamlAssertionUse } from '../models/saml-assertion-use.ts';
import { FactorUse } from '../models/user-factor.ts';
import { VerificationCode } from '../models/verification-code.ts';
import { WebauthnChallenge } from '../models/webauthn-challenge.ts';
import { BrowserLogin } from '../models/browser-login.ts';
import { EmailOutbox } from '../models/email-outbox.ts';
import { FederationState } from '../models/federation-state.ts';
import { deleteSystemEventsBefore } from '../queries/system-events.ts';
import { takeLease } from '../queries/leases.ts';

/** How long finished outbox messages (config `email.outboxRetentionSeconds`) and the deployment's audit log (config
 * `system.eventRetentionDays`) are kept; absent: kept. */
export interface Retention {
  outboxSeconds?: number;
  systemEventDays?: number;
}

/**
 * FerretDB v1 deletes the documents a filter matched by listing their ids as SQL parameters, and fails
 * past SQLite's limit of 32,766 (docs/portable-mongodb.md). So large deletions go in batches of ids, no longer than
 * the `$in` lists Castellan's FerretDB build hands to SQLite's `_id` index (`castellanMaxInValues`,
 * tools/ferretdb/pushdown.go): a longer list made FerretDB read and decode the whole collection for every batch.
 */
const DELETE_BATCH = 1_000;

/** Deletes what `filter` matches in one of the provider's collections (of any instance), a batch of ids at a time. */
export async function deleteFromCollection(collection: Collection, filter: Record<string, unknown>): Promise<number> {
  let deleted = 0;
  for (;;) {
    const found = await collection
      .find(filter, { projection: { _id: 1 } })
      .limit(DELETE_BATCH)
      .toArray();
    if (found.length === 0) return deleted;
    deleted += (await collection.deleteMany({ _id: { $in: found.map((document) => document._id) } })).deletedCount;
    if (found.length < DELETE_BATCH) return deleted;
  }
}

/**
 * Deletes expired OIDC artifacts, throttle counts, one-time codes, the write locks of holders that died, the
 * markers of used TOTP steps and the states of external IdP round trips (checked for expiry when used). The provider
 * re-checks expiry on every read, a throttle counts only its window, a code is checked for expiry when used, an
 * expired lock is taken over anyway, a TOTP step is refused by its factor's last used step once its marker expires,
 * and a SAML assertion's replay marker outlives the time the assertion itself is accepted in
 * (store/models/saml-assertion-use.ts), so lag here is harmless. Cache revisions no poll reads any more go too. With
 * a retention, also the outbox's messages sent or given up that long ago (never a pending one) and the deployment's
 * audit log's older events: deleted here rather than by a TTL index, which FerretDB v1 does not apply
 * (docs/portable-mongodb.md).
 */
export async function sweepExpired(now = new Date(), retention: Retention = {}): Promise<number> {
  const expired = { expiresAt: { $lt: now } };
  const staleRevisions = { changedAt: { $lt: new Date(now.getTime() - REVISION_RETENTION_MS) } };
  const finishedOutbox = {
    state: { $in: ['sent', 'failed'] },
    updatedAt: { $lt: new Date(now.getTime() - (retention.outboxSeconds ?? 0) * 1000) },
  };
  const { systemEventDays } = retention;
  const results = await Promise.all([
    deleteFromCollection(CacheRevision.collection, staleRevisions),
    ...[
      ...oidcPayloadModels(),
      OidcConsumption,
      WriteLock,
      RateLimitHit,
      FactorUse,
      VerificationCode,
      WebauthnChallenge,
      BrowserLogin,
      SamlAssertionUse,
      FederationState,
    ].map((model) => deleteFromCollection(model.collection, expired)),
    ...(retention.outboxSeconds === undefined ? [] : [deleteFromCollection(EmailOutbox.collection, finishedOutbox)]),
    ...(systemEventDays === undefined
      ? []
      : [deleteSystemEventsBefore(new Date(now.getTime() - systemEventDays * 86_400_000))]),
  ]);
  return results.reduce((sum, count) => sum + count, 0);
}

const SWEEP_LEASE = 'Sweeper';

/**
 * Sweeps unless another process of the deployment took the sweep's lease less than half an interval ago (null then).
 * Every process runs a sweeper, and processes started together (the workers of one server) tick together: each sweep
 * reads every collection it sweeps, so the same sweep run by each of them multiplied that work for nothing. The lease
 * is not given back: its expiry is when the next sweep is due, whichever process ticks first then.
 */
export async function sweepUnlessSweptLately(
  intervalSeconds: number,
  retention: Retention,
  now = new Date(),
): Promise<number | null> {
  if (!(await takeLease(SWEEP_LEASE, (intervalSeconds * 1000) / 2))) return null;
  return sweepExpired(now, retention);
}

export function startSweeper(intervalSeconds: number, retention: Retention, log: Logger): () => void {
  const timer = setInterval(() => {
    sweepUnlessSweptLately(intervalSeconds, retention).then(
      (deleted) => deleted && log.debug({ deleted }, 'expired OIDC artifacts swept'),
      (error: unknown) => log.warn({ err: error }, 'sweep of expired OIDC artifacts failed'),
    );
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
