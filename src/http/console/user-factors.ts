import { renderConsole, type ConsolePage } from './kit.ts';
import { userFrame } from './user-tabs.ts';

interface FactorView {
  id: string;
  type: 'totp' | 'recovery_codes' | 'webauthn' | 'otp_email';
  name: string;
  createdAt: string;
  remainingCodes: number | null;
  issuedCodes: number | null;
}

const FACTOR_NAMES: Record<FactorView['type'], string> = {
  totp: 'Authenticator app (TOTP)',
  recovery_codes: 'Recovery codes',
  webauthn: 'Security key or passkey',
  otp_email: 'Codes by email',
};

const here = (_c: unknown, _r: unknown, params: Record<string, string>) => `/users/${params.userId}/factors`;

/**
 * A person's second factors (api/user-mfa.ts): listed without secrets, removed one by one or all at once (a lost
 * phone), and codes by email turned on. An app or a security key is set up by the user on their own device
 * (/ui/account), never by a manager.
 */
export const userFactorsPage: ConsolePage = {
  path: '/users/:userId/factors',
  async render(c, form, status) {
    const frame = await userFrame(c);
    const params = { userId: frame.user.id };
    const { factors } = await c.call<{ factors: FactorView[] }>('GET /users/{userId}/mfa', params);
    await renderConsole(
      c,
      'user-factors.njk',
      {
        title: `Second factors of ${frame.user.displayName}`,
        ...frame,
        form,
        factors: factors.map((factor) => ({ ...factor, typeName: FACTOR_NAMES[factor.type] })),
        can: {
          remove: await c.allows('DELETE /users/{userId}/mfa/{factorId}', { ...params, factorId: '-' }),
          reset: factors.length > 0 && (await c.allows('DELETE /users/{userId}/mfa', params)),
          emailCodes:
            !factors.some((factor) => factor.type === 'otp_email') &&
            (await c.allows('POST /users/{userId}/mfa/otp-email', params)),
        },
      },
      status,
    );
  },
  actions: {
    remove: {
      route: 'DELETE /users/{userId}/mfa/{factorId}',
      params: (c, form) => ({ userId: c.ctx.params.userId!, factorId: form.get('factorId') ?? '' }),
      done: here,
    },
    reset: { route: 'DELETE /users/{userId}/mfa', done: here, flash: 'factorsReset' },
    emailCodes: { route: 'POST /users/{userId}/mfa/otp-email', done: here, flash: 'added' },
  },
};
