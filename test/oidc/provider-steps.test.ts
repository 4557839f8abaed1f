// src/oidc/provider-steps.ts on the library alone (test/helpers/bare-provider.ts): the steps Castellan puts in front
// of the provider's router run for their own method and path only, in the order they were added, around the
// provider's answer. What each step does is tested with the feature it belongs to.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { addProviderStep } from '../../src/oidc/provider-steps.ts';
import { CLIENT_ID, startBareProvider, STORED_SECRET, type BareProvider } from '../helpers/bare-provider.ts';

let bare: BareProvider;
let server: http.Server;
let baseUrl: string;
const seen: string[] = [];

const post = (path: string) =>
  fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${STORED_SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });

before(async () => {
  bare = await startBareProvider();
  addProviderStep(bare.provider, 'POST', '/token', async (ctx, next) => {
    seen.push('first before');
    await next();
    seen.push(`first after ${ctx.status}`);
  });
  addProviderStep(bare.provider, 'POST', '/token', async (_ctx, next) => {
    seen.push('second');
    await next();
  });
  addProviderStep(bare.provider, 'GET', '/answered-by-a-step', async (ctx) => {
    ctx.body = { answered: 'by the step' };
  });
  // Koa composes an app's middleware when its request handler is made: the helper's was made before the steps.
  server = http.createServer(bare.provider.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await bare.close();
});

test('the steps of a method and path run in the order they were added, around the provider answer', async () => {
  seen.length = 0;
  const response = await post('/token');
  assert.equal(response.status, 200);
  assert.deepEqual(seen, ['first before', 'second', 'first after 200']);
});

test('requests of another method or path pass no step', async () => {
  seen.length = 0;
  assert.equal((await fetch(`${baseUrl}/token`)).status, 404);
  assert.equal((await fetch(`${baseUrl}/.well-known/openid-configuration`)).status, 200);
  assert.deepEqual(seen, []);
});

test('a path the provider router takes for the route (in another case, with a trailing slash) passes its steps', async () => {
  for (const path of ['/TOKEN', '/token/', '/Token/']) {
    seen.length = 0;
    assert.equal((await post(path)).status, 200, path);
    assert.deepEqual(seen, ['first before', 'second', 'first after 200'], path);
  }
  const head = await fetch(`${baseUrl}/answered-by-a-step`, { method: 'HEAD' });
  assert.equal(head.status, 200, 'HEAD is answered by the GET route (lib/helpers/router.js)');
});

test('a step that does not go on answers the request itself', async () => {
  const response = await fetch(`${baseUrl}/answered-by-a-step`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { answered: 'by the step' });
});
