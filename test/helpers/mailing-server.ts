import assert from 'node:assert/strict';
import { bootstrapToken, call } from '../api/helpers.ts';
import { startTestServer, type TestServer } from './server.ts';
import { startTestSmtp, type TestSmtp } from './smtp.ts';

/** A Castellan whose instance sends its email to a real SMTP server on loopback, with the outbox polled fast. */
export interface MailingServer {
  server: TestServer;
  /** A management API token of the instance administrator. */
  admin: string;
  smtp: TestSmtp;
}

/** Points the instance's SMTP settings at the loopback SMTP server. */
export async function useTestSmtp(server: TestServer, admin: string, smtp: TestSmtp): Promise<void> {
  const settings = { host: '127.0.0.1', port: smtp.port, tls: 'none', senderAddress: 'login@castellan.test' };
  assert.equal((await call(server, admin, 'PUT', '/instance/smtp', settings)).status, 200);
}

export async function startMailingServer(): Promise<MailingServer> {
  const smtp = await startTestSmtp();
  const server = await startTestServer({ EMAIL_OUTBOX_POLL_MS: '50' });
  const admin = await bootstrapToken(server);
  await useTestSmtp(server, admin, smtp);
  return { server, admin, smtp };
}

export async function stopMailingServer({ server, smtp }: MailingServer): Promise<void> {
  await server.stop();
  await smtp.stop();
}
