import type { Client, ClientMetadata, JWK } from 'oidc-provider';
import { instanceSettings } from '../domain/commands/instance-settings.ts';
import { pkceRequired } from '../domain/rules/pkce.ts';
import { registrableUris } from '../domain/rules/uri-globs.ts';
import type { TokenLifetimes } from '../store/models/common.ts';
import { Application, Organization, Project, User } from '../store/models/index.ts';
import { findScoped } from '../store/queries/scoped.ts';

/** What Castellan needs about a client beyond OIDC metadata; carried in the metadata as `castellan`. */
export interface ClientInfo {
  kind: 'app' | 'machine';
  /** The project's owner org, or the machine user's org. */
  orgId: string;
  projectId: string | null;
  /** The machine user's id (the `sub` of its tokens). */
  userId: string | null;
  accessTokenType: 'bearer' | 'jwt';
  accessTokenRoleAssertion: boolean;
  idTokenRoleAssertion: boolean;
  idTokenUserinfoAssertion: boolean;
  flatRolesClaim: boolean;
  projectRoleAssertion: boolean;
  /** Role keys of the client's project: the role scopes it may ask for. */
  projectRoleKeys: string[];
  /** Every client id of the project plus the project id: the base audience of its tokens. */
  projectAudience: string[] | null;
  lifetimes: TokenLifetimes;
  /** ZITADEL's per-app clock skew (0–5 s): added to the expiry and subtracted from the issue time of JWTs it issues. */
  clockSkewSeconds: number;
  /** Development mode: redirect and post-logout URIs are glob patterns (matched by the provider's client). */
  devMode: { redirectUris: string[]; postLogoutRedirectUris: string[] } | null;
  /** Authorization requests must carry a PKCE challenge (domain/rules/pkce.ts). */
  requirePkce: boolean;
}

export type CastellanClientMetadata = ClientMetadata & { castellan: ClientInfo };

/** Castellan's view of an oidc-provider client: its `castellan` metadata (oidc/configuration.ts). */
export function clientInfo(client: Client): ClientInfo {
  return client.castellan as ClientInfo;
}

const AUTH_METHODS = {
  basic: 'client_secret_basic',
  post: 'client_secret_post',
  none: 'none',
  private_key_jwt: 'private_key_jwt',
} as const;

type LifetimeOverride = Partial<Record<keyof TokenLifetimes, number | null | undefined>> | null | undefined;

/** Instance lifetimes, overridden by the org's, overridden by the project's (field by field). */
export function effectiveLifetimes(instance: TokenLifetimes, ...overrides: LifetimeOverride[]): TokenLifetimes {
  const result = { ...instance };
  for (const override of overrides) {
    for (const key of Object.keys(result) as Array<keyof TokenLifetimes>) {
      const value = override?.[key];
      if (typeof value === 'number') result[key] = value;
    }
  }
  return result;
}

/** The app's registered public keys (validated as JWKs when added) that have not expired. */
function activeKeys(keys: Array<{ keyId: string; jwk: unknown; expiresAt?: Date | null }>): JWK[] {
  const now = Date.now();
  return keys
    .filter((key) => !key.expiresAt || key.expiresAt.getTime() > now)
    .map((key) => ({ ...(key.jwk as JWK), kid: key.keyId }));
}

/** OpenID Connect Back-Channel Logout 1.0 §2.2 client metadata, for apps that registered a logout URI. */
function backChannelLogoutMetadata(
  oidc: { backChannelLogoutUri?: string | null; backChannelLogoutSessionRequired?: boolean | null } | null | undefined,
): Pick<ClientMetadata, 'backchannel_logout_uri' | 'backchannel_logout_session_required'> {
  if (!oidc?.backChannelLogoutUri) return {};
  return {
    backchannel_logout_uri: oidc.backChannelLogoutUri,
    backchannel_logout_session_required: oidc.backChannelLogoutSessionRequired ?? false,
  };
}

