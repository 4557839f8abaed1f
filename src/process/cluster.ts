import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { METRICS_REQUEST, METRICS_RESPONSE } from '../platform/metrics.ts';
import { openAndBootstrap, type RunningCastellan } from './server.ts';

export type RunningCluster = Pick<RunningCastellan, 'database' | 'bootstrap' | 'close'>;

const RESTART_DELAY_MS = 1_000;

/**
 * Settings a process only takes at its start (`npm start` passes the V8 flags to a single process); the
 * operator's own (`node --flag`, NODE_OPTIONS, the environment) win.
 * - V8 sizes its heap's growth by the heap limit, which defaults to a quarter of the machine's memory:
 *   a 1 GB limit keeps a worker's heap near its live size of about 50 MB (measured under the bench's
 *   load: resident 300 -> 190 MB for up to 10% more CPU per request; 512 MB saved 10 MB more for more CPU).
 * - A 4 MB semi-space keeps the young generation small (measured: peak heap 263 -> 157 MB).
 * - After each full collection V8 lets the old generation grow to 1.3 times what survived, instead of its own factor
 *   (in the quiet full run of bench/README.md, "Worker memory", a live heap of 60-68 MB peaked at 116-118 MB
 *   resident): more frequent full collections, whose CPU did not show beyond the scatter of four alternating pairs of
 *   runs.
 * - Two libuv threads per worker: with one worker per core, more threads only run more password checks
 *   at once on the same cores.
 * - glibc's own malloc thresholds are kept: a fixed mmap threshold returned argon2's blocks to the system
 *   after every check, and faulting them in again cost 4 ms per check (login CPU 45 -> 33 ms without it,
 *   measured with the reference C argon2).
 * - Two malloc arenas instead of glibc's eight per core: each thread that allocates (the main one, V8's four
 *   platform threads, the libuv threads running argon2) otherwise gets an arena of its own, and each keeps its freed
 *   memory. Measured under the bench's logins (bench/README.md, "Worker memory"): 10-15 MB less resident per worker
 *   at the peak and after the run, no change in CPU per request beyond the runs' scatter.
 */
const WORKER_ENV = { UV_THREADPOOL_SIZE: '2', MALLOC_ARENA_MAX: '2' };
const WORKER_V8_FLAGS = {
  '--max-old-space-size': '1024',
  '--max-semi-space-size': '4',
  '--heap-growing-percent': '30',
};

/**
 * The node flags plus the memory defaults they lack: what a worker (or a single process) should start with.
 * V8 takes the last of repeated flags, so a default must not follow the operator's own, in either spelling.
 */
export function workerExecArgv(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map((arg) => arg.replaceAll('_', '-'));
  const defaults = Object.entries(WORKER_V8_FLAGS).filter(([flag]) => !given.some((arg) => arg.startsWith(flag)));
  return [...execArgv, ...defaults.map(([flag, value]) => `${flag}=${value}`)];
}

/**
 * The primary of cluster mode: opens (or starts the embedded) database and bootstraps once, then forks
 * `config.workers` stateless workers that connect to the same database by URI and share the listening
 * port. Workers need nothing else from the primary: cookie keys derive from the master key (same
 * DATA_DIR or CASTELLAN_MASTER_KEY) and signing keys live in the database.
 * Resolves when every worker listens; a worker that dies unexpectedly is replaced.
 */
export async function startCluster(config: Config, log: Logger): Promise<RunningCluster> {
  const { database, bootstrap } = await openAndBootstrap(config, log);
  // Workers must not bootstrap a second time in parallel, nor load the demo, nor start their own FerretDB.
  const workerEnv = {
    ...WORKER_ENV,
    ...pick(process.env, Object.keys(WORKER_ENV)),
    MONGODB_URI: database.uri,
    CASTELLAN_DEMO: 'false',
  };
  cluster.setupPrimary({ execArgv: workerExecArgv() });
  let stopping = false;
  const metrics = new AggregatorRegistry<PrometheusContentType>();

  const fork = (): Worker => {
    const worker = cluster.fork(workerEnv);
    worker.on('message', (message: { type?: string; id?: string }) => {
      if (message?.type === METRICS_REQUEST) answerMetrics(worker, metrics, message.id);
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      log.error({ workerPid: worker.process.pid, code, signal }, 'worker died; starting a replacement');
      setTimeout(() => {
        if (!stopping) fork();
      }, RESTART_DELAY_MS).unref();
    });
    return worker;
  };

  const workers = Array.from({ length: config.workers }, fork);
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once('listening', () => resolve());
            worker.once('exit', (code) =>
              reject(new Error(`worker ${worker.process.pid} exited with code ${code} before listening`)),
            );
          }),
      ),
    );
  } catch (error) {
    stopping = true;
    await stopWorkers();
    await database.close();
    throw error;
  }
  log.info({ workers: workers.map((worker) => worker.process.pid) }, `${config.workers} workers listening`);

  async function stopWorkers(): Promise<void> {
    const alive = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined && !worker.isDead(),
    );
    await Promise.all(
      alive.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  }

  return {
    database,
    bootstrap,
    async close() {
      stopping = true;
      await stopWorkers();
      await database.close();
    },
  };
}

/**
 * /metrics reaches one worker (they share the port); that worker asks the primary, which collects every worker's
 * registry (prom-client's AggregatorRegistry: counters and histograms summed, process gauges per its aggregators).
 */
type Aggregator = AggregatorRegistry<PrometheusContentType>;
function answerMetrics(worker: Worker, metrics: Aggregator, id: string | undefined): void {
  const reply = (content: { text: string } | { error: string }) => {
    if (worker.isConnected()) worker.send({ type: METRICS_RESPONSE, id, ...content });
  };
  metrics.clusterMetrics().then(
    (text) => reply({ text }),
    (error: unknown) => reply({ error: String(error) }),
  );
}

/** The variables of `env` among `names` that are set: an operator's own setting wins over the default. */
function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}
