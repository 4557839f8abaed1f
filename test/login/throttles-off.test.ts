// An instance may switch a throttle off (`max` 0, src/platform/rate-limit-config.ts): with both of the password step's
// throttles off, that step counts nothing, and wrong and right passwords are answered as ever.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { LOGIN_MESSAGES } from '../../src/domain/rules/login-checks.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { pageText, redeemCode, startLogin, submitLoginName, submitPassword } from '../helpers/login.ts';
import { withRateLimits } from '../helpers/rate-limits.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

describe('the password step with both of its throttles off', () => {
  it('answers a wrong password, then logs in with the right one', async () => {
    const off = {
      passwordFailuresPerLoginName: { max: 0, windowSeconds: 300 },
      passwordFailuresPerIp: { max: 0, windowSeconds: 300 },
    };
    await withRateLimits(server.bootstrap.instanceId, off, async () => {
      const flow = await submitLoginName(await startLogin(demoLogin(server)), 'alice');
      const wrong = await submitPassword(flow, 'not the password');
      assert.ok(pageText(wrong.page!.html).includes(LOGIN_MESSAGES.passwordInvalid));
      const tokens = await redeemCode(await submitPassword(flow, DEMO_PASSWORD));
      assert.ok(tokens.id_token);
    });
  });
});
