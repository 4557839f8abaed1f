// The console's session (issue 18): signed in through the instance's own OIDC login, kept in a sealed HttpOnly,
// SameSite=Lax cookie scoped to the console, and ended together with the OP session by RP-initiated logout.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import {
  CookieJar,
  openPage,
  pageText,
  parseForm,
  submitForm,
  submitLoginName,
  submitPassword,
} from '../helpers/login.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
before(async () => {
  fixture = await startOidcFixture();
});
after(() => fixture.server.stop());

describe('the console session', () => {
  it('is a sealed HttpOnly, SameSite=Lax cookie of the console path, and the pages carry the security headers', async () => {
    const jar = new CookieJar();
    let flow = await openPage(jar, `${fixture.baseUrl}/ui/console/signin`);
    flow = await submitLoginName(flow, 'acme-owner@acme.localhost');
    // The password form by hand, following the redirects back to the console, to read each Set-Cookie header.
    const form = parseForm(flow.page!.html, flow.page!.url)!;
    let response = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(new URL(form.action)), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.inputs, password: DEMO_PASSWORD }).toString(),
    });
    const setCookies: string[] = [];
    for (let hops = 0; hops < 10 && response.headers.get('location'); hops++) {
      jar.store(response);
      setCookies.push(...response.headers.getSetCookie());
      const next = new URL(response.headers.get('location')!, response.url || fixture.baseUrl);
      response = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header(next) } });
    }
    jar.store(response);
    setCookies.push(...response.headers.getSetCookie());
    const cookie = setCookies.find((header) => header.startsWith('castellan_console='));
    assert.ok(cookie, 'the session cookie is set');
    assert.match(cookie, /; path=\/ui\/console/i);
    assert.match(cookie, /; httponly/i);
    assert.match(cookie, /; samesite=lax/i);
    assert.doesNotMatch(cookie, /acme-owner|userId/, 'sealed, not readable');
    const url = new URL(`${fixture.baseUrl}/ui/console`);
    const home = await fetch(url, { headers: { cookie: jar.header(url) } });
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(home.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(home.headers.get('cache-control'), 'no-store');
    assert.match(await home.text(), /Your manager roles/);
  });

  it('signing out ends the console session and, through RP-initiated logout, the OP session', async () => {
    const jar = new CookieJar();
    let flow = await openPage(jar, `${fixture.baseUrl}/ui/console/signin`);
    flow = await submitLoginName(flow, 'acme-owner@acme.localhost');
    flow = await submitPassword(flow, DEMO_PASSWORD);
    assert.equal(flow.page?.url, `${fixture.baseUrl}/ui/console`);
    // The sign-out form is the page's first post form; the OP asks to confirm, then lands on the console's page.
    let out = await submitForm(flow, {});
    if (out.page && /sign out/i.test(pageText(out.page.html)) && !out.page.url.endsWith('/signed-out'))
      out = await submitForm(out, { logout: 'yes' });
    assert.equal(out.page?.url, `${fixture.baseUrl}/ui/console/signed-out`);
    const home = await openPage(jar, `${fixture.baseUrl}/ui/console`);
    assert.match(pageText(home.page!.html), /Sign in to manage/);
    // The OP session is gone too: signing in again asks for the login name.
    const again = await openPage(jar, `${fixture.baseUrl}/ui/console/signin`);
    assert.match(again.page!.url, /\/ui\/login\//);
    assert.match(pageText(again.page!.html), /Login name/);
  });
});
