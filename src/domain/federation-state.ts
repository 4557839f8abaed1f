import { createHash } from 'node:crypto';
import { randomSecret, type MasterKey } from '../platform/crypto.ts';
import { FederationState } from '../store/models/index.ts';
import type { IdentityProviderDocument } from '../store/models/identity-provider.ts';
import { findIdentityProvider } from '../store/queries/identity-providers.ts';
import { recordEvent } from '../store/queries/events.ts';
import { idpForProtocol } from './commands/identity-providers.ts';
import { protocolOf } from './federation/index.ts';
import { FederationError, type ExternalIdentity, type UpstreamRequest } from './federation/protocol.ts';

/** How long a round trip to an upstream may take, from the button to the callback (ZITADEL's intents: 10 minutes). */
const STATE_LIFETIME_MS = 10 * 60_000;

const hashOf = (value: string) => createHash('sha256').update(value, 'utf8').digest('base64url');

export function callbackUrlOf(issuer: string, idp: IdentityProviderDocument): string {
  return `${issuer}${protocolOf(idp.type)!.callbackPath(idp._id)}`;
}

/**
 * Starts a login at `idp` for interaction `uid`: a fresh state (its hash stored with what the protocol keeps) and the
 * request that sends the browser to the upstream.
 */
export async function beginFederation(input: {
  masterKey: MasterKey;
  issuer: string;
  idp: IdentityProviderDocument;
  uid: string;
}): Promise<UpstreamRequest> {
  const { idp } = input;
  const protocol = protocolOf(idp.type);
  if (!protocol) throw new FederationError('unsupported', 'This identity provider cannot be used for sign-in here.');
  const state = randomSecret();
  const begun = await protocol.begin({
    idp: idpForProtocol(input.masterKey, idp),
    callbackUrl: callbackUrlOf(input.issuer, idp),
    state,
  });
  await FederationState.create({
    _id: hashOf(state),
    instanceId: idp.instanceId,
    interactionUid: input.uid,
    idpId: idp._id,
    keep: begun.keep,
    phase: 'started',
    expiresAt: new Date(Date.now() + STATE_LIFETIME_MS),
  });
  return begun.request;
}

/** A callback that cannot finish; `uid` names the login to go back to, when the state was known. */
export class FederationCallbackError extends FederationError {
  readonly uid: string | null;
  constructor(error: FederationError, uid: string | null) {
    super(error.reason, error.message);
    this.uid = uid;
  }
}

async function recordFailure(instanceId: string, idpId: string | null, reason: string, uid: string | null) {
  await recordEvent({
    instanceId,
    orgId: null,
    actorId: 'external-idp',
    type: 'user.idp.login.failed',
    resourceType: 'idp',
    resourceId: idpId ?? 'unknown',
    payload: { reason, interaction: uid },
  });
}

/**
 * The upstream's answer at the callback: the state is taken once (a replayed or forged callback finds nothing), the
 * protocol checks the answer, and the identity waits for the login page under a new handle (returned with the uid).
 * Every failure is an audit event (`user.idp.login.failed`) and a FederationCallbackError.
 */
export async function finishFederation(input: {
  masterKey: MasterKey;
  issuer: string;
  instanceId: string;
  state: string | null;
  params: URLSearchParams;
  /** The IdP the callback's path names (SAML's per-IdP ACS), checked against the state's. */
  pathIdpId?: string;
}): Promise<{ uid: string; handle: string }> {
  const { instanceId } = input;
  const fail = async (error: FederationError, idpId: string | null, uid: string | null): Promise<never> => {
    await recordFailure(instanceId, idpId, error.reason, uid);
    throw new FederationCallbackError(error, uid);
  };
  const taken = input.state
    ? await FederationState.findOneAndUpdate(
        { _id: hashOf(input.state), instanceId, phase: 'started', expiresAt: { $gt: new Date() } },
        { $set: { phase: 'finishing' } },
      ).lean()
    : null;
  const mismatch = new FederationError(
    'state_mismatch',
    'This sign-in response does not belong to a sign-in in progress (it expired or was already used).',
  );
  if (!taken) return fail(mismatch, input.pathIdpId ?? null, null);
  const uid = taken.interactionUid;
  if (input.pathIdpId !== undefined && input.pathIdpId !== taken.idpId) return fail(mismatch, taken.idpId, uid);
  const idp = await findIdentityProvider(instanceId, taken.idpId);
  const protocol = idp ? protocolOf(idp.type) : null;
  if (!idp || !protocol)
    return fail(new FederationError('unsupported', 'This identity provider was removed.'), taken.idpId, uid);
  let identity: ExternalIdentity;
  try {
    identity = await protocol.finish({
      idp: idpForProtocol(input.masterKey, idp),
      callbackUrl: callbackUrlOf(input.issuer, idp),
      params: input.params,
      keep: taken.keep as Record<string, string>,
    });
  } catch (error) {
    const federationError =
      error instanceof FederationError
        ? error
        : new FederationError('invalid_response', 'The identity provider sent an answer that could not be accepted.');
    return fail(federationError, idp._id, uid);
  }
  const handle = randomSecret();
  await FederationState.updateOne(
    { _id: taken._id },
    { $set: { phase: 'finished', handleHash: hashOf(handle), identity: JSON.stringify(identity), keep: {} } },
  );
  return { uid, handle };
}

/** The identity a finished callback left for login `uid`, taken once; null when none (used, expired, other login). */
export async function takeFederatedIdentity(
  instanceId: string,
  uid: string,
  handle: string,
): Promise<{ idp: IdentityProviderDocument; identity: ExternalIdentity } | null> {
  const taken = await FederationState.findOneAndDelete({
    handleHash: hashOf(handle),
    instanceId,
    interactionUid: uid,
    phase: 'finished',
    expiresAt: { $gt: new Date() },
  }).lean();
  if (!taken) return null;
  const idp = await findIdentityProvider(instanceId, taken.idpId);
  return idp ? { idp, identity: JSON.parse(String(taken.identity)) as ExternalIdentity } : null;
}

/** Keeps an identity for a later step of the same login (registration form, link after a password login). */
export async function keepFederatedIdentity(
  instanceId: string,
  uid: string,
  idpId: string,
  identity: ExternalIdentity,
): Promise<string> {
  const handle = randomSecret();
  await FederationState.create({
    _id: hashOf(randomSecret()),
    instanceId,
    interactionUid: uid,
    idpId,
    phase: 'finished',
    handleHash: hashOf(handle),
    identity: JSON.stringify(identity),
    expiresAt: new Date(Date.now() + STATE_LIFETIME_MS),
  });
  return handle;
}
