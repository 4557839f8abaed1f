/**
 * One instance's node-oidc-provider, built step by step, each step in a module of its own:
 * 1. keys (oidc/tenant-keys.ts): the instance's signing keys, the verifier of its own JWTs, the token sealer;
 * 2. configuration (oidc/configuration.ts): ZITADEL's routes, lifetimes (oidc/lifetimes.ts), clients
 *    (oidc/clients.ts), reserved scopes (oidc/reserved-scopes.ts), grants (oidc/grants.ts), accounts and their claims
 *    (oidc/accounts.ts, oidc/claims.ts), token policies (oidc/token-policies.ts), pages (oidc/pages.ts), storage
 *    (oidc/adapter.ts);
 * 3. library overrides (oidc/library-overrides.ts): the library methods and endpoints Castellan replaces;
 * 4. observation (oidc/observe.ts): token metrics and the audit events of logouts and revocations; back-channel
 *    logout deliveries (oidc/backchannel-logout.ts, which also sets how the provider reaches apps); a logout ends
 *    the logins the browser keeps (oidc/browser-logins.ts);
 * 5. grants of Castellan's own (oidc/grants/): token exchange and the JWT bearer grant of machine users.
 */
import Provider from 'oidc-provider';
import { clientSecretHashKey } from '../platform/derived-keys.ts';
import { observeBackchannelLogout, providerFetch } from './backchannel-logout.ts';
import { endBrowserLoginsAtLogout } from './browser-logins.ts';
import { providerConfiguration } from './configuration.ts';
import { registerJwtBearerGrant } from './grants/jwt-bearer.ts';
import { registerTokenExchange } from './grants/token-exchange.ts';
import { overrideLibraryMethods } from './library-overrides.ts';
import { observeProvider } from './observe.ts';
import { logServerErrors } from './server-errors.ts';
import type { Services } from './services.ts';
import { loadTenantKeys } from './tenant-keys.ts';
import { outboundPolicyOf } from '../platform/outbound-fetch.ts';
import type { InstanceRecord, Tenant } from './tenants.ts';

export async function createTenant(instance: InstanceRecord, services: Services): Promise<Tenant> {
  const { masterKey } = services;
  const keys = await loadTenantKeys(instance, masterKey);
  const provider = new Provider(instance.issuer, {
    ...providerConfiguration(instance, keys),
    fetch: providerFetch(outboundPolicyOf(services.config)),
  });
  provider.proxy = new URL(instance.issuer).protocol === 'https:';
  overrideLibraryMethods(provider, { instance, keys, clientSecretHashKey: clientSecretHashKey(masterKey) });
  logServerErrors(provider, instance._id, services.log);
  observeProvider(provider, instance, services.log);
  observeBackchannelLogout(provider, instance._id, services.log);
  endBrowserLoginsAtLogout(provider, instance._id);
  registerTokenExchange(provider, { instance, keys });
  registerJwtBearerGrant(provider, instance);
  return { instance, provider, handle: provider.callback(), cookieKeys: keys.cookieKeys };
}
