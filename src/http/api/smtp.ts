import { z } from 'zod';
import {
  removeSmtpSettings,
  setSmtpSettings,
  smtpSettings,
  testSmtpSettings,
} from '../../domain/commands/smtp-settings.ts';
import { INSTANCE } from './locators.ts';
import { route, type ApiRoute } from './route.ts';

const TAG = 'Instance';

const address = z
  .string()
  .trim()
  .max(320)
  .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an email address');
const tls = z.enum(['none', 'starttls', 'tls']);
const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or address');

/** The SMTP settings as set (here and in the System API's instance creation). */
export const smtpInput = z.strictObject({
  host,
  port: z.number().int().min(1).max(65535),
  tls,
  user: z.string().min(1).max(320).nullable().optional(),
  password: z.string().min(1).max(1024).nullable().optional(),
  senderAddress: address,
  senderName: z.string().min(1).max(200).nullable().optional(),
  replyTo: address.nullable().optional(),
});

export const smtpView = z.object({
  host: z.string(),
  port: z.number(),
  tls,
  user: z.string().nullable(),
  hasPassword: z.boolean(),
  senderAddress: z.string(),
  senderName: z.string().nullable(),
  replyTo: z.string().nullable(),
});

export const smtpRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/instance/smtp',
    tag: TAG,
    summary: "The instance's SMTP settings (the password never: only whether one is set); 404 when none",
    permission: 'iam.read',
    on: INSTANCE,
    response: smtpView,
    handler: ({ tenant }) => smtpSettings(tenant.instance._id),
  }),
  route({
    method: 'put',
    path: '/instance/smtp',
    tag: TAG,
    summary:
      "Set the instance's SMTP server and sender. tls: none (clear), starttls (upgrade required), tls (implicit, " +
      'port 465). The password is encrypted at rest; left out, the stored one is kept; null removes it',
    permission: 'iam.write',
    on: INSTANCE,
    body: smtpInput,
    response: smtpView,
    handler: ({ actor, body, services }) => setSmtpSettings(actor, services.masterKey, body),
  }),
  route({
    method: 'delete',
    path: '/instance/smtp',
    tag: TAG,
    summary: "Remove the instance's SMTP settings: flows that need email answer 409 until they are set again",
    permission: 'iam.write',
    on: INSTANCE,
    response: null,
    handler: ({ actor }) => removeSmtpSettings(actor),
  }),
  route({
    method: 'post',
    path: '/instance/smtp/test',
    tag: TAG,
    summary:
      'Send a test message to `to` now, through the stored settings, and answer what the SMTP server said ' +
      '(sent: false with its error when it refused or could not be reached); 409 without settings',
    permission: 'iam.write',
    on: INSTANCE,
    body: z.strictObject({ to: address }),
    response: z.object({ sent: z.boolean(), response: z.string().optional(), error: z.string().optional() }),
    handler: ({ tenant, body, services }) =>
      testSmtpSettings(tenant.instance, services.masterKey, body.to, services.config.email.smtpTimeoutMs),
  }),
];
