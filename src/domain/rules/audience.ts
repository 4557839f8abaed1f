import { MANAGEMENT_PROJECT_ALIAS } from './scopes.ts';

/** `urn:zitadel:iam:org:project:id:zitadel:aud` names the instance's own management project. */
export function resolveProjectAliases(projectIds: string[], managementProjectId: string): string[] {
  return [...new Set(projectIds.map((id) => (id === MANAGEMENT_PROJECT_ALIAS ? managementProjectId : id)))];
}

/**
 * A token's audience (docs/zitadel-behaviour.md §1.2, §10). For code flows: every client id of the client's project,
 * the project id, and the `:aud` projects. Machine users have no project: only the `:aud` projects, and the client id
 * when there are none.
 */
export function tokenAudience(
  projectAudience: string[] | null,
  audienceProjectIds: string[],
  clientId: string,
): string[] {
  const audience = new Set([...(projectAudience ?? []), ...audienceProjectIds]);
  if (audience.size === 0) audience.add(clientId);
  return [...audience];
}

/** Introspection answers only a caller whose client id or project id is in the token's audience. */
export function audienceAdmits(
  audience: string | string[] | undefined,
  caller: { clientId: string; projectId: string | null },
): boolean {
  const values = audience === undefined ? [] : Array.isArray(audience) ? audience : [audience];
  return values.includes(caller.clientId) || (caller.projectId !== null && values.includes(caller.projectId));
}

/**
 * The audience of a token refreshed from a grant first issued for `first` (OIDC Core 12.2; ZITADEL keeps the session's
 * audience with its refresh token, internal/command/oidc_session.go): never wider than the first, so a client the
 * project gained since is not added; narrower when the refresh asks for fewer scopes and drops an `:aud` project, or
 * the project lost a client. The client itself always stays, as ZITADEL's `AppendClientIDToAudience` keeps it.
 */
export function refreshedAudience(first: string[], current: string[], clientId: string): string[] {
  const kept = first.filter((value) => current.includes(value));
  return kept.length ? kept : [clientId];
}
