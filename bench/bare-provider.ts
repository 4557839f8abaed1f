// The ceiling: node-oidc-provider alone, with its in-memory adapter, static clients and one static
// account, doing the same work per request as Castellan's scenarios (same endpoints, same grant types,
// same argon2id parameters for the password check, consent skipped as for first-party applications).
// Castellan's figures are printed as a ratio to this process's figures, measured in the same run.
import http from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { hashPassword, verifyPassword } from '../src/platform/passwords.ts';
import { BARE } from './lib/bare-clients.ts';

const port = Number(process.env.PORT);
const issuer = process.env.PUBLIC_URL!;
const passwordHash = await hashPassword(BARE.password);
const signingKey = await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey);

const page = (uid: string, field: 'loginName' | 'password', label: string): string =>
  '<!doctype html><title>Sign in</title>' +
  `<form method="post" action="/ui/login/${uid}"><label>${label} <input name="${field}"></label>` +
  '<button>Next</button></form>';

const configuration: Configuration = {
  jwks: { keys: [{ ...signingKey, alg: 'RS256', use: 'sig', kid: 'bench' }] },
  clients: [
    {
      client_id: BARE.machine.clientId,
      client_secret: BARE.machine.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: BARE.machineJwt.clientId,
      client_secret: BARE.machineJwt.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: BARE.web.clientId,
      client_secret: BARE.web.clientSecret,
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [BARE.web.redirectUri],
    },
  ],
  routes: {
    authorization: '/oauth/v2/authorize',
    token: '/oauth/v2/token',
    introspection: '/oauth/v2/introspect',
    jwks: '/oauth/v2/keys',
    userinfo: '/oidc/v1/userinfo',
  },
  interactions: { url: (_ctx, interaction) => `/ui/login/${interaction.uid}` },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Only the JWT machine client gets a resource (the library issues JWT access tokens per resource server).
      defaultResource: (_ctx, client) =>
        (client?.clientId === BARE.machineJwt.clientId ? BARE.resource : undefined) as string,
      getResourceServerInfo: () => ({ scope: '', accessTokenFormat: 'jwt', audience: BARE.resource }),
      useGrantedResource: () => true,
    },
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  async loadExistingGrant(ctx: KoaContextWithOIDC) {
    const { client, session, params } = ctx.oidc;
    if (!client || !session?.accountId) return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(String(params?.scope ?? 'openid'));
    await grant.save();
    return grant;
  },
  async findAccount(_ctx, sub) {
    return sub === BARE.accountId
      ? { accountId: sub, claims: () => ({ sub, email: BARE.loginName, name: 'Bench User' }) }
      : undefined;
  },
  claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
};

const provider = new Provider(issuer, configuration);
const providerCallback = provider.callback();

async function readForm(request: http.IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return new URLSearchParams(body);
}

/** Login name page, then password page (argon2id check), as Castellan's login UI does. */
async function interaction(request: http.IncomingMessage, response: http.ServerResponse, uid: string): Promise<void> {
  const details = await provider.interactionDetails(request, response);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const html = (body: string): void => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  };
  if (request.method === 'GET') return html(page(uid, 'loginName', 'Login name'));
  const form = await readForm(request);
  const loginName = form.get('loginName');
  if (loginName !== null) {
    if (loginName !== BARE.loginName) return html(page(uid, 'loginName', 'Unknown user; login name'));
    return html(page(uid, 'password', 'Password'));
  }
  if (!(await verifyPassword(passwordHash, form.get('password') ?? '')))
    return html(page(uid, 'password', 'Wrong password; password'));
  await provider.interactionFinished(
    request,
    response,
    { login: { accountId: BARE.accountId } },
    { mergeWithLastSubmission: false },
  );
}

const server = http.createServer((request, response) => {
  const uid = /^\/ui\/login\/([^/?]+)/.exec(request.url ?? '')?.[1];
  if (!uid) return void providerCallback(request, response);
  interaction(request, response, uid).catch((error: unknown) => {
    response.writeHead(400, { 'content-type': 'text/plain' }).end(String((error as Error).message));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, () => process.stdout.write(`bare provider listening on ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
