import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { pageText } from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
});
after(() => server.stop());

it('the start page says when the demo data is absent, and the demo login is not offered', async () => {
  const response = await fetch(`${server.url}/`);
  assert.equal(response.status, 200);
  const text = pageText(await response.text());
  assert.match(text, /demo data is not loaded/);
  assert.doesNotMatch(text, /Log in as a demo user/);
  assert.equal((await fetch(`${server.url}/demo/login`)).status, 404);
});
