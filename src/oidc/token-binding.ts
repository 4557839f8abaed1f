import type { AdapterPayload, Client } from 'oidc-provider';
import { credentialFingerprint } from '../platform/crypto.ts';
import { findTokenHolder } from '../store/queries/accounts.ts';
import { MongoAdapter, type TokenFormats } from './adapter.ts';
import { clientInfo } from './clients.ts';

/**
 * What a machine user's client-credentials token is bound to: the user's id and the secret it was issued under. The
 * token's client id (the username) names a user only while that user keeps it; the binding says which user it was.
 */
export interface TokenBinding {
  /** The machine user's id. */
  sub: string;
  /** The fingerprint of the stored secret hash the client authenticated against (platform/crypto.ts). */
  credential: string;
}

/** The binding of a token being issued to `client`, or undefined for a client that is no machine user. */
export function bindingFor(client: Client | undefined): TokenBinding | undefined {
  const info = client ? clientInfo(client) : null;
  if (info?.kind !== 'machine' || !info.userId || !client?.clientSecret) return undefined;
  return { sub: info.userId, credential: credentialFingerprint(client.clientSecret) };
}

function bindingOf(token: object): TokenBinding | null {
  const { binding } = token as { binding?: Partial<TokenBinding> };
  return typeof binding?.sub === 'string' && typeof binding.credential === 'string'
    ? { sub: binding.sub, credential: binding.credential }
    : null;
}

/** The machine user a client-credentials token (found, so its binding held) was issued to. */
export function boundUserId(token: object): string | null {
  return bindingOf(token)?.sub ?? null;
}

/**
 * Whether a client-credentials token still stands for the user it was issued to: that user (by id) still exists, is
 * still called by the token's client id, and still has the secret the token was issued under. A token issued before
 * the user existed, or without a binding, stands for nobody. Read from the instance's cache: no database round trip
 * on the hot path, and every write to a user drops it.
 */
export async function bindingHolds(instanceId: string, payload: AdapterPayload): Promise<boolean> {
  const binding = bindingOf(payload);
  if (!binding || typeof payload.clientId !== 'string') return false;
  const holder = await findTokenHolder(instanceId, binding.sub);
  return holder?.username === payload.clientId && holder.credential === binding.credential;
}

/**
 * The storage of client-credentials tokens (sealed, or stored JWTs): a token whose binding no longer holds is not
 * found, so the management API, introspection and revocation all treat it as unknown.
 */
export class BoundTokenAdapter extends MongoAdapter {
  readonly #instanceId: string;

  constructor(name: string, instanceId: string, formats: TokenFormats) {
    super(name, instanceId, formats);
    this.#instanceId = instanceId;
  }

  override async find(id: string): Promise<AdapterPayload | undefined> {
    const payload = await super.find(id);
    return payload && (await bindingHolds(this.#instanceId, payload)) ? payload : undefined;
  }
}
