import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { buildFerretdb, FerretdbBuildError } from '../../tools/ferretdb/build.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

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
    if (child.exitCode !== null || child.signalCode !== null)
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
 * The statement journal of every multi-row insert (https://sqlite.org/tempfiles.html, 2.5) lives in memory: with
 * temporary files allowed, SQLite gives it 64 kB chunks, which the driver's allocator maps and unmaps for every
 * insert (1 mmap and 3 munmap per `insertMany` under strace, about 20% of the database's CPU per 2-document insert;
 * docs/ferretdb.md). Only temporary data moves to memory; the database file and its WAL are written as before.
 */
const TEMP_STORE_IN_MEMORY = 'temp_store(memory)';

/**
 * SQLite in WAL mode with `synchronous=NORMAL`: a crash of FerretDB or of the machine's processes loses
 * nothing, and a power loss can lose the last commits but never corrupts the file. That is the promise of a
 * standalone MongoDB's default write concern (journal flushed every 100 ms), and it halves the CPU and the
 * wait of every write (measured: 2,200 → 4,800 inserts/s; SQLite's default syncs the WAL on every commit).
 */
const SQLITE_PRAGMAS = ['synchronous(normal)', TEMP_STORE_IN_MEMORY].map((pragma) => `_pragma=${pragma}`).join('&');

/**
 * Go collects garbage each time the heap doubles; FerretDB's live heap is small, so that is often. Letting
 * it grow fivefold costs about 12 MB of memory and saves 15% of the database's CPU per inserted token
 * (58 -> 50 µs in batches of six, median of four runs each). An operator's own GOGC wins.
 */
const GO_GC_PERCENT = '400';

/** The first restart after a crash waits this long, each next one twice as long, up to the cap. */
const RESTART_DELAY_MS = { first: 100, cap: 30_000 };
/** A FerretDB that ran this long before it exited is restarted after the first delay again. */
const HEALTHY_RUN_MS = 60_000;

/**
 * A tiny shell guardian that outlives this process: it reads the pid of the running FerretDB from its stdin (a
 * pipe from this process; 0 while none runs). When this process goes away for any reason, even SIGKILL, the
 * pipe closes, and the guardian stops the FerretDB that runs and removes the socket folder, so no orphan
 * survives us.
 */
function startGuardian(socketDir: string): { tell(pid: number): void; stop(): Promise<void> } {
  const script = [
    'trap "" INT',
    'pid=0',
    'while read -r line; do pid=$line; done',
    'if [ "$pid" -gt 0 ]; then kill -TERM "$pid" 2>/dev/null',
    '  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; fi',
    'rm -rf "$CASTELLAN_SOCKET_DIR"',
  ].join('\n');
  const guardian = spawn('sh', ['-c', script], {
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { ...process.env, CASTELLAN_SOCKET_DIR: socketDir },
  });
  guardian.stdin?.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => guardian.once('close', () => resolve()));
  return {
    tell: (pid) => void guardian.stdin?.write(`${pid}\n`),
    stop: async () => {
      guardian.stdin?.end();
      await exited;
    },
  };
}

interface FerretdbRun {
  child: ChildProcess;
  exited: Promise<void>;
  output: () => string;
}

/**
 * Starts FerretDB (SQLite backend) listening on a Unix socket only, in a folder only this user can enter: no
 * other local user can reach the database (FerretDB has no authentication here), and a socket costs less per
 * round trip than TCP loopback (measured: 15% more reads per second). It runs in a process group of its own,
 * so a Ctrl-C reaches this process (which shuts down in order) and not the database under it.
 *
 * With `supervision`, a FerretDB that exits unexpectedly (a crash, kill -9, the OOM killer) is started again on
 * the same socket and data, after 100 ms, then twice as long after each failed try, up to 30 s: the URI does not
 * change, so every client (this process's pool, cluster workers) reconnects by itself. Each exit and restart is
 * logged; `stop()` ends the supervision.
 */
export async function startFerretdb(
  binary: string,
  dataDir: string,
  supervision?: { log: Logger },
): Promise<RunningFerretdb> {
  const sqliteDir = path.join(dataDir, 'ferretdb');
  mkdirSync(sqliteDir, { recursive: true });
  // A short folder of its own: socket paths are limited to 107 bytes, and data folders can be long.
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-db-'));
  const socket = path.join(socketDir, 'mongodb.sock');
  const uri = `mongodb://${encodeURIComponent(socket)}/`;
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
  const guardian = startGuardian(socketDir);
  let stopping = false;
  let current: FerretdbRun | null = null;
  let restartTimer: NodeJS.Timeout | null = null;
  let delay = RESTART_DELAY_MS.first;

  const launch = (): FerretdbRun => {
    // A killed FerretDB leaves its socket file behind, and a new one cannot listen while it is there.
    rmSync(socket, { force: true });
    const child = spawn(binary, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { GOGC: GO_GC_PERCENT, ...process.env },
      detached: true,
    });
    if (child.pid) guardian.tell(child.pid);
    let output = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output = (output + chunk).slice(-4000);
    });
    const startedAt = Date.now();
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        guardian.tell(0);
        resolve();
        if (stopping || !supervision) return;
        if (Date.now() - startedAt > HEALTHY_RUN_MS) delay = RESTART_DELAY_MS.first;
        supervision.log.error(
          { code, signal, restartInMs: delay, output: output.slice(-1000) },
          'FerretDB exited unexpectedly; restarting it on the same socket',
        );
        restartTimer = setTimeout(restart, delay);
        delay = Math.min(delay * 2, RESTART_DELAY_MS.cap);
      }),
    );
    current = { child, exited, output: () => output };
    return current;
  };

  const restart = (): void => {
    restartTimer = null;
    if (stopping) return;
    const run = launch();
    waitUntilAnswering(uri, run.child, run.output).then(
      () => supervision?.log.warn({ uri, pid: run.child.pid }, 'FerretDB restarted'),
      // It exited (and the next try is scheduled), or it does not answer: killed, so that the next one starts.
      () => run.child.kill('SIGKILL'),
    );
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    if (restartTimer) clearTimeout(restartTimer);
    if (current && current.child.exitCode === null && current.child.signalCode === null) current.child.kill('SIGTERM');
    await current?.exited;
    await guardian.stop();
    rmSync(socketDir, { recursive: true, force: true });
  };

  const first = launch();
  try {
    await waitUntilAnswering(uri, first.child, first.output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { uri, stop };
}
