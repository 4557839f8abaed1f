// "Forgot password?" requests send email, so they are throttled per IP address and per login name (issue 16): every
// request counts, for a known and an unknown name alike, so the 429 tells nothing about the name; a refused request
// sends nothing.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { RateLimitHit } from '../../src/store/models/index.ts';
import { openPage, startLogin, submitForm } from '../helpers/login.ts';
import { demoLogin, orgWithUser } from '../helpers/mfa.ts';
import { withRateLimits } from '../helpers/rate-limits.ts';
import { startMailingServer, stopMailingServer } from '../helpers/mailing-server.ts';
import { type TestServer } from '../helpers/server.ts';
import { type TestSmtp } from '../helpers/smtp.ts';

let server: TestServer;
let admin: string;
let smtp: TestSmtp;

before(async () => {
  ({ server, admin, smtp } = await startMailingServer());
});
after(() => stopMailingServer({ server, admin, smtp }));

async function requestReset(loginName: string, orgId: string): Promise<number | undefined> {
  const flow = await submitForm(
    await startLogin(demoLogin(server, { scope: `openid urn:zitadel:iam:org:id:${orgId}` })),
    { loginName },
  );
  const link = /href="(\/ui\/login\/[^"]+\/password\/forgot)"/.exec(flow.page!.html)![1];
  const request = await openPage(flow.jar, `${server.url}${link}`);
  return (await submitForm(request, {})).page?.status;
}

const statusesOf = async (loginName: string, orgId: string, count: number) => {
  const statuses = [];
  for (let i = 0; i < count; i++) statuses.push(await requestReset(loginName, orgId));
  return statuses;
};

it('throttles requests per login name, known or not, with the same 429; a refused one sends nothing', async () => {
  const known = await orgWithUser(server, admin, { ignoreUnknownUsernames: true });
  const rules = { passwordResetRequestsPerLoginName: { max: 2, windowSeconds: 600 } };
  await withRateLimits(server.bootstrap.instanceId, rules, async () => {
    assert.deepEqual(await statusesOf(known.username, known.orgId, 3), [200, 200, 429]);
    assert.deepEqual(await statusesOf(`nobody-${known.username}`, known.orgId, 3), [200, 200, 429]);
  });
  await sleep(300);
  const resets = smtp
    .to(`${known.username}@example.com`)
    .filter((mail) => (mail.parsed.text ?? '').includes('/ui/login/password/reset'));
  assert.equal(resets.length, 2);
});

it('throttles requests per IP address', async () => {
  const user = await orgWithUser(server, admin, { ignoreUnknownUsernames: true });
  await RateLimitHit.deleteMany({ limit: 'passwordResetRequestsPerIp' });
  const rules = { passwordResetRequestsPerIp: { max: 2, windowSeconds: 600 } };
  await withRateLimits(server.bootstrap.instanceId, rules, async () => {
    assert.deepEqual(
      [
        await requestReset(`a-${user.username}`, user.orgId),
        await requestReset(`b-${user.username}`, user.orgId),
        await requestReset(`c-${user.username}`, user.orgId),
      ],
      [200, 200, 429],
    );
  });
});
