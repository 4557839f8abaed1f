import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { startCastellan, type RunningCastellan } from '../../src/process/server.ts';
import { freshDatabaseUri } from './database.ts';

export interface TestServer extends RunningCastellan {
  config: Config;
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

/**
 * A real Castellan on a loopback port with a database of its own. `env` takes the same variables as
 * production; the demo data (the demo scenario) is loaded unless CASTELLAN_DEMO=false.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-test-'));
  const port = env.PORT ?? String(await freeLoopbackPort());
  const config = loadConfig({
    MONGODB_URI: freshDatabaseUri(),
    DATA_DIR: dataDir,
    PORT: port,
    PUBLIC_URL: `http://localhost:${port}`,
    CASTELLAN_DEMO: 'true',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const running = await startCastellan(config, createLogger(config.logLevel));
  return {
    ...running,
    config,
    url: config.publicUrl,
    async stop() {
      await mongoose.connection.db?.dropDatabase().catch(() => undefined);
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
