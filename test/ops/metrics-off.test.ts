// Without a configured metrics token, GET /metrics does not exist (one server per test process: a file of its own).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startTestServer } from '../helpers/server.ts';

it('GET /metrics answers 404 without a configured token, with or without a bearer token', async () => {
  const server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  try {
    assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer x' } })).status, 404);
  } finally {
    await server.stop();
  }
});
