import type Router from '@koa/router';
import type { Context } from 'koa';
import * as client from 'openid-client';
import {
  CONSOLE_CLIENT_ID,
  CONSOLE_PATH,
  consolePostLogoutUri,
  consoleRedirectUri,
} from '../../domain/setup/console-app.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { renderView } from '../../platform/templates.ts';
import { brandingFrom } from '../../domain/rules/branding.ts';
import { policyOf } from '../../domain/login.ts';
import type { ConsoleCookies } from './session.ts';

const tenantOf = (ctx: Context) => (ctx.state as { tenant: Tenant }).tenant;

/** A page outside a session (sign in, signed out, a failed sign-in), in the instance's branding. */
export function renderPublic(ctx: Context, status: number, context: { title: string; message: string }): void {
  const { instance } = tenantOf(ctx);
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.body = renderView(ctx.res, 'console/public.njk', {
    branding: brandingFrom(policyOf(instance, null), instance.name),
    signInUrl: `${CONSOLE_PATH}/signin`,
    ...context,
  });
}

const configurations = new Map<string, Promise<client.Configuration>>();
/** The provider's discovery for the console's client, once per issuer (retried after a failure). */
function configurationOf(issuer: string): Promise<client.Configuration> {
  let found = configurations.get(issuer);
  if (!found) {
    const options = new URL(issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined;
    found = client.discovery(new URL(issuer), CONSOLE_CLIENT_ID, undefined, client.None(), options);
    configurations.set(issuer, found);
    found.catch(() => configurations.delete(issuer));
  }
  return found;
}

/**
 * Sign-in through the instance's own provider, as any relying party: the console's public client with PKCE against
 * the issuer (never the Host header), so the login's factors, org policies and lockout apply to managers too. Sign-out
 * ends the OP session through RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2).
 */
export function consoleSignIn(router: Router, cookies: ConsoleCookies): void {
  router.get('/signin', async (ctx) => {
    const { instance } = tenantOf(ctx);
    const configuration = await configurationOf(instance.issuer);
    const flow = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    cookies.startFlow(ctx, instance._id, flow);
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: consoleRedirectUri(instance.issuer),
      scope: 'openid profile',
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
    });
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx) => {
    const { instance } = tenantOf(ctx);
    const flow = cookies.takeFlow(ctx, instance._id);
    const failed = (message: string) => renderPublic(ctx, 400, { title: 'Sign-in failed', message });
    if (!flow) return failed('The sign-in took too long or was started in another browser. Please sign in again.');
    try {
      const configuration = await configurationOf(instance.issuer);
      const callbackUrl = new URL(`${instance.issuer}${CONSOLE_PATH}/callback?${ctx.querystring}`);
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      const claims = tokens.claims();
      if (!claims || !tokens.id_token) return failed('The sign-in returned no identity. Please sign in again.');
      cookies.startSession(ctx, instance._id, claims.sub, tokens.id_token);
      ctx.redirect(CONSOLE_PATH);
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError) return failed(error.error_description ?? error.error);
      if (error instanceof client.ResponseBodyError) return failed(error.error_description ?? error.error);
      throw error;
    }
  });

  router.get('/signed-out', (ctx) =>
    renderPublic(ctx, 200, { title: 'Signed out', message: 'You have signed out of the console.' }),
  );
}

/** Where to send the browser to end the OP session once the console's has ended (the ID token names it). */
export async function endSessionUrl(issuer: string, idToken: string): Promise<string> {
  const configuration = await configurationOf(issuer);
  return client.buildEndSessionUrl(configuration, {
    id_token_hint: idToken,
    post_logout_redirect_uri: consolePostLogoutUri(issuer),
  }).href;
}
