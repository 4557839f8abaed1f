// A real SMTP server on loopback (smtp-server, from the nodemailer project) for the email tests: every message it
// accepts is parsed with mailparser and kept, in order; it can be stopped and started again on the same port (an
// outage), and require a user and password.
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  to: string[];
  from: string;
  parsed: ParsedMail;
  /** The credentials the client authenticated with, if any. */
  auth: { username: string; password: string } | null;
}

export interface TestSmtp {
  port: number;
  received: ReceivedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Waits until `count` messages to `to` arrived; fails after `timeoutMs`. */
  waitFor(to: string, count?: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  to(address: string): ReceivedMail[];
}

export async function startTestSmtp(options: { credentials?: { username: string; password: string } } = {}) {
  const port = await freeLoopbackPort();
  const received: ReceivedMail[] = [];
  let server: SMTPServer | null = null;
  const create = () =>
    new SMTPServer({
      disabledCommands: ['STARTTLS'],
      authOptional: !options.credentials,
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        const wanted = options.credentials;
        if (wanted && auth.username === wanted.username && auth.password === wanted.password)
          return callback(null, { user: { username: auth.username, password: auth.password } });
        return callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (parsed) => {
            received.push({
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              parsed,
              auth: (session.user as ReceivedMail['auth']) ?? null,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
  const smtp: TestSmtp = {
    port,
    received,
    async start() {
      server = create();
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async stop() {
      const running = server;
      server = null;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    to: (address) => received.filter((mail) => mail.to.includes(address)),
    async waitFor(to, count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (smtp.to(to).length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} message(s) to ${to}, got ${smtp.to(to).length}`);
        await sleep(20);
      }
      return smtp.to(to);
    },
  };
  await smtp.start();
  return smtp;
}

/** The first link in a message's text that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const found = (mail.parsed.text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
  if (!found) throw new Error(`no link starting with ${prefix} in: ${mail.parsed.text}`);
  return found;
}
