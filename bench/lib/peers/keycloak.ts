// Keycloak (the Quarkus distribution from Maven Central) as a peer: downloaded once into the peers' cache, started in
// development mode on loopback with a fresh embedded database, and given a realm like the bench's organization: a
// machine client (client credentials), a web client (code flow with PKCE) and users with argon2id passwords.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freeLoopbackPort } from '../ports.ts';
import { elapsed } from '../progress.ts';
import type { Credentials } from '../login-flow.ts';
import type { PeerTarget } from './peer.ts';
import {
  adminRequest,
  peersCacheDir,
  PeerSkipped,
  requireCommands,
  run,
  startPeerServer,
  waitForHttp,
} from './peer-process.ts';

export const KEYCLOAK_VERSION = '26.7.3';
const REALM = 'bench';
const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };
const MACHINE = { clientId: 'bench-cc', clientSecret: 'bench-cc-secret-0123456789abcdef' };
const WEB = {
  clientId: 'bench-web',
  clientSecret: 'bench-web-secret-0123456789abcdef',
  redirectUri: 'http://127.0.0.1:9/callback',
  // Without offline_access: a Keycloak refresh token is then an online session's, kept in memory, not a persisted
  // offline session (Castellan asks for offline_access because node-oidc-provider issues refresh tokens only then).
  scope: 'openid profile email',
};
/** Keycloak's dev mode starts in about a minute here, more on a busy machine (Quarkus re-augmentation included). */
const START_TIMEOUT_MS = 300_000;

