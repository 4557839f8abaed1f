// `node bench/instances.ts [--quick]`: many instances on one database (issue 19's targets). One Castellan process
// (WORKERS=1) serves the bootstrap instance with the bench data set (bench/lib/dataset.ts) and N seeded instances of
// 10 orgs, 100 users and one project each (bench/lib/instance-dataset.ts). Printed: client-credentials, login and
// introspection on the bootstrap instance before and after the seeding; the worker's memory once 100 instances were
// active within the last minute; instance creation through the System API (p95); and the bootstrap instance's
// client-credentials p99 while instances are being removed.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { loadConfig } from '../src/platform/config.ts';
import { MasterKey } from '../src/platform/crypto.ts';
import { Instance } from '../src/store/models/index.ts';
import { openBenchDatabase } from './lib/database.ts';
import { seedCastellan } from './lib/dataset.ts';
import {
  seedInstances,
  SEEDED_MACHINE_ID,
  SEEDED_MACHINE_SECRET,
  type SeededInstance,
} from './lib/instance-dataset.ts';
import { clientCredentialsJob } from './lib/jobs.ts';
import { measure, type Outcome } from './lib/measure.ts';
import { freeLoopbackPort } from './lib/ports.ts';
import { rssMegabytes } from './lib/proc.ts';
import { LoadGenerator, startCastellan } from './lib/processes.ts';
import { runScenarios, type ScenarioId } from './lib/scenarios.ts';
import { castellanTarget, loadFor } from './lib/targets.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = args.quick;
const sizes = { instances: quick ? 100 : 1_000, orgsPerInstance: 10, usersPerInstance: 100 };
const ACTIVE_INSTANCES = 100;
const CREATIONS = quick ? 20 : 100;
const REMOVALS = quick ? 5 : 20;
const timing = { seconds: quick ? 3 : 20, warmupSeconds: quick ? 1 : 5 };
const SCENARIOS: ScenarioId[] = ['cc-opaque', 'login', 'introspection'];

/** A request to the server with the Host header of an instance (fetch cannot set one). */
function hostRequest(port: number, host: string, method: string, path: string, body?: string): Promise<number> {
  const headers: Record<string, string> = { host };
  if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (body)
    headers.authorization = `Basic ${Buffer.from(`${SEEDED_MACHINE_ID}:${SEEDED_MACHINE_SECRET}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode!));
    });
    request.on('error', reject);
    request.end(body);
  });
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

function figures(outcome: Outcome | undefined): { rps: number; p99: number; errors: number } | null {
  if (!outcome || 'missing' in outcome) return null;
  const { requestsPerSecond, latencyMs, errors } = outcome.measurement;
  return { rps: Math.round(requestsPerSecond), p99: latencyMs.p99, errors };
}

