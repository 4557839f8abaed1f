// `node bench/sweep-cost.ts [--login-seconds=N] [--ahead-seconds=N] [--refresh-seconds=N]`: what the sweep of expired
// documents (src/store/database/sweeper.ts) costs the refresh grant on the data that the bench's login scenarios leave
// behind. A Castellan in one process takes `login-seconds` of password logins at 32 concurrent requests, then 32
// refresh chains run for `refresh-seconds` three times: alone, while this process runs the sweeps of two worker
// processes at once (as of `ahead-seconds` later, so that what the logins left has expired as at the full run's first
// sweep, 300 s after its workers started together), and alone again; each prints the database's CPU per refresh
// (bench/README.md, "Refresh").
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { sweepUnlessSweptLately } from '../src/store/database/sweeper.ts';
import { openBenchDatabase } from './lib/database.ts';
import { loginJob, refreshJob } from './lib/jobs.ts';
import { LoadGenerator } from './lib/processes.ts';
import { threadNanoseconds } from './lib/proc.ts';
import { table } from './lib/table.ts';
import { loadFor, oneProcessCastellan, Sessions } from './lib/targets.ts';

const { values: args } = parseArgs({
  options: {
    'login-seconds': { type: 'string', default: '60' },
    'ahead-seconds': { type: 'string', default: '120' },
    'refresh-seconds': { type: 'string', default: '10' },
  },
});

async function collectionSizes(): Promise<Map<string, number>> {
  const db = mongoose.connection.db!;
  const sizes = new Map<string, number>();
  for (const { name } of await db.listCollections().toArray())
    sizes.set(name, await db.collection(name).estimatedDocumentCount());
  return sizes;
}

const database = await openBenchDatabase();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-sweep-cost-'));
const castellan = await oneProcessCastellan(database.uri, dataDir, false);
const load = new LoadGenerator();
try {
  const result = await load.run(
    loginJob(loadFor(castellan, Number(args['login-seconds']), 32), castellan.web, castellan.users),
  );
  console.log(`${result.requests} logins (${Math.round(result.requestsPerSecond)}/s)`);
  const ahead = Number(args['ahead-seconds']) * 1000;
  const chains = await new Sessions(castellan, 32).refreshTokens(32);
  if ('missing' in chains) throw new Error(chains.missing);
  let tokens = chains.tokens.slice(0, 32);
  /** Refreshes for `refresh-seconds` while `alongside` runs; the database's CPU ms per refresh. */
  const refreshes = async (alongside: () => Promise<number>): Promise<string> => {
    const cpu = threadNanoseconds(database.pid);
    const job = refreshJob(loadFor(castellan, Number(args['refresh-seconds']), 32), castellan.web, tokens);
    const [done, deleted] = await Promise.all([load.run(job), alongside()]);
    tokens = done.chainTokens;
    if (done.errors) throw new Error(`refresh: ${done.errorSamples.join(' ')}`);
    const perRefresh = (threadNanoseconds(database.pid) - cpu) / 1e6 / done.requests;
    const rate = Math.round(done.requestsPerSecond);
    return `${rate} refreshes/s, database CPU ${perRefresh.toFixed(2)} ms per refresh, ${deleted} documents swept`;
  };
  const sizes = await collectionSizes();
  console.log(`refresh alone: ${await refreshes(async () => 0)}`);
  // Each worker process runs a sweeper, ticking at the same moment when they started together (process/server.ts).
  const sweeps = async (): Promise<number> => {
    const cpu = threadNanoseconds(database.pid);
    const started = performance.now();
    const now = new Date(Date.now() + ahead);
    const deleted = (
      await Promise.all([sweepUnlessSweptLately(300, {}, now), sweepUnlessSweptLately(300, {}, now)])
    ).reduce((sum: number, count) => sum + (count ?? 0), 0);
    console.log(
      `two sweepers at once: ${(performance.now() - started).toFixed(0)} ms, ` +
        `database CPU ${((threadNanoseconds(database.pid) - cpu) / 1e6).toFixed(0)} ms (with the refreshes')`,
    );
    return deleted;
  };
  console.log(`refresh with the sweeps: ${await refreshes(sweeps)}`);
  console.log(`refresh alone: ${await refreshes(async () => 0)}; load average ${os.loadavg()[0]!.toFixed(1)}`);
  const after = await collectionSizes();
  console.log(
    table(
      ['collection', 'before the sweeps', 'after'],
      [...sizes]
        .filter(([, count]) => count > 0)
        .map(([name, count]) => [name, String(count), String(after.get(name) ?? 0)]),
    ),
  );
} finally {
  await load.close();
  await castellan.server.stop();
  await database.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
