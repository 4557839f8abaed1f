import { PROFILE_SETTERS } from './pre-creation-profile.ts';
import { FLAT_ROLES_CLAIM, ROLES_CLAIM, projectRolesClaim, type RoleClaim } from './role-claims.ts';

/**
 * ZITADEL v1's flows and their triggers (https://zitadel.com/docs/apis/actions/introduction), by Castellan's path
 * names. `complement-token` runs while claims are built; `internal-authentication` around the login and the creation
 * of users. `pre-authentication` is Castellan's addition (ZITADEL v1 decides after the password only): it runs once the
 * user is identified, before any credential is checked. `external-authentication` runs after a login through an IdP
 * (post-authentication) and around the creation of a just-in-time user from it (pre- and post-creation), in place of
 * the internal flow's creation triggers (https://zitadel.com/docs/apis/actions/external-authentication).
 */
export const ACTION_FLOWS = {
  'complement-token': ['pre-userinfo-creation', 'pre-access-token-creation'],
  'internal-authentication': ['pre-authentication', 'post-authentication', 'pre-creation', 'post-creation'],
  'external-authentication': ['post-authentication', 'pre-creation', 'post-creation'],
} as const;
export type FlowType = keyof typeof ACTION_FLOWS;
export type TriggerType = (typeof ACTION_FLOWS)[FlowType][number];

/** What `api.v1` offers a script in each trigger; anything else is undefined in the guest. */
export const TRIGGER_API: Record<TriggerType, readonly ActionOperationName[]> = {
  'pre-userinfo-creation': ['setClaim', 'appendLogIntoClaims', 'appendRoleToClaims'],
  'pre-access-token-creation': ['setClaim', 'appendLogIntoClaims', 'appendRoleToClaims'],
  'pre-authentication': ['setDenied'],
  'post-authentication': ['setDenied'],
  'pre-creation': ['setDenied', 'appendMetadata', ...PROFILE_SETTERS],
  'post-creation': [],
};

export type ActionOperationName =
  | 'setClaim'
  | 'appendLogIntoClaims'
  | 'appendRoleToClaims'
  | 'setDenied'
  | 'appendMetadata'
  | (typeof PROFILE_SETTERS)[number];

/** The first flow with the trigger (a trigger of several flows offers the same `api.v1` in each). */
export function flowOfTrigger(trigger: TriggerType): FlowType {
  return (Object.keys(ACTION_FLOWS) as FlowType[]).find((flow) =>
    (ACTION_FLOWS[flow] as readonly string[]).includes(trigger),
  )!;
}

/** One call a script (or a call target's answer) made. */
export interface ActionOperation {
  name: string;
  args: unknown[];
}

/** ZITADEL's log claim of an action (`appendLogIntoClaims`, and where refused claims are reported). */
export function actionLogClaim(actionName: string): string {
  return `urn:zitadel:iam:action:${actionName}:log`;
}

/**
 * Claims an action may never set: the protocol's (RFC 7519 §4.1, OpenID Connect Core §2 and §3.1.3.6, RFC 8693 §4), the
 * roles claims and everything under ZITADEL's reserved `urn:zitadel:iam:` namespace (as ZITADEL's setClaim refuses).
 */
const PROTOCOL_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'azp',
  'at_hash',
  'c_hash',
  'sid',
  'client_id',
  'scope',
  'token_type',
  'cnf',
  'act',
  'may_act',
  'active',
  'username',
  FLAT_ROLES_CLAIM,
]);
const RESERVED_PREFIX = 'urn:zitadel:iam:';

/** Why a claim may not be set by an action, or null. */
export function reservedClaimProblem(key: string, claims: Readonly<Record<string, unknown>>): string | null {
  if (!key || key.length > 200) return 'the claim name must be 1-200 characters';
  if (PROTOCOL_CLAIMS.has(key) || key.startsWith(RESERVED_PREFIX)) return `the claim ${key} is reserved`;
  // ZITADEL: "key already exists" — an action adds claims, it never replaces one Castellan or an earlier action set.
  if (Object.hasOwn(claims, key)) return `the claim ${key} already exists`;
  return null;
}

/** Where an appended role goes: the user's org owns it, as a role a grant of the current project would. */
export interface RoleAppend {
  /** Whether this output asserts roles at all (the app's switches, domain/rules/role-claims.ts). */
  asserted: boolean;
  orgId: string;
  orgPrimaryDomain: string;
  currentProjectId: string | null;
  flat: boolean;
}

const ROLE_KEY = /^[A-Za-z0-9_:.-]{1,200}$/;

function appendRole(claims: Record<string, unknown>, role: string, target: RoleAppend): void {
  const add = (name: string) => {
    const claim = { ...((claims[name] as RoleClaim | undefined) ?? {}) };
    claim[role] = { ...(claim[role] ?? {}), [target.orgId]: target.orgPrimaryDomain };
    claims[name] = claim;
  };
  add(ROLES_CLAIM);
  if (target.currentProjectId) add(projectRolesClaim(target.currentProjectId));
  if (target.flat) claims[FLAT_ROLES_CLAIM] = Object.keys(claims[ROLES_CLAIM] as RoleClaim).sort();
}

/**
 * The claims with one action's operations applied: `setClaim` adds a claim that is neither reserved nor already set,
 * `appendRoleToClaims` adds a role to the roles claims (where this output asserts roles), `appendLogIntoClaims` adds a
 * line to the action's log claim, as does every refused `setClaim` (ZITADEL reports them there too).
 */
export function applyClaimOperations(
  claims: Record<string, unknown>,
  actionName: string,
  operations: readonly ActionOperation[],
  roles: RoleAppend,
): Record<string, unknown> {
  const result = { ...claims };
  const log: string[] = [];
  for (const { name, args } of operations) {
    if (name === 'setClaim') {
      const key = String(args[0] ?? '');
      const problem = reservedClaimProblem(key, result);
      if (problem) log.push(`setClaim refused: ${problem}`);
      else if (args[1] !== undefined) result[key] = args[1];
    } else if (name === 'appendRoleToClaims') {
      const role = String(args[0] ?? '');
      if (!ROLE_KEY.test(role)) log.push(`appendRoleToClaims refused: ${JSON.stringify(role)} is not a role key`);
      else if (roles.asserted) appendRole(result, role, roles);
    } else if (name === 'appendLogIntoClaims') {
      log.push(String(args[0] ?? ''));
    }
  }
  if (log.length) {
    const claim = actionLogClaim(actionName);
    result[claim] = [...((result[claim] as string[] | undefined) ?? []), ...log];
  }
  return result;
}

/** The reason of the first `setDenied`, or null. */
export function deniedReason(operations: readonly ActionOperation[]): string | null {
  const denial = operations.find((operation) => operation.name === 'setDenied');
  if (!denial) return null;
  const reason = String(denial.args[0] ?? '').trim();
  return (reason || 'Denied by an action').slice(0, 500);
}

/** Metadata `appendMetadata(key, value)` asked for (values as strings; objects JSON-encoded, as ZITADEL does). */
export function metadataOf(operations: readonly ActionOperation[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const { name, args } of operations) {
    if (name !== 'appendMetadata') continue;
    const key = String(args[0] ?? '');
    if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(key)) continue;
    metadata[key] = typeof args[1] === 'string' ? args[1] : JSON.stringify(args[1] ?? null);
  }
  return metadata;
}