async function loadApplicationClient(
  instanceId: string,
  lifetimes: TokenLifetimes,
  clientId: string,
): Promise<CastellanClientMetadata | undefined> {
  const app = await Application.findOne({ instanceId, clientId, state: 'active' }).lean();
  if (!app) return undefined;
  const [project, siblings, settings] = await Promise.all([
    findScoped(Project, instanceId, app.projectId, { state: 'active' }),
    Application.find({ instanceId, projectId: app.projectId }, { clientId: 1 }).lean(),
    instanceSettings(instanceId),
  ]);
  if (!project) return undefined;
  const org = await findScoped(Organization, instanceId, project.orgId, { state: 'active' }, { tokenLifetimes: 1 });
  if (!org) return undefined;
  const oidc = app.type === 'oidc' ? app.oidc : null;
  const authMethod = oidc?.authMethod ?? app.api?.authMethod ?? 'basic';
  const grantTypes = oidc?.grantTypes ?? [];
  const devMode = oidc?.devMode ?? false;
  const metadata: CastellanClientMetadata = {
    client_id: app.clientId,
    token_endpoint_auth_method: AUTH_METHODS[authMethod],
    grant_types: [...grantTypes],
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    redirect_uris: registrableUris(oidc?.redirectUris ?? [], devMode),
    post_logout_redirect_uris: registrableUris(oidc?.postLogoutRedirectUris ?? [], devMode),
    application_type: oidc?.appType === 'native' ? 'native' : 'web',
    ...backChannelLogoutMetadata(oidc),
    castellan: {
      kind: 'app',
      orgId: project.orgId,
      projectId: project._id,
      userId: null,
      accessTokenType: oidc?.accessTokenType ?? 'bearer',
      accessTokenRoleAssertion: oidc?.accessTokenRoleAssertion ?? false,
      idTokenRoleAssertion: oidc?.idTokenRoleAssertion ?? false,
      idTokenUserinfoAssertion: oidc?.idTokenUserinfoAssertion ?? false,
      flatRolesClaim: oidc?.flatRolesClaim ?? false,
      projectRoleAssertion: project.projectRoleAssertion,
      projectRoleKeys: project.roles.map((role) => role.key),
      projectAudience: [...siblings.map((sibling) => sibling.clientId), project._id],
      lifetimes: effectiveLifetimes(lifetimes, org.tokenLifetimes, project.tokenLifetimes),
      clockSkewSeconds: oidc?.clockSkewSeconds ?? 0,
      devMode: devMode
        ? { redirectUris: oidc?.redirectUris ?? [], postLogoutRedirectUris: oidc?.postLogoutRedirectUris ?? [] }
        : null,
      requirePkce: pkceRequired(
        { authMethod, appType: oidc?.appType ?? 'web', requirePkce: oidc?.requirePkce ?? false },
        settings.oidc,
      ),
    },
  };
  // The stored value is a keyed hash; Client#compareClientSecret is replaced to compare against it.
  if (app.clientSecretHash && authMethod !== 'none' && authMethod !== 'private_key_jwt')
    metadata.client_secret = app.clientSecretHash;
  if (authMethod === 'private_key_jwt') metadata.jwks = { keys: activeKeys(app.keys) };
  return metadata;
}

/** A machine user as a client: its org's lifetimes, the machine's access token type, roles only from scopes. */
function machineClientInfo(
  user: { _id: string; orgId: string; machine: { accessTokenType: 'bearer' | 'jwt' } },
  lifetimes: TokenLifetimes,
): ClientInfo {
  return {
    kind: 'machine',
    orgId: user.orgId,
    projectId: null,
    userId: user._id,
    accessTokenType: user.machine.accessTokenType,
    accessTokenRoleAssertion: true,
    idTokenRoleAssertion: false,
    idTokenUserinfoAssertion: false,
    flatRolesClaim: false,
    projectRoleAssertion: false,
    projectRoleKeys: [],
    projectAudience: null,
    lifetimes,
    clockSkewSeconds: 0,
    devMode: null,
    requirePkce: false,
  };
}

