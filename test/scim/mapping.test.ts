// The SCIM mapping as plain functions, without HTTP or a database: reading a User body, its representation and
// version, filters as database queries, sorting and paging, patches, the grants plan and the groups.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.ts';
import { pageOf, resourceFilterOf, userQueryOf, userSortOf } from '../../src/domain/scim/filter.ts';
import { planGrants } from '../../src/domain/scim/grants.ts';
import { memberIdsOf, membershipChange, parseGroupId, groupIdOf } from '../../src/domain/scim/groups.ts';
import { applyPatch, carriesGrants, patchTouchesGrants } from '../../src/domain/scim/patch.ts';
import { GRANTS_SCHEMA, USER_SCHEMA } from '../../src/domain/scim/protocol.ts';
import { readScimUser, toScimUser, type UserFacts } from '../../src/domain/scim/users.ts';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const body = (extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName: 'Jane.Doe',
  name: { givenName: 'Jane', familyName: 'Doe' },
  emails: [{ value: 'Jane@Example.org', type: 'work', primary: true }],
  ...extra,
});
const scimTypeOf = (action: () => unknown) => {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return error.detail.scimType;
  }
  return assert.fail('no error');
};

describe('reading a User', () => {
  it('lower-cases userName and email, ignores read-only attributes, takes attribute names case-insensitively', () => {
    const { userName, ...rest } = body();
    const read = readScimUser({ ...rest, USERNAME: userName, id: 'x', meta: {}, Active: false, DisplayName: 'J' });
    assert.equal(read.userName, 'jane.doe');
    assert.equal(read.email, 'jane@example.org');
    assert.equal(read.active, false);
    assert.equal(read.displayName, 'J');
    assert.equal(read.grants, undefined, 'no extension: the grants stay');
  });

  it('refuses what Castellan does not store, naming it, and requires one email', () => {
    assert.equal(
      scimTypeOf(() => readScimUser(body({ title: 'Boss' }))),
      'invalidValue',
    );
    assert.throws(() => readScimUser(body({ nickName: 'J' })), /nickName/);
    assert.throws(() => readScimUser(body({ emails: [] })), /email address is required/);
    assert.throws(() => readScimUser(body({ emails: [{ value: 'a@b.c' }, { value: 'd@e.f' }] })), /emails/);
    assert.equal(
      scimTypeOf(() => readScimUser([])),
      'invalidSyntax',
    );
  });

  it('reads the grants extension, one entry per project, roles deduplicated', () => {
    const grants = [{ projectId: 'p', roles: ['b', 'a', 'b'] }];
    assert.deepEqual(readScimUser(body({ [GRANTS_SCHEMA]: { grants } })).grants, [
      { projectId: 'p', roles: ['a', 'b'] },
    ]);
    assert.deepEqual(readScimUser(body({ [GRANTS_SCHEMA]: {} })).grants, []);
    const twice = { grants: [...grants, { projectId: 'p', roles: [] }] };
    assert.throws(() => readScimUser(body({ [GRANTS_SCHEMA]: twice })), /one entry per project/);
  });
});

describe('the User representation', () => {
  const facts: UserFacts = {
    _id: 'u1',
    username: 'jane.doe',
    externalId: 'ext',
    state: 'locked',
    human: { email: 'jane@example.org', givenName: 'Jane', familyName: 'Doe', phone: '+41' },
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-02T00:00:00Z'),
  };

  it('shows the stored attributes and the grants, a locked user as inactive, with a version that follows changes', () => {
    const resource = toScimUser(facts, [{ projectId: 'p', roles: ['b', 'a'] }], 'https://id.test/scim/v2/o/Users/u1');
    assert.equal(resource.active, false);
    assert.equal(resource.displayName, 'Jane Doe');
    assert.deepEqual(resource.phoneNumbers, [{ value: '+41', primary: true }]);
    assert.deepEqual(resource[GRANTS_SCHEMA], { grants: [{ projectId: 'p', roles: ['a', 'b'] }] });
    const meta = resource.meta as Record<string, string>;
    assert.equal(meta.location, 'https://id.test/scim/v2/o/Users/u1');
    assert.match(meta.version!, /^W\/"[\w-]{22}"$/);
    const same = toScimUser(facts, [{ projectId: 'p', roles: ['a', 'b'] }], meta.location!);
    assert.equal((same.meta as Record<string, string>).version, meta.version);
    const regranted = toScimUser(facts, [{ projectId: 'p', roles: ['a'] }], meta.location!);
    assert.notEqual((regranted.meta as Record<string, string>).version, meta.version);
    assert.deepEqual(readScimUser(resource).grants, [{ projectId: 'p', roles: ['a', 'b'] }], 'round trip');
  });
});

