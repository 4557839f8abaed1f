// The peers' comparison as figures: rounds of one contender combined, the ratio to Castellan, and the printed table.
import type { Measurement, Outcome } from '../measure.ts';
import { number, table } from '../table.ts';

export const PEER_SCENARIOS = {
  cc: 'client credentials',
  introspection: 'introspection',
  refresh: 'refresh token grant (rotation)',
  login: 'full password login (argon2id) + code + token',
} as const;
export type PeerScenarioId = keyof typeof PEER_SCENARIOS;

/** One contender's figures over every round of one scenario. */
export interface CombinedFigures {
  requests: number;
  /** Every request of every round ÷ every round's seconds. */
  requestsPerSecond: number;
  /** Each round's rate, to show how much they scatter. */
  roundRates: number[];
  /** The highest of the rounds' p99 (percentiles of separate runs cannot be merged; the worst is the honest one). */
  p99Ms: number;
  errors: number;
  errorSamples: string[];
  serverCpuMsPerRequest: number;
  databaseCpuMsPerRequest: number;
}

export function combineRounds(rounds: Measurement[]): CombinedFigures {
  const requests = rounds.reduce((sum, round) => sum + round.requests, 0);
  const seconds = rounds.reduce(
    (sum, round) => sum + (round.requestsPerSecond > 0 ? round.requests / round.requestsPerSecond : 0),
    0,
  );
  const weighted = (value: (round: Measurement) => number): number =>
    requests ? rounds.reduce((sum, round) => sum + value(round) * round.requests, 0) / requests : 0;
  return {
    requests,
    requestsPerSecond: seconds > 0 ? requests / seconds : 0,
    roundRates: rounds.map((round) => round.requestsPerSecond),
    p99Ms: Math.max(0, ...rounds.map((round) => round.latencyMs.p99)),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    errorSamples: rounds.flatMap((round) => round.errorSamples).slice(0, 5),
    serverCpuMsPerRequest: weighted((round) => round.serverCpuMsPerRequest),
    databaseCpuMsPerRequest: weighted((round) => round.databaseCpuMsPerRequest),
  };
}

/** A contender's result for one scenario: combined figures, or why it could not run (its first probe's answer). */
export type PeerOutcome = { figures: CombinedFigures } | { missing: string };

export function combineOutcomes(outcomes: Outcome[]): PeerOutcome {
  const failed = outcomes.find((outcome) => 'missing' in outcome);
  if (failed && 'missing' in failed) return { missing: failed.missing };
  return { figures: combineRounds(outcomes.map((outcome) => (outcome as { measurement: Measurement }).measurement)) };
}

/** Castellan ÷ peer, as printed: `×5.42`; `—` when either has no figure. */
export function ratio(castellan: PeerOutcome | undefined, peer: PeerOutcome | undefined): string {
  if (!castellan || !peer || !('figures' in castellan) || !('figures' in peer)) return '—';
  const peerRate = peer.figures.requestsPerSecond;
  return peerRate > 0 ? `×${number(castellan.figures.requestsPerSecond / peerRate, 2)}` : '—';
}

export interface PeersReport {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  /** Castellan first: the ratios' numerator. */
  contenders: Array<{ name: string; description: string }>;
  skipped: Array<{ peer: string; reason: string }>;
  rows: Array<{ scenario: PeerScenarioId; outcomes: Record<string, PeerOutcome> }>;
}

function cpuCell(figures: CombinedFigures): string {
  const database = figures.databaseCpuMsPerRequest;
  return `${number(figures.serverCpuMsPerRequest, 2)}${database > 0 ? ` (+${number(database, 2)})` : ''}`;
}

/** Why a contender has no figure, and samples of its errors: too long for the table. */
function notes(report: PeersReport): string[] {
  return report.rows.flatMap(({ scenario, outcomes }) =>
    Object.entries(outcomes).flatMap(([name, outcome]) => {
      if ('missing' in outcome) return [`- ${scenario} · ${name}: n/a: ${outcome.missing.slice(0, 300)}`];
      const { errors, errorSamples } = outcome.figures;
      return errors ? [`- ${scenario} · ${name}: ${errors} errors, e.g. ${errorSamples[0]?.slice(0, 300) ?? '?'}`] : [];
    }),
  );
}

export function peersTable(report: PeersReport): string {
  const [castellan] = report.contenders;
  const rows = report.rows.flatMap(({ scenario, outcomes }) =>
    report.contenders.map(({ name }, index) => {
      const outcome = outcomes[name];
      const first = index === 0 ? PEER_SCENARIOS[scenario] : '';
      if (!outcome || 'missing' in outcome) return [first, name, 'n/a (see below)', '', '', '', '', ''];
      const { figures } = outcome;
      return [
        first,
        name,
        number(figures.requestsPerSecond),
        figures.roundRates.map((rate) => number(rate)).join(' / '),
        number(figures.p99Ms, 1),
        number(figures.errors),
        cpuCell(figures),
        index === 0 ? '' : ratio(outcomes[castellan!.name], outcome),
      ];
    }),
  );
  const headers = ['scenario', 'server', 'req/s', 'per round', 'p99 ms', 'errors', 'CPU ms/req', 'Castellan ÷ peer'];
  return [
    `Peers, interleaved in this run (${report.rounds} round(s) of ${report.seconds}s per server and scenario after ` +
      `${report.warmupSeconds}s warm-up each, ${report.concurrency} concurrent requests; p99 = the worst round's; ` +
      "CPU = the server's processes (+ Castellan's database, a process of its own); a peer's figure includes its " +
      "database (Keycloak's H2 is in its JVM; Hydra's PostgreSQL and the bench's login app for Hydra are counted)):",
    '',
    rows.length ? table(headers, rows) : 'No peer ran.',
    '',
    ...report.contenders.map(({ name, description }) => `- ${name}: ${description}`),
    ...report.skipped.map(({ peer, reason }) => `- skipped ${peer}: ${reason}`),
    ...notes(report),
  ].join('\n');
}
