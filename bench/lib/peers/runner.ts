// `npm run bench -- --peers`: Keycloak and Ory Hydra measured beside Castellan, interleaved in the same run. Each
// round runs every scenario on every server in turn (the order rotating from round to round), so that whatever else
// the machine does weighs on all of them alike. A peer that cannot run here is skipped with the reason.
import type { LoadJob } from '../../load.ts';
import { clientCredentialsJob, introspectionJob, loginJob, refreshJob } from '../jobs.ts';
import { measure, type Outcome, type Timing } from '../measure.ts';
import { elapsed } from '../progress.ts';
import type { ScenarioOptions } from '../scenarios.ts';
import { loadFor, Sessions, type Target } from '../targets.ts';
import { startHydra } from './hydra.ts';
import { startKeycloak } from './keycloak.ts';
import type { PeerTarget } from './peer.ts';
import { combineOutcomes, PEER_SCENARIOS, peersTable, type PeerScenarioId, type PeersReport } from './peer-figures.ts';

/** Each peer gets as many users as Castellan's bench data set has password users. */
const PEER_USERS = 40;

interface Contender extends PeerTarget {
  name: string;
  sessions: Sessions;
  databasePid: number | null;
  jobs: Map<PeerScenarioId, LoadJob | { missing: string }>;
}

async function makeJob(contender: Contender, scenario: PeerScenarioId, concurrency: number) {
  const { target, sessions } = contender;
  const load = loadFor(target, 0, concurrency);
  switch (scenario) {
    case 'cc':
      return clientCredentialsJob(load, target.machine);
    case 'introspection': {
      const session = await sessions.accessToken();
      if ('missing' in session) return session;
      return introspectionJob({ ...load, base: contender.introspectionBase }, target.web, session.token);
    }
    case 'refresh': {
      const chains = await sessions.refreshTokens(concurrency);
      return 'missing' in chains ? chains : refreshJob(load, target.web, chains.tokens);
    }
    case 'login':
      return loginJob(load, target.web, target.users);
  }
}

/** Runs a contender's job for `seconds`, keeping what the next run continues from (e.g. rotated refresh tokens). */
async function runFor(
  contender: Contender,
  scenario: PeerScenarioId,
  options: ScenarioOptions,
  seconds: number,
): Promise<Outcome> {
  const job = contender.jobs.get(scenario) ?? (await makeJob(contender, scenario, options.concurrency));
  contender.jobs.set(scenario, job);
  if ('missing' in job) return job;
  const timing: Timing = { warmupSeconds: 0, seconds };
  return measure(
    { server: contender.target.server, load: options.load, databasePid: contender.databasePid, timing },
    { ...job, seconds },
    (next) => contender.jobs.set(scenario, next),
  );
}

async function startPeers(concurrency: number): Promise<{ peers: Contender[]; skipped: PeersReport['skipped'] }> {
  const starts = [
    { peer: 'Keycloak', start: () => startKeycloak(PEER_USERS) },
    { peer: 'Ory Hydra', start: () => startHydra(PEER_USERS) },
  ];
  // Side by side: a download, a build and a JVM start overlap, and nothing is measured yet.
  const results = await Promise.allSettled(starts.map(({ start }) => start()));
  const peers: Contender[] = [];
  const skipped: PeersReport['skipped'] = [];
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') {
      const { target } = result.value;
      peers.push({
        ...result.value,
        name: target.server.name,
        sessions: new Sessions(target, concurrency),
        databasePid: null,
        jobs: new Map(),
      });
    } else {
      const reason = (result.reason as Error).message;
      skipped.push({ peer: starts[index]!.peer, reason });
      console.log(`  ${elapsed()} skipped ${starts[index]!.peer}: ${reason}`);
    }
  });
  return { peers, skipped };
}

export interface PeerTiming {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
}

/**
 * Starts the peers, measures them and Castellan (already running, as `castellan`) round by round, prints the table
 * and stops the peers (also when something fails).
 */
export async function comparePeers(
  castellan: Target,
  options: ScenarioOptions,
  timing: PeerTiming,
): Promise<PeersReport> {
  console.log(`${elapsed()} Peers:`);
  const { peers, skipped } = await startPeers(options.concurrency);
  const contenders: Contender[] = [
    {
      target: castellan,
      introspectionBase: castellan.server.url,
      description: `${castellan.server.name}, the bench's data set and database (see above)`,
      name: 'Castellan',
      sessions: new Sessions(castellan, options.concurrency),
      databasePid: options.databasePid,
      jobs: new Map(),
    },
    ...peers,
  ];
  // Without a peer there is nothing to compare: Castellan's figures are in the main table already.
  const scenarios = peers.length ? (Object.keys(PEER_SCENARIOS) as PeerScenarioId[]) : [];
  const outcomes = new Map<string, Outcome[]>();
  try {
    for (const scenario of timing.warmupSeconds > 0 ? scenarios : [])
      for (const contender of contenders) {
        await runFor(contender, scenario, options, timing.warmupSeconds);
        contender.target.server.errorLines().splice(0);
      }
    for (let round = 0; round < timing.rounds; round += 1)
      for (const scenario of scenarios)
        for (let turn = 0; turn < contenders.length; turn += 1) {
          const contender = contenders[(turn + round) % contenders.length]!;
          const outcome = await runFor(contender, scenario, options, timing.seconds);
          const key = `${scenario} ${contender.name}`;
          outcomes.set(key, [...(outcomes.get(key) ?? []), outcome]);
          const figure =
            'missing' in outcome
              ? `n/a (${outcome.missing.slice(0, 160)})`
              : `${Math.round(outcome.measurement.requestsPerSecond)}/s, p99 ${outcome.measurement.latencyMs.p99} ms`;
          console.log(`  ${elapsed()} round ${round + 1} · ${scenario} · ${contender.name}: ${figure}`);
        }
  } finally {
    await Promise.all(peers.map((peer) => peer.target.server.stop()));
  }
  const report: PeersReport = {
    ...timing,
    concurrency: options.concurrency,
    contenders: contenders.map(({ name, description }) => ({ name, description })),
    skipped,
    rows: scenarios.map((scenario) => ({
      scenario,
      outcomes: Object.fromEntries(
        contenders.map(({ name }) => [name, combineOutcomes(outcomes.get(`${scenario} ${name}`) ?? [])]),
      ),
    })),
  };
  console.log(`\n${peersTable(report)}\n`);
  return report;
}