describe('filters, sorting and paging', () => {
  it('translates comparisons to the stored fields, lower-casing case-insensitive stored values', () => {
    assert.deepEqual(userQueryOf('userName eq "Jane"'), { username: 'jane' });
    assert.deepEqual(userQueryOf('emails co "A.B"'), { 'human.email': { $regex: 'a\\.b' } });
    assert.deepEqual(userQueryOf('name.familyName sw "D"'), { 'human.familyName': { $regex: '^D', $options: 'i' } });
    assert.deepEqual(userQueryOf('externalId pr'), { externalId: { $exists: true, $nin: [null, ''] } });
    assert.deepEqual(userQueryOf('active eq false'), { state: { $ne: 'active' } });
    assert.deepEqual(userQueryOf('not (active ne true)'), { $nor: [{ state: { $ne: 'active' } }] });
    assert.deepEqual(userQueryOf('meta.lastModified ge "2026-01-01T00:00:00Z"'), {
      updatedAt: { $gte: new Date('2026-01-01T00:00:00Z') },
    });
    assert.deepEqual(userQueryOf('id eq "a" or emails[value ew ".org"]'), {
      $or: [{ _id: 'a' }, { 'human.email': { $regex: '\\.org$' } }],
    });
    assert.deepEqual(userQueryOf(undefined), {});
  });

  it('refuses with invalidFilter what it cannot evaluate', () => {
    for (const filter of ['userName eq', 'password eq "x"', 'userName gt "a"', 'meta.created eq "soon"', 'active eq 1'])
      assert.equal(
        scimTypeOf(() => userQueryOf(filter)),
        'invalidFilter',
        filter,
      );
    assert.equal(
      scimTypeOf(() => userQueryOf(`userName eq "${'x'.repeat(1000)}"`)),
      'invalidFilter',
    );
  });

  it('sorts by known attributes with the id as tie-breaker, pages from a 1-based startIndex, at most 100', () => {
    assert.deepEqual(userSortOf('name.givenName', 'descending'), { 'human.givenName': -1, _id: -1 });
    assert.deepEqual(userSortOf(undefined, undefined), { _id: 1 });
    assert.equal(
      scimTypeOf(() => userSortOf('password', undefined)),
      'invalidValue',
    );
    assert.deepEqual(pageOf('0', '500'), { skip: 0, limit: 100 });
    assert.deepEqual(pageOf('11', '-3'), { skip: 10, limit: 0 });
    assert.equal(
      scimTypeOf(() => pageOf('x', undefined)),
      'invalidValue',
    );
    assert.equal(resourceFilterOf('displayName sw "P"')({ displayName: 'Project: a' }), true);
  });
});

describe('patches', () => {
  const resource = { schemas: [USER_SCHEMA], id: 'u', userName: 'a', active: true, [GRANTS_SCHEMA]: { grants: [] } };

  it('applies RFC 7644 operations (names case-insensitive) without changing the input', () => {
    const patched = applyPatch(resource, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'active', value: false },
        { op: 'add', path: `${GRANTS_SCHEMA}:grants`, value: [{ projectId: 'p', roles: ['r'] }] },
      ],
    });
    assert.equal(patched.active, false);
    assert.deepEqual(patched[GRANTS_SCHEMA], { grants: [{ projectId: 'p', roles: ['r'] }] });
    assert.equal(resource.active, true);
  });

  it('refuses server-assigned attributes (mutability), bad paths and a body without Operations', () => {
    const patch = (Operations: unknown) => () => applyPatch(resource, { schemas: [PATCH], Operations });
    assert.equal(scimTypeOf(patch([{ op: 'replace', path: 'meta.created', value: 'x' }])), 'mutability');
    assert.equal(scimTypeOf(patch([{ op: 'remove', path: 'emails[' }])), 'invalidPath');
    assert.equal(scimTypeOf(patch(undefined)), 'invalidSyntax');
  });

  it('tells whether a body or a patch carries the grants extension (it needs user.grant.write too)', () => {
    assert.equal(carriesGrants({ [GRANTS_SCHEMA.toUpperCase()]: {} }), true);
    assert.equal(carriesGrants(body()), false);
    const op = (path: string | undefined, value?: unknown) => ({
      schemas: [PATCH],
      Operations: [{ op: 'add', path, value }],
    });
    assert.equal(patchTouchesGrants(op(`${GRANTS_SCHEMA}:grants[projectId eq "p"].roles`)), true);
    assert.equal(patchTouchesGrants(op(undefined, { [GRANTS_SCHEMA]: { grants: [] } })), true);
    assert.equal(patchTouchesGrants(op('displayName', 'x')), false);
  });
});

describe('grants plan and groups', () => {
  it('creates, changes and removes exactly what differs', () => {
    const existing = [
      { _id: 'g1', projectId: 'p1', roleKeys: ['a', 'b'] },
      { _id: 'g2', projectId: 'p2', roleKeys: ['a'] },
      { _id: 'g3', projectId: 'p3', roleKeys: ['x'] },
    ];
    const plan = planGrants(existing, [
      { projectId: 'p1', roles: ['b', 'a'] },
      { projectId: 'p2', roles: ['c'] },
      { projectId: 'p4', roles: ['d'] },
    ]);
    assert.deepEqual(plan.create, [{ projectId: 'p4', roles: ['d'] }]);
    assert.deepEqual(plan.change, [{ grant: existing[1], roles: ['c'] }]);
    assert.deepEqual(plan.remove, [existing[2]]);
  });

  it('names a group projectId:roleKey and reads its members', () => {
    assert.equal(groupIdOf({ projectId: 'p', roleKey: 'a:b' }), 'p:a:b');
    assert.deepEqual(parseGroupId('p:a:b'), { projectId: 'p', roleKey: 'a:b' });
    assert.equal(parseGroupId('nocolon'), null);
    assert.deepEqual(memberIdsOf({ members: [{ value: 'u1' }, { value: 'u1' }, { value: 'u2' }] }), ['u1', 'u2']);
    assert.throws(() => memberIdsOf({ members: [{ display: 'x' }] }), /members.value/);
    assert.deepEqual(membershipChange(['u1', 'u2'], ['u2', 'u3']), { add: ['u3'], remove: ['u1'] });
  });
});
