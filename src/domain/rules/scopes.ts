/**
 * ZITADEL's reserved scopes (docs/zitadel-behaviour.md §1). Pure parsing: which org a login is restricted to, which
 * roles and projects are asked for. Whether a scope is *allowed* for a client is decided where the client is known.
 */

export const SCOPE = {
  orgId: 'urn:zitadel:iam:org:id:',
  orgDomainPrimary: 'urn:zitadel:iam:org:domain:primary:',
  projectRole: 'urn:zitadel:iam:org:project:role:',
  projectId: 'urn:zitadel:iam:org:project:id:',
  roleOrgId: 'urn:zitadel:iam:org:roles:id:',
  idpId: 'urn:zitadel:iam:org:idp:id:',
  projectsRoles: 'urn:zitadel:iam:org:projects:roles',
  metadata: 'urn:zitadel:iam:user:metadata',
  resourceOwner: 'urn:zitadel:iam:user:resourceowner',
} as const;

const AUDIENCE_SUFFIX = ':aud';
/** `urn:zitadel:iam:org:project:id:zitadel:aud` names the instance's own management project. */
export const MANAGEMENT_PROJECT_ALIAS = 'zitadel';

export const STANDARD_SCOPES = ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'] as const;
const STANDARD_SCOPE_SET: ReadonlySet<string> = new Set(STANDARD_SCOPES);

export interface ReservedScopes {
  /** From `urn:zitadel:iam:org:id:{id}`: restricts login to that org's users. */
  orgIds: string[];
  /** From `urn:zitadel:iam:org:domain:primary:{domain}`: restricts login to the org with that primary domain. */
  orgPrimaryDomains: string[];
  /** From `urn:zitadel:iam:org:project:role:{key}`: the role keys asked for (a filter). */
  roleKeys: string[];
  /** `urn:zitadel:iam:org:projects:roles`: per-project role claims for every audience project. */
  projectsRoles: boolean;
  /** From `urn:zitadel:iam:org:project:id:{id}:aud`, with `zitadel` kept as the alias. */
  audienceProjectIds: string[];
  /** From `urn:zitadel:iam:org:roles:id:{orgId}`: only grants made by these orgs count. */
  roleOrgIds: string[];
  /** From `urn:zitadel:iam:org:idp:id:{id}`. */
  idpIds: string[];
  metadata: boolean;
  resourceOwner: boolean;
}

export function splitScope(scope: string | string[] | undefined | null): string[] {
  if (!scope) return [];
  const values = Array.isArray(scope) ? scope : scope.split(' ');
  return [...new Set(values.filter(Boolean))];
}

/** Where each prefixed scope's value goes in ReservedScopes. */
const SUFFIX_FIELDS = [
  [SCOPE.orgId, 'orgIds'],
  [SCOPE.orgDomainPrimary, 'orgPrimaryDomains'],
  [SCOPE.projectRole, 'roleKeys'],
  [SCOPE.projectId, 'audienceProjectIds'],
  [SCOPE.roleOrgId, 'roleOrgIds'],
  [SCOPE.idpId, 'idpIds'],
] as const;

/**
 * One pass over the scopes, in their order: a filter and a map per field allocated about 2.5 kB per call, and a token
 * request parses its scopes twice or more (bench/README.md, "Allocations").
 */
export function parseReservedScopes(scope: string | string[] | undefined | null): ReservedScopes {
  const parsed: ReservedScopes = {
    orgIds: [],
    orgPrimaryDomains: [],
    roleKeys: [],
    projectsRoles: false,
    audienceProjectIds: [],
    roleOrgIds: [],
    idpIds: [],
    metadata: false,
    resourceOwner: false,
  };
  for (const value of splitScope(scope)) {
    if (value === SCOPE.projectsRoles) parsed.projectsRoles = true;
    else if (value === SCOPE.metadata) parsed.metadata = true;
    else if (value === SCOPE.resourceOwner) parsed.resourceOwner = true;
    for (const [prefix, field] of SUFFIX_FIELDS) {
      if (!value.startsWith(prefix) || value.length === prefix.length) continue;
      const rest = value.slice(prefix.length);
      if (field !== 'audienceProjectIds') parsed[field].push(rest);
      else if (rest.endsWith(AUDIENCE_SUFFIX) && rest.length > AUDIENCE_SUFFIX.length)
        parsed[field].push(rest.slice(0, -AUDIENCE_SUFFIX.length));
    }
  }
  return parsed;
}

/** True for every scope value in ZITADEL's reserved `urn:zitadel:iam:` namespace that Castellan understands. */
export function isReservedScope(scope: string): boolean {
  return (
    scope === SCOPE.projectsRoles ||
    scope === SCOPE.metadata ||
    scope === SCOPE.resourceOwner ||
    SUFFIX_FIELDS.some(([prefix]) => scope.startsWith(prefix) && scope.length > prefix.length)
  );
}

/**
 * The scopes that survive a request (docs/zitadel-behaviour.md §1.1): standard scopes, and reserved scopes this client
 * may ask for. Role scopes must name a role of the client's own project (`'any'` for machine users); everything else,
 * legacy `urn:iam:*` scopes included, is dropped silently.
 */
export function allowedScopes(
  scope: string | string[] | undefined | null,
  projectRoleKeys: readonly string[] | 'any',
): string[] {
  return splitScope(scope).filter((value) => {
    if (STANDARD_SCOPE_SET.has(value)) return true;
    if (!isReservedScope(value)) return false;
    if (!value.startsWith(SCOPE.projectRole) || projectRoleKeys === 'any') return true;
    return projectRoleKeys.includes(value.slice(SCOPE.projectRole.length));
  });
}

/** projectRoleAssertion without role scopes: one role scope per current project role, frozen at /authorize. */
export function withAssertedRoleScopes(scopes: string[], projectRoleKeys: readonly string[]): string[] {
  if (scopes.some((value) => value.startsWith(SCOPE.projectRole))) return scopes;
  return [...scopes, ...projectRoleKeys.map((key) => `${SCOPE.projectRole}${key}`)];
}
