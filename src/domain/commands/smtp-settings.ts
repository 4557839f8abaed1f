import type { MasterKey } from '../../platform/crypto.ts';
import { renderEmail } from '../../platform/email-templates.ts';
import { sendEmail } from '../../platform/smtp.ts';
import type { SmtpTlsMode } from '../../platform/smtp.ts';
import { removeStoredSmtp, setStoredSmtp, storedSmtp, type StoredSmtp } from '../../store/queries/smtp-settings.ts';
import { SMTP_PASSWORD_PURPOSE } from '../email-delivery.ts';
import { brandingOf, type EmailInstance } from '../emails.ts';
import { conflict, notFound } from '../errors.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';

export interface SmtpSettingsView {
  host: string;
  port: number;
  tls: SmtpTlsMode;
  user: string | null;
  /** The password is never returned, only whether one is set. */
  hasPassword: boolean;
  senderAddress: string;
  senderName: string | null;
  replyTo: string | null;
}

export interface SmtpSettingsInput {
  host: string;
  port: number;
  tls: SmtpTlsMode;
  user?: string | null;
  /** Absent: keep the stored password; null: none. */
  password?: string | null;
  senderAddress: string;
  senderName?: string | null;
  replyTo?: string | null;
}

export function smtpView(smtp: StoredSmtp): SmtpSettingsView {
  return {
    host: smtp.host,
    port: smtp.port,
    tls: smtp.tls,
    user: smtp.user ?? null,
    hasPassword: Boolean(smtp.passwordEncrypted),
    senderAddress: smtp.senderAddress,
    senderName: smtp.senderName ?? null,
    replyTo: smtp.replyTo ?? null,
  };
}

export async function smtpSettings(instanceId: string): Promise<SmtpSettingsView> {
  const smtp = await storedSmtp(instanceId);
  if (!smtp) throw notFound();
  return smtpView(smtp);
}

/** Replaces the instance's SMTP settings; the password is encrypted at rest and never in the event. */
export function setSmtpSettings(
  actor: Actor,
  masterKey: MasterKey,
  input: SmtpSettingsInput,
): Promise<SmtpSettingsView> {
  return asOneChange(actor, async () => {
    const { password, ...rest } = input;
    const previous = await storedSmtp(actor.instanceId);
    const passwordEncrypted =
      password === undefined
        ? (previous?.passwordEncrypted ?? undefined)
        : password === null
          ? undefined
          : masterKey.encrypt(password, SMTP_PASSWORD_PURPOSE);
    const smtp = Object.fromEntries(
      Object.entries({ ...rest, passwordEncrypted }).filter(([, value]) => value !== undefined && value !== null),
    ) as StoredSmtp;
    await setStoredSmtp(actor.instanceId, smtp);
    await recordChange(actor, {
      orgId: null,
      type: 'instance.smtp.set',
      resourceType: 'instance',
      resourceId: actor.instanceId,
      payload: { ...rest, passwordSet: Boolean(passwordEncrypted) },
    });
    return smtpView(smtp);
  });
}

export function removeSmtpSettings(actor: Actor): Promise<void> {
  return asOneChange(actor, async () => {
    if (!(await removeStoredSmtp(actor.instanceId))) throw notFound();
    await recordChange(actor, {
      orgId: null,
      type: 'instance.smtp.removed',
      resourceType: 'instance',
      resourceId: actor.instanceId,
    });
  });
}

export type SmtpTestOutcome = { sent: true; response: string } | { sent: false; error: string };

/** Sends a test message now, bypassing the outbox, and tells what the SMTP server answered. */
export async function testSmtpSettings(
  instance: EmailInstance,
  masterKey: MasterKey,
  to: string,
  timeoutMs: number,
): Promise<SmtpTestOutcome> {
  const smtp = await storedSmtp(instance._id);
  if (!smtp) throw conflict('the instance has no SMTP settings to test (PUT /api/v1/instance/smtp)');
  const rendered = renderEmail('smtp-test', null, { branding: await brandingOf(instance, null), host: smtp.host });
  try {
    const outcome = await sendEmail(
      {
        ...smtp,
        password: smtp.passwordEncrypted ? masterKey.decrypt(smtp.passwordEncrypted, SMTP_PASSWORD_PURPOSE) : null,
      },
      { from: { address: smtp.senderAddress, name: smtp.senderName }, replyTo: smtp.replyTo, to, ...rendered },
      timeoutMs,
    );
    return { sent: true, response: outcome.response };
  } catch (error) {
    return { sent: false, error: (error as Error).message };
  }
}
