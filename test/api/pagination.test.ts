import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

const COUNT = 5;
let server: TestServer;
let admin: string;
const lists: Record<string, { path: string; key: string }> = {};

async function created(path: string, body: unknown): Promise<string> {
  const response = await call(server, admin, 'POST', path, body);
  assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
  return (response.body.id ?? response.body.userId) as string;
}

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
  const vendor = await created('/orgs', { name: 'Vendor' });
  const customers: string[] = [];
  const projects: string[] = [];
  for (let index = 0; index < COUNT; index++) {
    customers.push(await created('/orgs', { name: `Customer ${index}` }));
    projects.push(await created(`/orgs/${vendor}/projects`, { name: `Project ${index}` }));
  }
  const [first = '', ...rest] = projects;
  for (let index = 0; index < COUNT; index++) {
    await created(`/projects/${first}/apps`, { type: 'api', name: `Api ${index}`, authMethod: 'basic' });
    await created(`/projects/${first}/grants`, { grantedOrgId: customers[index], roleKeys: [] });
  }
  // Customer 0 also receives the other projects: COUNT grants in all.
  for (const project of rest)
    await created(`/projects/${project}/grants`, { grantedOrgId: customers[0], roleKeys: [] });
  const grantOfFirst = (
    (await call(server, admin, 'GET', `/projects/${first}/grants`)).body.grants as Array<{ id: string }>
  )[0]!.id;
  const bot = await created(`/orgs/${vendor}/users/machine`, { username: 'token-holder', name: 'Holder' });
  for (let index = 0; index < COUNT; index++) {
    await created(`/users/${bot}/personal-access-tokens`, {});
    const member = await created(`/orgs/${vendor}/users/machine`, { username: `member-${index}`, name: 'Member' });
    await created(`/orgs/${vendor}/members`, { userId: member, roles: ['ORG_OWNER_VIEWER'] });
    await created(`/projects/${first}/members`, { userId: member, roles: ['PROJECT_OWNER_VIEWER'] });
    await created(`/projects/${first}/grants/${grantOfFirst}/members`, {
      userId: member,
      roles: ['PROJECT_GRANT_OWNER'],
    });
    await created('/instance/members', { userId: member, roles: ['IAM_OWNER_VIEWER'] });
  }
  Object.assign(lists, {
    projects: { path: `/orgs/${vendor}/projects`, key: 'projects' },
    grantedProjects: { path: `/orgs/${customers[0]}/granted-projects`, key: 'grants' },
    apps: { path: `/projects/${first}/apps`, key: 'apps' },
    projectGrants: { path: `/projects/${first}/grants`, key: 'grants' },
    personalAccessTokens: { path: `/users/${bot}/personal-access-tokens`, key: 'tokens' },
    orgMembers: { path: `/orgs/${vendor}/members`, key: 'members' },
    projectMembers: { path: `/projects/${first}/members`, key: 'members' },
    grantMembers: { path: `/projects/${first}/grants/${grantOfFirst}/members`, key: 'members' },
    instanceMembers: { path: '/instance/members', key: 'members' },
  });
});
after(() => server.stop());

async function ids(path: string, key: string): Promise<string[]> {
  const response = await call(server, admin, 'GET', path);
  assert.equal(response.status, 200, `${path}: ${JSON.stringify(response.body)}`);
  return (response.body[key] as Array<{ id?: string; userId?: string }>).map((item) => (item.id ?? item.userId)!);
}

it('every list pages with limit and offset: the pages add up to the whole list, in a stable order', async () => {
  for (const [name, { path, key }] of Object.entries(lists)) {
    const all = await ids(path, key);
    assert.ok(all.length >= COUNT, `${name}: ${all.length} items`);
    assert.equal(new Set(all).size, all.length, `${name}: no duplicates`);
    const paged: string[] = [];
    for (let offset = 0; offset < all.length + 2; offset += 2) {
      const page = await ids(`${path}?limit=2&offset=${offset}`, key);
      assert.ok(page.length <= 2, `${name}: a page holds at most the limit`);
      paged.push(...page);
    }
    assert.deepEqual(paged, all, name);
    assert.deepEqual(await ids(`${path}?offset=${all.length}`, key), [], `${name}: past the end is empty`);
  }
});

it('refuses bad paging parameters on every list with 400', async () => {
  for (const [name, { path }] of Object.entries(lists)) {
    for (const query of ['limit=0', 'limit=501', 'limit=two', 'offset=-1', 'offset=1.5', 'limit[$gt]=1', 'sort=name']) {
      const response = await call(server, admin, 'GET', `${path}?${query}`);
      assert.equal(response.status, 400, `${name}?${query}: ${JSON.stringify(response.body)}`);
      assert.match(response.contentType, /application\/problem\+json/);
    }
  }
});
