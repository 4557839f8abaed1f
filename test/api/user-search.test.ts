// Issue 18: the management API's user search (ZITADEL's ListUsers queries) — each field and method, state and type,
// paging, regex metacharacters taken literally, and never another organization's users (seed 004).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { User } from '../../src/store/models/index.ts';
import { fillMissingSearchKeys } from '../../src/store/queries/user-search.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

let server: TestServer;
let admin: string;
let org: string;
let domain: string;
let other: string;
let ownerToken: string;

async function created(path: string, body: unknown, token = admin): Promise<string> {
  const response = await call(server, token, 'POST', path, body);
  assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

const person = (username: string, givenName: string, familyName: string, extra: object = {}) => ({
  username,
  email: `${username}@mail.example`,
  emailVerified: true,
  givenName,
  familyName,
  ...extra,
});

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
  org = await created('/orgs', { name: 'Searchers' });
  domain = (await call(server, admin, 'GET', `/orgs/${org}`)).body.primaryDomain as string;
  other = await created('/orgs', { name: 'Others' });
  await created(`/orgs/${org}/users/human`, person('alice.archer', 'Alice', 'Archer'));
  await created(`/orgs/${org}/users/human`, person('alina', 'Alina', 'Zimmer', { displayName: 'Ali (ops)' }));
  await created(`/orgs/${org}/users/human`, person('bob', 'Bob', 'Brown', { displayName: 'Bobby Tables.*' }));
  const carol = await created(`/orgs/${org}/users/human`, person('carol', 'Carol', 'Alison'));
  await call(server, admin, 'POST', `/users/${carol}/deactivate`);
  await created(`/orgs/${org}/users/machine`, { username: 'ali-bot', name: 'Ali Robot' });
  const owner = await created(`/orgs/${org}/users/machine`, { username: 'searcher-owner', name: 'Owner' });
  await created(`/orgs/${org}/members`, { userId: owner, roles: ['ORG_OWNER'] });
  ownerToken = (await call(server, admin, 'POST', `/users/${owner}/personal-access-tokens`, {})).body.token as string;
  // The same names in another org: a search of the first never shows them.
  await created(`/orgs/${other}/users/human`, person('alice.other', 'Alice', 'Archer'));
  await created(`/orgs/${other}/users/machine`, { username: 'ali-other-bot', name: 'Ali Robot' });
});
after(() => server.stop());

async function search(body: unknown, token: string | null = admin, orgId = org) {
  return call(server, token, 'POST', `/orgs/${orgId}/users/_search`, body);
}

async function usernames(queries: unknown[], extra: object = {}): Promise<string[]> {
  const response = await search({ queries, ...extra });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return (response.body.users as Array<{ username: string }>).map((user) => user.username).sort();
}

const text = (field: string, method: string, value: string) => ({ field, method, value });

