/**
 * The org scopes of a request (docs/zitadel-behaviour.md §1.3): `urn:zitadel:iam:org:id:{id}` and
 * `urn:zitadel:iam:org:domain:primary:{domain}` restrict a login to one org. Pure: the orgs they name are looked up
 * by the caller (domain/org-scopes.ts) and judged here, for the authorization request and for the login alike.
 */
import { parseReservedScopes, SCOPE } from './scopes.ts';

/** One org scope of a request and the org it names. */
export interface OrgScope {
  scope: string;
  by: 'id' | 'primaryDomain';
  value: string;
}

/** The request's org scopes, by id first, then by primary domain. */
export function orgScopesOf(scope: string | string[] | null | undefined): OrgScope[] {
  const reserved = parseReservedScopes(scope);
  return [
    ...reserved.orgIds.map((value): OrgScope => ({ scope: `${SCOPE.orgId}${value}`, by: 'id', value })),
    ...reserved.orgPrimaryDomains.map((value): OrgScope => ({
      scope: `${SCOPE.orgDomainPrimary}${value}`,
      by: 'primaryDomain',
      value,
    })),
  ];
}

/** An org scope with the org it names (null: none does). */
export interface ResolvedOrgScope<Org> extends OrgScope {
  org: Org | null;
}

export type OrgScopeVerdict<Org> =
  | { kind: 'none' }
  /** An org scope names no org (or, when only active orgs count, an inactive one). */
  | { kind: 'unknown' }
  /** The org scopes name different orgs. */
  | { kind: 'conflict' }
  | { kind: 'org'; org: Org };

/**
 * The org a request is restricted to. Every org scope must name an org, and all the same one (several scopes may name
 * it, by id and by domain). `activeOnly`: an inactive org counts as unknown (the authorization request; the login UI
 * finds the org inactive through the user's org instead).
 */
export function requiredOrg<Org extends { _id: string; state: string }>(
  resolved: ResolvedOrgScope<Org>[],
  { activeOnly }: { activeOnly: boolean },
): OrgScopeVerdict<Org> {
  if (resolved.length === 0) return { kind: 'none' };
  const known = resolved.flatMap(({ org }) => (org && (!activeOnly || org.state === 'active') ? [org] : []));
  const [org] = known;
  if (!org || known.length < resolved.length) return { kind: 'unknown' };
  return known.every((other) => other._id === org._id) ? { kind: 'org', org } : { kind: 'conflict' };
}

/** Machine users keep only the org scopes naming their own org; the others are dropped silently. */
export function withOwnOrgScopesOnly(
  scopes: string[],
  resolved: ResolvedOrgScope<{ _id: string }>[],
  ownOrgId: string,
): string[] {
  const orgOf = new Map(resolved.map((entry) => [entry.scope, entry.org]));
  return scopes.filter((scope) => !orgOf.has(scope) || orgOf.get(scope)?._id === ownOrgId);
}
