import Provider, { type Configuration } from 'oidc-provider';
import { loadSigningJwks } from '../queries/signing-keys.ts';
import { cookieKeys } from '../queries/secrets.ts';
import type { Services } from '../services.ts';
import type { InstanceRecord, Tenant } from '../tenants/registry.ts';
import { MongoAdapter } from './adapter.ts';

/** ZITADEL's endpoint paths, so relying parties configured for ZITADEL work with a new issuer URL only. */
export const ROUTES = {
  authorization: '/oauth/v2/authorize',
  token: '/oauth/v2/token',
  introspection: '/oauth/v2/introspect',
  revocation: '/oauth/v2/revoke',
  jwks: '/oauth/v2/keys',
  device_authorization: '/oauth/v2/device_authorization',
  code_verification: '/oauth/v2/device',
  userinfo: '/oidc/v1/userinfo',
  end_session: '/oidc/v1/end_session',
  pushed_authorization_request: '/oauth/v2/par',
} as const;

export function interactionUrl(uid: string): string {
  return `/ui/login/${uid}`;
}

export async function createTenant(instance: InstanceRecord, services: Services): Promise<Tenant> {
  const { masterKey } = services;
  const configuration: Configuration = {
    adapter: MongoAdapter,
    jwks: { keys: (await loadSigningJwks(instance._id, masterKey)) as never },
    cookies: { keys: cookieKeys(masterKey) },
    routes: ROUTES,
    interactions: { url: (_ctx, interaction) => interactionUrl(interaction.uid) },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    async findAccount(_ctx, sub) {
      return { accountId: sub, claims: () => ({ sub }) };
    },
  };
  const provider = new Provider(instance.issuer, configuration);
  provider.proxy = new URL(instance.issuer).protocol === 'https:';
  return { instance, provider, handle: provider.callback() };
}
