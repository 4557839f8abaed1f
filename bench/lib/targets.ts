// The servers under test as the scenarios see them (Castellan with its bench data set, or the bare library),
// and the tokens that real logins against them hand out.
import { BARE } from './bare-clients.ts';
import path from 'node:path';
import { projectRoot } from '../../src/platform/config.ts';
import { MasterKey } from '../../src/platform/crypto.ts';
import { seedCastellan, type CastellanFixture } from './dataset.ts';
import { logins, refreshedAccessTokens, type Load } from './jobs.ts';
import { discoverEndpoints, type Credentials, type Endpoints, type LoginClient } from './login-flow.ts';
import { freeLoopbackPort } from './ports.ts';
import { startBareProvider, startCastellan, type ServerProcess } from './processes.ts';

/** What a scenario needs from the server under test; absent parts make the scenario not applicable. */
export interface Target {
  server: ServerProcess;
  endpoints: Endpoints;
  web: LoginClient;
  users: Credentials[];
  /** Users with TOTP set up; null where the server has no second factor (the bare library). */
  totpUsers: Credentials[] | null;
  machine: { clientId: string; clientSecret: string };
  machineJwt: { clientId: string; clientSecret: string };
  api: { fixture: CastellanFixture } | null;
}

export function loadFor(target: Target, seconds: number, concurrency: number): Load {
  return { base: target.server.url, endpoints: target.endpoints, concurrency, seconds };
}

/**
 * Tokens from real logins: one access token per target (made once), refresh tokens to start chains from (made on
 * demand).
 */
export class Sessions {
  #accessToken: Promise<{ token: string } | { missing: string }> | null = null;
  readonly #target: Target;
  readonly #concurrency: number;

  constructor(target: Target, concurrency: number) {
    this.#target = target;
    this.#concurrency = concurrency;
  }

  accessToken(): Promise<{ token: string } | { missing: string }> {
    this.#accessToken ??= logins(this.#load(), this.#target.web, this.#target.users, 1).then((result) =>
      'missing' in result ? result : { token: result.tokens[0]!.access_token },
    );
    return this.#accessToken;
  }

  /**
   * `chains × perChain` distinct access tokens, of up to `chains` users (one login each, then refresh grants). Each
   * token stays valid: rotation replaces refresh tokens, not the access tokens issued along the way.
   */
  async accessTokens(chains: number, perChain: number): Promise<{ tokens: string[] } | { missing: string }> {
    const started = await this.refreshTokens(chains);
    if ('missing' in started) return started;
    return refreshedAccessTokens(this.#load(), this.#target.web, started.tokens.slice(0, chains), perChain);
  }

  async refreshTokens(count: number): Promise<{ tokens: string[] } | { missing: string }> {
    const result = await logins(this.#load(), this.#target.web, this.#target.users, count + 1);
    if ('missing' in result) return result;
    const tokens = result.tokens
      .map((set) => set.refresh_token)
      .filter((token): token is string => typeof token === 'string');
    return tokens.length === result.tokens.length
      ? { tokens }
      : { missing: 'the token response of a login has no refresh_token' };
  }

  #load(): Load {
    return loadFor(this.#target, 0, this.#concurrency);
  }
}

export async function bareTarget(port: number): Promise<Target> {
  const server = await startBareProvider(port);
  return {
    server,
    endpoints: await discoverEndpoints(server.url),
    web: { ...BARE.web, scope: 'openid profile email offline_access' },
    users: [{ loginName: BARE.loginName, password: BARE.password }],
    totpUsers: null,
    machine: BARE.machine,
    machineJwt: BARE.machineJwt,
    api: null,
  };
}

export async function castellanTarget(server: ServerProcess, fixture: CastellanFixture): Promise<Target> {
  return {
    server,
    endpoints: await discoverEndpoints(server.url),
    web: fixture.web,
    users: fixture.users,
    totpUsers: fixture.totpUsers,
    machine: fixture.machine,
    machineJwt: fixture.machineJwt,
    api: { fixture },
  };
}

/**
 * One seeded Castellan process (one worker) on the bench's database: what the tools that measure CPU per request next
 * to the bare library (bench/login-steps.ts, bench/refresh-cost.ts) compare, one process against one.
 */
export async function oneProcessCastellan(
  mongodbUri: string,
  dataDir: string,
  profile: boolean,
  totpUserCount = 0,
  imports: string[] = [],
): Promise<Target> {
  const masterKey = MasterKey.generate();
  const server = await startCastellan({
    port: await freeLoopbackPort(),
    workers: 1,
    mongodbUri,
    dataDir,
    masterKey: masterKey.toBase64url(),
    profileDir: profile ? path.join(projectRoot, 'bench', 'results', 'profiles') : null,
    imports,
  });
  try {
    return await castellanTarget(server, await seedCastellan(server.url, masterKey, 40, totpUserCount));
  } catch (error) {
    await server.stop();
    throw error;
  }
}
