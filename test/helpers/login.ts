// Drives Castellan's login UI the way a browser without JavaScript would: a real openid-client code flow
// with PKCE, redirects followed by hand, cookies kept in a small jar, and the plain HTML forms submitted.
// `loginWithPassword` does it all; the step functions let a test stop on a page and read its HTML.
import * as client from 'openid-client';

/** Cookies by name, with the path they were set for; enough for one host (the test server). */
export class CookieJar {
  readonly #cookies = new Map<string, { value: string; path: string }>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', attributeValue = ''] = attribute.split('=');
        if (/^path$/i.test(key)) path = attributeValue || '/';
        if (/^max-age$/i.test(key) && Number(attributeValue) <= 0) expired = true;
        if (/^expires$/i.test(key) && Date.parse(attributeValue) <= Date.now()) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { value, path });
    }
  }

  header(url: URL): string {
    const pairs: string[] = [];
    for (const [key, { value, path }] of this.#cookies) {
      const matches = url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`);
      if (matches) pairs.push(`${key.slice(0, key.indexOf(';'))}=${value}`);
    }
    return pairs.join('; ');
  }

  names(): string[] {
    return [...this.#cookies.keys()].map((key) => key.slice(0, key.indexOf(';')));
  }
}

export interface Page {
  url: string;
  status: number;
  html: string;
}

export interface LoginOptions {
  baseUrl: string;
  clientId: string;
  /** Omit for a public client (token endpoint auth `none`). */
  clientSecret?: string;
  redirectUri: string;
  scope: string;
  /** Extra authorization request parameters (prompt, login_hint, max_age, …). */
  extraParams?: Record<string, string>;
  /** Reuse a browser's cookies (its provider session) across flows. */
  jar?: CookieJar;
}

/** Where a cookie-keeping, script-less browser stands. */
export interface Browsing {
  jar: CookieJar;
  /** Stop when a redirect leads here (the relying party); null: follow everything. */
  redirectUri: string | null;
  /** The page the browser stopped on (login name, password, error, …), or null once the redirect URI is reached. */
  page: Page | null;
  /** The redirect to the relying party (with `code` or `error`), once reached. */
  callbackUrl: URL | null;
}

export interface LoginFlow extends Browsing {
  config: client.Configuration;
  redirectUri: string;
  codeVerifier: string;
  state: string;
}

/** openid-client configuration for a client of the test server (plain HTTP allowed: it is loopback). */
export function clientConfig(baseUrl: string, clientId: string, clientSecret?: string): Promise<client.Configuration> {
  const auth = clientSecret === undefined ? client.None() : client.ClientSecretBasic(clientSecret);
  return client.discovery(new URL(baseUrl), clientId, undefined, auth, { execute: [client.allowInsecureRequests] });
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  '#x27': "'",
  '#x2F': '/',
};

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27|#x2F);/g, (_, entity: string) => ENTITIES[entity] ?? '');
}

export interface Form {
  action: string;
  inputs: Record<string, string>;
}

/** The first `<form method="post">` of a page with its hidden inputs (and other inputs' values). */
export function parseForm(html: string, baseUrl: string): Form | null {
  const form = /<form\b[^>]*\bmethod="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return null;
  const action = /\baction="([^"]*)"/i.exec(form[0]);
  const inputs: Record<string, string> = {};
  for (const input of form[1]!.matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(input[0]);
    const value = /\bvalue="([^"]*)"/i.exec(input[0]);
    if (name) inputs[decodeEntities(name[1]!)] = value ? decodeEntities(value[1]!) : '';
  }
  return { action: new URL(decodeEntities(action?.[1] ?? ''), baseUrl).toString(), inputs };
}

/** oidc-provider's self-submitting form pages (e.g. the logout it inserts when another user logs in). */
function isAutoSubmitPage(html: string): boolean {
  return html.includes('<title>Submitting Callback</title>');
}

function reachedRedirectUri(location: URL, redirectUri: string | null): boolean {
  if (redirectUri === null) return false;
  const target = new URL(redirectUri);
  return location.origin === target.origin && location.pathname === target.pathname;
}

/**
 * Sends a request and follows redirects and auto-submitting forms until it lands on a page of the
 * login UI or on the relying party's redirect URI.
 */
async function navigate<T extends Browsing>(
  flow: T,
  url: string,
  init: { method: 'GET' } | { method: 'POST'; form: Record<string, string> },
): Promise<T> {
  let request = init;
  let target = new URL(url);
  for (let hops = 0; hops < 20; hops++) {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = flow.jar.header(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (request.method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form).toString();
    }
    const response = await fetch(target, { method: request.method, headers, body, redirect: 'manual' });
    flow.jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      target = new URL(location, target);
      if (reachedRedirectUri(target, flow.redirectUri)) return { ...flow, page: null, callbackUrl: target };
      request = { method: 'GET' };
      continue;
    }
    const html = await response.text();
    const form = isAutoSubmitPage(html) ? parseForm(html, target.toString()) : null;
    if (form) {
      target = new URL(form.action);
      request = { method: 'POST', form: form.inputs };
      continue;
    }
    return { ...flow, page: { url: target.toString(), status: response.status, html }, callbackUrl: null };
  }
  throw new Error(`too many redirects while navigating from ${url}`);
}

/**
 * Opens a URL like a browser without JavaScript, following every redirect (e.g. the demo relying party),
 * or stopping at a redirect to `stopAt` (a relying party's URI that is not served, e.g. after logout).
 */
export function openPage(jar: CookieJar, url: string, stopAt: string | null = null): Promise<Browsing> {
  return navigate({ jar, redirectUri: stopAt, page: null, callbackUrl: null }, url, { method: 'GET' });
}

/** Starts a code flow with PKCE S256 and follows it to the first page (or straight to the redirect URI). */
export async function startLogin(options: LoginOptions): Promise<LoginFlow> {
  const config = await clientConfig(options.baseUrl, options.clientId, options.clientSecret);
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: options.scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    ...options.extraParams,
  });
  const flow: LoginFlow = {
    config,
    jar: options.jar ?? new CookieJar(),
    redirectUri: options.redirectUri,
    codeVerifier,
    state,
    page: null,
    callbackUrl: null,
  };
  return navigate(flow, authorizationUrl.toString(), { method: 'GET' });
}

/** Submits the form on the current page with `fields` (the page's hidden inputs, e.g. `csrf`, are kept). */
export function submitForm<T extends Browsing>(flow: T, fields: Record<string, string>): Promise<T> {
  if (!flow.page)
    throw new Error(`no page to submit a form on (the flow is at ${flow.callbackUrl?.toString() ?? 'nowhere'})`);
  const form = parseForm(flow.page.html, flow.page.url);
  if (!form)
    throw new Error(
      `no form on the page at ${flow.page.url} (status ${flow.page.status}):\n${flow.page.html.slice(0, 2000)}`,
    );
  return navigate(flow, form.action, { method: 'POST', form: { ...form.inputs, ...fields } });
}

export function submitLoginName<T extends Browsing>(flow: T, loginName: string): Promise<T> {
  return submitForm(flow, { loginName });
}

export function submitPassword<T extends Browsing>(flow: T, password: string): Promise<T> {
  return submitForm(flow, { password });
}

/** Exchanges the code at the token endpoint (checks state, PKCE, the ID token). */
export function redeemCode(flow: LoginFlow): ReturnType<typeof client.authorizationCodeGrant> {
  if (!flow.callbackUrl)
    throw new Error(
      `the flow did not reach the redirect URI; it stopped on ${flow.page?.url} (status ${flow.page?.status}):` +
        `\n${flow.page?.html.slice(0, 2000)}`,
    );
  return client.authorizationCodeGrant(flow.config, flow.callbackUrl, {
    pkceCodeVerifier: flow.codeVerifier,
    expectedState: flow.state,
  });
}

export interface PasswordLoginOptions extends LoginOptions {
  loginName: string;
  password: string;
}

/**
 * The whole login: authorize, login name, password, code exchange; returns the token endpoint response.
 * When `jar` carries a session that already satisfies the request, the forms are skipped.
 */
export async function loginWithPassword(
  options: PasswordLoginOptions,
): ReturnType<typeof client.authorizationCodeGrant> {
  let flow = await startLogin(options);
  if (flow.page) flow = await submitLoginName(flow, options.loginName);
  if (flow.page) flow = await submitPassword(flow, options.password);
  return redeemCode(flow);
}

/** Visible text of a page (tags stripped, whitespace collapsed), for asserting on messages. */
export function pageText(html: string): string {
  return decodeEntities(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}
