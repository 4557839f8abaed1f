import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// Lists a caller sees only in part are filtered in the query and paged afterwards: with more visible and hidden
// items than a page holds, interleaved, every page but the last is full and the pages add up to exactly what the
// caller may see.

const COUNT = 7;
const LIMIT = 2;
let server: TestServer;
let admin: string;
let vendor: string;
let customer: string;
let portal: string;
let portalGrant: string;
const callers: Record<'projectViewer' | 'grantViewer' | 'orgViewer', string> = {
  projectViewer: '',
  grantViewer: '',
  orgViewer: '',
};
const visibleOrgs: string[] = [];

async function created(path: string, body: unknown): Promise<string> {
  const response = await call(server, admin, 'POST', path, body);
  assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/** A machine user of the vendor made a manager at `membersPath`, with a personal access token. */
async function manager(name: string, membersPath: string, role: string): Promise<{ userId: string; token: string }> {
  const userId = await created(`/orgs/${vendor}/users/machine`, { username: name, name });
  assert.equal((await call(server, admin, 'POST', membersPath, { userId, roles: [role] })).status, 201);
  const token = (await call(server, admin, 'POST', `/users/${userId}/personal-access-tokens`, {})).body.token as string;
  return { userId, token };
}

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
  vendor = await created('/orgs', { name: 'Vendor' });
  customer = await created('/orgs', { name: 'Customer' });
  portal = await created(`/orgs/${vendor}/projects`, { name: 'Portal' });
  const billing = await created(`/orgs/${vendor}/projects`, { name: 'Billing' });
  const own = await created(`/orgs/${customer}/projects`, { name: 'Own' });
  for (const project of [portal, billing, own])
    await created(`/projects/${project}/roles`, { key: 'reader', displayName: 'Reader' });
  portalGrant = await created(`/projects/${portal}/grants`, { grantedOrgId: customer, roleKeys: ['reader'] });
  // Interleaved: each visible user grant is followed by hidden ones, in both granting orgs.
  for (let index = 0; index < COUNT; index++) {
    const userId = await created(`/orgs/${customer}/users/machine`, { username: `member-${index}`, name: 'Member' });
    for (const [orgId, projectId] of [
      [vendor, portal],
      [vendor, billing],
      [customer, portal],
      [customer, own],
    ])
      await created(`/orgs/${orgId}/user-grants`, { userId, projectId, roleKeys: ['reader'] });
  }
  callers.projectViewer = (await manager('portal-viewer', `/projects/${portal}/members`, 'PROJECT_OWNER_VIEWER')).token;
  const grantMembers = `/projects/${portal}/grants/${portalGrant}/members`;
  callers.grantViewer = (await manager('grant-viewer', grantMembers, 'PROJECT_GRANT_OWNER_VIEWER')).token;
  const orgViewer = await manager('org-viewer', `/orgs/${vendor}/members`, 'ORG_OWNER_VIEWER');
  callers.orgViewer = orgViewer.token;
  visibleOrgs.push(vendor);
  for (let index = 0; index < COUNT * 2; index++) {
    const orgId = await created('/orgs', { name: `Org ${index}` });
    if (index % 2) continue;
    visibleOrgs.push(orgId);
    assert.equal(
      (
        await call(server, admin, 'POST', `/orgs/${orgId}/members`, {
          userId: orgViewer.userId,
          roles: ['ORG_OWNER_VIEWER'],
        })
      ).status,
      201,
    );
  }
});
after(() => server.stop());

type Item = { id: string; projectId?: string; projectGrantId?: string | null };

async function list(token: string, path: string, key: string): Promise<Item[]> {
  const response = await call(server, token, 'GET', path);
  assert.equal(response.status, 200, `${path}: ${JSON.stringify(response.body)}`);
  return response.body[key] as Item[];
}

/** Pages through `path` with a small limit: all pages but the last are full, and together they are `expected`. */
async function assertPages(token: string, path: string, key: string, expected: string[]): Promise<void> {
  assert.ok(expected.length > LIMIT * 2, `${path}: ${expected.length} visible items`);
  const pages: string[][] = [];
  for (let offset = 0; ; offset += LIMIT) {
    const separator = path.includes('?') ? '&' : '?';
    const page = await list(token, `${path}${separator}limit=${LIMIT}&offset=${offset}`, key);
    pages.push(page.map((item) => item.id));
    if (page.length < LIMIT) break;
  }
  for (const page of pages.slice(0, -1)) assert.equal(page.length, LIMIT, `${path}: a full page`);
  assert.deepEqual(pages.flat(), expected, path);
}

it("a project's manager pages through the org's user grants on that project only, in full pages", async () => {
  const all = await list(admin, `/orgs/${vendor}/user-grants?limit=500`, 'userGrants');
  const expected = all.filter((grant) => grant.projectId === portal && !grant.projectGrantId).map((grant) => grant.id);
  assert.equal(expected.length, COUNT);
  assert.ok(all.length >= COUNT * 2, 'hidden user grants are interleaved');
  await assertPages(callers.projectViewer, `/orgs/${vendor}/user-grants`, 'userGrants', expected);
  // Its view of the customer's list: nothing made through the grant is its to see (ZITADEL CVE-2022-36051).
  assert.equal((await call(server, callers.projectViewer, 'GET', `/orgs/${customer}/user-grants`)).status, 404);
});

it("a project grant's manager pages through the user grants made through that grant only", async () => {
  const all = await list(admin, `/orgs/${customer}/user-grants?limit=500`, 'userGrants');
  const expected = all.filter((grant) => grant.projectGrantId === portalGrant).map((grant) => grant.id);
  assert.equal(expected.length, COUNT);
  await assertPages(callers.grantViewer, `/orgs/${customer}/user-grants`, 'userGrants', expected);
  const filtered = await list(callers.grantViewer, `/orgs/${customer}/user-grants?projectId=${portal}`, 'userGrants');
  assert.deepEqual(
    filtered.map((grant) => grant.id),
    expected,
  );
  assert.deepEqual(await list(callers.grantViewer, `/orgs/${customer}/user-grants?offset=${COUNT}`, 'userGrants'), []);
  assert.equal((await call(server, callers.grantViewer, 'GET', `/orgs/${vendor}/user-grants`)).status, 404);
});

it('an org viewer pages through the orgs it may read only, in full pages', async () => {
  const all = await list(admin, '/orgs?limit=500', 'orgs');
  const expected = all.filter((org) => visibleOrgs.includes(org.id)).map((org) => org.id);
  assert.equal(expected.length, visibleOrgs.length);
  await assertPages(callers.orgViewer, '/orgs', 'orgs', expected);
  assert.deepEqual(await list(callers.projectViewer, '/orgs', 'orgs'), []);
});
