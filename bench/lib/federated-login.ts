// The `login-idp` scenario's setup: an upstream node-oidc-provider on loopback (the tests' own,
// test/helpers/upstream-oidc.ts, in the bench's process, so its CPU is not counted as Castellan's), an org whose login
// offers only that IdP (so the authorization request goes straight to it), and one upstream user per bench user,
// each created just in time in Castellan by a first login before the run (two first logins of one user at once would
// race to create it: the run measures returning federated users, as most logins are).
import { CALLBACK_PATH, UPSTREAM_CLIENT } from '../../test/helpers/external-login.ts';
import { startUpstreamOidc, type UpstreamOidc } from '../../test/helpers/upstream-oidc.ts';
import { logins, type Load } from './jobs.ts';
import type { Credentials, LoginClient } from './login-flow.ts';
import type { Target } from './targets.ts';

let running: UpstreamOidc | null = null;

async function api(target: Target, method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${target.server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${target.api!.fixture.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The client and users the login job needs, with every user already created by a first login. */
export async function prepareFederatedLogin(
  target: Target,
  load: Load,
  userCount: number,
): Promise<{ client: LoginClient; users: Credentials[] } | { missing: string }> {
  if (!target.api) return { missing: 'the bare library has no identity providers' };
  // The callback URL is built from the instance's issuer, which may name the host otherwise than the bench's URL.
  const discovery = await fetch(`${target.server.url}/.well-known/openid-configuration`);
  const { issuer } = (await discovery.json()) as { issuer: string };
  const subs = Array.from({ length: userCount }, (_, index) => `bench-idp-${index}`);
  running = await startUpstreamOidc(
    [
      {
        client_id: UPSTREAM_CLIENT.clientId,
        client_secret: UPSTREAM_CLIENT.clientSecret,
        redirect_uris: [`${issuer}${CALLBACK_PATH}`],
      },
    ],
    subs.map((sub) => ({
      sub,
      email: `${sub}@upstream.bench`,
      email_verified: true,
      given_name: 'Up',
      family_name: sub,
    })),
  );
  const orgId = (await api(target, 'POST', '/orgs', { name: `Bench IdP ${Date.now()}` })).id as string;
  const idp = await api(target, 'POST', `/orgs/${orgId}/idps`, {
    name: 'Bench upstream',
    type: 'oidc',
    settings: {
      issuer: running.issuer,
      clientId: UPSTREAM_CLIENT.clientId,
      clientSecret: UPSTREAM_CLIENT.clientSecret,
    },
    options: { isAutoCreation: true, isAutoUpdate: true },
    mapping: { trustEmailVerified: true },
  });
  await api(target, 'PUT', `/orgs/${orgId}/login-policy`, {
    allowExternalIdp: true,
    allowUsernamePassword: false,
    idps: [idp.id],
  });
  // The upstream's sign-in form asks for a `username`: the login flow fills it with the login name.
  const users = subs.map((sub) => ({ loginName: sub, password: '' }));
  const client = { ...target.web, scope: `${target.web.scope} urn:zitadel:iam:org:id:${orgId}` };
  const first = await logins(load, client, users, users.length);
  return 'missing' in first ? first : { client, users };
}

export async function stopFederatedLogin(): Promise<void> {
  await running?.stop();
  running = null;
}
