import type { Config } from '../platform/config.ts';
import type { MasterKey } from '../platform/crypto.ts';
import { renderEmail } from '../platform/email-templates.ts';
import { findOrg } from '../store/queries/accounts.ts';
import { enqueueOutboxMessage } from '../store/queries/email-outbox.ts';
import { smtpConfigured } from '../store/queries/smtp-settings.ts';
import { policyWithOwnLogos } from './rules/branding-logos.ts';
import { brandingFrom, type Branding } from './rules/branding.ts';
import { effectiveLoginPolicy } from './rules/login-policy.ts';
import { conflict } from './errors.ts';

/** What a message is branded and addressed from: the instance (issuer, name, login policy, logos). */
export interface EmailInstance {
  _id: string;
  name: string;
  issuer: string;
  loginPolicy?: unknown;
  brandingLogos?: unknown;
}

export const OUTBOX_BODY_PURPOSE = 'email-outbox-body';

export const MISSING_SMTP =
  'email delivery is not set up: the instance has no SMTP settings (smtp: PUT /api/v1/instance/smtp)';

/** Whether messages can go out: the instance has SMTP settings, or development mode logs them. */
export async function emailDeliveryAvailable(config: Config, instanceId: string): Promise<boolean> {
  return config.email.logWithoutSmtp || smtpConfigured(instanceId);
}

/** A flow that needs email answers 409 naming the missing setting, before it changes anything. */
export async function requireEmailDelivery(config: Config, instanceId: string): Promise<void> {
  if (!(await emailDeliveryAvailable(config, instanceId))) throw conflict(MISSING_SMTP);
}

/**
 * The org's login branding (its override of the instance policy), else the instance's, with the logos' absolute URLs
 * under the instance's issuer (never a request's Host): a mail client fetches them from there.
 */
export async function brandingOf(instance: EmailInstance, orgId: string | null): Promise<Branding> {
  const org = orgId ? await findOrg(instance._id, orgId) : null;
  const policy = effectiveLoginPolicy(
    policyWithOwnLogos(instance.issuer, instance),
    org ? policyWithOwnLogos(instance.issuer, org) : null,
  );
  return brandingFrom(policy, org?.name ?? instance.name);
}

export interface EmailRecipient {
  _id: string;
  orgId: string;
  human?: { locale?: string | null } | null;
}

/**
 * Renders `template` for the user (its locale, its org's branding) and puts it in the outbox: delivery is
 * asynchronous and retried (domain/email-delivery.ts). The caller has checked that delivery is available.
 */
export async function enqueueUserEmail(
  masterKey: MasterKey,
  instance: EmailInstance,
  user: EmailRecipient,
  to: string,
  template: string,
  context: Record<string, unknown>,
): Promise<string> {
  const branding = await brandingOf(instance, user.orgId);
  const rendered = renderEmail(template, user.human?.locale, { ...context, branding });
  return enqueueOutboxMessage({
    instanceId: instance._id,
    orgId: user.orgId,
    userId: user._id,
    template,
    to,
    subject: rendered.subject,
    body: masterKey.encrypt(JSON.stringify({ text: rendered.text, html: rendered.html }), OUTBOX_BODY_PURPOSE),
  });
}
