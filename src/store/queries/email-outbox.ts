import { EmailOutbox, type EmailOutboxDocument } from '../models/email-outbox.ts';
import { releaseLease, takeLease } from './leases.ts';

export type NewOutboxMessage = Pick<
  EmailOutboxDocument,
  'instanceId' | 'orgId' | 'userId' | 'template' | 'to' | 'subject' | 'body'
>;

export async function enqueueOutboxMessage(message: NewOutboxMessage): Promise<string> {
  const created = await EmailOutbox.create({ ...message, state: 'pending', attempts: 0, nextAttemptAt: new Date() });
  return created._id;
}

/** Ids of pending messages whose next attempt is due, oldest due first. */
export async function dueOutboxMessageIds(now: Date, limit: number): Promise<string[]> {
  const due = await EmailOutbox.find({ state: 'pending', nextAttemptAt: { $lte: now } }, { _id: 1 })
    .sort({ nextAttemptAt: 1 })
    .limit(limit)
    .lean();
  return due.map((message) => message._id);
}

export function findOutboxMessage(id: string): Promise<EmailOutboxDocument | null> {
  return EmailOutbox.findById(id).lean<EmailOutboxDocument>();
}

const leaseKey = (id: string) => `EmailOutbox:${id}`;

/** Claims a message for `leaseMs` (store/queries/leases.ts); null when another process holds it. */
export function leaseOutboxMessage(id: string, leaseMs: number): Promise<string | null> {
  return takeLease(leaseKey(id), leaseMs);
}

export function releaseOutboxLease(id: string, holder: string): Promise<void> {
  return releaseLease(leaseKey(id), holder);
}

/** The outcome of one attempt, written by the lease holder only. */
export async function recordOutboxAttempt(
  id: string,
  outcome:
    | { state: 'sent'; deliveredBy: string; attempts: number }
    | { state: 'pending'; attempts: number; nextAttemptAt: Date; error: string }
    | { state: 'failed'; attempts: number; error: string },
): Promise<void> {
  const set: Record<string, unknown> = { state: outcome.state, attempts: outcome.attempts };
  if (outcome.state !== 'pending') set.body = null;
  if (outcome.state === 'sent') Object.assign(set, { deliveredBy: outcome.deliveredBy, sentAt: new Date() });
  else set.lastError = outcome.error.slice(0, 1000);
  if (outcome.state === 'pending') set.nextAttemptAt = outcome.nextAttemptAt;
  await EmailOutbox.updateOne({ _id: id }, { $set: set });
}

/** A removed user's messages not sent yet are dropped (one being sent right now may still go out). */
export async function dropPendingEmails(instanceId: string, userId: string): Promise<void> {
  await EmailOutbox.deleteMany({ instanceId, userId, state: 'pending' });
}
