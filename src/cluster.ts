import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { openAndBootstrap, type RunningCastellan } from './server.ts';

export type RunningCluster = Pick<RunningCastellan, 'database' | 'bootstrap' | 'close'>;

const RESTART_DELAY_MS = 1_000;

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
  const workerEnv = { MONGODB_URI: database.uri, CASTELLAN_DEMO: 'false' };
  let stopping = false;

  const fork = (): Worker => {
    const worker = cluster.fork(workerEnv);
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
            worker.once('exit', (code) => reject(new Error(`worker ${worker.process.pid} exited with code ${code} before listening`)));
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
    const alive = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead());
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
