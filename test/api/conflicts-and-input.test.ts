import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { isDuplicateKeyError } from '../../src/store/queries/array-rewrite.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// Issue 13 item 7: a rename onto an existing name was a 500 on FerretDB (its update path reports the unique violation
// as code 1 InternalError, not 11000), and an empty metadata value was a 500 (a mongoose validation error).

let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
});
after(() => server.stop());

async function created(path: string, body: unknown): Promise<string> {
  const response = await call(server, admin, 'POST', path, body);
  assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

test('renaming an org, a user or a project onto an existing name is a 409, not a 500', async () => {
  const first = await created('/orgs', { name: 'Rename One' });
  const second = await created('/orgs', { name: 'Rename Two' });
  const renamedOrg = await call(server, admin, 'PATCH', `/orgs/${second}`, { name: 'Rename One' });
  assert.equal(renamedOrg.status, 409, JSON.stringify(renamedOrg.body));

  await created(`/orgs/${first}/users/machine`, { username: 'taken-bot', name: 'Taken' });
  const other = await created(`/orgs/${first}/users/machine`, { username: 'other-bot', name: 'Other' });
  const renamedUser = await call(server, admin, 'PATCH', `/users/${other}`, { username: 'taken-bot' });
  assert.equal(renamedUser.status, 409, JSON.stringify(renamedUser.body));

  await created(`/orgs/${first}/projects`, { name: 'Portal' });
  const project = await created(`/orgs/${first}/projects`, { name: 'Billing' });
  const renamedProject = await call(server, admin, 'PATCH', `/projects/${project}`, { name: 'Portal' });
  assert.equal(renamedProject.status, 409, JSON.stringify(renamedProject.body));

  // Nothing changed.
  assert.equal((await call(server, admin, 'GET', `/orgs/${second}`)).body.name, 'Rename Two');
  assert.equal((await call(server, admin, 'GET', `/users/${other}`)).body.username, 'other-bot');
  assert.equal((await call(server, admin, 'GET', `/projects/${project}`)).body.name, 'Billing');
});

test('an empty metadata value is a 400 naming the field, not a 500', async () => {
  const org = await created('/orgs', { name: 'Metadata Org' });
  const user = await created(`/orgs/${org}/users/machine`, { username: 'meta-bot', name: 'Meta' });
  const put = await call(server, admin, 'PUT', `/users/${user}/metadata/k`, { value: '' });
  assert.equal(put.status, 400, JSON.stringify(put.body));
  assert.match(String(put.body.detail), /value/);
  const create = await call(server, admin, 'POST', `/orgs/${org}/users/machine`, {
    username: 'meta-bot-2',
    name: 'Meta',
    metadata: { k: '' },
  });
  assert.ok(create.status === 400 || create.status === 201, JSON.stringify(create.body));
});

test('duplicate-key detection knows MongoDB and FerretDB (SQLite and PostgreSQL backends)', () => {
  assert.ok(isDuplicateKeyError({ code: 11000, message: 'E11000 duplicate key error' }));
  assert.ok(isDuplicateKeyError({ code: 11001, message: 'E11001 duplicate key on update' }));
  assert.ok(
    isDuplicateKeyError({
      code: 1,
      message: "[msg_update.go:133] constraint failed: UNIQUE constraint failed: index 'orgs_name_1' (2067)",
    }),
  );
  assert.ok(isDuplicateKeyError({ code: 1, message: 'ERROR: duplicate key value violates unique constraint (23505)' }));
  assert.ok(!isDuplicateKeyError({ code: 1, message: 'something else broke' }));
  assert.ok(!isDuplicateKeyError(new Error('UNIQUE constraint failed')));
  assert.ok(!isDuplicateKeyError(null));
});

test('every operation documents the error statuses it can answer', async () => {
  const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
  };
  for (const [path, methods] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(methods)) {
      const documented = Object.keys(operation.responses);
      const expected = ['400', '401', '403', '404', '429', '503'];
      if (method !== 'get') expected.push('409');
      if (operation.requestBody) expected.push('413', '415');
      for (const status of expected) assert.ok(documented.includes(status), `${method} ${path} documents ${status}`);
      assert.ok(!documented.includes('500'), `${method} ${path} does not plan a 500`);
    }
  // Statuses the API answers outside a handler: an oversized body, a wrong media type.
  const org = await created('/orgs', { name: 'Documented Statuses' });
  const huge = await call(server, admin, 'PATCH', `/orgs/${org}`, { name: 'x'.repeat(2_000_000) });
  assert.equal(huge.status, 413);
  const text = await call(server, admin, 'PATCH', `/orgs/${org}`, 'name=x', { 'content-type': 'text/plain' });
  assert.equal(text.status, 415);
});
