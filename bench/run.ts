// `npm run bench [-- --quick]`: Castellan against the bare node-oidc-provider, on this machine, now.
// See bench/README.md for what is measured and how to read the table.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/platform/config.ts';
import { freeLoopbackPort } from './lib/ports.ts';
import { MasterKey } from '../src/platform/crypto.ts';
import { deleteInBatches } from '../src/store/database/sweeper.ts';
import { OidcConsumption, oidcPayloadModels } from '../src/store/models/oidc-payload.ts';
import { BARE } from './lib/bare-clients.ts';
import { openBenchDatabase, type BenchDatabase } from './lib/database.ts';
import {
  grantTargets,
  growOrganizations,
  growUserGrants,
  growUsers,
  seedCastellan,
  BENCH_ROLE,
  type CastellanFixture,
} from './lib/dataset.ts';
import {
  clientCredentialsJob,
  introspectionJob,
  loginJob,
  logins,
  refreshJob,
  userinfoJob,
  type Load,
} from './lib/jobs.ts';
import { discoverEndpoints, type Credentials, type Endpoints, type LoginClient } from './lib/login-flow.ts';
import { measure, type MeasureOptions, type Outcome, type Timing } from './lib/measure.ts';
import { LoadGenerator, startBareProvider, startCastellan, type ServerProcess } from './lib/processes.ts';
import { rssMegabytes } from './lib/proc.ts';
import { printReport, type GrowthPoint, type GrowthRatio, type Report, type ScenarioResult } from './lib/report.ts';
import type { HttpJob, LoadJob } from './load.ts';

const SCENARIOS = {
  discovery: 'discovery document (framework floor)',
  'cc-opaque': 'client credentials, opaque token',
  'cc-jwt': 'client credentials, JWT token',
  login: 'full password login (argon2id) + code + token',
  refresh: 'refresh token grant (rotation)',
  userinfo: 'userinfo',
  introspection: 'introspection',
  'api-write': 'management API: create user grant',
  'api-read': "management API: list a user's grants",
} as const;
type ScenarioId = keyof typeof SCENARIOS;
const CLUSTER_SCENARIOS: ScenarioId[] = ['cc-opaque', 'introspection'];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string', default: '32' },
    'no-bare': { type: 'boolean', default: false },
    'no-cluster': { type: 'boolean', default: false },
    'no-growth': { type: 'boolean', default: false },
    out: { type: 'string' },
    /**
     * Write V8 CPU profiles of every Castellan process to bench/results/profiles/ (summarise with
     * bench/profile-summary.ts).
     */
    profile: { type: 'boolean', default: false },
  },
});

const quick = args.quick;
const timing: Timing = {
  seconds: Number(args.seconds ?? (quick ? 2 : 20)),
  warmupSeconds: Number(args.warmup ?? (quick ? 0.5 : 5)),
};
const growthTiming: Timing = { seconds: quick ? 1 : 10, warmupSeconds: quick ? 0 : 3 };
const concurrency = Number(args.concurrency);
const growthConcurrency = 8;
const sizes = {
  grants: 1_000,
  orgsSmall: 10,
  orgsLarge: quick ? 1_000 : 10_000,
  usersSmall: 1_000,
  usersLarge: quick ? 10_000 : 100_000,
};
const selected = (args.only?.split(',') ?? Object.keys(SCENARIOS)) as ScenarioId[];
for (const id of selected)
  if (!(id in SCENARIOS)) throw new Error(`unknown scenario ${id}; known: ${Object.keys(SCENARIOS).join(', ')}`);
const BENCH_USERS = 40;
const startedAt = Date.now();
const elapsed = (): string => `[${Math.round((Date.now() - startedAt) / 1000)}s]`;

/** What a scenario needs from the server under test; absent parts make the scenario not applicable. */
interface Target {
  server: ServerProcess;
  endpoints: Endpoints;
  web: LoginClient;
  users: Credentials[];
  machine: { clientId: string; clientSecret: string };
  machineJwt: { clientId: string; clientSecret: string };
  api: { fixture: CastellanFixture } | null;
}

function loadFor(target: Target, seconds: number, scenarioConcurrency = concurrency): Load {
  return { base: target.server.url, endpoints: target.endpoints, concurrency: scenarioConcurrency, seconds };
}

