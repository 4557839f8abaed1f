// Microsoft Entra ID's multi-tenant endpoints (`common`, `organizations`): discovery names the issuer as the template
// `https://login.microsoftonline.com/{tenantid}/v2.0`, and every ID token's `iss` is that template with the token's own
// `tid` in it. Microsoft's rule: "the iss claim must match the issuer template with {tenantid} replaced by the tid
// claim" (https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-the-issuer).
// openid-client 6 applies that rule only on the origin https://login.microsoftonline.com (its handleEntraId), not on
// sovereign clouds or other hosts; here it holds for any template issuer, checked by openid-client itself on a
// configuration made for the token's tenant.
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { FederationError } from './protocol.ts';
import { upstreamFetch, upstreamOptions } from './upstream-http.ts';

export const TENANT_PLACEHOLDER = '{tenantid}';

/** A tenant id as Entra ID issues it (a GUID) or names it: nothing that could change the issuer's shape. */
export const TENANT_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The configuration for an issuer found by discovery: openid-client's own check of the discovered issuer against the
 * configured one fails for a template issuer; a template on the configured issuer's origin is accepted from the body.
 */
export function templateConfiguration(
  error: unknown,
  issuer: URL,
  clientId: string,
  auth: client.ClientAuth,
): client.Configuration | null {
  const body = (error as { cause?: { body?: client.ServerMetadata } } | null)?.cause?.body;
  if (!body?.issuer?.includes(TENANT_PLACEHOLDER) || new URL(body.issuer).origin !== issuer.origin) return null;
  return configurationFor(body, clientId, auth);
}

function configurationFor(
  metadata: client.ServerMetadata,
  clientId: string,
  auth: client.ClientAuth,
): client.Configuration {
  const config = new client.Configuration(metadata, clientId, undefined, auth);
  const options = upstreamOptions(new URL(metadata.issuer));
  config.timeout = options.timeout;
  for (const extension of options.execute) extension(config);
  return config;
}

export function isTenantTemplate(config: client.Configuration): boolean {
  return config.serverMetadata().issuer.includes(TENANT_PLACEHOLDER);
}

class TokenResponseCaptured extends Error {}

interface CodeGrantChecks {
  expectedState: string;
  expectedNonce: string;
  pkceCodeVerifier?: string;
}

/**
 * The code grant against a template issuer: the token response is fetched once (through openid-client, so the client
 * authentication and PKCE are its own), its ID token's `tid` names the tenant, and openid-client then validates that
 * same response (signature, `iss` = the template with the tid, audience, nonce, expiry, the callback's RFC 9207 `iss`)
 * with a configuration for that tenant. The code is sent once.
 */
export async function tenantCodeGrant(
  template: client.Configuration,
  clientId: string,
  auth: client.ClientAuth,
  callback: URL,
  checks: CodeGrantChecks,
): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> {
  // The helpers serverMetadata() adds are not enumerable: the spread is the discovered document alone.
  const metadata: client.ServerMetadata = { ...template.serverMetadata() } as client.ServerMetadata;
  // The callback's `iss` names the tenant's issuer, which only the token tells: it is checked on the replay.
  const withoutIss = new URL(callback);
  withoutIss.searchParams.delete('iss');
  const fetching = configurationFor(
    { ...metadata, authorization_response_iss_parameter_supported: false },
    clientId,
    auth,
  );
  let captured: CapturedResponse | null = null;
  fetching[client.customFetch] = async (url, options) => {
    const response = await upstreamFetch(url, options);
    if (url !== metadata.token_endpoint) return response;
    captured = { body: await response.text(), status: response.status, headers: response.headers };
    throw new TokenResponseCaptured();
  };
  await client.authorizationCodeGrant(fetching, withoutIss, { ...checks, idTokenExpected: true }).catch((error) => {
    if (!captured) throw error;
  });
  const response = captured as CapturedResponse | null;
  if (!response) throw new FederationError('invalid_response', 'The identity provider sent no token response.');
  // An error answer (invalid_grant, …) has no tenant: openid-client reads it as it would any other.
  const tenant = response.status === 200 ? tenantOf(response.body) : null;
  const issuer = tenant ? metadata.issuer.replace(TENANT_PLACEHOLDER, tenant) : metadata.issuer;
  const replaying = configurationFor({ ...metadata, issuer }, clientId, auth);
  replaying[client.customFetch] = async () =>
    new Response(response.body, { status: response.status, headers: response.headers });
  return client.authorizationCodeGrant(replaying, tenant ? callback : withoutIss, { ...checks, idTokenExpected: true });
}

interface CapturedResponse {
  body: string;
  status: number;
  headers: Headers;
}

/** The `tid` of the token response's ID token, before validation: it only chooses which issuer to validate against. */
function tenantOf(body: string): string {
  let tid: unknown;
  try {
    tid = decodeJwt(String((JSON.parse(body) as { id_token?: unknown }).id_token)).tid;
  } catch {
    tid = undefined;
  }
  if (typeof tid !== 'string' || !TENANT_ID.test(tid))
    throw new FederationError('invalid_response', 'The identity provider sent an ID token without a tenant id.');
  return tid;
}
