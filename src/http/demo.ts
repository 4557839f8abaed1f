import Router from '@koa/router';
import { decodeJwt } from 'jose';
import type { Context } from 'koa';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_PASSWORD, demoClientSecret } from '../domain/setup/demo.ts';
import { SCOPE } from '../domain/rules/scopes.ts';
import { Application } from '../store/models/index.ts';
import { renderInstancePage } from './instance-page.ts';
import type { Services } from '../oidc/services.ts';
import type { Tenant } from '../oidc/tenants.ts';

const STATE_COOKIE = 'castellan_demo';
const DEMO_USERS = [
  { loginName: 'alice', description: 'Alpha user; gets "accountant" through Beta\'s grant' },
  { loginName: 'bob', description: 'Beta user; gets "developer" from Beta' },
];
export const DEMO_SCOPE = ['openid', 'profile', 'email', SCOPE.projectsRoles, SCOPE.resourceOwner, SCOPE.metadata].join(
  ' ',
);

interface DemoState {
  codeVerifier: string;
  state: string;
  nonce: string;
}

/**
 * The built-in demo relying party: a real code flow with PKCE against the instance's own provider,
 * through its public URL, exactly as an external application would run it. Its in-flight state lives
 * in a signed, short-lived cookie, so any process can complete the flow.
 */
export function demoRoutes(services: Services): Router {
  const { config } = services;
  const redirectUri = `${config.publicUrl}/demo/callback`;
  const configurations = new Map<string, Promise<client.Configuration>>();

  function rpConfiguration(issuer: string): Promise<client.Configuration> {
    let found = configurations.get(issuer);
    if (!found) {
      const options = new URL(issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined;
      found = client.discovery(
        new URL(issuer),
        DEMO_CLIENT_ID,
        undefined,
        client.ClientSecretBasic(demoClientSecret(services.masterKey)),
        options,
      );
      configurations.set(issuer, found);
      found.catch(() => configurations.delete(issuer));
    }
    return found;
  }

  /** The demo runs only where the demo scenario was loaded, for the instance served at PUBLIC_URL. */
  async function demoAvailable(ctx: Context): Promise<boolean> {
    const { tenant } = ctx.state as { tenant: Tenant };
    return (
      tenant.instance.issuer === config.publicUrl &&
      Boolean(await Application.exists({ instanceId: tenant.instance._id, clientId: DEMO_CLIENT_ID, state: 'active' }))
    );
  }

  function fail(ctx: Context, status: number, message: string): void {
    renderInstancePage(ctx, 'error.njk', status, { title: 'Demo login failed', message, backUrl: '/' });
  }

  const router = new Router();

  router.get('/', async (ctx) => {
    const available = await demoAvailable(ctx);
    renderInstancePage(ctx, 'demo.njk', 200, {
      title: 'Castellan',
      width: '40rem',
      available,
      users: DEMO_USERS,
      password: DEMO_PASSWORD,
      scope: DEMO_SCOPE,
    });
  });

  router.get('/demo/login', async (ctx) => {
    if (!(await demoAvailable(ctx))) return fail(ctx, 404, 'The demo data is not loaded on this server.');
    const { tenant } = ctx.state as { tenant: Tenant };
    const rp = await rpConfiguration(tenant.instance.issuer);
    const state: DemoState = {
      codeVerifier: client.randomPKCECodeVerifier(),
      state: client.randomState(),
      nonce: client.randomNonce(),
    };
    ctx.cookies.set(STATE_COOKIE, Buffer.from(JSON.stringify(state)).toString('base64url'), {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      path: '/demo',
      maxAge: 10 * 60 * 1000,
    });
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: redirectUri,
      scope: DEMO_SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(state.codeVerifier),
      code_challenge_method: 'S256',
      state: state.state,
      nonce: state.nonce,
      prompt: 'login',
    });
    ctx.redirect(url.toString());
  });

  router.get('/demo/callback', async (ctx) => {
    if (!(await demoAvailable(ctx))) return fail(ctx, 404, 'The demo data is not loaded on this server.');
    const { tenant } = ctx.state as { tenant: Tenant };
    const raw = ctx.cookies.get(STATE_COOKIE, { signed: true });
    ctx.cookies.set(STATE_COOKIE, null, { path: '/demo' });
    if (!raw) return fail(ctx, 400, 'The demo login has expired. Start again from the start page.');
    let state: DemoState;
    try {
      state = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as DemoState;
    } catch {
      return fail(ctx, 400, 'The demo login has expired. Start again from the start page.');
    }
    const rp = await rpConfiguration(tenant.instance.issuer);
    let tokens, userinfo, introspection;
    try {
      tokens = await client.authorizationCodeGrant(rp, new URL(ctx.originalUrl, config.publicUrl), {
        pkceCodeVerifier: state.codeVerifier,
        expectedState: state.state,
        expectedNonce: state.nonce,
      });
      [userinfo, introspection] = await Promise.all([
        client.fetchUserInfo(rp, tokens.access_token, tokens.claims()?.sub ?? client.skipSubjectCheck),
        client.tokenIntrospection(rp, tokens.access_token),
      ]);
    } catch (error) {
      // Whatever the provider answered (an error redirect, a refused code), the RP's library says it in words.
      const description = (error as { error_description?: string }).error_description ?? (error as Error).message;
      return fail(ctx, 400, `The demo relying party could not complete the login: ${description}`);
    }
    const idTokenClaims = tokens.claims();
    let accessTokenClaims: unknown = 'An opaque access token: its claims are what introspection returns.';
    try {
      accessTokenClaims = decodeJwt(tokens.access_token);
    } catch {
      // Opaque token: keep the explanation.
    }
    const logoutUrl = tokens.id_token
      ? client
          .buildEndSessionUrl(rp, { id_token_hint: tokens.id_token, post_logout_redirect_uri: `${config.publicUrl}/` })
          .toString()
      : null;
    const json = (value: unknown) => JSON.stringify(value, null, 2);
    renderInstancePage(ctx, 'demo-result.njk', 200, {
      title: 'Signed in to the demo relying party',
      width: '80rem',
      panels: [
        { id: 'id-token', heading: 'ID token claims', body: json(idTokenClaims) },
        { id: 'access-token', heading: 'Access token claims', body: json(accessTokenClaims) },
        { id: 'userinfo', heading: 'Userinfo', body: json(userinfo) },
        { id: 'introspection', heading: 'Introspection', body: json(introspection) },
      ],
      logoutUrl,
    });
  });

  return router;
}