/** The JWT bearer grant type (RFC 7523 §2.1), which machine users use with their keys (oidc/grants/jwt-bearer.ts). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * The client a JWT bearer request without client authentication (what ZITADEL's SDKs send) is taken in under, so that
 * the provider's client authentication passes; the grant then verifies the assertion and continues as the machine user
 * (oidc/grants/jwt-bearer.ts). It can do nothing else: no redirect URI, no response type, no other grant, and no token
 * names it. Its id cannot be a username or an application's client id (neither holds a colon).
 */
export const JWT_BEARER_GATE_CLIENT_ID = 'urn:castellan:jwt-bearer';

function jwtBearerGateClient(lifetimes: TokenLifetimes): CastellanClientMetadata {
  const nobody = { _id: '', orgId: '', machine: { accessTokenType: 'bearer' as const } };
  return {
    client_id: JWT_BEARER_GATE_CLIENT_ID,
    token_endpoint_auth_method: 'none',
    grant_types: [JWT_BEARER_GRANT],
    response_types: [],
    redirect_uris: [],
    castellan: { ...machineClientInfo(nobody, lifetimes), userId: null },
  };
}

async function activeMachine(instanceId: string, filter: Record<string, string>) {
  const user = await User.findOne(
    { instanceId, ...filter, type: 'machine', state: 'active' },
    { orgId: 1, machine: 1 },
  ).lean();
  if (!user?.machine) return undefined;
  const org = await findScoped(Organization, instanceId, user.orgId, { state: 'active' }, { tokenLifetimes: 1 });
  return org ? { user: { ...user, machine: user.machine }, org } : undefined;
}

/** A machine user with a client secret, by username: the client_credentials client (ZITADEL's client id). */
async function loadMachineClient(
  instanceId: string,
  lifetimes: TokenLifetimes,
  clientId: string,
): Promise<CastellanClientMetadata | undefined> {
  const found = await activeMachine(instanceId, { username: clientId });
  if (!found?.user.machine.secretHash) return undefined;
  return {
    client_id: clientId,
    client_secret: found.user.machine.secretHash,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    castellan: machineClientInfo(found.user, effectiveLifetimes(lifetimes, found.org.tokenLifetimes)),
  };
}

/**
 * A machine user by id: the client its JWT bearer tokens are issued to (ZITADEL names the assertion's subject as their
 * client). It cannot authenticate (private_key_jwt with no keys): only the grant, after verifying an assertion of the
 * user, issues to it (oidc/grants/jwt-bearer.ts).
 */
async function loadJwtProfileClient(
  instanceId: string,
  lifetimes: TokenLifetimes,
  userId: string,
): Promise<CastellanClientMetadata | undefined> {
  const found = await activeMachine(instanceId, { _id: userId });
  if (!found) return undefined;
  return {
    client_id: userId,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [] },
    grant_types: [JWT_BEARER_GRANT],
    response_types: [],
    redirect_uris: [],
    castellan: machineClientInfo(found.user, effectiveLifetimes(lifetimes, found.org.tokenLifetimes)),
  };
}

/**
 * A client of the instance: an OIDC or API application, a machine user (client id = its username, as in ZITADEL, or
 * its id for JWT bearer tokens), or the JWT bearer gate. Inactive applications, projects, orgs and users are unknown
 * clients. A machine is looked up by id before by username: a username chosen to equal another machine's id then
 * shadows only its own client credentials, never the other machine's tokens.
 */
export async function loadClientMetadata(
  instanceId: string,
  lifetimes: TokenLifetimes,
  clientId: string,
): Promise<CastellanClientMetadata | undefined> {
  if (clientId === JWT_BEARER_GATE_CLIENT_ID) return jwtBearerGateClient(lifetimes);
  return (
    (await loadApplicationClient(instanceId, lifetimes, clientId)) ??
    (await loadJwtProfileClient(instanceId, lifetimes, clientId)) ??
    (await loadMachineClient(instanceId, lifetimes, clientId))
  );
}
