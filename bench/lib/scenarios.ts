// The scenarios: the load each one puts on a target, and how a list of them is measured against one target.
import type { HttpJob, LoadJob } from '../load.ts';
import { grantTargets, BENCH_ROLE } from './dataset.ts';
import { clientCredentialsJob, introspectionJob, loginJob, refreshJob, userinfoJob, type Load } from './jobs.ts';
import { measure, type MeasureOptions, type Outcome } from './measure.ts';
import { elapsed } from './progress.ts';
import { attachBenchAction, detachBenchAction } from './actions.ts';
import { loadFor, Sessions, type Target } from './targets.ts';
import { prepareFederatedLogin, stopFederatedLogin } from './federated-login.ts';

export const SCENARIOS = {
  discovery: 'discovery document (framework floor)',
  'cc-opaque': 'client credentials, opaque token',
  'cc-jwt': 'client credentials, JWT token',
  login: 'full password login (argon2id) + code + token',
  'login-action': 'login as above, with one complement-token action (sandboxed script) on the org',
  'login-totp': 'full password + TOTP login + code + token',
  'login-idp': 'login through an upstream OIDC IdP (returning JIT user) + code + token',
  refresh: 'refresh token grant (rotation)',
  userinfo: 'userinfo',
  introspection: 'introspection',
  'introspection-many': 'introspection of 256 distinct access tokens in turn',
  'api-write': 'management API: create user grant',
  'api-read': "management API: list a user's grants",
  'password-reset': 'password reset request (enqueue only)',
} as const;
export type ScenarioId = keyof typeof SCENARIOS;
export const CLUSTER_SCENARIOS: ScenarioId[] = ['cc-opaque', 'introspection'];

/** How each scenario is measured, and how many requests its load keeps in flight. */
export interface ScenarioOptions extends MeasureOptions {
  concurrency: number;
}

async function managementJob(
  target: Target,
  id: 'api-write' | 'api-read',
  load: Load,
  options: ScenarioOptions,
): Promise<LoadJob | { missing: string }> {
  if (!target.api) return { missing: 'not part of the library' };
  const { fixture } = target.api;
  const { timing } = options;
  const headers = { authorization: `Bearer ${fixture.adminToken}`, 'content-type': 'application/json' };
  if (id === 'api-write') {
    // Each write must be a new (user, project) pair: enough pairs for 2,000 writes/s through the warm pass,
    // the warm-up and the run (when they run out, the run ends early, and shows it in its request count).
    const pairs = await grantTargets(fixture, Math.ceil(2_000 * (timing.seconds + 2 * timing.warmupSeconds)) + 2);
    const bodies = pairs.map((pair) => JSON.stringify({ ...pair, roleKeys: [BENCH_ROLE] }));
    return {
      kind: 'http',
      base: load.base,
      concurrency: load.concurrency,
      seconds: load.seconds,
      method: 'POST',
      path: `/api/v1/orgs/${fixture.orgId}/user-grants`,
      headers,
      bodies,
      expect: '"id"',
    } satisfies HttpJob;
  }
  return {
    kind: 'http',
    base: load.base,
    concurrency: load.concurrency,
    seconds: load.seconds,
    method: 'GET',
    path: `/api/v1/orgs/${fixture.orgId}/user-grants?userId=${fixture.growthUser.userId}`,
    headers,
    expect: fixture.projectId,
  } satisfies HttpJob;
}

/**
 * A manager's password reset request for a user (`POST /api/v1/users/{id}/password/reset`): a new code (hashed), the
 * message rendered, encrypted and put in the outbox, an audit event. Delivery is not measured: the bench's Castellan
 * polls its outbox every 10 minutes (bench/lib/processes.ts), and the SMTP server named here is never reached.
 */
async function passwordResetJob(target: Target, load: Load): Promise<LoadJob | { missing: string }> {
  if (!target.api) return { missing: 'not part of the library' };
  const { fixture } = target.api;
  const headers = { authorization: `Bearer ${fixture.adminToken}`, 'content-type': 'application/json' };
  const smtp = { host: '127.0.0.1', port: 9, tls: 'none', senderAddress: 'bench@castellan.test' };
  const set = await fetch(`${load.base}/api/v1/instance/smtp`, {
    method: 'PUT',
    headers,
    body: JSON.stringify(smtp),
  });
  if (!set.ok) return { missing: `SMTP settings refused: ${set.status} ${await set.text()}` };
  return {
    kind: 'http',
    base: load.base,
    concurrency: load.concurrency,
    seconds: load.seconds,
    method: 'POST',
    path: `/api/v1/users/${fixture.growthUser.userId}/password/reset`,
    headers,
    expect: '',
  } satisfies HttpJob;
}

