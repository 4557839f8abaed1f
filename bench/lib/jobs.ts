// The load of each scenario, the same for Castellan and for the bare library: only credentials differ.
import type { HttpJob, LoginJob } from '../load.ts';
import {
  basicAuth,
  passwordLogin,
  type Credentials,
  type Endpoints,
  type LoginClient,
  type TokenSet,
} from './login-flow.ts';

export interface Load {
  base: string;
  endpoints: Endpoints;
  concurrency: number;
  seconds: number;
}

const FORM = 'application/x-www-form-urlencoded';

/** A POST with the client authenticated by HTTP Basic, as every token-endpoint scenario sends it. */
function clientPost(
  load: Load,
  path: string,
  client: { clientId: string; clientSecret: string },
  rest: Pick<HttpJob, 'expect' | 'body' | 'bodyCycle' | 'chain'>,
): HttpJob {
  return {
    kind: 'http',
    base: load.base,
    concurrency: load.concurrency,
    seconds: load.seconds,
    method: 'POST',
    path,
    headers: { authorization: basicAuth(client.clientId, client.clientSecret), 'content-type': FORM },
    ...rest,
  };
}

export function clientCredentialsJob(load: Load, client: { clientId: string; clientSecret: string }): HttpJob {
  return clientPost(load, load.endpoints.token, client, {
    body: 'grant_type=client_credentials',
    expect: '"access_token"',
  });
}

export function loginJob(load: Load, client: LoginClient, users: Credentials[]): LoginJob {
  return {
    kind: 'login',
    base: load.base,
    concurrency: load.concurrency,
    seconds: load.seconds,
    endpoints: load.endpoints,
    client,
    users,
  };
}

/** Rotating refresh tokens: each one is used once, each response hands on the next. */
export function refreshJob(load: Load, client: LoginClient, refreshTokens: string[]): HttpJob {
  return clientPost(load, load.endpoints.token, client, {
    chain: {
      template: 'grant_type=refresh_token&refresh_token={token}',
      field: 'refresh_token',
      initial: refreshTokens,
    },
    expect: '"access_token"',
  });
}

export function userinfoJob(load: Load, accessToken: string): HttpJob {
  return {
    kind: 'http',
    base: load.base,
    concurrency: load.concurrency,
    seconds: load.seconds,
    method: 'GET',
    path: load.endpoints.userinfo,
    headers: { authorization: `Bearer ${accessToken}` },
    expect: '"sub"',
  };
}

/** Introspection of one token over and over, or of many in turn (so that nothing cached of one token decides). */
export function introspectionJob(
  load: Load,
  client: { clientId: string; clientSecret: string },
  tokens: string | string[],
): HttpJob {
  const bodies = [tokens].flat().map((token) => new URLSearchParams({ token }).toString());
  return clientPost(load, load.endpoints.introspection, client, {
    ...(bodies.length === 1 ? { body: bodies[0] } : { bodyCycle: bodies }),
    expect: '"active":true',
  });
}

/**
 * Access tokens from refresh-token grants: each chain rotates `perChain` times, one request after the other, and every
 * response's access token is kept (the chains run side by side).
 */
export async function refreshedAccessTokens(
  load: Load,
  client: LoginClient,
  refreshTokens: string[],
  perChain: number,
): Promise<{ tokens: string[] } | { missing: string }> {
  const headers = { authorization: basicAuth(client.clientId, client.clientSecret), 'content-type': FORM };
  const chain = async (first: string): Promise<string[]> => {
    const tokens: string[] = [];
    let refreshToken = first;
    for (let index = 0; index < perChain; index += 1) {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
      const response = await fetch(`${load.base}${load.endpoints.token}`, { method: 'POST', headers, body });
      const set = (await response.json()) as Partial<TokenSet>;
      if (!response.ok || !set.access_token || !set.refresh_token)
        throw new Error(`refresh: ${response.status} ${JSON.stringify(set).slice(0, 200)}`);
      tokens.push(set.access_token);
      refreshToken = set.refresh_token;
    }
    return tokens;
  };
  try {
    return { tokens: (await Promise.all(refreshTokens.map(chain))).flat() };
  } catch (error) {
    return { missing: (error as Error).message };
  }
}

/** `count` logins, a few at a time; null (with the reason) when logging in does not work. */
export async function logins(
  load: Load,
  client: LoginClient,
  users: Credentials[],
  count: number,
): Promise<{ tokens: TokenSet[] } | { missing: string }> {
  const tokens: TokenSet[] = [];
  try {
    for (let index = 0; index < count; index += 4) {
      const batch = Array.from({ length: Math.min(4, count - index) }, (_, offset) =>
        passwordLogin(load.base, load.endpoints, client, users[(index + offset) % users.length]!),
      );
      tokens.push(...(await Promise.all(batch)));
    }
  } catch (error) {
    return { missing: `login: ${(error as Error).message}` };
  }
  return { tokens };
}
