import type { KeyObject } from 'node:crypto';
import { User } from '../../store/models/index.ts';
import { endBrowserLoginsOfUser } from '../../store/queries/browser-logins.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { randomSecret, secretHash } from '../../platform/crypto.ts';
import { hashPassword } from '../../platform/passwords.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';
import { notFound, conflict } from '../errors.ts';

/** The stored fields of a newly set password: its hash, and when it was set (the password age policy's start). */
export async function newPasswordFields(password: string) {
  return { 'human.passwordHash': await hashPassword(password), 'human.passwordChangedAt': new Date() };
}

/**
 * Sets a human user's password (already checked against its org's complexity); the event never carries it. The logins
 * browsers keep of the user end (oidc/browser-logins.ts): their password check no longer counts, as ZITADEL's user
 * sessions forget theirs on HumanPasswordChanged (internal/user/repository/view/model/user_session.go).
 */
export function setUserPassword(actor: Actor, user: UserDocument, password: string): Promise<void> {
  return asOneChange(actor, async () => {
    if (user.type !== 'human') throw conflict('only human users have passwords');
    const updated = await User.updateOne(
      { instanceId: actor.instanceId, _id: user._id, type: 'human' },
      { $set: await newPasswordFields(password) },
    );
    if (updated.matchedCount === 0) throw notFound();
    await endBrowserLoginsOfUser(actor.instanceId, user._id);
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.password.changed',
      resourceType: 'user',
      resourceId: user._id,
    });
  });
}

/** A new client_credentials secret for a machine user (its client id is its username); shown once. */
export function setMachineSecret(actor: Actor, user: UserDocument, hashKey: KeyObject): Promise<string> {
  return asOneChange(actor, async () => {
    if (user.type !== 'machine') throw conflict('only machine users have client secrets');
    const secret = randomSecret();
    const updated = await User.updateOne(
      { instanceId: actor.instanceId, _id: user._id },
      { $set: { 'machine.secretHash': secretHash(hashKey, secret) } },
    );
    if (updated.matchedCount === 0) throw notFound();
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.secret.set',
      resourceType: 'user',
      resourceId: user._id,
    });
    return secret;
  });
}

export function removeMachineSecret(actor: Actor, user: UserDocument): Promise<void> {
  return asOneChange(actor, async () => {
    if (user.type !== 'machine' || !user.machine?.secretHash) throw notFound();
    await User.updateOne({ instanceId: actor.instanceId, _id: user._id }, { $unset: { 'machine.secretHash': 1 } });
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.secret.removed',
      resourceType: 'user',
      resourceId: user._id,
    });
  });
}
