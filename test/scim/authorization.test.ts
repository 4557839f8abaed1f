// Every SCIM route and the permissions it is authorized with, decided on the path's org before the handler runs
// (http/scim/run.ts): 404 when the caller cannot see the org's users, 403 when it may see but not act.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Permissions } from '../../src/domain/rules/permissions.ts';
import { GRANTS_SCHEMA } from '../../src/domain/scim/protocol.ts';
import { scimRouteTable } from '../../src/http/scim/index.ts';
import { authorizeScim } from '../../src/http/scim/run.ts';
import type { OrgRecord } from '../../src/domain/commands/orgs.ts';

const grants = { [GRANTS_SCHEMA]: { grants: [] } };
const patchGrants = { Operations: [{ op: 'add', path: `${GRANTS_SCHEMA}:grants`, value: [] }] };

describe('SCIM route authorization', () => {
  it('lists every route with its permissions (with and without the grants extension)', () => {
    const table = scimRouteTable().map((route) => {
      const plain = route.permissions({ body: {} }).join(' ');
      const withGrants = route.permissions({ body: route.method === 'patch' ? patchGrants : grants }).join(' ');
      return `${route.method.toUpperCase()} ${route.path}: ${plain}${withGrants !== plain ? ` | ${withGrants}` : ''}`;
    });
    assert.deepEqual(table, [
      'GET /ServiceProviderConfig: user.read',
      'GET /ResourceTypes: user.read',
      'GET /ResourceTypes/:id: user.read',
      'GET /Schemas: user.read',
      'GET /Schemas/:id: user.read',
      'GET /Users: user.read',
      'POST /Users/.search: user.read',
      'POST /Users: user.write | user.write user.grant.write',
      'GET /Users/:id: user.read',
      'PUT /Users/:id: user.write | user.write user.grant.write',
      'PATCH /Users/:id: user.write | user.write user.grant.write',
      'DELETE /Users/:id: user.delete',
      'GET /Groups: user.grant.read',
      'GET /Groups/:id: user.grant.read',
      'PATCH /Groups/:id: user.grant.write',
      'PUT /Groups/:id: user.grant.write',
      'POST /Groups: user.grant.write',
      'DELETE /Groups/:id: user.grant.write',
      // Each operation of a Bulk request is authorized as its own request.
      'POST /Bulk: user.read',
    ]);
  });

  it('decides on the org: 404 unseen, 403 without user.grant.write for the extension, allowed otherwise', () => {
    const on = (org: string, ...held: string[]): Permissions => ({
      instance: new Set(),
      orgs: new Map([[org, new Set(held)]]),
      projects: new Map(),
      grants: new Map(),
    });
    const create = scimRouteTable().find((route) => route.method === 'post' && route.path === '/Users')!;
    const org = { _id: 'o1' } as OrgRecord;
    const request = (permissions: Permissions, body: unknown) => ({
      org,
      body,
      caller: { userId: 'm', orgId: 'o1', permissions },
    });
    assert.throws(() => authorizeScim(create, request(on('o2', 'user.write'), {})), /No such resource/);
    assert.throws(() => authorizeScim(create, request(on('o1', 'user.read'), {})), /missing permission user.write/);
    const writer = on('o1', 'user.read', 'user.write');
    assert.doesNotThrow(() => authorizeScim(create, request(writer, {})));
    assert.throws(() => authorizeScim(create, request(writer, grants)), /missing permission user.grant.write/);
  });
});
