// Security headers: every HTML page refuses framing and carries a Content-Security-Policy whose style nonce is
// the one on the page's <style> elements; every response, pages, API and OIDC alike, carries nosniff.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { CookieJar, parseForm } from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

/** The directives of a Content-Security-Policy header, by name. */
function directives(csp: string | null): Map<string, string[]> {
  const parsed = new Map<string, string[]>();
  for (const directive of (csp ?? '').split(';')) {
    const [name, ...values] = directive.trim().split(/\s+/);
    if (name) parsed.set(name, values);
  }
  return parsed;
}

function assertNosniff(response: Response, what: string): void {
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
}

async function assertSecurePage(response: Response, what: string): Promise<void> {
  const html = await response.text();
  assert.match(response.headers.get('content-type') ?? '', /text\/html/, `${what} is a page`);
  assertNosniff(response, what);
  assert.equal(response.headers.get('x-frame-options'), 'DENY', `${what}: X-Frame-Options`);
  assert.ok(response.headers.get('referrer-policy'), `${what}: Referrer-Policy`);
  const csp = directives(response.headers.get('content-security-policy'));
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], `${what}: frame-ancestors`);
  // The provider's self-submitting form_post pages add the hash of their one script.
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (match) => `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`,
  );
  // The WebAuthn pages' scripts (from this origin) carry the response's nonce, which script-src names too.
  const scriptSrc = csp.get('script-src') ?? [];
  assert.deepEqual(
    scriptSrc.filter((value) => !value.startsWith("'nonce-")),
    ["'self'", ...scripts],
    `${what}: script-src`,
  );
  assert.deepEqual(
    scriptSrc.filter((value) => value.startsWith("'nonce-")),
    (csp.get('style-src') ?? []).filter((value) => value.startsWith("'nonce-")),
    `${what}: one nonce for scripts and styles`,
  );
  assert.ok(!JSON.stringify([...csp]).includes('unsafe-inline'), `${what}: no 'unsafe-inline'`);
  const nonces = (csp.get('style-src') ?? []).filter((value) => value.startsWith("'nonce-"));
  assert.equal(nonces.length, 1, `${what}: a style nonce`);
  const styles = [...html.matchAll(/<style\b([^>]*)>/g)].map((match) => match[1]);
  assert.ok(styles.length > 0 || scripts.length > 0, `${what} has styles`);
  for (const attributes of styles) assert.equal(attributes, ` nonce="${nonces[0]!.slice(7, -1)}"`, what);
}

/** Follows redirects like a browser (cookies kept) and answers the final response, its headers intact. */
async function browse(jar: CookieJar, url: string, form?: Record<string, string>): Promise<Response> {
  let target = new URL(url, server.url);
  let init: RequestInit = form ? { method: 'POST', body: new URLSearchParams(form) } : {};
  for (let hops = 0; hops < 20; hops++) {
    const response = await fetch(target, {
      ...init,
      redirect: 'manual',
      headers: { accept: 'text/html', cookie: jar.header(target) ?? '' },
    });
    jar.store(response);
    assertNosniff(response, `${target.pathname}`);
    const location = response.headers.get('location');
    if (!location) return response;
    await response.arrayBuffer();
    target = new URL(location, target);
    init = {};
  }
  throw new Error(`too many redirects from ${url}`);
}

describe('security headers', () => {
  it('on every kind of page: start, error, logout, device, provider error, login name, password, demo result', async () => {
    const jar = new CookieJar();
    await assertSecurePage(await browse(jar, '/'), 'start page');
    await assertSecurePage(await browse(jar, '/ui/login/no-such-interaction'), 'login error page');
    await assertSecurePage(await browse(jar, '/oidc/v1/end_session'), 'logout without a session (form_post page)');
    await assertSecurePage(await browse(jar, '/oauth/v2/device'), 'device code page');
    await assertSecurePage(await browse(jar, '/oauth/v2/authorize?client_id=nobody'), 'provider error page');

    const loginName = await browse(jar, '/demo/login');
    const loginUrl = loginName.url;
    await assertSecurePage(loginName.clone(), 'login name page');
    const password = await browse(jar, `${loginUrl}/login-name`, {
      ...parseForm(await loginName.text(), loginUrl)!.inputs,
      loginName: 'alice',
    });
    const passwordHtml = await password.clone().text();
    assert.match(passwordHtml, /type="password"/);
    await assertSecurePage(password, 'password page');
    const result = await browse(jar, `${loginUrl}/password`, {
      ...parseForm(passwordHtml, loginUrl)!.inputs,
      password: DEMO_PASSWORD,
    });
    assert.match(result.url, /\/demo\/callback/);
    await assertSecurePage(result, 'demo result page');
    const logout = await browse(jar, '/oidc/v1/end_session');
    const logoutHtml = await logout.clone().text();
    assert.match(logoutHtml, /name="logout" value="yes"/, 'the confirmation page');
    await assertSecurePage(logout, 'logout page');
  });

  it('nosniff on every response: discovery, keys, token, userinfo, the API, health, a 404', async () => {
    const responses: Array<[string, Response]> = [
      ['discovery', await fetch(`${server.url}/.well-known/openid-configuration`)],
      ['keys', await fetch(`${server.url}/oauth/v2/keys`)],
      [
        'token',
        await fetch(`${server.url}/oauth/v2/token`, {
          method: 'POST',
          body: new URLSearchParams({ grant_type: 'client_credentials' }),
        }),
      ],
      ['userinfo', await fetch(`${server.url}/oidc/v1/userinfo`)],
      ['api', await fetch(`${server.url}/api/v1/orgs`)],
      ['healthz', await fetch(`${server.url}/healthz`)],
      ['not found', await fetch(`${server.url}/no/such/path`)],
    ];
    for (const [what, response] of responses) {
      await response.arrayBuffer();
      assertNosniff(response, what);
    }
  });
});
