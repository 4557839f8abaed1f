import cluster from 'node:cluster';
import { startCluster } from './process/cluster.ts';
import { ConfigError, loadConfig } from './platform/config.ts';
import { DatabaseUnavailableError } from './platform/ferretdb.ts';
import { createLogger } from './platform/logger.ts';
import { startCastellan } from './process/server.ts';

function fail(message: string): never {
  process.stderr.write(`castellan: ${message}\n`);
  process.exit(1);
}

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
const log = createLogger(config.logLevel);

let running;
try {
  // A cluster worker (forked by startCluster) serves in-process like a single-process Castellan.
  running =
    cluster.isPrimary && config.workers > 1 ? await startCluster(config, log) : await startCastellan(config, log);
} catch (error) {
  if (error instanceof DatabaseUnavailableError) fail(error.message);
  log.fatal({ err: error }, 'start failed');
  process.exit(1);
}

const { bootstrap } = running;
if (bootstrap.generatedCredentials) {
  const lines = Object.entries(bootstrap.generatedCredentials).map(([key, value]) => `  ${key}: ${value}`);
  const file = `${config.dataDir}/bootstrap-credentials.json`;
  process.stdout.write(
    `\nGenerated bootstrap credentials (shown once; also in ${file}, mode 0600):\n${lines.join('\n')}\n\n`,
  );
}
if (cluster.isPrimary)
  log.info(
    { issuer: config.publicUrl, database: running.database.kind, workers: config.workers },
    `Castellan is listening on ${config.publicUrl}`,
  );

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
