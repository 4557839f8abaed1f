import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { buildFerretdb, FerretdbBuildError } from '../../tools/ferretdb/build.ts';
import type { Config } from './config.ts';

export class DatabaseUnavailableError extends Error {}

/**
 * The FerretDB binary to start: FERRETDB_BIN, or Castellan's patched build (tools/ferretdb/build.ts, see
 * docs/ferretdb.md), made once into ~/.cache/castellan on the first start or test run of a machine. This is the
 * one place the product reaches into tools/ (allowed in .dependency-cruiser.mjs), so that `npm start` and
 * `npm test` need nothing run before them.
 */
export async function ferretdbBinary(ferretdb: Config['ferretdb'], report: (line: string) => void): Promise<string> {
  if (ferretdb.bin) return ferretdb.bin;
  try {
    return await buildFerretdb(ferretdb.version, report);
  } catch (error) {
    throw error instanceof FerretdbBuildError ? new DatabaseUnavailableError(error.message) : error;
  }
}

export interface RunningFerretdb {
  uri: string;
  stop(): Promise<void>;
}

async function waitUntilAnswering(uri: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new DatabaseUnavailableError(`FerretDB exited at start (code ${child.exitCode}):\n${output()}`);
    const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new DatabaseUnavailableError(`FerretDB did not answer within 30s: ${String(lastError)}\n${output()}`);
}

/**
 * SQLite in WAL mode with `synchronous=NORMAL`: a crash of FerretDB or of the machine's processes loses
 * nothing, and a power loss can lose the last commits but never corrupts the file. That is the promise of a
 * standalone MongoDB's default write concern (journal flushed every 100 ms), and it halves the CPU and the
 * wait of every write (measured: 2,200 → 4,800 inserts/s; SQLite's default syncs the WAL on every commit).
 */
const SQLITE_PRAGMAS = '_pragma=synchronous(normal)';

/**
 * Go collects garbage each time the heap doubles; FerretDB's live heap is small, so that is often. Letting
 * it grow fivefold costs about 12 MB of memory and saves 15% of the database's CPU per inserted token
 * (58 -> 50 µs in batches of six, median of four runs each). An operator's own GOGC wins.
 */
const GO_GC_PERCENT = '400';

/**
 * Starts FerretDB (SQLite backend) under a tiny shell guardian whose stdin is a pipe from this process.
 * When this process goes away for any reason, even SIGKILL, the pipe closes and the guardian stops
 * FerretDB, so no orphan survives us. It listens on a Unix socket only, in a folder only this user can
 * enter: no other local user can reach the database (FerretDB has no authentication here), and a socket
 * costs less per round trip than TCP loopback (measured: 15% more reads per second).
 */
export async function startFerretdb(binary: string, dataDir: string): Promise<RunningFerretdb> {
  const sqliteDir = path.join(dataDir, 'ferretdb');
  mkdirSync(sqliteDir, { recursive: true });
  // A short folder of its own: socket paths are limited to 107 bytes, and data folders can be long.
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-db-'));
  const socket = path.join(socketDir, 'mongodb.sock');
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${sqliteDir}/?${SQLITE_PRAGMAS}`,
    '--listen-addr=',
    `--listen-unix=${socket}`,
    `--state-dir=${sqliteDir}`,
    '--telemetry=disable',
    '--debug-addr=-',
    '--log-level=warn',
  ];
  const guardian = [
    'trap "" INT',
    '"$0" "$@" & pid=$!',
    'cat >/dev/null',
    'kill -TERM $pid 2>/dev/null',
    'wait $pid',
    'rm -rf "$CASTELLAN_SOCKET_DIR"',
  ].join('; ');
  const child = spawn('sh', ['-c', guardian, binary, ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { GOGC: GO_GC_PERCENT, ...process.env, CASTELLAN_SOCKET_DIR: socketDir },
  });
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const uri = `mongodb://${encodeURIComponent(socket)}/`;
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    await exited;
  };
  try {
    await waitUntilAnswering(uri, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { uri, stop };
}