async function scenarioJob(
  id: ScenarioId,
  target: Target,
  sessions: Sessions,
  options: ScenarioOptions,
): Promise<LoadJob | { missing: string }> {
  const { concurrency } = options;
  const load = loadFor(target, options.timing.seconds, concurrency);
  switch (id) {
    case 'discovery':
      return {
        kind: 'http',
        base: load.base,
        concurrency,
        seconds: load.seconds,
        method: 'GET',
        path: '/.well-known/openid-configuration',
        headers: {},
        expect: '"issuer"',
      };
    case 'cc-opaque':
      return clientCredentialsJob(load, target.machine);
    case 'cc-jwt':
      return clientCredentialsJob(load, target.machineJwt);
    case 'login':
      return loginJob(load, target.web, target.users);
    case 'login-action':
      if (!target.api) return { missing: 'the bare library has no actions' };
      await attachBenchAction(target);
      return loginJob(load, target.web, target.users);
    case 'login-totp':
      return target.totpUsers ? loginJob(load, target.web, target.totpUsers) : { missing: 'no second factors' };
    case 'login-idp': {
      const federated = await prepareFederatedLogin(target, load, target.users.length);
      return 'missing' in federated ? federated : loginJob(load, federated.client, federated.users);
    }
    case 'refresh': {
      const chains = await sessions.refreshTokens(concurrency);
      return 'missing' in chains ? chains : refreshJob(load, target.web, chains.tokens);
    }
    case 'userinfo': {
      const session = await sessions.accessToken();
      return 'missing' in session ? session : userinfoJob(load, session.token);
    }
    case 'introspection': {
      const session = await sessions.accessToken();
      return 'missing' in session ? session : introspectionJob(load, target.web, session.token);
    }
    case 'introspection-many': {
      // 256 tokens: with their refresh tokens and grants, well within the bare library's in-memory store (1,000
      // entries, lib/adapters/memory_adapter.js), which would otherwise forget tokens during the run.
      const many = await sessions.accessTokens(32, 8);
      return 'missing' in many ? many : introspectionJob(load, target.web, many.tokens);
    }
    case 'api-write':
    case 'api-read':
      return managementJob(target, id, load, options);
    case 'password-reset':
      return passwordResetJob(target, load);
  }
}

/** One progress line's figures: throughput, p99 and errors, or why the scenario could not run. */
function summary(outcome: Outcome): string {
  if ('missing' in outcome) return `n/a (${outcome.missing.slice(0, 160)})`;
  const { requestsPerSecond, latencyMs, errors } = outcome.measurement;
  return `${Math.round(requestsPerSecond)}/s, p99 ${latencyMs.p99} ms, errors ${errors}`;
}

/**
 * Measures each scenario in turn. With `warmPass`, every scenario first runs for its warm-up time once,
 * so that the warm memory baseline (taken by `warmPass`) is of a process that has run every code path.
 */
export async function runScenarios(
  ids: ScenarioId[],
  target: Target,
  options: ScenarioOptions,
  warmPass?: () => Promise<void>,
): Promise<Map<ScenarioId, Outcome>> {
  const sessions = new Sessions(target, options.concurrency);
  // Jobs are made just before their first run: tokens made long before could have left the bare library's bounded
  // in-memory store.
  const jobs = new Map<ScenarioId, LoadJob | { missing: string }>();
  const jobFor = async (id: ScenarioId): Promise<LoadJob | { missing: string }> =>
    jobs.get(id) ?? (await scenarioJob(id, target, sessions, options));
  if (warmPass) {
    const warmOptions = { ...options, timing: { warmupSeconds: 0, seconds: options.timing.warmupSeconds } };
    // Logins need no pass of their own: making the other scenarios' tokens already runs them.
    for (const id of ids.filter((scenario) => !scenario.startsWith('login'))) {
      const job = await jobFor(id);
      jobs.set(id, job);
      if (!('missing' in job)) await measure(warmOptions, job, (next) => jobs.set(id, next));
    }
    await warmPass();
  }
  const outcomes = new Map<ScenarioId, Outcome>();
  for (const id of ids) {
    const job = await jobFor(id);
    const outcome = 'missing' in job ? job : await measure(options, job);
    if (id === 'login-action' && target.api) await detachBenchAction(target);
    if (id === 'login-idp') await stopFederatedLogin();
    outcomes.set(id, outcome);
    console.log(`  ${elapsed()} ${target.server.name} · ${id}: ${summary(outcome)}`);
  }
  return outcomes;
}
