import { z } from 'zod';
import type { UserDocument } from '../../store/models/user.ts';
import { findOrgRecord } from '../../domain/commands/orgs.ts';
import { displayNameOf, loginNameOf } from '../../domain/commands/users.ts';
import { contactView, toContactView } from './user-contact.ts';

export const accessTokenType = z.enum(['bearer', 'jwt']);

/** How the management API shows a user. */
export const userView = z.object({
  id: z.string(),
  orgId: z.string(),
  type: z.enum(['human', 'machine']),
  username: z.string(),
  loginName: z.string(),
  displayName: z.string(),
  state: z.enum(['active', 'inactive', 'locked']),
  human: z
    .object({
      email: z.string(),
      emailVerified: z.boolean(),
      /** A new address awaiting verification; `email` stays in use until then. */
      pendingEmail: z.string().nullable(),
      givenName: z.string(),
      familyName: z.string(),
      locale: z.string().nullable(),
      ...contactView,
    })
    .nullable(),
  machine: z
    .object({ name: z.string(), description: z.string().nullable(), accessTokenType, hasSecret: z.boolean() })
    .nullable(),
});

export function toUserView(user: UserDocument, primaryDomain: string): z.input<typeof userView> {
  return {
    id: user._id,
    orgId: user.orgId,
    type: user.type,
    username: user.username,
    loginName: loginNameOf(user, { primaryDomain }),
    displayName: displayNameOf(user),
    state: user.state,
    human: user.human
      ? {
          email: user.human.email,
          emailVerified: user.human.emailVerified ?? false,
          pendingEmail: user.human.pendingEmail ?? null,
          givenName: user.human.givenName,
          familyName: user.human.familyName,
          ...toContactView(user.human),
          locale: user.human.locale ?? null,
        }
      : null,
    machine: user.machine
      ? {
          name: user.machine.name,
          description: user.machine.description ?? null,
          accessTokenType: user.machine.accessTokenType ?? 'bearer',
          hasSecret: Boolean(user.machine.secretHash),
        }
      : null,
  };
}

export async function viewOf(actor: { instanceId: string }, user: UserDocument): Promise<z.input<typeof userView>> {
  return toUserView(user, (await findOrgRecord(actor.instanceId, user.orgId))?.primaryDomain ?? '');
}
