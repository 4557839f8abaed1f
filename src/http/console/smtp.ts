import { HttpError } from '../middleware/errors.ts';
import { DomainError } from '../../domain/errors.ts';
import { checked, text } from './forms.ts';
import { instanceFrame } from './instance-settings.ts';
import { renderConsole, type Console, type ConsolePage, type FormState } from './kit.ts';

interface SmtpView {
  host: string;
  port: number;
  tls: string;
  user: string | null;
  hasPassword: boolean;
  senderAddress: string;
  senderName: string | null;
  replyTo: string | null;
}
interface TestResult {
  sent: boolean;
  response?: string;
  error?: string;
}

/** The stored settings, or null when there are none (GET answers 404). */
async function storedSmtp(c: Console): Promise<SmtpView | null> {
  try {
    return await c.call<SmtpView>('GET /instance/smtp');
  } catch (error) {
    const status = error instanceof HttpError ? error.status : error instanceof DomainError ? error.kind : null;
    if (status === 404 || status === 'not-found') return null;
    throw error;
  }
}

/** A password typed is never shown again, not even after a refused save. */
const withoutPassword = (form: FormState | undefined) => form && { ...form, values: { ...form.values, password: '' } };

/**
 * The SMTP body of the form: an empty optional field clears it (PUT replaces the settings), but the password, which is
 * never shown, is kept when left empty (the API's rule) and removed only when asked.
 */
function smtpBody(form: URLSearchParams) {
  const port = text(form, 'port');
  return {
    host: form.get('host') ?? '',
    port: port && /^\d+$/.test(port) ? Number(port) : (port ?? ''),
    tls: form.get('tls') ?? '',
    user: text(form, 'user') ?? null,
    ...(checked(form, 'removePassword')
      ? { password: null }
      : text(form, 'password')
        ? { password: form.get('password') }
        : {}),
    senderAddress: form.get('senderAddress') ?? '',
    senderName: text(form, 'senderName') ?? null,
    replyTo: text(form, 'replyTo') ?? null,
  };
}

const TLS_MODES = [
  { value: 'starttls', label: 'STARTTLS (upgrade required), usually port 587' },
  { value: 'tls', label: 'TLS from the start, usually port 465' },
  { value: 'none', label: 'None (clear text): only on a trusted network' },
];

/** The instance's SMTP server and sender (IAM managers), with a test message sent through the stored settings. */
export const smtpPage: ConsolePage = {
  path: '/instance/smtp',
  async render(c, form, status) {
    const smtp = await storedSmtp(c);
    await renderConsole(
      c,
      'smtp.njk',
      {
        ...(await instanceFrame(c, 'Email delivery (SMTP)')),
        smtp,
        form: withoutPassword(form),
        tlsModes: TLS_MODES,
        testResult: (c.ctx.state as { smtpTest?: TestResult }).smtpTest,
        can: {
          write: await c.allows('PUT /instance/smtp'),
          remove: smtp !== null && (await c.allows('DELETE /instance/smtp')),
          test: smtp !== null && (await c.allows('POST /instance/smtp/test')),
        },
      },
      status,
    );
  },
  actions: {
    save: { route: 'PUT /instance/smtp', body: smtpBody, done: () => '/instance/smtp' },
    remove: { route: 'DELETE /instance/smtp', done: () => '/instance/smtp' },
    test: {
      route: 'POST /instance/smtp/test',
      body: (form) => ({ to: form.get('to') ?? '' }),
      async done(c, result) {
        (c.ctx.state as { smtpTest?: TestResult }).smtpTest = result as TestResult;
        await smtpPage.render(c);
      },
    },
  },
};
