import { z } from 'zod';
import {
  requestPasswordReset,
  resendEmailVerification,
  verifyUserEmail,
  type EmailFlow,
} from '../../domain/commands/user-email.ts';
import { inviteUser } from '../../domain/commands/user-invitation.ts';
import { USER } from './locators.ts';
import { route, type ApiRequest, type ApiRoute } from './route.ts';

const TAG = 'Users';

/** The instance a request is for, as its emails are branded and linked (its issuer). */
export function emailFlowOf(request: Pick<ApiRequest<unknown, unknown>, 'services' | 'tenant'>): EmailFlow {
  return { services: request.services, instance: request.tenant.instance };
}

export const userEmailRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/users/{userId}/email/resend',
    tag: TAG,
    summary:
      'Email a new verification code to the pending address (else the unverified one); older codes stop working. ' +
      '409 when the address is verified or the instance cannot send email',
    permission: 'user.write',
    on: USER,
    response: null,
    handler: (request) => resendEmailVerification(emailFlowOf(request), request.actor, request.target),
  }),
  route({
    method: 'post',
    path: '/users/{userId}/email/verify',
    tag: TAG,
    summary:
      'Verify the address with the emailed code (ZITADEL v2 VerifyEmail): a pending address replaces the current ' +
      'one. A wrong, expired, used or superseded code is 400 and changes nothing; too many wrong codes 429',
    permission: 'user.write',
    on: USER,
    body: z.strictObject({ code: z.string().min(1).max(200) }),
    response: z.object({ email: z.string(), emailVerified: z.boolean() }),
    async handler(request) {
      const updated = await verifyUserEmail(emailFlowOf(request), request.actor, request.target, request.body.code);
      return { email: updated.human!.email, emailVerified: Boolean(updated.human!.emailVerified) };
    },
  }),
  route({
    method: 'post',
    path: '/users/{userId}/password/reset',
    tag: TAG,
    summary:
      'Email the user a link to set a new password (valid 1 h by default, once); the current password stays until ' +
      'then. 409 when the instance cannot send email',
    permission: 'user.write',
    on: USER,
    response: null,
    handler: (request) => requestPasswordReset(emailFlowOf(request), request.actor, request.target),
  }),
  route({
    method: 'post',
    path: '/users/{userId}/invite',
    tag: TAG,
    summary:
      'Email a user without a password a link to set one (valid 72 h by default, once; it also verifies the ' +
      'address). 409 when the user has a password or the instance cannot send email',
    permission: 'user.write',
    on: USER,
    response: null,
    handler: (request) => inviteUser(emailFlowOf(request), request.actor, request.target),
  }),
];
