// The manager console driven without a browser: a person holding a manager role, signed in through the real login,
// and the console's pages read and its forms posted with the session's cookie and CSRF token.
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import type { ManagerLevel } from '../../src/domain/rules/permissions.ts';
import { hashPassword } from '../../src/platform/passwords.ts';
import { Membership, User } from '../../src/store/models/index.ts';
import { CookieJar, openPage, submitLoginName, submitPassword } from './login.ts';
import type { OidcFixture } from './oidc.ts';

export interface ConsoleClient {
  csrf: string;
  get(path: string): Promise<{ status: number; html: string; url: string }>;
  /** Posts a form as the page would (the CSRF token first); a redirect is not followed. */
  post(path: string, fields: Array<[string, string]>): Promise<{ status: number; html: string; location: string }>;
}

/** A person of `orgId` holding `role` on a resource (level `org`, `project`, … with the resource's ids). */
export async function managerOf(
  fixture: OidcFixture,
  username: string,
  orgId: string,
  membership: { level: ManagerLevel; resourceId: string; orgId: string; projectId?: string | null; role: string },
): Promise<string> {
  const domain = `${username}.test`;
  const user = await User.create({
    instanceId: fixture.instanceId,
    orgId,
    type: 'human',
    username,
    human: {
      email: `${username}@${domain}`,
      emailVerified: true,
      givenName: username,
      familyName: 'Manager',
      passwordHash: await hashPassword(DEMO_PASSWORD),
    },
  });
  const { role, ...where } = membership;
  await Membership.create({
    instanceId: fixture.instanceId,
    userId: user._id,
    projectId: null,
    ...where,
    roles: [role],
  });
  return user._id;
}

/** Signs `loginName` in to the console (demo password) and returns a client of its session. */
export async function consoleClient(fixture: OidcFixture, loginName: string): Promise<ConsoleClient> {
  const jar = new CookieJar();
  let flow = await openPage(jar, `${fixture.baseUrl}/ui/console/signin`);
  flow = await submitLoginName(flow, loginName);
  flow = await submitPassword(flow, DEMO_PASSWORD);
  assert.equal(flow.page?.url, `${fixture.baseUrl}/ui/console`, `${loginName} is signed in to the console`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(flow.page.html)![1]!;
  return {
    csrf,
    async get(path) {
      const page = (await openPage(jar, `${fixture.baseUrl}/ui/console${path}`)).page!;
      return { status: page.status, html: page.html, url: page.url };
    },
    async post(path, fields) {
      const url = new URL(`${fixture.baseUrl}/ui/console${path}`);
      const response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(url), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([['csrf', csrf], ...fields]).toString(),
      });
      jar.store(response);
      return { status: response.status, html: await response.text(), location: response.headers.get('location') ?? '' };
    },
  };
}
