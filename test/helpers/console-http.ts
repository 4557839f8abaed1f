// Driving the manager console over plain HTTP (no browser): managers made with the models, a session through the real
// login, and the console's pages read and its forms posted as a browser sends them.
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { hashPassword } from '../../src/platform/passwords.ts';
import { Membership, Organization, User } from '../../src/store/models/index.ts';
import { CookieJar, openPage, submitLoginName, submitPassword } from './login.ts';
import type { OidcFixture } from './oidc.ts';

export interface ConsoleVisitor {
  jar: CookieJar;
  csrf: string;
  get(path: string): Promise<{ status: number; html: string }>;
  post(path: string, fields: Array<[string, string]>): Promise<{ status: number; html: string }>;
}

/** A person of `orgId` holding `role` on the org, the instance or one of the org's projects; their login name. */
export async function managerOf(
  fixture: OidcFixture,
  orgId: string,
  username: string,
  level: 'org' | 'instance' | 'project',
  role: string,
  projectId: string | null = null,
): Promise<string> {
  const user = await User.create({
    instanceId: fixture.instanceId,
    orgId,
    type: 'human',
    username,
    human: {
      email: `${username}@example.com`,
      emailVerified: true,
      givenName: username,
      familyName: 'Manager',
      passwordHash: await hashPassword(DEMO_PASSWORD),
    },
  });
  const resource = {
    instance: { resourceId: fixture.instanceId, orgId: fixture.instanceId, projectId: null },
    org: { resourceId: orgId, orgId, projectId: null },
    project: { resourceId: projectId!, orgId, projectId },
  }[level];
  await Membership.create({ instanceId: fixture.instanceId, userId: user._id, level, ...resource, roles: [role] });
  const org = await Organization.findById(orgId).lean();
  return `${username}@${org!.primaryDomain}`;
}

/** A console session of `loginName` (demo password), signed in through the instance's own login. */
export async function consoleVisitor(fixture: OidcFixture, loginName: string): Promise<ConsoleVisitor> {
  const jar = new CookieJar();
  let flow = await openPage(jar, `${fixture.baseUrl}/ui/console/signin`);
  flow = await submitLoginName(flow, loginName);
  flow = await submitPassword(flow, DEMO_PASSWORD);
  assert.equal(flow.page?.url, `${fixture.baseUrl}/ui/console`, `${loginName} is signed in`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(flow.page.html)![1]!;
  const url = (path: string) => new URL(`${fixture.baseUrl}/ui/console${path}`);
  return {
    jar,
    csrf,
    async get(path) {
      const response = await fetch(url(path), { redirect: 'manual', headers: { cookie: jar.header(url(path)) } });
      return { status: response.status, html: await response.text() };
    },
    async post(path, fields) {
      const response = await fetch(url(path), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(url(path)), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([['csrf', csrf], ...fields]).toString(),
      });
      return { status: response.status, html: await response.text() };
    },
  };
}

/** The `srcdoc` of the page's preview iframe, unescaped (the login page it shows). */
export function previewOf(html: string): string {
  const srcdoc = /<iframe[^>]*\ssrcdoc="([^"]*)"/.exec(html)?.[1] ?? '';
  return srcdoc
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
