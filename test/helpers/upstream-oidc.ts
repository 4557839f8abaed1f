// Upstream identity providers for the external-IdP tests (issue 17), on loopback in the test's process: a real
// node-oidc-provider with users of its own (an OpenID provider such as ACME's Entra ID would be), and a small
// "GitHub-like" OAuth 2.0 server (authorize, token and user endpoints; no OpenID Connect).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';

export interface UpstreamUser {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  preferred_username?: string;
  locale?: string;
}

export interface UpstreamClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: string;
  jwks?: { keys: unknown[] };
}

export interface UpstreamOidc {
  issuer: string;
  /** Users by `sub`; a test may change one (auto-update) or add one. */
  users: Map<string, UpstreamUser>;
  /** The `amr` the next logins report. */
  amr: string[];
  stop(): Promise<void>;
}

async function readForm(request: http.IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return new URLSearchParams(body);
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the upstream's users and their logins look like, shared by every provider of one upstream. */
interface UpstreamState {
  users: Map<string, UpstreamUser>;
  amr: string[];
}

/**
 * One node-oidc-provider for `issuer` (its path, if any, is where it is served) as a request handler: its sign-in page
 * is one form where `username` is the `sub` to log in as (empty: the user refuses, `access_denied`). `extraClaims` go
 * into every user's claims (an Entra ID tenant's `tid`).
 */
export async function upstreamHandler(
  issuer: string,
  clients: UpstreamClient[],
  state: UpstreamState,
  extraClaims: Record<string, string> = {},
): Promise<http.RequestListener> {
  const prefix = new URL(issuer).pathname.replace(/\/$/, '');
  const signingKey = await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey);
  const configuration: Configuration = {
    jwks: { keys: [{ ...signingKey, alg: 'RS256', use: 'sig', kid: 'upstream' }] },
    clients: clients.map((client) => ({ grant_types: ['authorization_code'], ...client })) as Configuration['clients'],
    cookies: {
      names: { session: 'up_session', interaction: 'up_interaction', resume: 'up_resume' },
      keys: ['upstream-cookie-key'],
    },
    interactions: { url: (_ctx, interaction) => `${prefix}/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    conformIdTokenClaims: false,
    // `amr` with `openid`: the library returns a claim of no scope only when the request's `claims` parameter asks.
    claims: {
      openid: ['sub', 'amr', ...Object.keys(extraClaims)],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale'],
    },
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session, params } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(String(params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, sub) {
      const user = state.users.get(sub);
      return user ? { accountId: sub, claims: () => ({ ...state.users.get(sub)!, ...extraClaims, sub }) } : undefined;
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  async function interaction(request: http.IncomingMessage, response: http.ServerResponse, uid: string) {
    const details = await provider.interactionDetails(request, response);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (request.method === 'GET') {
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          '<!doctype html><title>Upstream sign-in</title>' +
            `<form method="post" action="${prefix}/interaction/${escape(uid)}">` +
            '<label>Username <input name="username"></label><button>Sign in</button></form>',
        );
      return;
    }
    const username = (await readForm(request)).get('username') ?? '';
    const result = state.users.has(username)
      ? { login: { accountId: username, amr: state.amr } }
      : { error: 'access_denied', error_description: 'the user refused' };
    await provider.interactionFinished(request, response, result, { mergeWithLastSubmission: false });
  }

  return (request, response) => {
    const uid = new RegExp(`^${prefix}/interaction/([^/?]+)`).exec(request.url ?? '')?.[1];
    if (!uid) {
      // The provider routes below its issuer's path (node-oidc-provider's mounting: `originalUrl` keeps the prefix).
      Object.assign(request, { originalUrl: request.url, url: (request.url ?? '/').slice(prefix.length) || '/' });
      return void callback(request, response);
    }
    interaction(request, response, uid).catch((error: unknown) => {
      response.writeHead(400, { 'content-type': 'text/plain' }).end(String((error as Error).message));
    });
  };
}

export async function listen(port: number, handler: http.RequestListener): Promise<() => Promise<void>> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * An OpenID provider with users of its own; claims are in the ID token (and at userinfo); its cookies have names of
 * their own, so a test's cookie jar can hold Castellan's and the upstream's side by side.
 */
export async function startUpstreamOidc(clients: UpstreamClient[], users: UpstreamUser[]): Promise<UpstreamOidc> {
  const port = await freeLoopbackPort();
  const issuer = `http://127.0.0.1:${port}`;
  const state: UpstreamState = { users: new Map(users.map((user) => [user.sub, user])), amr: ['pwd'] };
  const stop = await listen(port, await upstreamHandler(issuer, clients, state));
  return {
    issuer,
    users: state.users,
    get amr() {
      return state.amr;
    },
    set amr(value: string[]) {
      state.amr = value;
    },
    stop,
  };
}

export interface UpstreamOauth {
  baseUrl: string;
  /** Who the authorize endpoint says is signed in (null: the user refuses). */
  signedIn: Record<string, unknown> | null;
  stop(): Promise<void>;
}

/**
 * A GitHub-like OAuth 2.0 server: `/login/oauth/authorize` answers at once for `signedIn`, `/login/oauth/access_token`
 * takes the code with the client's secret in the body, `/user` answers for the access token.
 */
export async function startUpstreamOauth(client: { clientId: string; clientSecret: string }): Promise<UpstreamOauth> {
  const port = await freeLoopbackPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const codes = new Map<string, { user: Record<string, unknown>; redirectUri: string }>();
  const tokens = new Map<string, Record<string, unknown>>();
  const upstream: UpstreamOauth = { baseUrl, signedIn: null, stop: async () => undefined };
  const json = (response: http.ServerResponse, status: number, body: unknown) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', baseUrl);
    void (async () => {
      if (url.pathname === '/login/oauth/authorize') {
        const redirect = new URL(url.searchParams.get('redirect_uri') ?? '');
        redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
        if (url.searchParams.get('client_id') !== client.clientId || !upstream.signedIn) {
          redirect.searchParams.set('error', 'access_denied');
        } else {
          const code = randomUUID();
          codes.set(code, { user: upstream.signedIn, redirectUri: url.searchParams.get('redirect_uri')! });
          redirect.searchParams.set('code', code);
        }
        response.writeHead(302, { location: redirect.href }).end();
        return;
      }
      if (url.pathname === '/login/oauth/access_token' && request.method === 'POST') {
        const form = await readForm(request);
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const authenticated =
          form.get('client_id') === client.clientId && form.get('client_secret') === client.clientSecret;
        if (!grant || !authenticated || grant.redirectUri !== form.get('redirect_uri'))
          return json(response, 400, { error: 'invalid_grant' });
        const token = randomUUID();
        tokens.set(token, grant.user);
        return json(response, 200, { access_token: token, token_type: 'bearer', scope: 'read:user' });
      }
      if (url.pathname === '/user') {
        const user = tokens.get((request.headers.authorization ?? '').replace(/^bearer /i, ''));
        return user ? json(response, 200, user) : json(response, 401, { message: 'Bad credentials' });
      }
      json(response, 404, { message: 'Not Found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  upstream.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return upstream;
}

/** Adds a new user with a verified address at an unrelated domain to `upstream`; returns its `sub`. */
export function addUpstreamUser(upstream: UpstreamOidc, fields: Record<string, unknown> = {}): string {
  const sub = `u-${randomUUID().slice(0, 8)}`;
  upstream.users.set(sub, {
    sub,
    email: `${sub}@upstream.test`,
    email_verified: true,
    given_name: 'Una',
    family_name: 'Stream',
    preferred_username: sub,
    ...fields,
  });
  return sub;
}