async function main(): Promise<void> {
  console.log(`Instances bench (${quick ? 'quick' : 'full'}), ${os.cpus().length} CPUs, load ${os.loadavg()[0]}`);
  const database = await openBenchDatabase();
  const load = new LoadGenerator();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-bench-instances-'));
  const masterKey = MasterKey.generate();
  const operator = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const port = await freeLoopbackPort();
  const server = await startCastellan({
    port,
    workers: 1,
    mongodbUri: database.uri,
    dataDir,
    masterKey: masterKey.toBase64url(),
    profileDir: null,
    env: {
      CASTELLAN_SYSTEM_USERS: JSON.stringify([
        { name: 'bench', publicKeyPem: operator.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      ]),
    },
  });
  const options = { server, load, databasePid: database.pid, timing, concurrency: 32 };
  const results: Record<string, unknown> = {};
  try {
    const fixture = await seedCastellan(server.url, masterKey, 40);
    const target = await castellanTarget(server, fixture);
    console.log('One instance:');
    const single = await runScenarios(SCENARIOS, target, options);

    const seedStart = Date.now();
    const seeded = await seedInstances(sizes, masterKey, {
      publicUrl: server.url,
      tokenLifetimes: loadConfig({}).tokenLifetimes,
    });
    console.log(
      `Seeded ${sizes.instances} instances × ${sizes.orgsPerInstance} orgs × ${sizes.usersPerInstance} users ` +
        `in ${((Date.now() - seedStart) / 1000).toFixed(1)} s (${await Instance.countDocuments()} instances)`,
    );
    console.log(`${sizes.instances + 1} instances:`);
    const many = await runScenarios(SCENARIOS, target, options);

    results.memory = await activate(port, seeded.slice(0, ACTIVE_INSTANCES), server.servingPids()[0]!);
    results.creation = await creations(server.url, operator.privateKey);
    results.removal = await removals(server.url, operator.privateKey, seeded.slice(-REMOVALS), async () =>
      measure(options, clientCredentialsJob(loadFor(target, timing.seconds, 32), target.machine)),
    );
    console.log('\nResults (a loaded machine: eight helpers share its CPUs)');
    for (const id of SCENARIOS) {
      const one = figures(single.get(id));
      const all = figures(many.get(id));
      const ratio = one && all ? `${Math.round((100 * all.rps) / one.rps)}% of single` : 'n/a';
      console.log(
        `  ${id.padEnd(14)} 1 instance: ${one?.rps ?? 'n/a'}/s p99 ${one?.p99 ?? '-'} ms · ` +
          `${sizes.instances + 1} instances: ${all?.rps ?? 'n/a'}/s p99 ${all?.p99 ?? '-'} ms · ` +
          `${ratio} (target ≥ 90%)`,
      );
    }
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await server.stop();
    await load.close();
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Discovery, keys and a client-credentials token on each instance: its provider built and its caches filled. */
async function activate(port: number, instances: SeededInstance[], pid: number): Promise<Record<string, number>> {
  const before = rssMegabytes(pid);
  let tokens = 0;
  for (const instance of instances) {
    const host = `${instance.domain}:${port}`;
    await hostRequest(port, host, 'GET', '/.well-known/openid-configuration');
    await hostRequest(port, host, 'GET', '/oauth/v2/keys');
    if ((await hostRequest(port, host, 'POST', '/oauth/v2/token', 'grant_type=client_credentials')) === 200) tokens++;
  }
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = rssMegabytes(pid);
  console.log(
    `Memory: worker RSS ${Math.round(before)} MB → ${Math.round(after)} MB with ${instances.length} instances ` +
      `active (${tokens} tokens issued; target < 400 MB)`,
  );
  return { activeInstances: instances.length, tokensIssued: tokens, rssBeforeMb: before, rssAfterMb: after };
}

function systemToken(privateKey: KeyObject, audience: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer('bench')
    .setSubject('bench')
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
}

async function systemCall(url: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}/system/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Instances created one after another through the System API: their latencies. */
async function creations(url: string, key: KeyObject): Promise<Record<string, number>> {
  const token = await systemToken(key, url);
  const durations: number[] = [];
  let failures = 0;
  for (let index = 0; index < CREATIONS; index += 1) {
    const started = performance.now();
    const answer = await systemCall(url, token, 'POST', '/instances', {
      name: `Created ${index}`,
      customDomains: [`created-${index}.bench.test`],
      org: { name: 'First' },
      owner: {
        username: 'owner',
        email: `owner@created-${index}.bench.test`,
        givenName: 'O',
        familyName: 'W',
        password: 'Owner-Passw0rd!',
      },
      machine: { username: 'automation', name: 'Automation' },
    });
    durations.push(performance.now() - started);
    if (answer.status !== 201) failures++;
  }
  const p50 = Math.round(percentile(durations, 0.5));
  const p95 = Math.round(percentile(durations, 0.95));
  console.log(`Creation: ${CREATIONS} instances, p50 ${p50} ms, p95 ${p95} ms, ${failures} failed (target p95 < 1 s)`);
  return { created: CREATIONS, failures, p50Ms: p50, p95Ms: p95 };
}

/** The bootstrap instance's client-credentials p99 alone, then while `doomed` instances are being removed. */
async function removals(
  url: string,
  key: KeyObject,
  doomed: SeededInstance[],
  measureOthers: () => Promise<Outcome>,
): Promise<Record<string, unknown>> {
  const token = await systemToken(key, url);
  const quiet = figures(await measureOthers());
  const started = Date.now();
  for (const instance of doomed) await systemCall(url, token, 'DELETE', `/instances/${instance.id}`);
  const during = figures(await measureOthers());
  const ids = doomed.map((instance) => instance.id);
  while (await Instance.exists({ _id: { $in: ids } })) await new Promise((resolve) => setTimeout(resolve, 100));
  const seconds = (Date.now() - started) / 1000;
  const change = quiet && during ? Math.round((100 * (during.p99 - quiet.p99)) / Math.max(quiet.p99, 1)) : null;
  console.log(
    `Removal: ${doomed.length} instances removed in ${seconds.toFixed(1)} s; others' cc p99 ${quiet?.p99} ms → ` +
      `${during?.p99} ms during removal (${change === null ? 'n/a' : `${change > 0 ? '+' : ''}${change}%`}; ` +
      'target ≤ +20%)',
  );
  return { removed: doomed.length, seconds, quiet, during, p99ChangePercent: change };
}

await main();
