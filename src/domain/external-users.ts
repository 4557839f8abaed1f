import { User } from '../store/models/index.ts';
import type { IdentityProviderDocument } from '../store/models/identity-provider.ts';
import type { UserDocument } from '../store/models/user.ts';
import { findUserLink } from '../store/queries/identity-providers.ts';
import { linkExternalIdentity } from './commands/user-links.ts';
import { changeUser, createHumanUser, findUser, type UserChange } from './commands/users.ts';
import { DomainError } from './errors.ts';
import type { ExternalIdentity } from './federation/protocol.ts';
import { externalActionContext, type ExternalActionContext } from './rules/action-context.ts';
import { externalProfile, type AttributeMapping, type ExternalProfile } from './rules/external-profile.ts';

/** What a login through an IdP leads to (ZITADEL's provider options decide, issue 17). */
export type ExternalUserOutcome =
  | { kind: 'user'; user: UserDocument }
  /** No user yet and `isAutoCreation` off (or the upstream gave too little): the pre-filled registration form. */
  | { kind: 'register'; profile: ExternalProfile }
  /** No user it could create or link by itself: the user signs in with a password to link (`isLinkingAllowed`). */
  | { kind: 'link-by-login'; message: string }
  | { kind: 'refused'; message: string };

const actorFor = (idp: IdentityProviderDocument) => ({ instanceId: idp.instanceId, actorId: `idp:${idp._id}` });

/** What the external-authentication flow's actions read of this login (ctx.v1.externalUser, ctx.v1.providerInfo). */
export function externalContextOf(idp: IdentityProviderDocument, identity: ExternalIdentity): ExternalActionContext {
  return externalActionContext({ ...identity, idpId: idp._id });
}

export function profileOf(idp: IdentityProviderDocument, identity: ExternalIdentity): ExternalProfile {
  return externalProfile(identity, (idp.mapping ?? { trustEmailVerified: false }) as AttributeMapping);
}

/** The names a user needs (both required), from what the upstream gave. */
export function namesOf(profile: ExternalProfile): { givenName: string; familyName: string } {
  const [first, ...rest] = (profile.displayName ?? '').split(' ').filter(Boolean);
  return {
    givenName: profile.givenName ?? first ?? profile.username ?? 'User',
    familyName: profile.familyName ?? (rest.length ? rest.join(' ') : '-'),
  };
}

/** ZITADEL's auto-update: the mapped names and locale replace the user's where they differ. */
async function autoUpdate(idp: IdentityProviderDocument, user: UserDocument, profile: ExternalProfile) {
  if (!user.human) return user;
  const change: UserChange = {};
  if (profile.givenName && profile.givenName !== user.human.givenName) change.givenName = profile.givenName;
  if (profile.familyName && profile.familyName !== user.human.familyName) change.familyName = profile.familyName;
  if (profile.displayName && profile.displayName !== user.human.displayName) change.displayName = profile.displayName;
  if (profile.locale && profile.locale !== user.human.locale) change.locale = profile.locale;
  return Object.keys(change).length ? changeUser(actorFor(idp), user, change) : user;
}

/**
 * A human user whose verified address is the upstream's verified (and trusted) address, when exactly one has it. An
 * org's own IdP reaches only that org's users: its managers must not take over another org's users by asserting their
 * addresses; an instance IdP is trusted by the instance's managers for every org.
 */
async function userWithVerifiedEmail(idp: IdentityProviderDocument, email: string): Promise<UserDocument | null> {
  const filter = {
    instanceId: idp.instanceId,
    type: 'human' as const,
    'human.email': email,
    'human.emailVerified': true,
  };
  const found = await User.find(idp.orgId ? { ...filter, orgId: idp.orgId } : filter)
    .limit(2)
    .lean<UserDocument[]>();
  return found.length === 1 ? found[0]! : null;
}

export async function linkUser(idp: IdentityProviderDocument, identity: ExternalIdentity, user: UserDocument) {
  const profile = profileOf(idp, identity);
  await linkExternalIdentity(actorFor(idp), {
    userId: user._id,
    orgId: user.orgId,
    idpId: idp._id,
    externalUserId: identity.subject,
    externalUserName: profile.email ?? profile.username,
  });
}

/**
 * Creates the user in `orgId` with the mapped attributes (and the given corrections) and links the identity;
 * `authRequest` is the login's authorization request, for the creation triggers (rules/action-context.ts).
 */
export async function createExternalUser(
  idp: IdentityProviderDocument,
  identity: ExternalIdentity,
  orgId: string,
  fields: { username: string; email: string; givenName: string; familyName: string },
  authRequest: Record<string, unknown>,
): Promise<UserDocument> {
  const profile = profileOf(idp, identity);
  const created = await createHumanUser(actorFor(idp), orgId, {
    ...fields,
    // The address counts as verified only when it is the upstream's verified, trusted one (not one typed here).
    emailVerified: profile.emailVerified && fields.email === profile.email,
    ...(profile.displayName ? { displayName: profile.displayName } : {}),
    ...(profile.locale ? { locale: profile.locale } : {}),
    login: { external: externalContextOf(idp, identity), authRequest },
  });
  await linkUser(idp, identity, created);
  return created;
}

/**
 * The user an external identity logs in as: the linked one (updated when `isAutoUpdate`); else the one user with the
 * same verified address (when the IdP's address is trusted and `isLinkingAllowed`), linked now; else a new user in
 * `targetOrgId` (`isCreationAllowed` with `isAutoCreation`), or the registration form, or a password login to link.
 * `authRequest` is the login's authorization request, for the creation triggers.
 */
export async function resolveExternalUser(
  idp: IdentityProviderDocument,
  identity: ExternalIdentity,
  targetOrgId: string,
  authRequest: Record<string, unknown>,
): Promise<ExternalUserOutcome> {
  const options = idp.options ?? {};
  const profile = profileOf(idp, identity);
  const link = await findUserLink(idp.instanceId, idp._id, identity.subject);
  if (link) {
    const user = await findUser(idp.instanceId, link.userId);
    if (!user) return { kind: 'refused', message: 'The linked account no longer exists.' };
    return { kind: 'user', user: options.isAutoUpdate ? await autoUpdate(idp, user, profile) : user };
  }
  if (options.isLinkingAllowed !== false && profile.email && profile.emailVerified) {
    const user = await userWithVerifiedEmail(idp, profile.email);
    if (user) {
      await linkUser(idp, identity, user);
      return { kind: 'user', user: options.isAutoUpdate ? await autoUpdate(idp, user, profile) : user };
    }
  }
  const linkByLogin: ExternalUserOutcome =
    options.isLinkingAllowed !== false
      ? { kind: 'link-by-login', message: 'No account is linked to this identity yet.' }
      : { kind: 'refused', message: 'No account is linked to this identity, and none may be created.' };
  if (options.isCreationAllowed === false) return linkByLogin;
  if (!options.isAutoCreation || !profile.email || !profile.username) return { kind: 'register', profile };
  try {
    const fields = { username: profile.username, email: profile.email, ...namesOf(profile) };
    return { kind: 'user', user: await createExternalUser(idp, identity, targetOrgId, fields, authRequest) };
  } catch (error) {
    // The username is taken (by someone who may be this person): they link by signing in, or register another.
    if (error instanceof DomainError && error.kind === 'conflict')
      return options.isLinkingAllowed !== false
        ? { kind: 'link-by-login', message: `An account named ${profile.username} exists already.` }
        : { kind: 'register', profile };
    throw error;
  }
}
