// A browser-less password login: authorization request with PKCE, the login pages' HTML forms (login
// name, then password), the redirect back with a code, and the code exchange. It only relies on what
// a browser relies on (redirects, cookies, forms with hidden inputs), so it drives Castellan's login UI
// and the bare library's minimal interaction pages alike.
import { createHash, randomBytes } from 'node:crypto';
import { totpCode } from '../../src/platform/one-time-codes.ts';

export interface LoginClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scope: string;
}

export interface Credentials {
  loginName: string;
  password: string;
  /** For a user with an authenticator app: its base32 secret, from which the code page's codes are computed. */
  totpSecret?: string;
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  token_type: string;
}

export class LoginFailed extends Error {}

const MAX_STEPS = 20;

export function basicAuth(clientId: string, clientSecret: string): string {
  const credentials = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const separator = pair?.indexOf('=') ?? -1;
      if (!pair || separator < 1) continue;
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = /max-age=0|expires=thu, 01 jan 1970/i.test(header);
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

interface Form {
  action: string;
  method: string;
  fields: Map<string, string>;
}

function decodeEntities(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39|#x27|#x2F);/g,
    (entity, name: string) =>
      ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", '#x2F': '/' })[name] ?? entity,
  );
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return match ? decodeEntities(match[2] ?? match[3] ?? '') : undefined;
}

/**
 * The first form of a page that asks for a login name (or an upstream's user name), a password or a code, with its
 * inputs' current values.
 */
function parseLoginForm(html: string): Form | null {
  for (const [, formTag = '', body = ''] of html.matchAll(/(<form\b[^>]*>)([\s\S]*?)<\/form>/gi)) {
    const fields = new Map<string, string>();
    for (const [input] of body.matchAll(/<(?:input|button)\b[^>]*>/gi)) {
      const name = attribute(input, 'name');
      if (name && !/^<button/i.test(input)) fields.set(name, attribute(input, 'value') ?? '');
    }
    if (['loginName', 'username', 'password', 'code'].some((field) => fields.has(field)))
      return {
        action: attribute(formTag, 'action') ?? '',
        method: (attribute(formTag, 'method') ?? 'get').toLowerCase(),
        fields,
      };
  }
  return null;
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const TOTP_STEP_MS = 30_000;
/**
 * How long before its end the step before the current one is no longer used: a code of that step computed here is
 * refused once the server's clock has passed into the next step, which a code page answered slowly under load did
 * (one "401 …/mfa" in a quiet run, 2026-11-30).
 */
const PREVIOUS_STEP_MARGIN_MS = 10_000;
/** The last time step each user's logins used, in this process (the load generator). */
const lastTotpSteps = new Map<string, number>();

/**
 * The code a person's authenticator app would give a user's next login: the earliest step the server still accepts
 * for them (now - 1 at the earliest: one step of clock drift either way is accepted, and each step once), so a user
 * logs in at most three times at once and then once per 30 seconds.
 */
function nextTotpCode(loginName: string, secret: string): string {
  const nowMs = Date.now();
  const now = Math.floor(nowMs / TOTP_STEP_MS);
  const earliest = (now + 1) * TOTP_STEP_MS - nowMs > PREVIOUS_STEP_MARGIN_MS ? now - 1 : now;
  const step = Math.max(earliest, (lastTotpSteps.get(loginName) ?? 0) + 1);
  if (step > now + 1) throw new LoginFailed('this user has used every code the server accepts right now');
  lastTotpSteps.set(loginName, step);
  return totpCode(secret, step * TOTP_STEP_MS);
}

export interface Endpoints {
  authorization: string;
  token: string;
  userinfo: string;
  introspection: string;
}

export async function discoverEndpoints(issuer: string): Promise<Endpoints> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`discovery at ${issuer} answered ${response.status}`);
  const document = (await response.json()) as Record<string, string>;
  const pathOf = (key: string): string => (document[key] ? new URL(document[key]).pathname : '');
  return {
    authorization: pathOf('authorization_endpoint'),
    token: pathOf('token_endpoint'),
    userinfo: pathOf('userinfo_endpoint'),
    introspection: pathOf('introspection_endpoint'),
  };
}

/** Runs one complete login; throws LoginFailed with what the server answered when a step goes wrong. */
export async function passwordLogin(
  base: string,
  endpoints: Endpoints,
  client: LoginClient,
  user: Credentials,
): Promise<TokenSet> {
  const jar = new CookieJar();
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(12).toString('base64url');
  const query = new URLSearchParams({
    client_id: client.clientId,
    response_type: 'code',
    redirect_uri: client.redirectUri,
    scope: client.scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  });
  let url = new URL(`${endpoints.authorization}?${query}`, base).toString();
  let init: RequestInit = {};
  let code: string | null = null;
  for (let step = 0; step < MAX_STEPS && !code; step += 1) {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (next.toString().startsWith(client.redirectUri)) {
        code = next.searchParams.get('code');
        if (!code) throw new LoginFailed(`redirected back without a code: ${next.search}`);
        if (next.searchParams.get('state') !== state) throw new LoginFailed('state mismatch');
      }
      url = next.toString();
      init = {};
      continue;
    }
    const body = await response.text();
    const form = response.status === 200 ? parseLoginForm(body) : null;
    if (!form)
      throw new LoginFailed(`step ${step}: ${response.status} ${url} ${body.replace(/\s+/g, ' ').slice(0, 300)}`);
    if (form.fields.has('loginName')) form.fields.set('loginName', user.loginName);
    // An upstream IdP's sign-in form (test/helpers/upstream-oidc.ts), in the login-idp scenario.
    if (form.fields.has('username')) form.fields.set('username', user.loginName);
    if (form.fields.has('password')) form.fields.set('password', user.password);
    if (form.fields.has('code')) {
      if (!user.totpSecret) throw new LoginFailed(`step ${step}: a code is asked of a user without a second factor`);
      form.fields.set('code', nextTotpCode(user.loginName, user.totpSecret));
    }
    url = new URL(form.action || url, url).toString();
    init = {
      method: 'POST',
      body: new URLSearchParams([...form.fields]).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
  }
  if (!code) throw new LoginFailed(`no code after ${MAX_STEPS} steps (last ${url})`);
  const response = await fetch(new URL(endpoints.token, base), {
    method: 'POST',
    headers: {
      authorization: basicAuth(client.clientId, client.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  const tokens = (await response.json()) as TokenSet & { error?: string; error_description?: string };
  if (!response.ok || !tokens.access_token)
    throw new LoginFailed(`token exchange: ${response.status} ${JSON.stringify(tokens).slice(0, 300)}`);
  return tokens;
}
