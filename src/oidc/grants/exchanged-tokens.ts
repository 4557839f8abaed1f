/**
 * What an access token issued by token exchange (oidc/grants/token-exchange.ts) carries beyond any other: the
 * audience the exchange narrowed it to, the format the client asked for, and the `act` claim. The provider builds the
 * token; Castellan's token values (oidc/library-overrides.ts `castellanTokenValues`) read this when it is saved.
 */

/** RFC 8693 §4.1: the acting party, and the party it acted for when that was itself an exchange. */
export interface ActorClaim {
  iss: string;
  sub: string;
  act?: ActorClaim;
}

export interface ExchangedTokenShape {
  audience: string[];
  /** `urn:ietf:params:oauth:token-type:jwt` asks for a JWT, `…:access_token` for an opaque token (ZITADEL). */
  format: 'opaque' | 'jwt';
  act: ActorClaim | undefined;
}

const shapes = new WeakMap<object, ExchangedTokenShape>();

export function shapeExchangedToken(token: object, shape: ExchangedTokenShape): void {
  shapes.set(token, shape);
}

/** The shape of a token being issued by token exchange; undefined for every other token. */
export function exchangedTokenShape(token: object): ExchangedTokenShape | undefined {
  return shapes.get(token);
}

/** An `act` claim as found in a token (RFC 8693 §4.1), or undefined when there is none or it is malformed. */
export function actorClaimOf(value: unknown): ActorClaim | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { iss, sub, act } = value as Record<string, unknown>;
  if (typeof iss !== 'string' || typeof sub !== 'string') return undefined;
  const nested = actorClaimOf(act);
  return nested ? { iss, sub, act: nested } : { iss, sub };
}

/** The actor a refresh token of an exchange keeps (oidc/library-overrides-tokens.ts), or undefined. */
export function keptActor(refreshToken: object | undefined): ActorClaim | undefined {
  return actorClaimOf((refreshToken as { act?: unknown } | undefined)?.act);
}
