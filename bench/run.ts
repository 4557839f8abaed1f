// `npm run bench [-- --quick]`: Castellan against the bare node-oidc-provider, on this machine, now.
// See bench/README.md for what is measured and how to read the table.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/platform/config.ts';
import { freeLoopbackPort } from './lib/ports.ts';
import { MasterKey } from '../src/platform/crypto.ts';
import { deleteFromCollection } from '../src/store/database/sweeper.ts';
import { OidcConsumption, oidcPayloadModels } from '../src/store/models/oidc-payload.ts';
import { openBenchDatabase, type BenchDatabase } from './lib/database.ts';
import { seedCastellan, type CastellanFixture } from './lib/dataset.ts';
import { growth, type GrowthSizes } from './lib/growth.ts';
import type { Outcome, Timing } from './lib/measure.ts';
import { LoadGenerator, startCastellan, type ServerProcess } from './lib/processes.ts';
import { rssMegabytes } from './lib/proc.ts';
import type { MemoryBreakdown, ProbeAnswer } from './lib/memory-breakdown.ts';
import { comparePeers } from './lib/peers/runner.ts';
import { printReport } from './lib/print-report.ts';
import { elapsed, startedAt } from './lib/progress.ts';
import type { Report, ScenarioResult } from './lib/report.ts';
import { CLUSTER_SCENARIOS, runScenarios, SCENARIOS, type ScenarioId, type ScenarioOptions } from './lib/scenarios.ts';
import { bareTarget, castellanTarget } from './lib/targets.ts';

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
    /** Also measure Keycloak and Ory Hydra beside Castellan, interleaved (bench/lib/peers/, README "Peers"). */
    peers: { type: 'boolean', default: false },
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
const sizes: GrowthSizes = {
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
/**
 * A TOTP user logs in once per 30-second step (a code is accepted once; three at once within the drift window): enough
 * users that the login-totp scenario never waits for a step, at several hundred logins a second.
 */
const BENCH_TOTP_USERS = 5_000;

/**
 * Each Castellan phase starts without the tokens of the one before: what is stored changes what some operations cost.
 */
async function clearOidcDocuments(): Promise<void> {
  await Promise.all([
    ...oidcPayloadModels().map((model) => deleteFromCollection(model.collection, {})),
    deleteFromCollection(OidcConsumption.collection, {}),
  ]);
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

/**
 * Each serving process's resident memory: warm (taken after the warm pass), peak (the highest sample under any load of
 * the run) and after (now), with where it was at each of them when the server answers the memory probe.
 */
async function memoryResults(
  report: Report,
  server: ServerProcess,
  pids: number[],
  warm: WarmMemory,
): Promise<Report['memory']> {
  const loads = [
    ...report.scenarios.map((row) => row.castellan),
    ...(report.growth && 'points' in report.growth ? report.growth.points.flatMap((p) => [p.token, p.userinfo]) : []),
  ].flatMap((outcome) => ('measurement' in outcome ? [outcome.measurement] : []));
  const after = (await server.memory?.()) ?? [];
  return pids.map((pid, index) => {
    const warmRssMb = Math.round(warm.rss[index] ?? 0);
    const breakdowns = loads.flatMap((load) => load.peakMemory?.filter((answer) => answer.pid === pid) ?? []);
    const peak = breakdowns.reduce<ProbeAnswer | null>(
      (top, answer) => (top && top.peak.rss >= answer.peak.rss ? top : answer),
      null,
    );
    const withBreakdown = (name: 'warm' | 'peak' | 'after', value: MemoryBreakdown | undefined) =>
      value ? { [name]: value } : {};
    return {
      pid,
      warmRssMb,
      peakRssMb: Math.max(warmRssMb, ...loads.map((load) => load.peakRssMb[index] ?? 0)),
      afterRssMb: Math.round(rssMegabytes(pid)),
      breakdown: {
        ...withBreakdown('warm', warm.breakdown.find((answer) => answer.pid === pid)?.now),
        ...withBreakdown('peak', peak?.peak),
        ...withBreakdown('after', after.find((answer) => answer.pid === pid)?.now),
      },
    };
  });
}

interface WarmMemory {
  rss: number[];
  breakdown: ProbeAnswer[];
}

async function main(): Promise<void> {
  console.log(
    `Castellan bench (${quick ? 'quick' : 'full'}): ${timing.seconds}s per scenario ` +
      `after ${timing.warmupSeconds}s warm-up, ${concurrency} concurrent requests`,
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
  const options = (server: ServerProcess, scenarioTiming = timing): ScenarioOptions => ({
    server,
    load,
    databasePid: database.pid,
    timing: scenarioTiming,
    concurrency,
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
      (fixture ??= await seedCastellan(server.url, masterKey, BENCH_USERS, BENCH_TOTP_USERS));
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
      const warm: WarmMemory = { rss: [], breakdown: [] };
      const outcomes = await runScenarios(selected, target, options(server), async () => {
        warm.rss = pids.map(rssMegabytes);
        warm.breakdown = (await server.memory?.()) ?? [];
      });
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
      if (args.peers)
        report.peers = await comparePeers(target, options(server), {
          rounds: quick ? 2 : 3,
          seconds: quick ? timing.seconds : 10,
          warmupSeconds: quick ? 2 : 5,
        });
      if (!args['no-growth'])
        report.growth = await growth(target, fixture!, options(server, growthTiming), {
          sizes,
          concurrency: growthConcurrency,
        });
      // Idle a moment so that what stays resident is what the process keeps, not what a request holds.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      report.memory = await memoryResults(report, server, pids, warm);
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
