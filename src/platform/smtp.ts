import nodemailer from 'nodemailer';

export type SmtpTlsMode = 'none' | 'starttls' | 'tls';

export interface SmtpServer {
  host: string;
  port: number;
  tls: SmtpTlsMode;
  user?: string | null;
  password?: string | null;
}

export interface OutgoingEmail {
  from: { address: string; name?: string | null };
  replyTo?: string | null;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** What the SMTP server answered to the message it accepted (e.g. "250 OK: queued as …"). */
export interface SmtpOutcome {
  response: string;
  messageId: string;
}

/**
 * Sends one message over a connection of its own: `tls` is TLS from the first byte (port 465), `starttls` requires
 * the upgrade (a server without STARTTLS is refused, never used in clear), `none` sends in clear. Every stage has a
 * timeout, so a silent server fails the attempt instead of holding it past its lease (domain/email-delivery.ts).
 */
export async function sendEmail(server: SmtpServer, email: OutgoingEmail, timeoutMs: number): Promise<SmtpOutcome> {
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.tls === 'tls',
    requireTLS: server.tls === 'starttls',
    ignoreTLS: server.tls === 'none',
    auth: server.user ? { user: server.user, pass: server.password ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    const info = await transport.sendMail({
      from: email.from.name ? { name: email.from.name, address: email.from.address } : email.from.address,
      replyTo: email.replyTo ?? undefined,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      // Each stage's timeout restarts whenever the server sends a byte, so a server trickling reply lines would hold
      // the send forever; the whole exchange ends by the lease bound config.ts states (3 × smtpTimeoutMs).
      signal: AbortSignal.timeout(3 * timeoutMs),
    });
    return { response: info.response, messageId: info.messageId };
  } finally {
    transport.close();
  }
}
