// The manager console driven without a browser: a person holding a manager role, signed in through the real login,
// and the console's pages read and its forms posted with the session's cookie and CSRF token.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import type { ManagerLevel } from '../../src/domain/rules/permissions.ts';
import { hashPassword } from '../../src/platform/passwords.ts';
import { IdentityProvider, Membership, Organization, User } from '../../src/store/models/index.ts';
import { CookieJar, openPage, submitLoginName, submitPassword } from './login.ts';
import { startOidcFixture, type OidcFixture } from './oidc.ts';

/** The test file's fixture: started before its tests (then `ready` takes it, e.g. to sign in), stopped after them. */
export function fixtureOfFile(ready: (fixture: OidcFixture) => unknown): void {
  let started: OidcFixture | undefined;
  before(async () => {
    started = await startOidcFixture();
    await ready(started);
  });
  after(() => started?.server.stop());
}

/** The fixture, ACME's id and ACME's owner signed in to the console: what most console test files start from. */
export async function withAcmeOwner(fixture: OidcFixture) {
  return { fixture, acme: fixture.orgs.ACME!, owner: await consoleClient(fixture, 'acme-owner@acme.localhost') };
}

/** `count` OIDC providers of `orgId` (null: the instance's) named `prefix 000`…, written directly; their ids. */
export async function insertIdps(
  fixture: OidcFixture,
  orgId: string | null,
  count: number,
  prefix: string,
  template: string | null = null,
): Promise<string[]> {
  const created = await IdentityProvider.insertMany(
    Array.from({ length: count }, (_, index) => ({
      instanceId: fixture.instanceId,
      orgId,
      type: 'oidc',
      template,
      name: `${prefix} ${String(index).padStart(3, '0')}`,
      settings: { issuer: 'https://sso.example.test', clientId: 'castellan', scopes: ['openid'] },
    })),
  );
  return created.map((idp) => idp._id);
}

export interface ConsoleClient {
  jar: CookieJar;
  csrf: string;
  get(path: string): Promise<{ status: number; html: string; url: string }>;
  /** Posts a form as the page would (the session's CSRF token, or `csrf`, first); a redirect is not followed. */
  post(
    path: string,
    fields: Array<[string, string]>,
    csrf?: string,
  ): Promise<{ status: number; html: string; location: string }>;
}

export interface ManagerMembership {
  level: ManagerLevel;
  resourceId: string;
  orgId: string;
  projectId?: string | null;
  role: string;
}

/** The membership of `role` on the instance, on the org `orgId` or on its project `projectId`. */
export function membershipOn(
  fixture: OidcFixture,
  level: 'instance' | 'org' | 'project',
  orgId: string,
  role: string,
  projectId: string | null = null,
): ManagerMembership {
  if (level === 'instance') return { level, resourceId: fixture.instanceId, orgId: fixture.instanceId, role };
  if (level === 'org') return { level, resourceId: orgId, orgId, role };
  return { level, resourceId: projectId!, orgId, projectId, role };
}

/** A person of `orgId` (demo password) holding `membership`; their id and login name. */
export async function managerOf(
  fixture: OidcFixture,
  username: string,
  orgId: string,
  membership: ManagerMembership,
): Promise<{ userId: string; loginName: string }> {
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
  const { role, ...where } = membership;
  await Membership.create({
    instanceId: fixture.instanceId,
    userId: user._id,
    projectId: null,
    ...where,
    roles: [role],
  });
  const org = await Organization.findById(orgId).lean();
  return { userId: user._id, loginName: `${username}@${org!.primaryDomain}` };
}

/** Signs `loginName` in to the console (demo password) and returns a client of its session. */
export async function consoleClient(fixture: OidcFixture, loginName: string): Promise<ConsoleClient> {
  const jar = new CookieJar();
  let flow = await openPage(jar, `${fixture.baseUrl}/ui/console/signin`);
  flow = await submitLoginName(flow, loginName);
  flow = await submitPassword(flow, DEMO_PASSWORD);
  assert.equal(flow.page?.url, `${fixture.baseUrl}/ui/console`, `${loginName} is signed in to the console`);
  const sessionCsrf = /name="csrf" value="([^"]+)"/.exec(flow.page.html)![1]!;
  return {
    jar,
    csrf: sessionCsrf,
    async get(path) {
      const page = (await openPage(jar, `${fixture.baseUrl}/ui/console${path}`)).page!;
      return { status: page.status, html: page.html, url: page.url };
    },
    async post(path, fields, csrf = sessionCsrf) {
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

/** A new manager (managerOf) signed in to the console. */
export async function signedInManager(
  fixture: OidcFixture,
  username: string,
  orgId: string,
  membership: ManagerMembership,
): Promise<ConsoleClient> {
  return consoleClient(fixture, (await managerOf(fixture, username, orgId, membership)).loginName);
}

/** The success message a page shows once after an action (http/console/flash.ts), or null. */
export function flashOf(html: string): string | null {
  return /<p class="notice success" role="status">([^<]*)<\/p>/.exec(html)?.[1] ?? null;
}

/** The previous or next link of the list labelled `label` (views/console/paging.njk), unescaped, or null. */
export function pagerLink(html: string, label: string, rel: 'prev' | 'next'): string | null {
  const nav = new RegExp(`<nav aria-label="${label} pages"[\\s\\S]*?</nav>`).exec(html)?.[0];
  return nav?.match(new RegExp(`<a href="([^"]+)" rel="${rel}">`))?.[1]?.replace(/&amp;/g, '&') ?? null;
}

/** Every id `pattern` captures over all the pages of one list, following its "next" links from `path`. */
export async function walkPages(
  client: ConsoleClient,
  path: string,
  label: string,
  pattern: RegExp,
): Promise<{ ids: Set<string>; pages: number }> {
  const ids = new Set<string>();
  let pages = 0;
  let next: string | null = path;
  while (next) {
    const page = await client.get(next);
    assert.equal(page.status, 200, next);
    pages++;
    for (const [, id] of page.html.matchAll(pattern)) ids.add(id!);
    const link = pagerLink(page.html, label, 'next');
    next = link && `${path.split('?')[0]}${link}`;
  }
  return { ids, pages };
}

/** A person of `orgId` holding ORG_OWNER_VIEWER there, signed in to the console: reads all, may change nothing. */
export function orgViewer(fixture: OidcFixture, username: string, orgId: string): Promise<ConsoleClient> {
  return signedInManager(fixture, username, orgId, membershipOn(fixture, 'org', orgId, 'ORG_OWNER_VIEWER'));
}

/** A person of `orgId` holding IAM_OWNER on the instance, signed in to the console. */
export function instanceOwner(fixture: OidcFixture, username: string, orgId: string): Promise<ConsoleClient> {
  return signedInManager(fixture, username, orgId, membershipOn(fixture, 'instance', orgId, 'IAM_OWNER'));
}

/** Forged posts (a control the page does not show): each is refused with 403. */
export async function assertForbidden(...posts: Array<Promise<{ status: number }>>): Promise<void> {
  const answers = await Promise.all(posts);
  assert.deepEqual(
    answers.map((answer) => answer.status),
    posts.map(() => 403),
    'every forged post is refused',
  );
}
