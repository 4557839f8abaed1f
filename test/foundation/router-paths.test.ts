import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import Router from '@koa/router';
import Koa from 'koa';
import { skipRoutersOnOtherPaths } from '../../src/http/router-paths.ts';

/** Routers shaped like Castellan's: a prefix with a parameter, literal paths, a root route, middleware layers. */
function routers(): { all: Router[]; interaction: Router } {
  const interaction = new Router({ prefix: '/ui/login/:uid' });
  interaction.use(async (ctx, next) => {
    ctx.set('x-interaction-middleware', 'yes');
    await next();
  });
  interaction.get('/', (ctx) => (ctx.body = `login ${ctx.params.uid}`));
  interaction.post('/password', (ctx) => (ctx.body = `password ${ctx.params.uid}`));
  const pages = new Router();
  pages.get('/', (ctx) => (ctx.body = 'home'));
  pages.get('/demo/login', (ctx) => (ctx.body = 'demo'));
  pages.get('/idps/:idpId/saml/metadata', (ctx) => (ctx.body = `metadata ${ctx.params.idpId}`));
  const api = new Router({ prefix: '/api/v1' });
  api.get('/orgs/:orgId', (ctx) => (ctx.body = `org ${ctx.params.orgId}`));
  api.get('/users/{:userId}', (ctx) => (ctx.body = `users ${ctx.params.userId ?? 'all'}`));
  api.get('/groups{/:groupId}', (ctx) => (ctx.body = `groups ${ctx.params.groupId ?? 'all'}`));
  return { all: [interaction, pages, api], interaction };
}

/** A server with the routers and a fall-through answering what none matched, as the provider does in http/app.ts. */
async function serve(gated: boolean): Promise<{ url: string; close(): void; interaction: Router }> {
  const app = new Koa();
  const { all, interaction } = routers();
  for (const router of all) app.use(router.routes());
  app.use((ctx) => (ctx.body = `fall-through ${ctx.path}`));
  if (gated) skipRoutersOnOtherPaths(app);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
    interaction,
  };
}

let plain: Awaited<ReturnType<typeof serve>>;
let gated: Awaited<ReturnType<typeof serve>>;
before(async () => {
  [plain, gated] = await Promise.all([serve(false), serve(true)]);
});
after(() => {
  plain.close();
  gated.close();
});

const REQUESTS: Array<[string, string]> = [
  ['GET', '/'],
  ['GET', '/ui/login/abc'],
  ['GET', '/ui/login/abc/'],
  ['GET', '/UI/Login/abc'],
  ['POST', '/ui/login/abc/password'],
  ['GET', '/ui/login/abc/password'],
  ['POST', '/ui/login/abc/unknown'],
  ['GET', '/demo/login'],
  ['GET', '/Demo/Login/'],
  ['GET', '/demo/login/more'],
  ['GET', '/idps/i1/saml/metadata'],
  ['GET', '/api/v1/orgs/o1'],
  ['GET', '/api/v1/users'],
  ['GET', '/api/v1/users/'],
  ['GET', '/api/v1/users/u1'],
  ['GET', '/api/v1/groups'],
  ['GET', '/api/v1/groups/g1'],
  ['POST', '/oauth/v2/token'],
  ['GET', '/oidc/v1/userinfo'],
  ['GET', '/.well-known/openid-configuration'],
  ['GET', '/ui/%6cogin/abc'],
];

it('answers every request as the routers alone do', async () => {
  for (const [method, path] of REQUESTS) {
    const [expected, actual] = await Promise.all(
      [plain, gated].map(async ({ url }) => {
        const response = await fetch(url + path, { method });
        return `${response.status} ${response.headers.get('x-interaction-middleware')} ${await response.text()}`;
      }),
    );
    assert.equal(actual, expected, `${method} ${path}`);
  }
});

it("skips a router's route matching for paths none of its routes could match", async () => {
  let matches = 0;
  const match = gated.interaction.match.bind(gated.interaction);
  gated.interaction.match = (...args: Parameters<typeof match>) => {
    matches += 1;
    return match(...args);
  };
  await (await fetch(`${gated.url}/oauth/v2/token`, { method: 'POST' })).text();
  assert.equal(matches, 0);
  await (await fetch(`${gated.url}/ui/login/abc`)).text();
  assert.equal(matches, 1);
});
