// `node bench/alloc-cost.ts [--rounds=N] [--requests=N] [--concurrency=N] [--only=a,b] [--profile-out=file.json]
// [--storage=database|memory]`:
// what one token-endpoint request allocates and costs in CPU, Castellan (one process) next to the bare library, in
// alternating rounds of the same run (bench/README.md, "Introspection" → "Allocations", "Refresh"). Each round sends
// `requests` of a scenario (introspection, cc-opaque, discovery, refresh: each connection its own rotating chain),
// `concurrency` at a time over keep-alive, and reads from the server's own probe
// (bench/lib/alloc-probe.mjs) the bytes its V8 heap allocated meanwhile and where, and from /proc the CPU time of all
// its threads. The load is generated in this process, so none of it is counted as the server's, nor is the database's
// CPU. With `--storage=memory` Castellan keeps the OIDC tokens and grants in its own process
// (bench/lib/memory-storage.ts): the difference is what the database client costs the server.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './lib/database.ts';
import { basicAuth } from './lib/login-flow.ts';
import { freeLoopbackPort } from './lib/ports.ts';
import { threadNanoseconds } from './lib/proc.ts';
import { table } from './lib/table.ts';
import { bareTarget, oneProcessCastellan, Sessions, type Target } from './lib/targets.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    only: { type: 'string', default: 'introspection,cc-opaque,discovery,refresh' },
    'profile-out': { type: 'string' },
    storage: { type: 'string', default: 'database' },
  },
});
if (!['database', 'memory'].includes(args.storage)) throw new Error('--storage is database or memory');

interface Probe {
  allocated: number;
  collections: number;
  sampled: number;
  self: Array<[string, number]>;
  inclusive: Array<[string, number]>;
}

/** Sends one request of a scenario on connection `lane` and throws unless its answer is the expected one. */
type Send = (lane: number) => Promise<void>;

const probeDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-alloc-probe-'));
// Inherited by the servers this process starts (bench/lib/processes.ts passes its own NODE_OPTIONS on).
const probeModule = path.resolve(import.meta.dirname, 'lib', 'alloc-probe.mjs');
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${probeModule}`;
process.env.ALLOC_PROBE_DIR = probeDir;

async function probe(pid: number, command: 'start' | 'stop'): Promise<Probe> {
  const port = readFileSync(path.join(probeDir, `${pid}.port`), 'utf8');
  const response = await fetch(`http://127.0.0.1:${port}/${command}`);
  if (!response.ok) throw new Error(`allocation probe: ${await response.text()}`);
  return (await response.json()) as Probe;
}

function sender(url: string, init: RequestInit, expect: string): Send {
  return async () => {
    const response = await fetch(url, init);
    const text = await response.text();
    if (!response.ok || !text.includes(expect)) throw new Error(`${url}: ${response.status} ${text}`);
  };
}

async function senderOf(target: Target, scenario: string, concurrency: number): Promise<Send> {
  const url = (endpoint: string): string => `${target.server.url}${endpoint}`;
  const form = (credentials: { clientId: string; clientSecret: string }, body: string): RequestInit => ({
    method: 'POST',
    headers: {
      authorization: basicAuth(credentials.clientId, credentials.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  });
  if (scenario === 'discovery') return sender(url('/.well-known/openid-configuration'), {}, '"issuer"');
  if (scenario === 'cc-opaque')
    return sender(url(target.endpoints.token), form(target.machine, 'grant_type=client_credentials'), '"access_token"');
  if (scenario === 'refresh') {
    // As bench/refresh-cost.ts: a rotated refresh token replaces its chain's, so every connection keeps its own chain.
    const chains = await new Sessions(target, concurrency).refreshTokens(concurrency);
    if ('missing' in chains) throw new Error(`${target.server.name}: ${chains.missing}`);
    const tokens = chains.tokens.slice(0, concurrency);
    return async (lane) => {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens[lane]! }).toString();
      const response = await fetch(url(target.endpoints.token), form(target.web, body));
      const set = (await response.json()) as { refresh_token?: string };
      if (!response.ok || !set.refresh_token) throw new Error(`refresh: ${response.status} ${JSON.stringify(set)}`);
      tokens[lane] = set.refresh_token;
    };
  }
  const session = await new Sessions(target, 4).accessToken();
  if ('missing' in session) throw new Error(`${target.server.name}: ${session.missing}`);
  const body = new URLSearchParams({ token: session.token }).toString();
  return sender(url(target.endpoints.introspection), form(target.web, body), '"active":true');
}

