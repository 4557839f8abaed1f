// `node bench/round-trips.ts [--list]`: the database round trips of one `login` and one `login-totp` (the bench's
// scenarios), per HTTP request of the flow, counted with the driver's command monitoring in a Castellan started in
// this process on the bench's database and data set. `--list` prints every command with its collection and filter.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import type { CommandStartedEvent } from 'mongodb';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { startCastellan } from '../src/process/server.ts';
import { openBenchDatabase } from './lib/database.ts';
import { seedCastellan } from './lib/dataset.ts';
import { discoverEndpoints, passwordLogin, type Credentials } from './lib/login-flow.ts';
import { freeLoopbackPort } from './lib/ports.ts';
import { table } from './lib/table.ts';

const { values: args } = parseArgs({ options: { list: { type: 'boolean', default: false } } });

/** Commands that change data; every other command of a login reads. */
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);
/**
 * After each response, how long writes the request started without waiting for them (the group commit's batches,
 * fire-and-forget audit events) may take to reach the database, so they count for the request that caused them.
 */
const SETTLE_MS = 150;

interface Command {
  name: string;
  collection: string;
  detail: string;
}

interface Step {
  request: string;
  commands: Command[];
}

function describe(event: CommandStartedEvent): Command {
  const command = event.command as Record<string, unknown>;
  const collection = String(command[event.commandName] ?? '');
  const keys = (value: unknown): string =>
    value && typeof value === 'object' ? Object.keys(value as object).join(',') : '';
  const detail =
    event.commandName === 'insert'
      ? `${(command.documents as unknown[]).length} document(s)`
      : event.commandName === 'update' || event.commandName === 'delete'
        ? (command[`${event.commandName}s`] as Array<{ q: unknown }>).map((op) => `{${keys(op.q)}}`).join(' ')
        : `{${keys(command.filter ?? command.query ?? command.pipeline)}}` +
          (command.projection ? ` fields {${keys(command.projection)}}` : '');
  return { name: event.commandName, collection, detail };
}

let current: Step | null = null;
const UID = /\/[A-Za-z0-9_-]{21,}(?=\/|$)/g;

/** A fetch that files every database command under the request that caused it. */
function countingFetch(steps: Step[], realFetch: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    current = { request: `${init?.method ?? 'GET'} ${url.pathname.replace(UID, '/{id}')}`, commands: [] };
    steps.push(current);
    const response = await realFetch(input, init);
    const body = await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    current = null;
    return new Response(response.status === 204 || response.status === 304 ? null : body, {
      status: response.status,
      headers: response.headers,
    });
  };
}

function summary(title: string, steps: Step[]): string[][] {
  const count = (commands: Command[], write: boolean) => commands.filter((c) => WRITES.has(c.name) === write).length;
  const all = steps.flatMap((step) => step.commands);
  const rows = steps.map((step) => [
    step.request,
    String(count(step.commands, false)),
    String(count(step.commands, true)),
    String(step.commands.length),
  ]);
  return [
    [title, '', '', ''],
    ...rows,
    ['total', String(count(all, false)), String(count(all, true)), `${all.length}`],
  ];
}

const database = await openBenchDatabase();
// Castellan opens its own connection (with command monitoring) in this process.
await mongoose.disconnect();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-round-trips-'));
const port = await freeLoopbackPort();
const config = loadConfig({
  ...process.env,
  MONGODB_URI: database.uri,
  DATA_DIR: dataDir,
  PORT: String(port),
  PUBLIC_URL: `http://localhost:${port}`,
  CASTELLAN_DEMO: 'false',
  LOG_LEVEL: 'warn',
  // Command monitoring is switched on with /metrics (store/database/connection.ts).
  METRICS_TOKEN: 'round-trips-metrics-token',
  // No background polling during the flows: only what requests cause is counted.
  CACHE_REVISION_POLL_MS: '60000',
  EMAIL_OUTBOX_POLL_MS: '600000',
  WEBHOOKS_POLL_MS: '600000',
});
const castellan = await startCastellan(config, createLogger(config.logLevel));
const realFetch = globalThis.fetch;
try {
  const fixture = await seedCastellan(config.publicUrl, castellan.services.masterKey, 2, 3);
  const endpoints = await discoverEndpoints(config.publicUrl);
  mongoose.connection.getClient().on('commandStarted', (event) => current?.commands.push(describe(event)));
  const flow = async (user: Credentials): Promise<Step[]> => {
    const steps: Step[] = [];
    globalThis.fetch = countingFetch(steps, realFetch);
    try {
      await passwordLogin(config.publicUrl, endpoints, fixture.web, user);
    } finally {
      globalThis.fetch = realFetch;
    }
    return steps;
  };
  const [user, otherUser] = fixture.users as [Credentials, Credentials];
  const [totpUser, otherTotpUser, secondTotpUser] = fixture.totpUsers as [Credentials, Credentials, Credentials];
  // Warm the instance's provider and caches as a running bench has them; each `login` user logs in about once a
  // second in the bench (warm), while most `login-totp` users log in once in a run (their first login).
  await flow(otherUser);
  await flow(otherTotpUser);
  await flow(user);
  await flow(secondTotpUser);
  const measured: Array<[string, Step[]]> = [
    ['login (user seen before)', await flow(user)],
    ['login-totp (first login of the user)', await flow(totpUser)],
    ['login-totp (user seen before)', await flow(secondTotpUser)],
  ];
  const rows = measured.flatMap(([title, steps]) => summary(title, steps));
  console.log(table(['request', 'reads', 'writes', 'round trips'], rows));
  if (args.list)
    for (const [title, steps] of measured) {
      console.log(`\n${title}`);
      for (const step of steps) {
        console.log(`  ${step.request}`);
        for (const command of step.commands) console.log(`    ${command.name} ${command.collection} ${command.detail}`);
      }
    }
} finally {
  globalThis.fetch = realFetch;
  await castellan.close();
  await database.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