/**
 * Tokens from real logins: one access token per target (made once), refresh tokens to start chains from (made on
 * demand).
 */
class Sessions {
  #accessToken: Promise<{ token: string } | { missing: string }> | null = null;
  readonly #target: Target;

  constructor(target: Target) {
    this.#target = target;
  }

  accessToken(): Promise<{ token: string } | { missing: string }> {
    this.#accessToken ??= logins(loadFor(this.#target, 0), this.#target.web, this.#target.users, 1).then((result) =>
      'missing' in result ? result : { token: result.tokens[0]!.access_token },
    );
    return this.#accessToken;
  }

  async refreshTokens(count: number): Promise<{ tokens: string[] } | { missing: string }> {
    const result = await logins(loadFor(this.#target, 0), this.#target.web, this.#target.users, count + 1);
    if ('missing' in result) return result;
    const tokens = result.tokens
      .map((set) => set.refresh_token)
      .filter((token): token is string => typeof token === 'string');
    return tokens.length === result.tokens.length
      ? { tokens }
      : { missing: 'the token response of a login has no refresh_token' };
  }
}

async function managementJob(
  target: Target,
  id: 'api-write' | 'api-read',
  load: Load,
): Promise<LoadJob | { missing: string }> {
  if (!target.api) return { missing: 'not part of the library' };
  const { fixture } = target.api;
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

async function scenarioJob(id: ScenarioId, target: Target, sessions: Sessions): Promise<LoadJob | { missing: string }> {
  const load = loadFor(target, timing.seconds);
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
    case 'api-write':
    case 'api-read':
      return managementJob(target, id, load);
  }
}

/**
 * Measures each scenario in turn. With `warmPass`, every scenario first runs for its warm-up time once,
 * so that the warm memory baseline (taken by `warmPass`) is of a process that has run every code path.
 */
async function runScenarios(
  ids: ScenarioId[],
  target: Target,
  options: MeasureOptions,
  warmPass?: () => void,
): Promise<Map<ScenarioId, Outcome>> {
  const sessions = new Sessions(target);
  // Jobs are made just before their first run: tokens made long before could have left the bare library's bounded
  // in-memory store.
  const jobs = new Map<ScenarioId, LoadJob | { missing: string }>();
  const jobFor = async (id: ScenarioId): Promise<LoadJob | { missing: string }> =>
    jobs.get(id) ?? (await scenarioJob(id, target, sessions));
  if (warmPass) {
    const warmOptions = { ...options, timing: { warmupSeconds: 0, seconds: options.timing.warmupSeconds } };
    // Logins need no pass of their own: making the other scenarios' tokens already runs them.
    for (const id of ids.filter((scenario) => scenario !== 'login')) {
      const job = await jobFor(id);
      jobs.set(id, job);
      if (!('missing' in job)) await measure(warmOptions, job, (next) => jobs.set(id, next));
    }
    warmPass();
  }
  const outcomes = new Map<ScenarioId, Outcome>();
  for (const id of ids) {
    const job = await jobFor(id);
    const outcome = 'missing' in job ? job : await measure(options, job);
    outcomes.set(id, outcome);
    console.log(
      `  ${elapsed()} ${target.server.name} · ${id}: ${'missing' in outcome ? `n/a (${outcome.missing.slice(0, 160)})` : `${Math.round(outcome.measurement.requestsPerSecond)}/s, p99 ${outcome.measurement.latencyMs.p99} ms, errors ${outcome.measurement.errors}`}`,
    );
  }
  return outcomes;
}

async function bareTarget(port: number): Promise<Target> {
  const server = await startBareProvider(port);
  return {
    server,
    endpoints: await discoverEndpoints(server.url),
    web: { ...BARE.web, scope: 'openid profile email offline_access' },
    users: [{ loginName: BARE.loginName, password: BARE.password }],
    machine: BARE.machine,
    machineJwt: BARE.machineJwt,
    api: null,
  };
}

async function castellanTarget(server: ServerProcess, fixture: CastellanFixture): Promise<Target> {
  return {
    server,
    endpoints: await discoverEndpoints(server.url),
    web: fixture.web,
    users: fixture.users,
    machine: fixture.machine,
    machineJwt: fixture.machineJwt,
    api: { fixture },
  };
}

/**
 * Tokens, codes, sessions, … stored by the provider: every scenario adds to them, and some storage operations cost more
 * as they grow.
 */
async function storedOidcDocuments(): Promise<number> {
  const counts = await Promise.all(oidcPayloadModels().map((model) => model.estimatedDocumentCount()));
  return counts.reduce((sum, count) => sum + count, 0);
}

/**
 * Each Castellan phase starts without the tokens of the one before: what is stored changes what some operations cost.
 */
async function clearOidcDocuments(): Promise<void> {
  await Promise.all([...oidcPayloadModels(), OidcConsumption].map((model) => deleteInBatches(model as never, {})));
}

/** Token issuance (refresh grant) and userinfo for one user, as the data around it grows. */
async function growth(target: Target, fixture: CastellanFixture, options: MeasureOptions): Promise<Report['growth']> {
  const sessions = new Sessions({ ...target, users: [fixture.growthUser] });
  const chains = await sessions.refreshTokens(growthConcurrency);
  const access = await sessions.accessToken();
  if ('missing' in chains || 'missing' in access)
    return { missing: 'missing' in chains ? chains.missing : (access as { missing: string }).missing };
  const load = loadFor(target, growthTiming.seconds, growthConcurrency);
  let refresh: LoadJob = refreshJob(load, fixture.web, chains.tokens);
  const userinfo = { ...userinfoJob(load, access.token), completeInFlight: true };
  const growthOptions = { ...options, timing: growthTiming };
  const point = async (label: string): Promise<GrowthPoint> => {
    const oidcDocuments = await storedOidcDocuments();
    const token = await measure(growthOptions, refresh, (next) => (refresh = next));
    const info = await measure(growthOptions, userinfo);
    console.log(
      `  ${elapsed()} growth · ${label}: token ${'missing' in token ? 'n/a' : `p50 ${token.measurement.latencyMs.p50} ms`}, userinfo ${'missing' in info ? 'n/a' : `p50 ${info.measurement.latencyMs.p50} ms`}`,
    );
    return { label, oidcDocuments, token, userinfo: info };
  };
  await growOrganizations(fixture.instanceId, sizes.orgsSmall);
  await growUsers(fixture.instanceId, fixture.orgId, sizes.usersSmall);
  const points = [await point(`1 user grant, ${sizes.orgsSmall} orgs, ${sizes.usersSmall} users`)];
  await growUserGrants(fixture, sizes.grants);
  points.push(await point(`${sizes.grants} user grants`));
  await growOrganizations(fixture.instanceId, sizes.orgsLarge);
  points.push(await point(`${sizes.orgsLarge} orgs`));
  await growUsers(fixture.instanceId, fixture.orgId, sizes.usersLarge);
  points.push(await point(`${sizes.usersLarge} users`));
  const ratio = (name: string, small: number, large: number): GrowthRatio => ({
    name,
    small: points[small]!.label,
    large: points[large]!.label,
    points: [points[small]!, points[large]!],
  });
  return {
    points,
    ratios: [
      ratio(`user grants: 1 → ${sizes.grants}`, 0, 1),
      ratio(`organizations: ${sizes.orgsSmall} → ${sizes.orgsLarge}`, 1, 2),
      ratio(`users: ${sizes.usersSmall} → ${sizes.usersLarge}`, 2, 3),
    ],
  };
}

function machineDescription(database: BenchDatabase): Report['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    database: database.description,
    loadAverage: [os.loadavg()[0]!],
  };
}

