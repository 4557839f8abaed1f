import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { recordEvent, type RequestOrigin } from '../store/queries/events.ts';
import { findUserFactors } from '../store/queries/user-factors.ts';
import {
  advanceSignCount,
  consumeWebauthnChallenge,
  findWebauthnFactor,
  insertWebauthnFactor,
  saveWebauthnChallenge,
} from '../store/queries/webauthn.ts';
import { asOneChange, recordChange, type Actor } from './commands/changes.ts';
import type { FactorOwner } from './commands/user-factors.ts';
import { relyingPartyOf, signCountVerdict, userVerificationFor } from './rules/webauthn.ts';

/** How long a ceremony may take: WebAuthn's recommended default timeout (§15.1), 5 minutes. */
const CEREMONY_SECONDS = 300;
const MAX_NAME = 100;

/** The relying party a ceremony runs for and the session its challenge is bound to. */
export interface Ceremony {
  instanceId: string;
  issuer: string;
  /** `login:{interaction uid}` or `account:{user id}`: the only session that may answer the challenge. */
  binding: string;
}

const expiry = () => new Date(Date.now() + CEREMONY_SECONDS * 1000);

/** Registration options for a new credential of `user` (attestation `none`), its challenge kept for `binding`. */
export async function beginWebauthnRegistration(
  ceremony: Ceremony,
  user: FactorOwner & { username: string },
  rpName: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await webauthnFactorsOf(ceremony.instanceId, user._id);
  const options = await generateRegistrationOptions({
    rpName,
    rpID: relyingPartyOf(ceremony.issuer).rpID,
    userName: user.username,
    // The user handle is the user id: a passkey login finds the user from it (WebAuthn §14.6.1: no personal data).
    userID: new TextEncoder().encode(user._id),
    attestationType: 'none',
    excludeCredentials: existing.map((factor) => ({ id: factor.credentialId, transports: factor.transports })),
    // A passkey where the authenticator can keep one, so it can also log in without a login name.
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    timeout: CEREMONY_SECONDS * 1000,
  });
  await saveWebauthnChallenge(ceremony.instanceId, ceremony.binding, options.challenge, expiry());
  return options;
}

/** Verifies a registration answering the session's challenge (used up by it) and adds the credential as a factor. */
export async function finishWebauthnRegistration(
  ceremony: Ceremony,
  actor: Actor,
  user: FactorOwner,
  response: RegistrationResponseJSON,
  name: string,
): Promise<boolean> {
  const { rpID, origin } = relyingPartyOf(ceremony.issuer);
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: (challenge) => consumeWebauthnChallenge(ceremony.instanceId, ceremony.binding, challenge),
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification: false,
  }).catch(() => null);
  if (!verification?.verified || !verification.registrationInfo) return false;
  const { credential } = verification.registrationInfo;
  // WebAuthn §7.1 step 26: a credential id registered already (for anyone) is refused, so no one can register
  // another user's credential id with a key of their own and stand in the way of that user's logins. The factor's
  // `_id` decides it (store/queries/webauthn.ts); the look-up covers factors stored before their ids were derived.
  if (await findWebauthnFactor(ceremony.instanceId, credential.id)) return false;
  return asOneChange(actor, async () => {
    const factor = await insertWebauthnFactor({
      instanceId: actor.instanceId,
      userId: user._id,
      orgId: user.orgId,
      name: name.trim().slice(0, MAX_NAME) || 'Security key',
      webauthn: {
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        signCount: credential.counter,
        transports: credential.transports ?? [],
        discoverable: response.clientExtensionResults?.credProps?.rk === true,
      },
    });
    if (!factor) return false;
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.mfa.added',
      resourceType: 'user',
      resourceId: user._id,
      payload: { factorId: factor._id, factorType: 'webauthn' },
    });
    return true;
  });
}

interface WebauthnCredentialSummary {
  factorId: string;
  credentialId: string;
  transports: AuthenticatorTransport[];
}

async function webauthnFactorsOf(instanceId: string, userId: string): Promise<WebauthnCredentialSummary[]> {
  const factors = await findUserFactors(instanceId, userId);
  return factors.flatMap((factor) =>
    factor.type === 'webauthn' && factor.webauthn
      ? [
          {
            factorId: factor._id,
            credentialId: factor.webauthn.credentialId,
            transports: factor.webauthn.transports as AuthenticatorTransport[],
          },
        ]
      : [],
  );
}