/** The unpacked distribution, downloaded with Maven (the only way to Maven Central here) when the cache has none. */
async function keycloakHome(): Promise<string> {
  const dir = path.join(peersCacheDir(), 'keycloak');
  const home = path.join(dir, `keycloak-${KEYCLOAK_VERSION}`);
  if (existsSync(path.join(home, 'bin', 'kc.sh'))) return home;
  await requireCommands(['mvn', 'tar'], 'to download it from Maven Central');
  mkdirSync(dir, { recursive: true });
  const artifact = `org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz`;
  console.log(`  ${elapsed()} Keycloak: downloading ${artifact} from Maven Central (about 170 MB)`);
  try {
    await run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${dir}`]);
    await run('tar', ['-xzf', path.join(dir, `keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz`), '-C', dir]);
  } catch (error) {
    throw new PeerSkipped(`the download failed: ${(error as Error).message}`);
  }
  return home;
}

/** Keycloak 26 runs on Java 17 or newer (https://www.keycloak.org/server/installation#_prerequisites). */
async function requireJava17(): Promise<void> {
  // `java -version` writes its banner to stderr.
  const banner = await new Promise<string>((resolve) =>
    execFile('java', ['-version'], (_error, stdout, stderr) => resolve(`${stdout}${stderr}`)),
  );
  const major = Number(/version "(?:1\.)?(\d+)/.exec(banner)?.[1] ?? 0);
  if (major < 17) throw new PeerSkipped(`it needs Java 17 or newer; 'java -version' says ${major || 'nothing'}`);
}

function users(count: number): Credentials[] {
  return Array.from({ length: count }, (_, index) => ({
    loginName: `bench-user-${index}`,
    password: `Bench-user-${index}-Passw0rd!`,
  }));
}

async function provision(base: string, userCount: number): Promise<{ users: Credentials[]; hashing: string }> {
  const form = new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', ...ADMIN });
  const tokenResponse = await fetch(`${base}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    body: form,
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const admin = `${base}/admin/realms`;
  await adminRequest(admin, {
    token,
    body: {
      realm: REALM,
      enabled: true,
      // Explicit, though it is Keycloak 26's default: argon2id, 7 MiB, 5 iterations, 1 lane, as Castellan's.
      passwordPolicy: 'hashAlgorithm(argon2)',
      // Rotating refresh tokens, each used once, as Castellan's.
      revokeRefreshToken: true,
      refreshTokenMaxReuse: 0,
      // One access token is introspected for a whole interleaved run.
      accessTokenLifespan: 3600,
    },
  });
  const client = (fields: Record<string, unknown>): Record<string, unknown> => ({
    protocol: 'openid-connect',
    publicClient: false,
    clientAuthenticatorType: 'client-secret',
    directAccessGrantsEnabled: false,
    ...fields,
  });
  await adminRequest(`${admin}/${REALM}/clients`, {
    token,
    body: client({
      clientId: MACHINE.clientId,
      secret: MACHINE.clientSecret,
      standardFlowEnabled: false,
      serviceAccountsEnabled: true,
    }),
  });
  await adminRequest(`${admin}/${REALM}/clients`, {
    token,
    body: client({
      clientId: WEB.clientId,
      secret: WEB.clientSecret,
      standardFlowEnabled: true,
      redirectUris: [WEB.redirectUri],
      attributes: { 'pkce.code.challenge.method': 'S256' },
      // Keycloak 26 answers an introspection with active:true only to a client in the token's audience.
      protocolMappers: [
        {
          name: 'audience-self',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-audience-mapper',
          config: { 'included.client.audience': WEB.clientId, 'access.token.claim': 'true' },
        },
      ],
    }),
  });
  const created = users(userCount);
  for (const user of created)
    await adminRequest(`${admin}/${REALM}/users`, {
      token,
      body: {
        username: user.loginName,
        enabled: true,
        email: `${user.loginName}@example.test`,
        emailVerified: true,
        firstName: 'Bench',
        lastName: 'User',
        credentials: [{ type: 'password', value: user.password, temporary: false }],
      },
    });
  const [first] = (await adminRequest(`${admin}/${REALM}/users?username=${created[0]!.loginName}&exact=true`, {
    token,
  })) as Array<{ id: string }>;
  const [credential] = (await adminRequest(`${admin}/${REALM}/users/${first!.id}/credentials`, { token })) as Array<{
    credentialData: string;
  }>;
  return { users: created, hashing: describeHashing(credential?.credentialData ?? '{}') };
}

/** What a stored Keycloak password credential says of its hash: e.g. `argon2id v19, 7168 KiB, 5 passes, 1 lane`. */
export function describeHashing(credentialData: string): string {
  const data = JSON.parse(credentialData) as {
    algorithm?: string;
    hashIterations?: number;
    additionalParameters?: Record<string, string[]>;
  };
  const parameter = (name: string): string => data.additionalParameters?.[name]?.[0] ?? '?';
  if (data.algorithm !== 'argon2') return `${data.algorithm ?? '?'}, ${data.hashIterations ?? '?'} iterations`;
  return (
    `argon2${parameter('type')} v${parameter('version')}, ${parameter('memory')} KiB, ` +
    `${data.hashIterations ?? '?'} passes, ${parameter('parallelism')} lane(s)`
  );
}

/** Starts a fresh Keycloak on loopback and provisions the bench realm; throws PeerSkipped when it cannot. */
export async function startKeycloak(userCount: number): Promise<PeerTarget> {
  await requireCommands(['java'], 'to run it');
  await requireJava17();
  const home = await keycloakHome();
  // A fresh dev database each start: no realm or session of an earlier run.
  rmSync(path.join(home, 'data'), { recursive: true, force: true });
  const [port, managementPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const base = `http://127.0.0.1:${port}`;
  console.log(`  ${elapsed()} Keycloak ${KEYCLOAK_VERSION}: starting on ${base} (start-dev, about a minute)`);
  const server = startPeerServer({
    name: `Keycloak ${KEYCLOAK_VERSION}`,
    command: path.join(home, 'bin', 'kc.sh'),
    args: [
      'start-dev',
      '--http-host=127.0.0.1',
      `--http-port=${port}`,
      `--http-management-port=${managementPort}`,
      // Development mode re-reads themes and templates on every page; a deployment caches them.
      '--spi-theme--cache-themes=true',
      '--spi-theme--cache-templates=true',
    ],
    env: { KC_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username, KC_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password },
    url: base,
    errorLine: /\bERROR\b/,
  });
  try {
    await waitForHttp(server, `${base}/realms/master/.well-known/openid-configuration`, START_TIMEOUT_MS);
    const { users: created, hashing } = await provision(base, userCount);
    const oidc = `/realms/${REALM}/protocol/openid-connect`;
    return {
      target: {
        server,
        endpoints: {
          authorization: `${oidc}/auth`,
          token: `${oidc}/token`,
          userinfo: `${oidc}/userinfo`,
          introspection: `${oidc}/token/introspect`,
        },
        web: WEB,
        users: created,
        totpUsers: null,
        machine: MACHINE,
        machineJwt: MACHINE,
        api: null,
      },
      introspectionBase: base,
      description:
        `Keycloak ${KEYCLOAK_VERSION} (start-dev, embedded H2 database, JWT RS256 access tokens, ` +
        `passwords ${hashing}; Java ${process.env.JAVA_HOME ? `from ${process.env.JAVA_HOME}` : 'on the PATH'})`,
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
