// The console session's idle (30 min) and absolute (12 h) timeouts (http/console/session.ts), without waiting: the
// sealed session cookie of a real sign-in is opened with the test server's own key, its clocks moved back, sealed
// again and sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONSOLE_ABSOLUTE_SECONDS, CONSOLE_IDLE_SECONDS } from '../../src/http/console/session.ts';
import { TokenSealer } from '../../src/platform/token-sealer.ts';
import { consoleClient } from '../helpers/console-session.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let sealer: TokenSealer;
let session: Record<string, unknown>;
before(async () => {
  fixture = await startOidcFixture();
  // The console's sealing key and context for this instance (consoleCookies in http/console/session.ts).
  const key = fixture.server.services.masterKey.derive('console-session');
  sealer = new TokenSealer(key, `castellan-console-session:${fixture.instanceId}`);
  const visitor = await consoleClient(fixture, 'acme-owner@acme.localhost');
  const sealed = /(?:^|; )castellan_console=([^;]+)/.exec(visitor.jar.header(new URL(`${fixture.baseUrl}/ui/console`)));
  session = sealer.open(sealed![1]!)!;
  assert.ok(session.userId, 'the session cookie opens with the test server’s key');
});
after(() => fixture.server.stop());

const now = () => Math.floor(Date.now() / 1000);

/** The console's home with the session's clocks set to `ago` seconds in the past. */
async function homeWith(ago: { signedIn: number; seen: number }) {
  const cookie = sealer.seal({ ...session, signedInAt: now() - ago.signedIn, seenAt: now() - ago.seen });
  const response = await fetch(`${fixture.baseUrl}/ui/console`, { headers: { cookie: `castellan_console=${cookie}` } });
  return { html: await response.text(), setCookie: response.headers.getSetCookie().join('\n') };
}
const signedIn = (html: string) => /Your manager roles/.test(html);
const signInPage = (html: string) => /Sign in to manage/.test(html);

describe('the console session’s timeouts', () => {
  it('ends after 30 idle minutes; each request restarts the idle clock', async () => {
    const active = await homeWith({ signedIn: 3600, seen: CONSOLE_IDLE_SECONDS - 60 });
    assert.ok(signedIn(active.html), 'idle 29 minutes: still signed in');
    const renewed = /castellan_console=([^;]+)/.exec(active.setCookie);
    assert.ok(renewed, 'the cookie is sealed again');
    const seenAt = sealer.open(renewed[1]!)!.seenAt as number;
    assert.ok(now() - seenAt <= 5, 'with the idle clock restarted');

    const idle = await homeWith({ signedIn: 3600, seen: CONSOLE_IDLE_SECONDS + 60 });
    assert.ok(signInPage(idle.html), 'idle 31 minutes: signed out');
  });

  it('ends 12 hours after sign-in whatever the activity; the cookie never outlives that', async () => {
    const late = await homeWith({ signedIn: CONSOLE_ABSOLUTE_SECONDS - 30, seen: 0 });
    assert.ok(signedIn(late.html), '11 h 59 min 30 s after sign-in: still signed in');
    const expires = Date.parse(/castellan_console=[^;]+;[^\n]*expires=([^;\n]+)/i.exec(late.setCookie)?.[1] ?? '');
    const left = (expires - Date.now()) / 1000;
    assert.ok(left > 0 && left <= 31, `the renewed cookie expires with the absolute limit (in ${left} s)`);

    const expired = await homeWith({ signedIn: CONSOLE_ABSOLUTE_SECONDS + 1, seen: 0 });
    assert.ok(signInPage(expired.html), 'past 12 hours: signed out, though active a moment ago');
  });

  it('refuses a session sealed with another key', async () => {
    const forger = new TokenSealer(Buffer.alloc(32, 7), `castellan-console-session:${fixture.instanceId}`);
    const cookie = forger.seal({ ...session, signedInAt: now(), seenAt: now() });
    const response = await fetch(`${fixture.baseUrl}/ui/console`, {
      headers: { cookie: `castellan_console=${cookie}` },
    });
    assert.ok(signInPage(await response.text()));
  });
});
