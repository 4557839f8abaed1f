// `node bench/refresh-cost.ts [--rounds=N] [--per-round=N] [--chains=N] [--profile]`: the server's CPU per refresh
// token grant (rotation), Castellan (one process) next to the bare library, in alternating rounds of the same run so
// that both see the same machine (bench/README.md, "Refresh"). Each round sends `per-round` refreshes over `chains`
// rotating chains at once and reads the on-CPU time of every thread of the server (and of Castellan's database)
// around it: a loaded machine changes both figures alike, so their ratio stays comparable between runs.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './lib/database.ts';
import { basicAuth, type TokenSet } from './lib/login-flow.ts';
import { freeLoopbackPort } from './lib/ports.ts';
import { threadNanoseconds } from './lib/proc.ts';
import { table } from './lib/table.ts';
import { bareTarget, oneProcessCastellan, Sessions, type Target } from './lib/targets.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    'per-round': { type: 'string', default: '1500' },
    chains: { type: 'string', default: '4' },
    profile: { type: 'boolean', default: false },
  },
});

/** As in bench/login-steps.ts: time for the writes a refresh left to its group commit to reach the database. */
const SETTLE_MS = 30;

interface Chains {
  target: Target;
  databasePid: number | null;
  tokens: string[];
}

async function refresh(chains: Chains, index: number): Promise<void> {
  const { target, tokens } = chains;
  const response = await fetch(`${target.server.url}${target.endpoints.token}`, {
    method: 'POST',
    headers: {
      authorization: basicAuth(target.web.clientId, target.web.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens[index]! }),
  });
  const set = (await response.json()) as Partial<TokenSet>;
  if (!response.ok || !set.refresh_token) throw new Error(`refresh: ${response.status} ${JSON.stringify(set)}`);
  tokens[index] = set.refresh_token;
}

/** One round: server and database CPU ms per refresh. */
async function round(chains: Chains, count: number): Promise<{ server: number; database: number }> {
  const [serverPid] = chains.target.server.servingPids();
  const server = threadNanoseconds(serverPid!);
  const database = threadNanoseconds(chains.databasePid);
  let sent = 0;
  const chain = async (index: number): Promise<void> => {
    while (sent < count) {
      sent += 1;
      await refresh(chains, index);
    }
  };
  await Promise.all(chains.tokens.map((_, index) => chain(index)));
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return {
    server: (threadNanoseconds(serverPid!) - server) / count / 1e6,
    database: (threadNanoseconds(chains.databasePid) - database) / count / 1e6,
  };
}

async function chainsOf(target: Target, databasePid: number | null, count: number): Promise<Chains> {
  const started = await new Sessions(target, count).refreshTokens(count);
  if ('missing' in started) throw new Error(`${target.server.name}: ${started.missing}`);
  return { target, databasePid, tokens: started.tokens.slice(0, count) };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const [rounds, perRound, chainCount] = [Number(args.rounds), Number(args['per-round']), Number(args.chains)];
const database = await openBenchDatabase();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-refresh-cost-'));
const bare = await bareTarget(await freeLoopbackPort());
const castellan = await oneProcessCastellan(database.uri, dataDir, Boolean(args.profile));
try {
  const sides = [await chainsOf(bare, null, chainCount), await chainsOf(castellan, database.pid, chainCount)];
  for (const side of sides) await round(side, perRound); // warm-up
  const measured = sides.map(() => [] as { server: number; database: number }[]);
  for (let index = 0; index < rounds; index += 1)
    for (const [side, chains] of sides.entries()) measured[side]!.push(await round(chains, perRound));
  const [bareRounds, castellanRounds] = measured as [(typeof measured)[0], (typeof measured)[0]];
  const ratios = castellanRounds.map((cost, index) => bareRounds[index]!.server / (cost.server + cost.database));
  const format = (values: number[]): string =>
    `${median(values).toFixed(3)} (${values.map((value) => value.toFixed(2)).join(' ')})`;
  console.log(
    `${rounds} alternating rounds of ${perRound} refreshes over ${chainCount} chains, after one warm-up round each; ` +
      `CPU ms per refresh, median (rounds); load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
  );
  console.log(
    table(
      ['', 'server CPU ms', 'database CPU ms'],
      [
        ['bare library', format(bareRounds.map((cost) => cost.server)), ''],
        [
          'Castellan (1 process)',
          format(castellanRounds.map((cost) => cost.server)),
          format(castellanRounds.map((cost) => cost.database)),
        ],
        ['bare ÷ Castellan (server + database)', format(ratios), ''],
      ],
    ),
  );
} finally {
  await castellan.server.stop();
  await bare.server.stop();
  await database.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
