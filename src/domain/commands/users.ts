import { Organization, User } from '../../store/models/index.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { hashPassword } from '../../platform/passwords.ts';
import { asOneChange, recordChange, changeArray, uniquely, type Actor } from './changes.ts';
import { notFound, invalidField } from '../errors.ts';
import { newHumanContact, phoneVerification, type HumanContact } from './user-contact.ts';
import { findScoped } from '../../store/queries/scoped.ts';
import { requireUsernameAllowed } from './org-domain-policy.ts';
import { afterUserCreation, preCreation, type LoginActionContext } from '../actions/triggers.ts';

const DUPLICATE_USERNAME = 'the username is taken in this instance';
export function loginNameOf(user: { username: string }, org: { primaryDomain: string }): string {
  return `${user.username}@${org.primaryDomain}`;
}

export function displayNameOf(user: Pick<UserDocument, 'human' | 'machine' | 'username'>): string {
  if (user.human) return user.human.displayName || `${user.human.givenName} ${user.human.familyName}`;
  return user.machine?.name ?? user.username;
}

export function findUser(instanceId: string, userId: string): Promise<UserDocument | null> {
  return findScoped(User, instanceId, userId);
}

export function listUsers(
  instanceId: string,
  orgId: string,
  page: { limit: number; offset: number },
): Promise<UserDocument[]> {
  return User.find({ instanceId, orgId }).sort({ _id: 1 }).skip(page.offset).limit(page.limit).lean<UserDocument[]>();
}

/** The exact `username@org-primary-domain` lookup, the only way to find a user of another organization. */
export async function findUserByLoginName(
  instanceId: string,
  loginName: string,
): Promise<{ user: UserDocument; primaryDomain: string } | null> {
  const at = loginName.lastIndexOf('@');
  if (at <= 0) return null;
  const username = loginName.slice(0, at).toLowerCase();
  const primaryDomain = loginName.slice(at + 1).toLowerCase();
  const org = await Organization.findOne({ instanceId, primaryDomain }, { _id: 1 }).lean();
  if (!org) return null;
  const user = await User.findOne({ instanceId, orgId: org._id, username }).lean<UserDocument>();
  return user ? { user, primaryDomain } : null;
}

export interface NewHuman extends HumanContact {
  username: string;
  email: string;
  givenName: string;
  familyName: string;
  displayName?: string;
  /** The manager vouches for the address (no verification email). */
  emailVerified?: boolean;
  locale?: string;
  password?: string;
  metadata?: Record<string, string>;
  /**
   * Created during a login (registration, a just-in-time user from an IdP): the triggers get its authorization
   * request, and with `external` the external-authentication flow's triggers run.
   */
  login?: LoginActionContext;
}

function metadataEntries(metadata: Record<string, string> | undefined): Array<{ key: string; value: Buffer }> {
  return Object.entries(metadata ?? {}).map(([key, value]) => ({ key, value: Buffer.from(value, 'utf8') }));
}

/**
 * Keeps a user created while its org is being deleted from outliving it (the org deletion sweeps users before and
 * after).
 */
async function requireOrgStillThere(instanceId: string, orgId: string, userId: string): Promise<void> {
  if (await Organization.exists({ instanceId, _id: orgId })) return;
  await User.deleteOne({ instanceId, _id: userId });
  throw notFound();
}

export function createHumanUser(actor: Actor, orgId: string, input: NewHuman): Promise<UserDocument> {
  return asOneChange(actor, async () => {
    const { password, metadata, login, ...profile } = input;
    const human = {
      email: profile.email,
      emailVerified: profile.emailVerified ?? false,
      ...(profile.locale ? { locale: profile.locale } : {}),
      givenName: profile.givenName,
      familyName: profile.familyName,
      displayName: profile.displayName ?? `${profile.givenName} ${profile.familyName}`,
      ...newHumanContact(profile),
      ...(password ? { passwordHash: await hashPassword(password), passwordChangedAt: new Date() } : {}),
    };
    const draft = { orgId, type: 'human', username: profile.username, human, metadata: metadataEntries(metadata) };
    const fromActions = await preCreation(actor.instanceId, draft, login);
    await requireUsernameAllowed(actor.instanceId, orgId, fromActions.username); // a pre-creation action may change it
    const created = await uniquely(
      () =>
        User.create({
          instanceId: actor.instanceId,
          orgId,
          type: 'human',
          username: fromActions.username,
          human: fromActions.human,
          metadata: metadataEntries({ ...metadata, ...fromActions.metadata }),
        }),
      DUPLICATE_USERNAME,
    );
    await requireOrgStillThere(actor.instanceId, orgId, created._id);
    await recordChange(actor, {
      orgId,
      type: 'user.human.added',
      resourceType: 'user',
      resourceId: created._id,
      payload: { username: created.username, email: fromActions.human.email },
    });
    await afterUserCreation(actor.instanceId, created.toObject() as UserDocument, login);
    return created.toObject() as UserDocument;
  });
}

