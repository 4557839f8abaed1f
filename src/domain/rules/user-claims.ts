/**
 * The non-role claims of docs/zitadel-behaviour.md §2.3–§2.5 as pure functions: standard OIDC claims from the user
 * profile, the resource-owner and org claims, and metadata (values as unpadded base64url, as ZITADEL does).
 */

export interface UserAddress {
  formatted?: string | null;
  streetAddress?: string | null;
  locality?: string | null;
  region?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

export interface ClaimUser {
  _id: string;
  type: 'human' | 'machine';
  username: string;
  updatedAt?: Date | null;
  human?: {
    email: string;
    emailVerified?: boolean | null;
    givenName: string;
    familyName: string;
    displayName?: string | null;
    nickname?: string | null;
    locale?: string | null;
    gender?: string | null;
    phone?: string | null;
    phoneVerified?: boolean | null;
    address?: UserAddress | null;
  } | null;
  machine?: { name: string } | null;
  /** Values as stored: a Buffer, or the driver's Binary (which exposes its bytes as `buffer`). */
  metadata?: ArrayLike<{ key: string; value: Uint8Array | { buffer: Uint8Array } }> | null;
}

export interface ClaimOrg {
  _id: string;
  name: string;
  primaryDomain: string;
}

export const PROFILE_CLAIMS = [
  'name',
  'given_name',
  'family_name',
  'nickname',
  'picture',
  'gender',
  'locale',
  'updated_at',
  'preferred_username',
] as const;
export const EMAIL_CLAIMS = ['email', 'email_verified'] as const;
export const PHONE_CLAIMS = ['phone_number', 'phone_number_verified'] as const;
export const ADDRESS_CLAIMS = ['address'] as const;
/** The claims a `claims` request parameter may ask for by name (OpenID Connect Core 1.0 §5.5). */
export const STANDARD_CLAIMS: ReadonlySet<string> = new Set([
  ...PROFILE_CLAIMS,
  ...EMAIL_CLAIMS,
  ...PHONE_CLAIMS,
  ...ADDRESS_CLAIMS,
]);

function defined(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(claims).filter(([, value]) => value !== undefined && value !== null && value !== ''),
  );
}

/** The `address` claim (OpenID Connect Core 1.0 §5.1.1), or undefined when no field is set. */
function addressClaim(address: UserAddress | null | undefined): Record<string, unknown> | undefined {
  if (!address) return undefined;
  const claim = defined({
    formatted: address.formatted,
    street_address: address.streetAddress,
    locality: address.locality,
    region: address.region,
    postal_code: address.postalCode,
    country: address.country,
  });
  return Object.keys(claim).length ? claim : undefined;
}

/** Every standard claim the user has; the caller (scope or assertion switch) decides which are emitted. */
export function standardClaims(user: ClaimUser, org: ClaimOrg): Record<string, unknown> {
  const updatedAt = user.updatedAt ? Math.floor(user.updatedAt.getTime() / 1000) : undefined;
  const preferredUsername = `${user.username}@${org.primaryDomain}`;
  const { human } = user;
  if (!human)
    return defined({ name: user.machine?.name, updated_at: updatedAt, preferred_username: preferredUsername });
  return defined({
    name: human.displayName || `${human.givenName} ${human.familyName}`,
    given_name: human.givenName,
    family_name: human.familyName,
    nickname: human.nickname,
    gender: human.gender,
    locale: human.locale,
    updated_at: updatedAt,
    preferred_username: preferredUsername,
    email: human.email,
    email_verified: Boolean(human.emailVerified),
    phone_number: human.phone,
    phone_number_verified: human.phone ? Boolean(human.phoneVerified) : undefined,
    address: addressClaim(human.address),
  });
}

/** The standard claims that the given scopes ask for. */
export function scopedStandardClaims(
  all: Record<string, unknown>,
  scopes: ReadonlySet<string>,
): Record<string, unknown> {
  const names = [
    ...(scopes.has('profile') ? PROFILE_CLAIMS : []),
    ...(scopes.has('email') ? EMAIL_CLAIMS : []),
    ...(scopes.has('phone') ? PHONE_CLAIMS : []),
    ...(scopes.has('address') ? ADDRESS_CLAIMS : []),
  ];
  return pickClaims(all, names);
}

/**
 * The standard claims a `claims` request parameter names for this output (OpenID Connect Core 1.0 §5.5): returned
 * whatever the scopes, when the user has them; other names (role or reserved claims, acr) are not taken from here.
 */
export function requestedStandardClaims(
  all: Record<string, unknown>,
  requested: readonly string[],
): Record<string, unknown> {
  return pickClaims(
    all,
    requested.filter((name) => STANDARD_CLAIMS.has(name)),
  );
}

function pickClaims(all: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((name) => name in all).map((name) => [name, all[name]]));
}

export const RESOURCE_OWNER_CLAIMS = {
  id: 'urn:zitadel:iam:user:resourceowner:id',
  name: 'urn:zitadel:iam:user:resourceowner:name',
  primaryDomain: 'urn:zitadel:iam:user:resourceowner:primary_domain',
} as const;
export const ORG_ID_CLAIM = 'urn:zitadel:iam:org:id';
export const ORG_DOMAIN_CLAIM = 'urn:zitadel:iam:org:domain:primary';
export const METADATA_CLAIM = 'urn:zitadel:iam:user:metadata';

export interface ReservedClaimRequest {
  resourceOwner: boolean;
  orgIds: string[];
  orgPrimaryDomains: string[];
  metadata: boolean;
}

/** Resource-owner, org and metadata claims: not gated by any assertion switch (docs/zitadel-behaviour.md §2.3). */
export function reservedUserClaims(
  user: ClaimUser,
  org: ClaimOrg,
  request: ReservedClaimRequest,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  // ZITADEL emits the org-id claim with the id exactly as requested, and the resource-owner claims with it.
  if (request.orgIds[0] !== undefined) claims[ORG_ID_CLAIM] = request.orgIds[0];
  if (request.orgPrimaryDomains[0] !== undefined) claims[ORG_DOMAIN_CLAIM] = request.orgPrimaryDomains[0];
  if (request.resourceOwner || request.orgIds.length > 0) {
    claims[RESOURCE_OWNER_CLAIMS.id] = org._id;
    claims[RESOURCE_OWNER_CLAIMS.name] = org.name;
    claims[RESOURCE_OWNER_CLAIMS.primaryDomain] = org.primaryDomain;
  }
  if (request.metadata && user.metadata?.length) {
    const bytes = (value: Uint8Array | { buffer: Uint8Array }) => (value instanceof Uint8Array ? value : value.buffer);
    claims[METADATA_CLAIM] = Object.fromEntries(
      Array.from(user.metadata, ({ key, value }) => [key, Buffer.from(bytes(value)).toString('base64url')]),
    );
  }
  return claims;
}