describe('user search: text fields and methods', () => {
  it('userName: equals, starts with, contains, ends with; without case, as usernames are', async () => {
    assert.deepEqual(await usernames([text('userName', 'equals', 'bob')]), ['bob']);
    assert.deepEqual(await usernames([text('userName', 'equals', 'Bob')]), ['bob']);
    assert.deepEqual(await usernames([text('userName', 'equalsIgnoreCase', 'BOB')]), ['bob']);
    assert.deepEqual(await usernames([text('userName', 'startsWith', 'ali')]), ['ali-bot', 'alice.archer', 'alina']);
    assert.deepEqual(await usernames([text('userName', 'startsWithIgnoreCase', 'ALIC')]), ['alice.archer']);
    assert.deepEqual(await usernames([text('userName', 'contains', 'RO')]), ['carol']);
    assert.deepEqual(await usernames([text('userName', 'containsIgnoreCase', 'ARO')]), ['carol']);
    assert.deepEqual(await usernames([text('userName', 'endsWith', 'bot')]), ['ali-bot']);
  });

  it('loginName: username@primary-domain, matched across the @', async () => {
    assert.deepEqual(await usernames([text('loginName', 'equals', `bob@${domain}`)]), ['bob']);
    assert.deepEqual(await usernames([text('loginName', 'equals', 'bob')]), []);
    assert.deepEqual(await usernames([text('loginName', 'equals', `Bob@${domain}`)]), ['bob']);
    assert.deepEqual(await usernames([text('loginName', 'equalsIgnoreCase', `BOB@${domain.toUpperCase()}`)]), ['bob']);
    assert.deepEqual(await usernames([text('loginName', 'startsWith', `bob@${domain.slice(0, 3)}`)]), ['bob']);
    assert.deepEqual(await usernames([text('loginName', 'startsWith', 'car')]), ['carol']);
    assert.deepEqual(await usernames([text('loginName', 'containsIgnoreCase', 'ROL@')]), ['carol']);
    assert.deepEqual(await usernames([text('loginName', 'endsWith', `ina@${domain}`)]), ['alina']);
    const everyone = await usernames([text('loginName', 'endsWith', `@${domain}`)]);
    assert.equal(everyone.length, 6, 'every user of the org ends with its domain');
    assert.deepEqual(await usernames([text('loginName', 'contains', '@elsewhere.example')]), []);
  });

  it('displayName (a person’s or a machine’s name), email, firstName and lastName', async () => {
    assert.deepEqual(await usernames([text('displayName', 'startsWithIgnoreCase', 'ali')]), [
      'ali-bot',
      'alice.archer',
      'alina',
    ]);
    assert.deepEqual(await usernames([text('displayName', 'startsWith', 'Ali ')]), ['ali-bot', 'alina']);
    assert.deepEqual(await usernames([text('displayName', 'startsWith', 'ali ')]), [], 'case-sensitive');
    assert.deepEqual(await usernames([text('displayName', 'equals', 'Alice Archer')]), ['alice.archer']);
    assert.deepEqual(await usernames([text('displayName', 'containsIgnoreCase', 'ROBOT')]), ['ali-bot']);
    assert.deepEqual(await usernames([text('email', 'startsWithIgnoreCase', 'ALINA@')]), ['alina']);
    assert.equal((await usernames([text('email', 'endsWith', '@mail.example')])).length, 4);
    assert.deepEqual(await usernames([text('firstName', 'equalsIgnoreCase', 'carol')]), ['carol']);
    assert.deepEqual(await usernames([text('firstName', 'equals', 'carol')]), []);
    assert.deepEqual(await usernames([text('lastName', 'containsIgnoreCase', 'ali')]), ['carol']);
    assert.deepEqual(await usernames([text('lastName', 'endsWith', 'er')]), ['alice.archer', 'alina']);
  });

  it('a renamed user is found by the new name and no longer by the old one', async () => {
    const [bob] = (await search({ queries: [text('userName', 'equals', 'bob')] })).body.users as Array<{
      id: string;
    }>;
    const renamed = await call(server, admin, 'PATCH', `/users/${bob!.id}`, { familyName: 'Green' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.deepEqual(await usernames([text('lastName', 'equalsIgnoreCase', 'GREEN')]), ['bob']);
    assert.deepEqual(await usernames([text('lastName', 'equalsIgnoreCase', 'brown')]), []);
  });

  it('a user stored before the search keys existed is found by name once they are filled at start', async () => {
    const legacy = await User.create({
      instanceId: server.bootstrap.instanceId,
      orgId: org,
      type: 'human',
      username: 'legacy',
      human: { email: 'legacy@mail.example', givenName: 'Lena', familyName: 'Legacy', displayName: 'Lena Legacy' },
    });
    // As an older Castellan stored it: no search keys.
    await User.updateOne({ _id: legacy._id }, { $unset: { search: 1 } });
    assert.deepEqual(await usernames([text('lastName', 'equalsIgnoreCase', 'legacy')]), []);
    assert.ok((await fillMissingSearchKeys()) >= 1);
    assert.deepEqual(await usernames([text('lastName', 'equalsIgnoreCase', 'legacy')]), ['legacy']);
    assert.deepEqual(await usernames([text('displayName', 'startsWith', 'Lena L')]), ['legacy']);
    assert.equal(await fillMissingSearchKeys(), 0, 'nothing left to fill');
    await User.deleteOne({ _id: legacy._id });
  });

  it('regex metacharacters in a value are matched literally', async () => {
    assert.deepEqual(await usernames([text('displayName', 'contains', 'Tables.*')]), ['bob']);
    assert.deepEqual(await usernames([text('displayName', 'contains', '.*')]), ['bob']);
    assert.deepEqual(await usernames([text('displayName', 'containsIgnoreCase', '(ops)')]), ['alina']);
    for (const value of ['.*', '^', 'a|b', '[', '\\', '(?i)ALI', '$'])
      assert.deepEqual(await usernames([text('userName', 'containsIgnoreCase', value)]), [], value);
  });
});

describe('user search: state, type, combination, paging, validation', () => {
  it('state and type by equality; all queries must match', async () => {
    assert.deepEqual(await usernames([{ field: 'state', value: 'inactive' }]), ['carol']);
    assert.deepEqual(await usernames([{ field: 'type', value: 'machine' }]), ['ali-bot', 'searcher-owner']);
    assert.deepEqual(
      await usernames([{ field: 'type', value: 'human' }, text('displayName', 'startsWithIgnoreCase', 'ali')]),
      ['alice.archer', 'alina'],
    );
    assert.deepEqual(
      await usernames([{ field: 'state', value: 'active' }, text('lastName', 'containsIgnoreCase', 'ali')]),
      [],
    );
  });

  it('pages with limit and offset in a stable order', async () => {
    const all = (await search({ queries: [] })).body.users as Array<{ id: string }>;
    assert.equal(all.length, 6);
    const paged: string[] = [];
    for (let offset = 0; offset < all.length; offset += 4) {
      const page = (await search({ queries: [], limit: 4, offset })).body.users as Array<{ id: string }>;
      assert.ok(page.length <= 4);
      paged.push(...page.map((user) => user.id));
    }
    assert.deepEqual(
      paged,
      all.map((user) => user.id),
    );
  });

  it('refuses unknown fields and methods, an empty or over-long value, too many queries, operator objects', async () => {
    const refusals = [
      { queries: [text('nickName', 'equals', 'x')] },
      { queries: [text('userName', 'regex', 'x')] },
      { queries: [text('userName', 'equals', '')] },
      { queries: [text('userName', 'contains', 'x'.repeat(201))] },
      { queries: Array.from({ length: 11 }, () => text('userName', 'contains', 'a')) },
      { queries: [{ field: 'userName', method: 'equals', value: { $ne: null } }] },
      { queries: [{ field: 'state', value: 'deleted' }] },
      { queries: [], limit: 501 },
    ];
    for (const body of refusals) {
      const response = await search(body);
      assert.equal(response.status, 400, JSON.stringify(body));
    }
  });
});

describe('user search: only the organization’s own users', () => {
  it('never returns another org’s users, whatever the query', async () => {
    assert.deepEqual(await usernames([text('userName', 'startsWith', 'ali')]), ['ali-bot', 'alice.archer', 'alina']);
    assert.deepEqual(await usernames([text('loginName', 'containsIgnoreCase', 'other')]), []);
    assert.deepEqual(await usernames([text('displayName', 'equals', 'Ali Robot')]), ['ali-bot']);
  });

  it('an org’s owner searches its org, and the other org is not found for them (404, as if absent)', async () => {
    const own = await search({ queries: [text('userName', 'startsWith', 'ali')] }, ownerToken);
    assert.equal(own.status, 200);
    const elsewhere = await search({ queries: [text('userName', 'startsWith', 'ali')] }, ownerToken, other);
    assert.equal(elsewhere.status, 404);
    assert.equal((await search({ queries: [] }, null)).status, 401);
  });
});
