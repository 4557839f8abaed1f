// The SCIM Users endpoint over HTTP: SCIM's error format and content type, authorization decided per org, filters,
// sorting and paging, entity tags with If-Match, and externalId unique per org.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootstrapToken } from '../api/helpers.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { provisioningToken, scim } from './helpers.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let fixture: OidcFixture;
let manager: string;
let acme: string;
let alpha: string;

const newUser = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER],
  userName,
  name: { givenName: userName.split('.')[0], familyName: 'Tester' },
  emails: [{ value: `${userName}@example.org`, primary: true }],
  ...extra,
});

before(async () => {
  fixture = await startOidcFixture();
  acme = fixture.orgs.ACME!;
  alpha = fixture.orgs.Alpha!;
  manager = await provisioningToken(fixture.server, await bootstrapToken(fixture.server), acme, ['ORG_USER_MANAGER']);
});
after(() => fixture.server.stop());

const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>, orgId = acme) =>
  scim(fixture.server, manager, orgId, method, path, body, headers);

describe('errors and authorization', () => {
  it('answers in SCIM error format with application/scim+json, 401 without a token', async () => {
    const response = await scim(fixture.server, null, acme, 'GET', '/Users');
    assert.equal(response.status, 401);
    assert.match(response.headers.get('content-type') ?? '', /^application\/scim\+json/);
    assert.deepEqual(response.body.schemas, [ERROR]);
    assert.equal(response.body.status, '401');
  });

  it('an org the caller does not manage does not exist (404); read-only managers may not write (403)', async () => {
    const other = await call('GET', '/Users', undefined, {}, alpha);
    assert.equal(other.status, 404);
    assert.equal(other.body.status, '404');
    const owner = await bootstrapToken(fixture.server);
    const viewer = await provisioningToken(fixture.server, owner, acme, ['ORG_OWNER_VIEWER']);
    assert.equal((await scim(fixture.server, viewer, acme, 'GET', '/Users')).status, 200);
    const refused = await scim(fixture.server, viewer, acme, 'POST', '/Users', newUser('vera.viewer'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body.detail, 'missing permission user.write');
  });

  it("another org's user is invisible: 404 by id, absent from lists", async () => {
    const owner = await bootstrapToken(fixture.server);
    const created = await scim(fixture.server, owner, alpha, 'POST', '/Users', newUser('olga.other'));
    assert.equal(created.status, 201);
    assert.equal((await call('GET', `/Users/${created.body.id}`)).status, 404);
    assert.equal((await call('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [] })).status, 404);
    const listed = await call('GET', `/Users?filter=${encodeURIComponent('userName eq "olga.other"')}`);
    assert.equal(listed.body.totalResults, 0);
  });

  it('refuses a bad filter with 400 invalidFilter, an unknown attribute with invalidValue naming it', async () => {
    for (const filter of ['userName eq', 'title eq "x"', 'active gt true', `userName eq "${'x'.repeat(1001)}"`]) {
      const response = await call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(response.status, 400, filter);
      assert.equal(response.body.scimType, 'invalidFilter', filter);
    }
    const unreadable = await call('POST', '/Users', '{"userName": ');
    assert.equal(unreadable.status, 400);
    assert.equal(unreadable.body.scimType, 'invalidSyntax');
    const plainText = await call('POST', '/Users', 'x', { 'content-type': 'text/plain' });
    assert.equal(plainText.status, 415);
    const unknown = await call('POST', '/Users', newUser('tina.title', { title: 'Boss' }));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.scimType, 'invalidValue');
    assert.match(unknown.body.detail as string, /title/);
  });
});

describe('users', () => {
  it('filters with eq, co, sw, pr, and/or/not on the stored attributes; sorts and pages', async () => {
    for (const name of ['carol.sort', 'anna.sort', 'bert.sort'])
      assert.equal((await call('POST', '/Users', newUser(name, { externalId: `ext-${name}` }))).status, 201);
    const count = async (filter: string) =>
      (await call('GET', `/Users?filter=${encodeURIComponent(filter)}`)).body.totalResults;
    assert.equal(await count('userName sw "ANNA"'), 1);
    assert.equal(await count('emails co "sort@example" and active eq true'), 3);
    assert.equal(await count('emails[value ew ".org"] and userName co ".sort"'), 3);
    assert.equal(await count('name.givenName eq "BERT" or externalId eq "ext-carol.sort"'), 2);
    assert.equal(await count('externalId pr and userName co ".sort" and not (userName eq "anna.sort")'), 2);
    assert.equal(await count('meta.lastModified gt "2000-01-01T00:00:00Z" and userName co ".sort"'), 3);
    assert.equal(await count('meta.created lt "2000-01-01T00:00:00Z"'), 0);
    const page = await call(
      'GET',
      `/Users?filter=${encodeURIComponent('userName co ".sort"')}&sortBy=userName&sortOrder=descending&startIndex=2&count=1`,
    );
    assert.equal(page.body.totalResults, 3);
    assert.equal(page.body.startIndex, 2);
    assert.equal(page.body.itemsPerPage, 1);
    assert.deepEqual(
      (page.body.Resources as Array<{ userName: string }>).map((user) => user.userName),
      ['bert.sort'],
    );
    const searched = await call('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "anna"',
    });
    assert.equal(searched.body.totalResults, 1);
  });

  it('keeps externalId unique per org: 409 uniqueness in the same org, accepted in another', async () => {
    assert.equal((await call('POST', '/Users', newUser('ed.one', { externalId: 'dir-1' }))).status, 201);
    const taken = await call('POST', '/Users', newUser('ed.two', { externalId: 'dir-1' }));
    assert.equal(taken.status, 409);
    assert.equal(taken.body.scimType, 'uniqueness');
    assert.equal(
      (await call('GET', `/Users?filter=${encodeURIComponent('userName eq "ed.two"')}`)).body.totalResults,
      0,
    );
    const owner = await bootstrapToken(fixture.server);
    const elsewhere = await scim(
      fixture.server,
      owner,
      alpha,
      'POST',
      '/Users',
      newUser('ed.three', { externalId: 'dir-1' }),
    );
    assert.equal(elsewhere.status, 201);
  });

  it('ETags: If-Match with an old version is 412 and changes nothing; If-None-Match answers 304', async () => {
    const created = await call('POST', '/Users', newUser('eve.etag'));
    const version = created.headers.get('etag')!;
    assert.equal(version, (created.body.meta as { version: string }).version);
    const id = created.body.id as string;
    assert.equal((await call('GET', `/Users/${id}`, undefined, { 'if-none-match': version })).status, 304);
    const change = { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Eve E.' }] };
    const changed = await call('PATCH', `/Users/${id}`, change, { 'if-match': version });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), version);
    const stale = await call('PUT', `/Users/${id}`, newUser('eve.etag', { displayName: 'Stale' }), {
      'if-match': version,
    });
    assert.equal(stale.status, 412);
    assert.deepEqual(stale.body.schemas, [ERROR]);
    assert.equal((await call('GET', `/Users/${id}`)).body.displayName, 'Eve E.');
    assert.equal((await call('DELETE', `/Users/${id}`, undefined, { 'if-match': version })).status, 412);
    const deleted = await call('DELETE', `/Users/${id}`, undefined, { 'if-match': changed.headers.get('etag')! });
    assert.equal(deleted.status, 204);
    assert.equal((await call('GET', `/Users/${id}`)).status, 404);
  });

  it('replace sets every stored attribute; patching id is refused (mutability); active false deactivates', async () => {
    const id = (await call('POST', '/Users', newUser('rita.replace'))).body.id as string;
    const replaced = await call('PUT', `/Users/${id}`, {
      ...newUser('rita.replaced', { externalId: 'rita-1', preferredLanguage: 'de-CH' }),
      phoneNumbers: [{ value: '+41 44 000 00 00' }],
      active: false,
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.userName, 'rita.replaced');
    assert.equal(replaced.body.externalId, 'rita-1');
    assert.equal(replaced.body.preferredLanguage, 'de-CH');
    assert.equal(replaced.body.active, false);
    assert.deepEqual(replaced.body.emails, [{ value: 'rita.replaced@example.org', primary: true }]);
    const immutable = await call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'id', value: 'mine' }],
    });
    assert.equal(immutable.status, 400);
    assert.equal(immutable.body.scimType, 'mutability');
    const weak = await call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'password', value: 'short' }],
    });
    assert.equal(weak.status, 400);
    assert.match(weak.body.detail as string, /^password:/);
  });
});
