// `node bench/login-steps.ts [--logins=N] [--warmup=N] [--no-bare] [--profile] [--totp]`: the server's CPU per HTTP
// request of the `login` scenario (authorize, login pages, password, resume, token), Castellan (one process) next to
// the bare library; with `--totp`, of the `login-totp` scenario (the code step after the password), Castellan alone.
// Logins run one at a time, so each request's CPU can be read off the server's threads around it: every thread's
// on-CPU time in nanoseconds (/proc/<pid>/task/<tid>/schedstat: the libuv threads that run argon2id and
// V8's collector threads included), where the bench's /proc/<pid>/stat counts in 10 ms ticks.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './lib/database.ts';
import { passwordLogin, type Credentials } from './lib/login-flow.ts';
import { freeLoopbackPort } from './lib/ports.ts';
import { threadNanoseconds } from './lib/proc.ts';
import { table } from './lib/table.ts';
import { bareTarget, oneProcessCastellan, type Target } from './lib/targets.ts';

const { values: args } = parseArgs({
  options: {
    logins: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '100' },
    'no-bare': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    totp: { type: 'boolean', default: false },
  },
});

/**
 * After each response, how long the writes a request started without waiting for them (group commits, audit events)
 * may take, so that their CPU counts for the request that caused them (the batchers flush within a few ms when idle).
 */
const SETTLE_MS = 15;

/** A request's name with its ids left out: the same step of every login shares it. */
function stepName(method: string, url: URL, endpoints: Target['endpoints']): string {
  if (url.pathname === endpoints.authorization) return `${method} authorize`;
  if (url.pathname === endpoints.token) return `${method} token`;
  return `${method} ${url.pathname.replace(/\/[A-Za-z0-9_-]{16,}(?=\/|$)/g, '/{id}')}`;
}

interface StepCost {
  count: number;
  serverNs: number;
  databaseNs: number;
}

/**
 * Users with an authenticator app for `--totp`: each logs in at most three times in 30 seconds (one code per time
 * step, bench/lib/login-flow.ts), and one login at a time runs about 10 a second.
 */
const TOTP_USERS = 300;

/** Runs logins one at a time and adds up each step's CPU. */
async function measure(
  target: Target,
  databasePid: number | null,
  logins: number,
  warmup: number,
): Promise<Map<string, StepCost>> {
  const [serverPid] = target.server.servingPids();
  const costs = new Map<string, StepCost>();
  const realFetch = globalThis.fetch;
  let counting = false;
  globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), target.server.url);
    const server = threadNanoseconds(serverPid!);
    const database = threadNanoseconds(databasePid);
    const response = await realFetch(input, init);
    const body = await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    if (counting) {
      const name = stepName(init?.method ?? 'GET', url, target.endpoints);
      const cost = costs.get(name) ?? { count: 0, serverNs: 0, databaseNs: 0 };
      cost.count += 1;
      cost.serverNs += threadNanoseconds(serverPid!) - server;
      cost.databaseNs += threadNanoseconds(databasePid) - database;
      costs.set(name, cost);
    }
    return new Response(response.status === 204 || response.status === 304 ? null : body, {
      status: response.status,
      headers: response.headers,
    });
  };
  try {
    const users = (args.totp ? target.totpUsers : target.users) as Credentials[];
    for (let index = 0; index < warmup + logins; index += 1) {
      counting = index >= warmup;
      await passwordLogin(target.server.url, target.endpoints, target.web, users[index % users.length]!);
    }
  } finally {
    globalThis.fetch = realFetch;
  }
  return costs;
}

function rows(title: string, costs: Map<string, StepCost>, logins: number): string[][] {
  const ms = (ns: number, count: number): string => (ns / count / 1e6).toFixed(2);
  const total = [...costs.values()].reduce(
    (sum, cost) => ({ serverNs: sum.serverNs + cost.serverNs, databaseNs: sum.databaseNs + cost.databaseNs }),
    { serverNs: 0, databaseNs: 0 },
  );
  return [
    [title, '', '', ''],
    ...[...costs].map(([name, cost]) => [
      name,
      (cost.count / logins).toFixed(0),
      ms(cost.serverNs, cost.count),
      ms(cost.databaseNs, cost.count),
    ]),
    ['per login', '', ms(total.serverNs, logins), ms(total.databaseNs, logins)],
  ];
}

const logins = Number(args.logins);
const warmup = Number(args.warmup);
const database = await openBenchDatabase();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-login-steps-'));
const results: string[][] = [];
try {
  if (!args['no-bare'] && !args.totp) {
    const bare = await bareTarget(await freeLoopbackPort());
    try {
      results.push(...rows('bare library', await measure(bare, null, logins, warmup), logins));
    } finally {
      await bare.server.stop();
    }
  }
  const target = await oneProcessCastellan(database.uri, dataDir, Boolean(args.profile), args.totp ? TOTP_USERS : 0);
  try {
    results.push(...rows('Castellan (1 process)', await measure(target, database.pid, logins, warmup), logins));
  } finally {
    await target.server.stop();
  }
  console.log(
    `${logins} ${args.totp ? 'TOTP ' : ''}logins one at a time after ${warmup} warm-up logins; CPU ms per request ` +
      `(load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs)`,
  );
  console.log(table(['request', 'per login', 'server CPU ms', 'database CPU ms'], results));
} finally {
  await database.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
