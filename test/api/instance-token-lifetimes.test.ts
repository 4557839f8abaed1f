// IAM owners change the instance's default token lifetimes through the management API; the next token has them
// (the provider is rebuilt with them), and a value out of range is a 400 naming the field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

const CLIENT_ID = 'lifetimes-automation';
const CLIENT_SECRET = 'lifetimes-automation-secret-0123456789';

let server: TestServer;
let token: string;

before(async () => {
  server = await startTestServer({
    CASTELLAN_DEMO: 'false',
    CASTELLAN_BOOTSTRAP_CLIENT_ID: CLIENT_ID,
    CASTELLAN_BOOTSTRAP_CLIENT_SECRET: CLIENT_SECRET,
  });
  token = await bootstrapToken(server);
});
after(() => server.stop());

async function accessTokenLifetime(): Promise<number> {
  const response = await fetch(`${server.url}/oauth/v2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { expires_in: number }).expires_in;
}

describe('instance token lifetimes', () => {
  it('reads and changes them; the next token lives as long as the new setting says', async () => {
    const read = await call(server, token, 'GET', '/instance/token-lifetimes');
    assert.equal(read.status, 200);
    assert.equal(read.body.accessTokenSeconds, server.config.tokenLifetimes.accessTokenSeconds);
    assert.equal(await accessTokenLifetime(), server.config.tokenLifetimes.accessTokenSeconds);

    const changed = await call(server, token, 'PATCH', '/instance/token-lifetimes', { accessTokenSeconds: 900 });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.accessTokenSeconds, 900);
    assert.equal(changed.body.idTokenSeconds, server.config.tokenLifetimes.idTokenSeconds);
    assert.equal(await accessTokenLifetime(), 900);
  });

  it('refuses a lifetime out of range or an unknown field (400 naming it)', async () => {
    for (const [body, field] of [
      [{ accessTokenSeconds: 10 }, 'accessTokenSeconds'],
      [{ sessionSeconds: 600 }, '(body)'],
    ] as const) {
      const answer = await call(server, token, 'PATCH', '/instance/token-lifetimes', body);
      assert.equal(answer.status, 400);
      assert.ok((answer.body.errors as Array<{ field: string }>).some((error) => error.field === field));
    }
  });
});
