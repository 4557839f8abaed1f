// Ory Hydra as a peer: built once (hydra-build.ts), started on loopback with a fresh PostgreSQL (postgres.ts), with the
// bench's login and consent app (hydra-login-app.ts) beside it, and given a machine client and a web client. Its CPU
// per request is Hydra's plus the login app's and the database's.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Credentials } from '../login-flow.ts';
import { freeLoopbackPort } from '../ports.ts';
import { elapsed } from '../progress.ts';
import type { ServerProcess } from '../processes.ts';
import { HYDRA_VERSION, hydraBinary } from './hydra-build.ts';
import type { PeerTarget } from './peer.ts';
import { startPostgres } from './postgres.ts';
import { adminRequest, PeerSkipped, run, startPeerServer, waitForHttp } from './peer-process.ts';

const MACHINE = { clientId: 'bench-cc', clientSecret: 'bench-cc-secret-0123456789abcdef' };
const WEB = {
  clientId: 'bench-web',
  clientSecret: 'bench-web-secret-0123456789abcdef',
  redirectUri: 'http://127.0.0.1:9/callback',
  // Hydra issues a refresh token only for the offline_access (or offline) scope, as node-oidc-provider.
  scope: 'openid offline_access',
};

function users(count: number): Credentials[] {
  return Array.from({ length: count }, (_, index) => ({
    loginName: `bench-user-${index}`,
    password: `Bench-user-${index}-Passw0rd!`,
  }));
}

/** Hydra, its login app and its database as one server: CPU and memory are all of theirs, stopping stops all. */
function together(hydra: ServerProcess, helpers: ServerProcess[]): ServerProcess {
  const all = [hydra, ...helpers];
  return {
    name: hydra.name,
    url: hydra.url,
    servingPids: () => all.flatMap((server) => server.servingPids()),
    allPids: () => all.flatMap((server) => server.allPids()),
    errorLines: () => all.flatMap((server) => server.errorLines().splice(0)),
    stop: async () => {
      await Promise.all([hydra.stop(), helpers[0]!.stop()]);
      // The database last: Hydra's connections closed first make its shutdown quick.
      await Promise.all(helpers.slice(1).map((server) => server.stop()));
    },
  };
}

async function retried<T>(attempt: () => Promise<T>, attempts = 5): Promise<T> {
  for (let left = attempts - 1; ; left -= 1) {
    try {
      return await attempt();
    } catch (error) {
      if (left === 0) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

async function provision(admin: string): Promise<void> {
  // https://www.ory.sh/docs/hydra/reference/api#tag/oAuth2/operation/createOAuth2Client
  await adminRequest(`${admin}/admin/clients`, {
    body: {
      client_id: MACHINE.clientId,
      client_secret: MACHINE.clientSecret,
      grant_types: ['client_credentials'],
      response_types: ['token'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'read',
    },
  });
  await adminRequest(`${admin}/admin/clients`, {
    body: {
      client_id: WEB.clientId,
      client_secret: WEB.clientSecret,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [WEB.redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: WEB.scope,
    },
  });
}

/** Builds (once) and starts Hydra with its login app, and provisions it; throws PeerSkipped when it cannot. */
export async function startHydra(userCount: number): Promise<PeerTarget> {
  const binary = await hydraBinary();
  const [publicPort, adminPort, appPort] = [
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
  ];
  const publicUrl = `http://127.0.0.1:${publicPort}`;
  const admin = `http://127.0.0.1:${adminPort}`;
  const app = `http://127.0.0.1:${appPort}`;
  const created = users(userCount);
  const database = await startPostgres();
  try {
    // Postgres may refuse the first connections while it finishes starting.
    await retried(() =>
      run(binary, ['migrate', 'sql', 'up', '--read-from-env', '--yes'], { env: { DSN: database.url } }),
    );
  } catch (error) {
    await database.server.stop();
    throw new PeerSkipped(`its database migration failed: ${(error as Error).message}`);
  }
  const loginApp = startPeerServer({
    name: 'Hydra-login-app',
    command: process.execPath,
    args: [path.join(import.meta.dirname, 'hydra-login-app.ts')],
    env: { PORT: String(appPort), HYDRA_ADMIN: admin, USERS: JSON.stringify(created) },
    url: app,
    errorLine: /^ERROR/,
  });
  console.log(`  ${elapsed()} Ory Hydra ${HYDRA_VERSION}: starting on ${publicUrl} (admin ${admin}, login app ${app})`);
  const hydra = startPeerServer({
    name: `Hydra ${HYDRA_VERSION}`,
    command: binary,
    args: ['serve', 'all', '--dev', '--sqa-opt-out'],
    // https://www.ory.sh/docs/hydra/reference/configuration (each key as an environment variable)
    env: {
      DSN: database.url,
      SERVE_PUBLIC_HOST: '127.0.0.1',
      SERVE_PUBLIC_PORT: String(publicPort),
      SERVE_ADMIN_HOST: '127.0.0.1',
      SERVE_ADMIN_PORT: String(adminPort),
      URLS_SELF_ISSUER: publicUrl,
      URLS_LOGIN: `${app}/login`,
      URLS_CONSENT: `${app}/consent`,
      SECRETS_SYSTEM: randomBytes(24).toString('hex'),
      LOG_LEVEL: 'warn',
    },
    url: publicUrl,
    errorLine: /level=(error|fatal)/,
  });
  const server = together(hydra, [loginApp, database.server]);
  try {
    await waitForHttp(loginApp, `${app}/health`, 60_000);
    await waitForHttp(hydra, `${admin}/health/ready`, 60_000);
    await provision(admin);
    return {
      target: {
        server,
        endpoints: {
          authorization: '/oauth2/auth',
          token: '/oauth2/token',
          userinfo: '/userinfo',
          introspection: '/admin/oauth2/introspect',
        },
        web: WEB,
        users: created,
        totpUsers: null,
        machine: MACHINE,
        machineJwt: MACHINE,
        api: null,
      },
      introspectionBase: admin,
      description:
        `Ory Hydra ${HYDRA_VERSION} (serve all --dev, PostgreSQL with synchronous_commit=off, opaque ` +
        'HMAC-SHA256 access tokens, client secrets PBKDF2-SHA256 25,000 iterations (its default); passwords ' +
        "argon2id 7 MiB / 5 passes / 1 lane in the bench's login app, with Castellan's own function)",
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