interface Round {
  cpuMs: number;
  kbPerRequest: number;
  probe: Probe;
}

async function round(target: Target, send: Send, count: number, concurrency: number): Promise<Round> {
  const [pid] = target.server.servingPids();
  await probe(pid!, 'start');
  const cpu = threadNanoseconds(pid!);
  let sent = 0;
  const loop = async (lane: number): Promise<void> => {
    while (sent < count) {
      sent += 1;
      await send(lane);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, lane) => loop(lane)));
  const cpuMs = (threadNanoseconds(pid!) - cpu) / count / 1e6;
  const measured = await probe(pid!, 'stop');
  return { cpuMs, kbPerRequest: measured.allocated / count / 1024, probe: measured };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const [rounds, requests, concurrency] = [Number(args.rounds), Number(args.requests), Number(args.concurrency)];
const scenarios = args.only.split(',');
const database = await openBenchDatabase();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-alloc-cost-'));
const bare = await bareTarget(await freeLoopbackPort());
// `memory`: the OIDC tokens and grants kept in the server's process, so neither the driver nor the database runs for
// them (bench/lib/memory-storage.ts): what Castellan's own work costs next to the library's.
const storageStandIn = path.resolve(import.meta.dirname, 'lib', 'memory-storage.mjs');
const castellan = await oneProcessCastellan(
  database.uri,
  dataDir,
  false,
  0,
  args.storage === 'memory' ? [storageStandIn] : [],
);
try {
  const sides = [
    { name: 'bare library', target: bare },
    { name: `Castellan (1 process${args.storage === 'memory' ? ', storage in memory' : ''})`, target: castellan },
  ];
  const rows: string[][] = [];
  const profiles: Record<string, Probe> = {};
  for (const scenario of scenarios) {
    const prepared = await Promise.all(sides.map((side) => senderOf(side.target, scenario, concurrency)));
    for (const [index, side] of sides.entries()) await round(side.target, prepared[index]!, requests / 4, concurrency);
    const measured = sides.map(() => [] as Round[]);
    for (let index = 0; index < rounds; index += 1)
      for (const [side, { target }] of sides.entries())
        measured[side]!.push(await round(target, prepared[side]!, requests, concurrency));
    for (const [side, { name }] of sides.entries()) {
      const results = measured[side]!;
      const format = (values: number[], digits: number): string =>
        `${median(values).toFixed(digits)} (${values.map((value) => value.toFixed(digits)).join(' ')})`;
      rows.push([
        scenario,
        name,
        format(
          results.map((result) => result.cpuMs),
          3,
        ),
        format(
          results.map((result) => (result.kbPerRequest / 1024) * 1000),
          1,
        ),
        String(median(results.map((result) => result.probe.collections))),
      ]);
      profiles[`${scenario} / ${name}`] = results.at(-1)!.probe;
    }
  }
  console.log(
    `${rounds} alternating rounds of ${requests} requests, ${concurrency} at a time, after one warm-up round of ` +
      `${requests / 4}; median (rounds); load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
  );
  console.log(
    table(['scenario', 'server', 'CPU ms per request', 'MB allocated per 1,000 requests', 'collections'], rows),
  );
  if (args['profile-out']) writeFileSync(args['profile-out'], JSON.stringify(profiles, null, 1));
} finally {
  await castellan.server.stop();
  await bare.server.stop();
  await database.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(probeDir, { recursive: true, force: true });
}
