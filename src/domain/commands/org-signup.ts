import { Organization, User } from '../../store/models/index.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { domainTaken } from '../../store/queries/org-domains.ts';
import { DomainError } from '../errors.ts';
import { slug } from '../rules/org-domains.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';
import { addMember } from './memberships.ts';
import { createOrg, removeOrg, setOrgLoginPolicy, type OrgRecord } from './orgs.ts';
import { sendVerificationAfterCreation, type EmailFlow } from './user-email.ts';
import { createHumanUser } from './users.ts';

export interface OrgSignUp {
  orgName: string;
  givenName: string;
  familyName: string;
  email: string;
  password: string;
}

/** Which field of the form a conflict is about, so the form can say it next to the field. */
export type SignUpConflict = 'orgName' | 'email';

export function signUpConflict(field: SignUpConflict): DomainError {
  const message =
    field === 'orgName'
      ? 'An organization with this name exists already. Choose another name.'
      : 'An account with this email address exists already. Sign in instead, or use another address.';
  return new DomainError('conflict', message, { field });
}

/** The conflict a failed write was, by the field it is about. */
function asSignUpConflict(error: unknown, field: SignUpConflict): unknown {
  return error instanceof DomainError && error.kind === 'conflict' ? signUpConflict(field) : error;
}

/**
 * Organization sign-up (issue 16; ZITADEL's "register organization", the SaaS "create your workspace" step): a new
 * org, its first user (the email address is the username, as in self-registration) and that user as ORG_OWNER, with
 * a verification email. The org's login policy starts with `requireEmailVerification`, so the owner verifies the
 * address before the first login finishes (http/login/email-verification-step.ts); an owner may switch it off.
 * Without transactions (FerretDB v1), a user that cannot be created after the org was removes the org again, so a
 * refused sign-up leaves nothing behind. The caller checks the password against the instance's default complexity.
 */
export function signUpOrg(
  flow: EmailFlow,
  instance: { _id: string; primaryDomain: string; defaultOrgId: string },
  input: OrgSignUp,
): Promise<{ org: OrgRecord; user: UserDocument }> {
  const actor: Actor = { instanceId: instance._id, actorId: 'org-sign-up' };
  return asOneChange(actor, async () => {
    // Checked first so that the common refusals cost no writes; the writes below still refuse a parallel sign-up.
    if (await User.exists({ instanceId: actor.instanceId, username: input.email })) throw signUpConflict('email');
    if (
      (await Organization.exists({ instanceId: actor.instanceId, name: input.orgName })) ||
      (await domainTaken(actor.instanceId, `${slug(input.orgName)}.${instance.primaryDomain}`))
    )
      throw signUpConflict('orgName');
    const org = await createOrg(actor, { name: input.orgName }, instance.primaryDomain).catch((error: unknown) => {
      throw asSignUpConflict(error, 'orgName');
    });
    let user: UserDocument;
    try {
      user = await createHumanUser(actor, org._id, {
        username: input.email,
        email: input.email,
        givenName: input.givenName,
        familyName: input.familyName,
        password: input.password,
      });
    } catch (error) {
      // The org was created a moment ago and its first user was refused: nobody of it has a session to end.
      await removeOrg(actor, org, instance.defaultOrgId, async () => 0);
      throw asSignUpConflict(error, 'email');
    }
    const owned = await setOrgLoginPolicy(actor, org, { requireEmailVerification: true });
    await addMember(actor, { level: 'org', resourceId: org._id, orgId: org._id, projectId: null }, user._id, [
      'ORG_OWNER',
    ]);
    await recordChange(actor, {
      orgId: org._id,
      type: 'org.signed_up',
      resourceType: 'org',
      resourceId: org._id,
      payload: { name: org.name, ownerId: user._id, email: input.email },
    });
    await sendVerificationAfterCreation(flow, actor, user);
    return { org: owned, user };
  });
}
