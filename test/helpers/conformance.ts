// What the OpenID conformance suite's OP tests do, with openid-client 6 and raw fetch: authorization requests sent
// by GET or by a form POST (its OIDCCEnsurePostRequestSucceeds), with or without PKCE, in a browser whose cookies
// (its provider session) are kept in a jar, then the code redeemed and the ID token checked.
import * as client from 'openid-client';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { openPage, submitLoginName, submitPassword, type Browsing, type CookieJar } from './login.ts';
import type { TestApp } from './oidc.ts';

export interface AuthorizationRequest {
  baseUrl: string;
  app: TestApp;
  config: client.Configuration;
  jar: CookieJar;
  /** Request parameters beyond client_id, redirect_uri and response_type=code. */
  params: Record<string, string>;
  method?: 'GET' | 'POST';
}

/** Sends the authorization request and follows it to the login UI's first page or to the redirect URI. */
export async function authorize(request: AuthorizationRequest): Promise<Browsing> {
  const url = client.buildAuthorizationUrl(request.config, {
    redirect_uri: request.app.redirectUri,
    ...request.params,
  });
  if (request.method !== 'POST') return openPage(request.jar, url.toString(), request.app.redirectUri);
  const endpoint = `${url.origin}${url.pathname}`;
  const posted = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: request.jar.header(url) },
    body: url.searchParams,
    redirect: 'manual',
  });
  await posted.body?.cancel();
  if (posted.status !== 303) throw new Error(`POST ${endpoint} answered ${posted.status}, not 303`);
  return openPage(request.jar, new URL(posted.headers.get('location')!, endpoint).toString(), request.app.redirectUri);
}

/** Signs in on the login UI pages (login name, then password) when the flow stopped on one. */
export async function signIn(flow: Browsing, loginName: string): Promise<Browsing> {
  let next = flow;
  if (next.page) next = await submitLoginName(next, loginName);
  if (next.page) next = await submitPassword(next, DEMO_PASSWORD);
  if (!next.callbackUrl) throw new Error(`no redirect to the client; stopped on ${next.page?.url}`);
  return next;
}

export interface Checks {
  pkceCodeVerifier?: string;
  expectedNonce?: string;
  expectedState?: string;
  maxAge?: number;
}

/** Redeems the code of the flow's callback with the checks openid-client applies (state, nonce, PKCE, auth_time). */
export function redeem(
  config: client.Configuration,
  flow: Browsing,
  checks: Checks = {},
): ReturnType<typeof client.authorizationCodeGrant> {
  if (!flow.callbackUrl) throw new Error(`no callback; the flow stopped on ${flow.page?.url}`);
  return client.authorizationCodeGrant(config, flow.callbackUrl, { idTokenExpected: true, ...checks });
}

/** The whole code flow for a demo user (every demo user has the same password). */
export async function codeFlow(
  request: AuthorizationRequest,
  loginName: string,
  checks: Checks = {},
): ReturnType<typeof client.authorizationCodeGrant> {
  return redeem(request.config, await signIn(await authorize(request), loginName), checks);
}

/** The `error` of the redirect to the client, or null when it carried no error. */
export function callbackError(flow: Browsing): string | null {
  return flow.callbackUrl?.searchParams.get('error') ?? null;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
