import type { Config } from '../platform/config.ts';
import type { MasterKey } from '../platform/crypto.ts';
import type { Logger } from '../platform/logger.ts';
import { counter } from '../platform/metrics.ts';
import { sendEmail } from '../platform/smtp.ts';
import type { EmailOutboxDocument } from '../store/models/email-outbox.ts';
import {
  dueOutboxMessageIds,
  findOutboxMessage,
  leaseOutboxMessage,
  recordOutboxAttempt,
  releaseOutboxLease,
} from '../store/queries/email-outbox.ts';
import { recordEvent, SYSTEM_ACTOR } from '../store/queries/events.ts';
import { storedSmtp } from '../store/queries/smtp-settings.ts';
import { retryDelayMs } from './rules/email-retries.ts';
import { OUTBOX_BODY_PURPOSE } from './emails.ts';

export const SMTP_PASSWORD_PURPOSE = 'smtp-password';

export interface DeliveryServices {
  config: Config;
  log: Logger;
  masterKey: MasterKey;
}

const deliveries = () =>
  counter(
    'castellan_email_deliveries_total',
    'Email delivery attempts by outcome: sent, logged (development mode), retry (failed, will retry), failed (gave up)',
    ['outcome'],
  );

/** How many messages one pass looks at; the rest wait for the next pass. */
const BATCH = 20;

/** Sends the message through the instance's SMTP server, or logs it in development mode: how it went out. */
async function deliver(services: DeliveryServices, message: EmailOutboxDocument): Promise<'smtp' | 'log'> {
  if (!message.body) throw new Error('the message has no body');
  const { text, html } = JSON.parse(services.masterKey.decrypt(message.body, OUTBOX_BODY_PURPOSE)) as {
    text: string;
    html: string;
  };
  const smtp = await storedSmtp(message.instanceId);
  if (!smtp) {
    if (!services.config.email.logWithoutSmtp) throw new Error('the instance has no SMTP settings');
    services.log.info(
      { to: message.to, subject: message.subject, text, template: message.template },
      'email (development mode, no SMTP settings: logged, not sent)',
    );
    return 'log';
  }
  const password = smtp.passwordEncrypted
    ? services.masterKey.decrypt(smtp.passwordEncrypted, SMTP_PASSWORD_PURPOSE)
    : null;
  await sendEmail(
    { host: smtp.host, port: smtp.port, tls: smtp.tls, user: smtp.user, password },
    {
      from: { address: smtp.senderAddress, name: smtp.senderName },
      replyTo: smtp.replyTo,
      to: message.to,
      subject: message.subject,
      text,
      html,
    },
    services.config.email.smtpTimeoutMs,
  );
  return 'smtp';
}

async function recordFailure(message: EmailOutboxDocument, attempt: number, error: string, final: boolean) {
  await recordEvent({
    instanceId: message.instanceId,
    orgId: message.orgId ?? null,
    actorId: SYSTEM_ACTOR,
    type: final ? 'email.delivery.failed' : 'email.delivery.attempt_failed',
    resourceType: message.userId ? 'user' : 'instance',
    resourceId: message.userId ?? message.instanceId,
    payload: { messageId: message._id, template: message.template, to: message.to, attempt, error },
  });
}

/** One attempt at a message this process holds the lease of. */
async function attempt(services: DeliveryServices, message: EmailOutboxDocument): Promise<void> {
  const attempts = message.attempts + 1;
  try {
    const deliveredBy = await deliver(services, message);
    await recordOutboxAttempt(message._id, { state: 'sent', deliveredBy, attempts });
    deliveries().inc({ outcome: deliveredBy === 'log' ? 'logged' : 'sent' });
  } catch (caught) {
    const error = (caught as Error).message || String(caught);
    const { maxAttempts, retryBaseMs, retryMaxMs } = services.config.email;
    const final = attempts >= maxAttempts;
    await recordOutboxAttempt(
      message._id,
      final
        ? { state: 'failed', attempts, error }
        : {
            state: 'pending',
            attempts,
            error,
            nextAttemptAt: new Date(Date.now() + retryDelayMs(attempts, retryBaseMs, retryMaxMs)),
          },
    );
    deliveries().inc({ outcome: final ? 'failed' : 'retry' });
    services.log.warn({ messageId: message._id, attempt: attempts, final, error }, 'email delivery failed');
    await recordFailure(message, attempts, error, final);
  }
}

/**
 * One pass over the outbox: each due message this process can lease is attempted once. Any number of processes may
 * run passes at once: the lease (store/queries/email-outbox.ts) gives each message one holder, who re-reads it after
 * taking the lease (another holder may have sent it meanwhile) and alone writes the outcome. Returns how many
 * messages it attempted.
 */
export async function deliverDueEmails(services: DeliveryServices): Promise<number> {
  let attempted = 0;
  for (const id of await dueOutboxMessageIds(new Date(), BATCH)) {
    const holder = await leaseOutboxMessage(id, services.config.email.leaseMs);
    if (!holder) continue;
    try {
      const message = await findOutboxMessage(id);
      if (!message || message.state !== 'pending' || message.nextAttemptAt.getTime() > Date.now()) continue;
      await attempt(services, message);
      attempted += 1;
    } finally {
      await releaseOutboxLease(id, holder);
    }
  }
  return attempted;
}