export function createMachineUser(
  actor: Actor,
  orgId: string,
  input: { username: string; name: string; description?: string; accessTokenType?: 'bearer' | 'jwt' },
): Promise<UserDocument> {
  return asOneChange(actor, async () => {
    const { username, ...machine } = input;
    await requireUsernameAllowed(actor.instanceId, orgId, username);
    const created = await uniquely(
      () => User.create({ instanceId: actor.instanceId, orgId, type: 'machine', username, machine }),
      DUPLICATE_USERNAME,
    );
    await requireOrgStillThere(actor.instanceId, orgId, created._id);
    await recordChange(actor, {
      orgId,
      type: 'user.machine.added',
      resourceType: 'user',
      resourceId: created._id,
      payload: { username: created.username, name: machine.name },
    });
    return created.toObject() as UserDocument;
  });
}

/** The address changes through changeUserEmail (user-email.ts): a new one is pending until verified. */
export interface UserChange extends HumanContact {
  username?: string;
  givenName?: string;
  familyName?: string;
  displayName?: string;
  locale?: string;
  name?: string;
  description?: string;
  accessTokenType?: 'bearer' | 'jwt';
}

export function changeUser(actor: Actor, user: UserDocument, change: UserChange): Promise<UserDocument> {
  return asOneChange(actor, async () => {
    const set: Record<string, unknown> = {};
    if (change.username !== undefined) set.username = change.username;
    const humanFields = ['givenName', 'familyName', 'displayName', 'locale', 'phone', 'address'] as const;
    const machineFields = ['name', 'description', 'accessTokenType'] as const;
    for (const field of humanFields) {
      if (change[field] === undefined) continue;
      if (!user.human) throw invalidField(field, 'only human users have it');
      set[`human.${field}`] = change[field];
    }
    Object.assign(set, phoneVerification(user, change));
    for (const field of machineFields) {
      if (change[field] === undefined) continue;
      if (!user.machine) throw invalidField(field, 'only machine users have it');
      set[`machine.${field}`] = change[field];
    }
    const updated = await uniquely(
      () =>
        User.findOneAndUpdate(
          { instanceId: actor.instanceId, _id: user._id },
          { $set: set },
          { returnDocument: 'after', runValidators: true },
        ).lean<UserDocument>(),
      DUPLICATE_USERNAME,
    );
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.changed',
      resourceType: 'user',
      resourceId: user._id,
      payload: { ...change },
    });
    return updated;
  });
}

type MetadataEntry = { key: string; value: Buffer };

export function setUserMetadata(actor: Actor, user: UserDocument, key: string, value: string): Promise<void> {
  return asOneChange(actor, async () => {
    const entry = { key, value: Buffer.from(value, 'utf8') };
    const found = await changeArray<MetadataEntry>(
      User,
      { instanceId: actor.instanceId, _id: user._id },
      'metadata',
      (entries) => [...entries.filter((existing) => existing.key !== key), entry],
    );
    if (!found) throw notFound();
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.metadata.set',
      resourceType: 'user',
      resourceId: user._id,
      payload: { key },
    });
  });
}

export function removeUserMetadata(actor: Actor, user: UserDocument, key: string): Promise<void> {
  return asOneChange(actor, async () => {
    const found = await changeArray<MetadataEntry>(
      User,
      { instanceId: actor.instanceId, _id: user._id },
      'metadata',
      (entries) => {
        if (!entries.some((existing) => existing.key === key)) throw notFound();
        return entries.filter((existing) => existing.key !== key);
      },
    );
    if (!found) throw notFound();
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.metadata.removed',
      resourceType: 'user',
      resourceId: user._id,
      payload: { key },
    });
  });
}