async function main(): Promise<void> {
  console.log(
    `Castellan bench (${quick ? 'quick' : 'full'}): ${timing.seconds}s per scenario after ${timing.warmupSeconds}s warm-up, ${concurrency} concurrent requests`,
  );
  const database = await openBenchDatabase();
  const load = new LoadGenerator();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-bench-'));
  const masterKey = MasterKey.generate();
  const report: Report = {
    mode: quick ? 'quick' : 'full',
    startedAt: new Date(startedAt).toISOString(),
    machine: machineDescription(database),
    timing,
    growthTiming,
    concurrency,
    growthConcurrency,
    scenarios: [],
    cluster: [],
    growth: null,
    memory: [],
  };
  const options = (server: ServerProcess, scenarioTiming = timing): MeasureOptions => ({
    server,
    load,
    databasePid: database.pid,
    timing: scenarioTiming,
  });
  const profileDir = args.profile ? path.join(projectRoot, 'bench', 'results', 'profiles') : null;
  const castellan = async (workers: number): Promise<ServerProcess> => {
    await clearOidcDocuments();
    return startCastellan({
      port: await freeLoopbackPort(),
      workers,
      mongodbUri: database.uri,
      dataDir,
      masterKey: masterKey.toBase64url(),
      profileDir,
    });
  };
  try {
    let bare = new Map<ScenarioId, Outcome>();
    if (!args['no-bare']) {
      console.log('Bare node-oidc-provider (in-memory adapter, static clients, 1 process):');
      const target = await bareTarget(await freeLoopbackPort());
      try {
        bare = await runScenarios(
          selected.filter((id) => !id.startsWith('api-')),
          target,
          options(target.server),
        );
      } finally {
        await target.server.stop();
      }
    }

    let fixture: CastellanFixture | null = null;
    const seed = async (server: ServerProcess): Promise<CastellanFixture> =>
      (fixture ??= await seedCastellan(server.url, masterKey, BENCH_USERS));
    let oneWorker = new Map<ScenarioId, Outcome>();
    if (!args['no-cluster']) {
      console.log(`${elapsed()} Castellan, 1 worker:`);
      const server = await castellan(1);
      try {
        const target = await castellanTarget(server, await seed(server));
        oneWorker = await runScenarios(
          selected.filter((id) => CLUSTER_SCENARIOS.includes(id)),
          target,
          options(server),
        );
      } finally {
        await server.stop();
      }
    }

    console.log(`${elapsed()} Castellan, 2 workers:`);
    const server = await castellan(2);
    try {
      const target = await castellanTarget(server, await seed(server));
      // The cluster comparison first, from the same state as with 1 worker (just started, no stored tokens).
      const twoWorkers = args['no-cluster']
        ? new Map<ScenarioId, Outcome>()
        : await runScenarios(
            selected.filter((id) => CLUSTER_SCENARIOS.includes(id)),
            target,
            options(server),
          );
      const pids = server.servingPids();
      let warmRss: number[] = [];
      const outcomes = await runScenarios(selected, target, options(server), () => (warmRss = pids.map(rssMegabytes)));
      for (const id of selected) {
        const row: ScenarioResult = {
          id,
          title: SCENARIOS[id],
          castellan: outcomes.get(id)!,
          bare: bare.get(id) ?? null,
        };
        report.scenarios.push(row);
        if (oneWorker.has(id))
          report.cluster.push({
            id,
            title: SCENARIOS[id],
            oneWorker: oneWorker.get(id)!,
            twoWorkers: twoWorkers.get(id)!,
          });
      }
      if (!args['no-growth']) report.growth = await growth(target, fixture!, options(server, growthTiming));
      // Idle a moment so that what stays resident is what the process keeps, not what a request holds.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const peaks = [
        ...report.scenarios.map((row) => row.castellan),
        ...(report.growth && 'points' in report.growth
          ? report.growth.points.flatMap((p) => [p.token, p.userinfo])
          : []),
      ];
      report.memory = pids.map((pid, index) => ({
        pid,
        warmRssMb: Math.round(warmRss[index] ?? 0),
        peakRssMb: Math.max(
          Math.round(warmRss[index] ?? 0),
          ...peaks.map((outcome) => ('measurement' in outcome ? (outcome.measurement.peakRssMb[index] ?? 0) : 0)),
        ),
        afterRssMb: Math.round(rssMegabytes(pid)),
      }));
    } finally {
      await server.stop();
    }
  } finally {
    await load.close();
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  report.durationSeconds = Math.round((Date.now() - startedAt) / 1000);
  report.machine.loadAverage.push(os.loadavg()[0]!);
  printReport(report);
  const out = args.out ?? path.join(projectRoot, 'bench', 'results', `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nResults: ${path.relative(process.cwd(), out)} (${report.durationSeconds}s)`);
}

await main();