/**
 * Authentication options, their challenge kept for the session: for a second factor, the user's credentials; for a
 * passkey login (`userId` null), none, so the authenticator offers the passkeys it keeps for this RP ID.
 */
export async function beginWebauthnAuthentication(
  ceremony: Ceremony,
  userId: string | null,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const credentials = userId ? await webauthnFactorsOf(ceremony.instanceId, userId) : [];
  const options = await generateAuthenticationOptions({
    rpID: relyingPartyOf(ceremony.issuer).rpID,
    allowCredentials: credentials.map((c) => ({ id: c.credentialId, transports: c.transports })),
    userVerification: userVerificationFor(userId ? 'second-factor' : 'passwordless'),
    timeout: CEREMONY_SECONDS * 1000,
  });
  await saveWebauthnChallenge(ceremony.instanceId, ceremony.binding, options.challenge, expiry());
  return options;
}

export type WebauthnCheck = { outcome: 'ok'; userId: string; userVerified: boolean } | { outcome: 'wrong' };

/**
 * Verifies an assertion answering the session's challenge (used up by it, so it is accepted once): of a credential of
 * `userId` (a second factor), or of any user's passkey with user verification (`userId` null, a passkey login, whose
 * user handle must name the credential's owner). The signature counter must advance where the authenticator keeps
 * one (rules/webauthn.ts). Every outcome is an audit event when the user is known.
 */
export async function verifyWebauthnAssertion(
  ceremony: Ceremony,
  userId: string | null,
  response: AuthenticationResponseJSON,
  origin?: RequestOrigin,
): Promise<WebauthnCheck> {
  const { instanceId } = ceremony;
  const factor = typeof response?.id === 'string' ? await findWebauthnFactor(instanceId, response.id, userId) : null;
  if (!factor?.webauthn) return { outcome: 'wrong' };
  const owned = userId === null ? userHandleOf(response) === factor.userId : factor.userId === userId;
  if (!owned) return { outcome: 'wrong' };
  const checked = await verifyAssertion(ceremony, factor.webauthn, response, userId === null);
  const verdict = checked ? signCountVerdict(factor.webauthn.signCount, checked.newCounter) : 'refused';
  const accepted =
    verdict === 'no-counter' ||
    (verdict === 'advanced' && (await advanceSignCount(instanceId, factor._id, checked!.newCounter)));
  await recordEvent({
    instanceId,
    orgId: factor.orgId,
    actorId: factor.userId,
    resourceType: 'user',
    resourceId: factor.userId,
    type: accepted ? 'user.mfa.check.succeeded' : 'user.mfa.check.failed',
    payload: { factorId: factor._id, factorType: 'webauthn', ...origin },
  });
  return accepted
    ? { outcome: 'ok', userId: factor.userId, userVerified: checked!.userVerified }
    : { outcome: 'wrong' };
}

/** The user id a passkey's assertion names (its user handle, set at registration), or null. */
function userHandleOf(response: AuthenticationResponseJSON): string | null {
  const handle = response.response?.userHandle;
  return typeof handle === 'string' ? Buffer.from(handle, 'base64url').toString('utf8') : null;
}

async function verifyAssertion(
  ceremony: Ceremony,
  stored: { credentialId: string; publicKey: string; signCount: number; transports: string[] },
  response: AuthenticationResponseJSON,
  requireUserVerification: boolean,
): Promise<{ newCounter: number; userVerified: boolean } | null> {
  const { rpID, origin } = relyingPartyOf(ceremony.issuer);
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: (challenge) => consumeWebauthnChallenge(ceremony.instanceId, ceremony.binding, challenge),
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential: {
      id: stored.credentialId,
      publicKey: new Uint8Array(Buffer.from(stored.publicKey, 'base64url')),
      counter: stored.signCount,
      transports: stored.transports as AuthenticatorTransport[],
    },
    requireUserVerification,
  }).catch(() => null);
  return verification?.verified ? verification.authenticationInfo : null;
}
