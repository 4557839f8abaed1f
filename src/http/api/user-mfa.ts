import { z } from 'zod';
import { removeAllUserFactors, removeUserFactor } from '../../domain/commands/user-factors.ts';
import { setUserState } from '../../domain/commands/users.ts';
import { conflict } from '../../domain/errors.ts';
import { FACTOR_TYPES } from '../../store/models/user-factor.ts';
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

/**
 * A user's second factors for managers (issue 15): list, remove one, remove all (a lost phone). Removing a factor
 * weakens the user's login, so it is authorized like a credential change (locators.ts USER_CREDENTIALS): a caller
 * cannot strip the factors of a manager holding roles the caller could not grant.
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
      factors: (await findUserFactors(actor.instanceId, target._id)).map((factor) => ({
        id: factor._id,
        type: factor.type,
        name: factor.name,
        createdAt: factor.createdAt.toISOString(),
        remainingCodes: factor.recoveryCodes?.codeHashes.length ?? null,
        issuedCodes: factor.recoveryCodes?.issued ?? null,
      })),
    }),
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
      const unlocked = await setUserState(actor, target, 'active', 'user.unlocked');
      return { id: unlocked._id, state: unlocked.state };
    },
  }),
];
