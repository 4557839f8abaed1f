// Shared setup for the OIDC end-to-end tests: a test server with the demo scenario, the ids the tests
// need, applications and projects written with the models (the client cache is invalidated after each
// write, as the management API does), and a password login through the real login UI.
import * as client from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_PASSWORD, demoClientSecret } from '../../src/domain/setup/demo.ts';
import { secretHash } from '../../src/platform/crypto.ts';
import type { TokenLifetimes } from '../../src/store/models/common.ts';
import type { ApplicationDocument } from '../../src/store/models/application.ts';
import { Application, Instance, Organization, Project, User } from '../../src/store/models/index.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { clientConfig, loginWithPassword, type CookieJar } from './login.ts';
import { startTestServer, type TestServer } from './server.ts';

/** Redirect URI of the test relying parties: the login helper stops there, nothing is fetched. */
export const RP_REDIRECT_URI = 'https://rp.test/callback';

export interface OidcFixture {
  server: TestServer;
  baseUrl: string;
  instanceId: string;
  managementProjectId: string;
  /** Org ids by name: ACME, Alpha, Beta (the demo scenario). */
  orgs: Record<string, string>;
  /** Seed 002's project (ACME's, roles accountant and developer), which the demo RP belongs to. */
  demoProjectId: string;
  demoClientSecret: string;
}

export async function startOidcFixture(env: Record<string, string> = {}): Promise<OidcFixture> {
  const server = await startTestServer(env);
  const instanceId = server.bootstrap.instanceId;
  const instance = await Instance.findById(instanceId).lean();
  const orgs: Record<string, string> = {};
  for (const org of await Organization.find({ instanceId }).lean()) orgs[org.name] = org._id;
  const demoApp = await Application.findOne({ instanceId, clientId: DEMO_CLIENT_ID }).lean();
  return {
    server,
    baseUrl: server.config.publicUrl,
    instanceId,
    managementProjectId: instance!.managementProjectId,
    orgs,
    demoProjectId: demoApp!.projectId,
    demoClientSecret: demoClientSecret(server.services.masterKey),
  };
}

export async function userIdOf(fixture: OidcFixture, username: string): Promise<string> {
  return (await User.findOne({ instanceId: fixture.instanceId, username }, { _id: 1 }).lean())!._id;
}

export interface ProjectOptions {
  orgId: string;
  roles: string[];
  projectRoleAssertion?: boolean;
  tokenLifetimes?: Partial<TokenLifetimes>;
}

export async function createProject(fixture: OidcFixture, name: string, options: ProjectOptions): Promise<string> {
  const project = await Project.create({
    instanceId: fixture.instanceId,
    orgId: options.orgId,
    name,
    roles: options.roles.map((key) => ({ key, displayName: key })),
    projectRoleAssertion: options.projectRoleAssertion ?? false,
    tokenLifetimes: options.tokenLifetimes ?? null,
  });
  return project._id;
}

export interface TestApp {
  clientId: string;
  /** Undefined for public clients (auth method `none`). */
  clientSecret?: string;
  redirectUri: string;
}

export type OidcSettings = Partial<NonNullable<ApplicationDocument['oidc']>>;

/** An OIDC application of the project (code flow with refresh tokens unless `oidc` says otherwise). */
export async function createOidcApp(
  fixture: OidcFixture,
  projectId: string,
  clientId: string,
  oidc: OidcSettings = {},
): Promise<TestApp> {
  const project = await Project.findById(projectId).lean();
  const config: OidcSettings = {
    redirectUris: [RP_REDIRECT_URI],
    grantTypes: ['authorization_code', 'refresh_token'],
    authMethod: 'basic',
    ...oidc,
  };
  const clientSecret = config.authMethod === 'none' ? undefined : `${clientId}-secret-0123456789abcdef`;
  await Application.create({
    instanceId: fixture.instanceId,
    projectId,
    orgId: project!.orgId,
    name: clientId,
    type: 'oidc',
    clientId,
    clientSecretHash:
      clientSecret === undefined
        ? undefined
        : secretHash(clientSecretHashKey(fixture.server.services.masterKey), clientSecret),
    oidc: config,
  });
  return { clientId, clientSecret, redirectUri: config.redirectUris?.[0] ?? RP_REDIRECT_URI };
}

export const demoApp = (fixture: OidcFixture): TestApp => ({
  clientId: DEMO_CLIENT_ID,
  clientSecret: fixture.demoClientSecret,
  redirectUri: `${fixture.baseUrl}/demo/callback`,
});

export function appConfig(fixture: OidcFixture, app: TestApp): Promise<client.Configuration> {
  return clientConfig(fixture.baseUrl, app.clientId, app.clientSecret);
}

/** A code flow through the login UI as a demo user (all demo users share one password). */
export function login(
  fixture: OidcFixture,
  app: TestApp,
  loginName: string,
  scope: string,
  jar?: CookieJar,
): ReturnType<typeof loginWithPassword> {
  return loginWithPassword({ baseUrl: fixture.baseUrl, ...app, scope, loginName, password: DEMO_PASSWORD, jar });
}

/** The demo RP of a fixture started in `before`: a login as a demo user, its client configuration, user ids. */
export function demoRp(fixture: () => OidcFixture) {
  return {
    demoLogin: (loginName: string, scope = 'openid profile email offline_access') =>
      login(fixture(), demoApp(fixture()), loginName, scope),
    demoConfig: (): Promise<client.Configuration> => appConfig(fixture(), demoApp(fixture())),
    userId: (username: string): Promise<string> => userIdOf(fixture(), username),
  };
}

export async function introspect(config: client.Configuration, token: string): Promise<Record<string, unknown>> {
  return (await client.tokenIntrospection(config, token)) as Record<string, unknown>;
}

/** Claims every token carries for the protocol (time, session, hashes), which the claim tests leave aside. */
const PROTOCOL_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'auth_time',
  'amr',
  'acr',
  'azp',
  'at_hash',
  'sid',
  'jti',
  'client_id',
  'active',
  'scope',
  'token_type',
  'nonce',
]);

/** The claims a token carries beyond the protocol ones: what the assertion switches and scopes decide. */
export function customClaims(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !PROTOCOL_CLAIMS.has(name)));
}
