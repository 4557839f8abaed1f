// Driving a login through an external IdP (issue 17) like a browser without JavaScript: the IdP buttons on Castellan's
// login-name page, the upstream's sign-in form (test/helpers/upstream-oidc.ts), and back.
import assert from 'node:assert/strict';
import { call } from '../api/helpers.ts';
import { openPage, submitForm, type LoginFlow } from './login.ts';
import type { TestServer } from './server.ts';

export const CALLBACK_PATH = '/ui/login/login/externalidp/callback';
export const UPSTREAM_CLIENT = { clientId: 'castellan', clientSecret: 'upstream-client-secret-0123456789' };

/** Adds an OIDC IdP (org-owned when `orgId`, else the instance's) for `issuer`; returns its id. */
export async function addOidcIdp(
  server: TestServer,
  admin: string,
  orgId: string | null,
  issuer: string,
  extra: {
    name?: string;
    options?: Record<string, boolean>;
    settings?: Record<string, unknown>;
    mapping?: object;
  } = {},
): Promise<string> {
  const response = await call(server, admin, 'POST', orgId ? `/orgs/${orgId}/idps` : '/idps', {
    name: extra.name ?? 'Upstream',
    type: 'oidc',
    settings: { issuer, ...UPSTREAM_CLIENT, ...extra.settings },
    options: extra.options ?? { isAutoCreation: true, isAutoUpdate: true },
    mapping: extra.mapping ?? { trustEmailVerified: true },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.id as string;
}

/** Sets an org's (or, with null, the instance's) login policy to offer `idps`. */
export async function offerIdps(
  server: TestServer,
  admin: string,
  orgId: string | null,
  idps: string[],
  policy: Record<string, unknown> = {},
): Promise<void> {
  const path = orgId ? `/orgs/${orgId}/login-policy` : '/instance/login-policy';
  const response = await call(server, admin, 'PUT', path, { allowExternalIdp: true, idps, ...policy });
  assert.equal(response.status, 200, JSON.stringify(response.body));
}

/** The URLs of the IdP buttons on the page the flow stands on. */
export function idpButtons(flow: LoginFlow): string[] {
  return [...(flow.page?.html ?? '').matchAll(/<a class="button secondary idp" href="([^"]+)"/g)].map(
    (match) => match[1]!,
  );
}

/** Opens a URL of Castellan (a button, a callback) in the flow's browser; the flow stops on a page or at the RP. */
export async function follow(server: TestServer, flow: LoginFlow, url: string): Promise<LoginFlow> {
  const next = await openPage(flow.jar, new URL(url, server.url).href, flow.redirectUri);
  return { ...flow, page: next.page, callbackUrl: next.callbackUrl };
}

/** On the upstream's sign-in form: sign in as `sub` ('' refuses) and follow everything back to Castellan. */
export function signInUpstream(flow: LoginFlow, sub: string): Promise<LoginFlow> {
  assert.match(flow.page?.html ?? '', /Upstream sign-in/, `not on the upstream's page: ${flow.page?.url}`);
  return submitForm(flow, { username: sub });
}
