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
    // ZITADEL's ID tokens always carry auth_time; OIDC Core §2 requires it only with max_age (RPs compare it after
    // prompt=login).
    require_auth_time: true,
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

async function loadMachineClient(
  instanceId: string,
  lifetimes: TokenLifetimes,
  clientId: string,
): Promise<CastellanClientMetadata | undefined> {
  const user = await User.findOne(
    { instanceId, username: clientId, type: 'machine', state: 'active' },
    { orgId: 1, machine: 1 },
  ).lean();
  if (!user?.machine?.secretHash) return undefined;
  const org = await findScoped(Organization, instanceId, user.orgId, { state: 'active' }, { tokenLifetimes: 1 });
  if (!org) return undefined;
  return {
    client_id: clientId,
    client_secret: user.machine.secretHash,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    castellan: {
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
      lifetimes: effectiveLifetimes(lifetimes, org.tokenLifetimes),
      clockSkewSeconds: 0,
      devMode: null,
      requirePkce: false,
    },
  };
}

/**
 * A client of the instance: an OIDC or API application, or a machine user (client id = its username, as
 * in ZITADEL). Inactive applications, projects, orgs and users are unknown clients.
 */
export async function loadClientMetadata(
  instanceId: string,
  lifetimes: TokenLifetimes,
  clientId: string,
): Promise<CastellanClientMetadata | undefined> {
  return (
    (await loadApplicationClient(instanceId, lifetimes, clientId)) ??
    (await loadMachineClient(instanceId, lifetimes, clientId))
  );
}
