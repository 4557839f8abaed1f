// The sandbox's hard limits, through the API's test run and through real logins: an endless loop, a 100 MB
// allocation, require('fs') and a fetch outside the allow-list are each stopped; a runaway action does not hold up
// other users' logins (measured and printed; bounded only generously, the machine is shared).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { bootstrapToken, call } from '../api/helpers.ts';
import { demoRp, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { attach, createAction, startReceiver } from './helpers.ts';

let fixture: OidcFixture;
let admin: string;
const { demoLogin, demoConfig, userId } = demoRp(() => fixture);
const acme = () => `/orgs/${fixture.orgs.ACME}`;

before(async () => {
  // The receivers listen on loopback.
  fixture = await startOidcFixture({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  admin = await bootstrapToken(fixture.server);
});
after(() => fixture.server.stop());

async function trial(name: string, script: string, extra: Record<string, unknown> = {}) {
  const action = await createAction(fixture.server, admin, acme(), { name, script, ...extra });
  const started = performance.now();
  const response = await call(fixture.server, admin, 'POST', `${acme()}/actions/${action.id}/test`, {
    userId: await userId('acme-owner'),
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return {
    ...(response.body as { error: string | null; claims: Record<string, unknown> }),
    ms: performance.now() - started,
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('each escape is stopped', () => {
  it('an endless loop is interrupted at its timeout', async () => {
    const result = await trial('spin', 'function spin(ctx, api) { while (true) {} }', { timeoutMs: 300 });
    assert.match(result.error ?? '', /interrupted|timed out/);
    assert.ok(result.ms < 5000, `stopped after ${result.ms} ms`);
  });

  it('a 100 MB allocation runs out of the heap limit', async () => {
    const script = `function hog(ctx, api) { const big = new Array(100 * 1024 * 1024 / 8).fill(1.5); api.v1.claims.setClaim('n', big.length); }`;
    const result = await trial('hog', script);
    assert.match(result.error ?? '', /out of memory|timed out/);
    assert.deepEqual(result.claims, {});
  });

  it('require, process and the file system do not exist', async () => {
    const result = await trial('reader', `function reader(ctx, api) { require('fs').readFileSync('/etc/passwd'); }`);
    assert.match(result.error ?? '', /ReferenceError: 'require' is not defined/);
    const probe = `function probe(ctx, api) { api.v1.claims.setClaim('globals', [typeof process, typeof fetch, typeof globalThis.std, typeof os]); }`;
    assert.deepEqual((await trial('probe', probe)).claims.globals, [
      'undefined',
      'undefined',
      'undefined',
      'undefined',
    ]);
  });

  it('http.fetch reaches the allowed hosts only, and not at all without any', async () => {
    const receiver = await startReceiver(() => ({ status: 200, body: { department: 'Research' } }));
    try {
      const script = (name: string, url: string) =>
        `function ${name}(ctx, api) { api.v1.claims.setClaim('department', http.fetch('${url}').json().department); }`;
      const allowed = await trial('allowedFetch', script('allowedFetch', receiver.url), {
        allowedHosts: [receiver.host],
        timeoutMs: 5000,
      });
      assert.equal(allowed.error, null);
      assert.equal(allowed.claims.department, 'Research');
      const outside = await trial('outsideFetch', script('outsideFetch', 'http://example.invalid/'), {
        allowedHosts: [receiver.host],
      });
      assert.match(outside.error ?? '', /host not allowed/);
      const none = await trial('noFetch', script('noFetch', receiver.url));
      assert.match(none.error ?? '', /no allowed hosts/);
      assert.equal(receiver.received.length, 1, 'only the allowed fetch reached the receiver');
    } finally {
      await receiver.close();
    }
  });
});

describe('in a real flow', () => {
  it('a failing action fails the token unless it is allowed to fail; a runaway one does not slow other logins', async (t) => {
    const { server } = fixture;
    const spin = await createAction(server, admin, acme(), {
      name: 'runaway',
      script: 'function runaway(ctx, api) { api.v1.claims.setClaim("never", 1); while (true) {} }',
      allowedToFail: true,
    });
    await attach(server, admin, acme(), 'complement-token', 'pre-userinfo-creation', [spin.id]);
    const skipped = (await demoLogin('acme-owner')).claims()!;
    assert.equal(skipped.never, undefined, 'skipped: its claim is not applied');

    // Other users' logins (Alpha: no action) while userinfo requests of an ACME user keep the sandbox's thread busy
    // with the runaway action (each one runs it until its timeout; the action is allowed to fail, so they succeed).
    const runawayToken = (await demoLogin('acme-owner')).access_token;
    const config = await demoConfig();
    const acmeOwner = await userId('acme-owner');
    const timeLogins = async (count: number) => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        await demoLogin('alice');
        times.push(performance.now() - started);
      }
      return times;
    };
    await timeLogins(3);
    const quiet = await timeLogins(20);
    let running = true;
    let runawayRuns = 0;
    const runaways = [0, 1, 2].map(async () => {
      while (running) {
        await client.fetchUserInfo(config, runawayToken, acmeOwner);
        runawayRuns += 1;
      }
    });
    const loaded = await timeLogins(20);
    running = false;
    await Promise.all(runaways);
    const summary = (times: number[]) => ({
      p50: Math.round(percentile(times, 50)),
      p99: Math.round(percentile(times, 99)),
    });
    t.diagnostic(`other logins, quiet: ${JSON.stringify(summary(quiet))} ms`);
    t.diagnostic(`other logins while ${runawayRuns} runaway actions ran: ${JSON.stringify(summary(loaded))} ms`);
    // Generous: the runaway loops run off the event loop at the lowest priority, but their requests are served too.
    assert.ok(percentile(loaded, 50) < 3 * percentile(quiet, 50) + 300, 'other logins are not held up');

    const strict = await call(server, admin, 'PUT', `${acme()}/actions/${spin.id}`, {
      name: 'runaway',
      script: 'function runaway(ctx, api) { while (true) {} }',
      allowedToFail: false,
    });
    assert.equal(strict.status, 200);
    await assert.rejects(demoLogin('acme-owner'), 'the token request fails with the action');
  });
});
