import mongoose from 'mongoose';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import { domainModels } from '../models/index.ts';
import { CacheRevision } from '../models/cache-revision.ts';
import { SystemEvent } from '../models/system-event.ts';
import { OidcConsumption, oidcPayloadModels } from '../models/oidc-payload.ts';
import { ferretdbBinary, startFerretdb, type RunningFerretdb } from '../../platform/ferretdb.ts';
import { failWritesOnClosedSockets } from './driver-overrides.ts';
import { histogram } from '../../platform/metrics.ts';

export type DatabaseKind = 'mongodb' | 'ferretdb';

export interface Database {
  kind: DatabaseKind;
  uri: string;
  close(): Promise<void>;
}

const DEFAULT_DATABASE_NAME = 'castellan';

/**
 * Driver settings of ours (each overridden by the same option in MONGODB_URI):
 * - `maxPoolSize`: the driver's default of 100 connections per process buys nothing against FerretDB's single
 *   SQLite writer and costs memory in every worker.
 * - While the database is down (a crash being restarted, a server restart, a failover), a request waits at most a
 *   second for it per operation and then fails (503, http/middleware/errors.ts), rather than hanging: the driver
 *   looks for a server for 1 s instead of 30 (some requests read twice, e.g. the authorization endpoint's client;
 *   a restart of the embedded FerretDB takes about as long, measured 0.4-1 s). It checks the server every second,
 *   so the pool is back within about a second of the database, with no request needed to notice.
 * - A server that stops answering without closing its connections (a stopped process, a network partition) fails
 *   that check after `connectTimeoutMS`, and the driver then fails every command waiting on it: 3 s instead of
 *   30 s (measured with FerretDB stopped by SIGSTOP: requests answered 503 after 30 s with the default).
 */
const DRIVER_DEFAULTS = {
  maxPoolSize: 16,
  serverSelectionTimeoutMS: 1_000,
  heartbeatFrequencyMS: 1_000,
  connectTimeoutMS: 3_000,
};

function driverOptions(uri: string): Partial<typeof DRIVER_DEFAULTS> {
  return Object.fromEntries(
    Object.entries(DRIVER_DEFAULTS).filter(([name]) => !new RegExp(`[?&]${name}=`, 'i').test(uri)),
  );
}

function databaseName(uri: string): string {
  return /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1] ?? DEFAULT_DATABASE_NAME;
}

/** Real MongoDB expires documents itself; the sweep (database/sweeper.ts) still runs, since FerretDB has no TTL. */
async function createTtlIndexes(): Promise<void> {
  const collections = [...oidcPayloadModels().map((model) => model.collection), OidcConsumption.collection];
  await Promise.all(
    collections.map((collection) =>
      collection.createIndex({ expiresAt: 1 }, { name: 'expiresAt_ttl', expireAfterSeconds: 0 }),
    ),
  );
}

/** A FerretDB reached by MONGODB_URI (e.g. an embedded one shared with cluster workers) refuses TTL indexes. */
async function isFerretdb(): Promise<boolean> {
  const info = await mongoose.connection.db?.admin().command({ buildInfo: 1 });
  return typeof info?.ferretdbVersion === 'string';
}

const commandDuration = histogram(
  'castellan_db_command_duration_seconds',
  'Database round trips (the driver command monitoring) by command name and outcome',
  ['command', 'outcome'],
  [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
);

function monitorCommands(): void {
  const client = mongoose.connection.getClient();
  client.on('commandSucceeded', (event) =>
    commandDuration.observe({ command: event.commandName, outcome: 'ok' }, event.duration / 1000),
  );
  client.on('commandFailed', (event) =>
    commandDuration.observe({ command: event.commandName, outcome: 'error' }, event.duration / 1000),
  );
}

/** Connects mongoose to MONGODB_URI, or to an embedded FerretDB started (and built, once) for this process. */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  failWritesOnClosedSockets();
  let embedded: RunningFerretdb | null = null;
  let uri = config.mongodbUri;
  if (!uri) {
    const binary = await ferretdbBinary(config.ferretdb, (line) => log.info(line));
    embedded = await startFerretdb(binary, config.dataDir, { log });
    uri = embedded.uri;
    log.info({ uri }, 'embedded FerretDB started');
  }
  // The driver builds an event per command only when monitoring is on: only worth it when /metrics is served.
  const measured = config.metrics.token !== null;
  try {
    await mongoose.connect(uri, {
      dbName: databaseName(uri),
      // Commands go to the driver at once instead of waiting in mongoose's buffer (10 s by default) for a connection.
      bufferCommands: false,
      autoIndex: false,
      monitorCommands: measured,
      ...driverOptions(uri),
    });
    if (measured) monitorCommands();
    await Promise.all(
      [...domainModels, CacheRevision, SystemEvent, ...oidcPayloadModels()].map((model) => model.createIndexes()),
    );
    if (!embedded && !(await isFerretdb())) await createTtlIndexes();
  } catch (error) {
    await mongoose.disconnect().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
  return {
    kind: embedded ? 'ferretdb' : 'mongodb',
    uri,
    async close() {
      await mongoose.disconnect();
      await embedded?.stop();
    },
  };
}

/** Whether the driver holds a connection (it checks every second): false at once while the database is down. */
export function databaseConnected(): boolean {
  return mongoose.connection.readyState === 1;
}

/** Connected (the driver checks every second) and answering a ping. */
export async function databaseReachable(): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) return false;
  try {
    await db.command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

// A cleared pool's error (PoolClearedError) is a MongoNetworkError.
const { MongoNetworkError, MongoServerSelectionError, MongoNotConnectedError } = mongoose.mongo;
/** Socket errors the driver lets through unwrapped (seen: EPIPE from a write to a FerretDB killed meanwhile). */
const SOCKET_ERRORS = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED']);

/** Whether an error says the database cannot be reached right now (rather than that the request was wrong). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (
      cause instanceof MongoNetworkError ||
      cause instanceof MongoServerSelectionError ||
      cause instanceof MongoNotConnectedError ||
      cause.name === 'MongooseServerSelectionError' ||
      SOCKET_ERRORS.has(String((cause as NodeJS.ErrnoException).code))
    )
      return true;
  }
  return false;
}
