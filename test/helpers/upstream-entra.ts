// A multi-tenant upstream shaped like Microsoft Entra ID's `common` endpoint (issue 17): each tenant is a real
// node-oidc-provider whose issuer is `{origin}/{tenant id}/v2.0` and whose ID tokens carry that issuer and the tenant's
// `tid`; `{origin}/common/v2.0/.well-known/openid-configuration` is the active tenant's discovery document with the
// issuer replaced by Microsoft's literal template `{origin}/{tenantid}/v2.0`
// (https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-the-issuer).
import type http from 'node:http';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { listen, upstreamHandler, type UpstreamClient, type UpstreamUser } from './upstream-oidc.ts';

export interface UpstreamEntra {
  origin: string;
  /** The issuer an IdP configuration names: `{origin}/common/v2.0`. */
  commonIssuer: string;
  users: Map<string, UpstreamUser>;
  /** The tenant whose endpoints the next discovery of `common` lists (whose tokens the next logins get). */
  activeTenant: string;
  stop(): Promise<void>;
}

/**
 * `tenants` maps each tenant's path segment to the `tid` its tokens carry: the same value for a real tenant, another
 * one for a tenant that lies about who it is.
 */
export async function startUpstreamEntra(
  clients: UpstreamClient[],
  tenants: Record<string, string>,
): Promise<UpstreamEntra> {
  const port = await freeLoopbackPort();
  const origin = `http://127.0.0.1:${port}`;
  const state = { users: new Map<string, UpstreamUser>(), amr: ['pwd'] };
  const handlers = new Map<string, http.RequestListener>();
  for (const [tenant, tid] of Object.entries(tenants))
    handlers.set(tenant, await upstreamHandler(`${origin}/${tenant}/v2.0`, clients, state, { tid }));
  const upstream: UpstreamEntra = {
    origin,
    commonIssuer: `${origin}/common/v2.0`,
    users: state.users,
    activeTenant: Object.keys(tenants)[0]!,
    stop: async () => undefined,
  };
  const commonDiscovery = async (response: http.ServerResponse): Promise<void> => {
    const tenantIssuer = `${origin}/${upstream.activeTenant}/v2.0`;
    const document = (await (await fetch(`${tenantIssuer}/.well-known/openid-configuration`)).json()) as object;
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ...document, issuer: `${origin}/{tenantid}/v2.0` }));
  };
  upstream.stop = await listen(port, (request, response) => {
    if (request.url === '/common/v2.0/.well-known/openid-configuration') return void commonDiscovery(response);
    const handler = handlers.get((request.url ?? '').split('/')[1] ?? '');
    if (handler) return handler(request, response);
    response.writeHead(404).end();
  });
  return upstream;
}
