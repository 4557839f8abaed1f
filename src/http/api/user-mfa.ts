import { z } from 'zod';
import { removeAllUserFactors, removeUserFactor } from '../../domain/commands/user-factors.ts';
import { reactivateUser } from '../../domain/commands/user-lifecycle.ts';
import { conflict } from '../../domain/errors.ts';
import { addEmailOtpFactor } from '../../domain/email-otp.ts';
import { FACTOR_TYPES, type UserFactorDocument } from '../../store/models/user-factor.ts';
import { findUserFactors } from '../../store/queries/user-factors.ts';
import { USER, USER_CREDENTIALS } from './locators.ts';
import { route, type ApiRoute } from './route.ts';

const TAG = 'Users';

const factorView = z.object({
  id: z.string(),
  type: z.enum(FACTOR_TYPES),
  name: z.string(),
  createdAt: z.string(),
  /** Recovery codes: how many are left of how many issued. */
  remainingCodes: z.number().nullable(),
  issuedCodes: z.number().nullable(),
});

function viewOf(factor: UserFactorDocument): z.input<typeof factorView> {
  return {
    id: factor._id,
    type: factor.type,
    name: factor.name,
    createdAt: factor.createdAt.toISOString(),
    remainingCodes: factor.recoveryCodes?.codeHashes.length ?? null,
    issuedCodes: factor.recoveryCodes?.issued ?? null,
  };
}

/**
 * A user's second factors for managers (issue 15): list, remove one, remove all (a lost phone), and turn on codes by
 * email for a verified address. A manager cannot set up a TOTP app or a security key for a user: the secret or the
 * key belongs to the user's device, so those are set up by the user (/ui/account, or the login when MFA is forced).
 * Removing a factor weakens the user's login, so it is authorized like a credential change (locators.ts
 * USER_CREDENTIALS): a caller cannot strip the factors of a manager holding roles the caller could not grant.
 */
export const userMfaRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/users/{userId}/mfa',
    tag: TAG,
    summary: "A user's second factors (confirmed ones; secrets and codes are never shown again)",
    permission: 'user.read',
    on: USER,
    response: z.object({ factors: z.array(factorView) }),
    handler: async ({ target, actor }) => ({
      factors: (await findUserFactors(actor.instanceId, target._id)).map(viewOf),
    }),
  }),
  route({
    method: 'post',
    path: '/users/{userId}/mfa/otp-email',
    tag: TAG,
    summary:
      'Turn on one-time codes by email as a second factor (ZITADEL v2 AddOTPEmail); 409 when the address is not ' +
      "verified, the user's login policy does not allow otp_email, the instance cannot send email, or it is on already",
    permission: 'user.write',
    on: USER,
    response: factorView,
    status: 201,
    handler: async ({ target, actor, services, tenant }) =>
      viewOf(await addEmailOtpFactor(services, tenant.instance, actor, target)),
  }),
  route({
    method: 'delete',
    path: '/users/{userId}/mfa/{factorId}',
    tag: TAG,
    summary: 'Remove one second factor of a user',
    permission: 'user.write',
    on: USER_CREDENTIALS,
    response: null,
    handler: ({ target, actor, params }) => removeUserFactor(actor, target, params.factorId ?? ''),
  }),
  route({
    method: 'delete',
    path: '/users/{userId}/mfa',
    tag: TAG,
    summary: 'Remove every second factor of a user (where MFA is forced, the next login sets one up again)',
    permission: 'user.write',
    on: USER_CREDENTIALS,
    response: null,
    handler: async ({ target, actor }) => {
      await removeAllUserFactors(actor, target);
    },
  }),
  route({
    method: 'post',
    path: '/users/{userId}/unlock',
    tag: TAG,
    summary:
      'Unlock a user locked by too many wrong passwords or one-time codes (their failed attempts are forgotten); ' +
      '409 when the user is not locked',
    permission: 'user.write',
    on: USER,
    response: z.object({ id: z.string(), state: z.enum(['active', 'inactive', 'locked']) }),
    async handler({ target, actor }) {
      if (target.state !== 'locked') throw conflict('the user is not locked');
      const unlocked = await reactivateUser(actor, target, 'user.unlocked');
      return { id: unlocked._id, state: unlocked.state };
    },
  }),
];
