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
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(env);
    } catch (error) {
      // The port freeLoopbackPort found free may be taken by another test file's server before this one listens
      // (test files run in parallel): try another, on a fresh database, since bootstrap wrote the issuer's port.
      const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!taken || env.PORT || attempt === 3) throw error;
    }
  }
}

async function startOnce(env: Record<string, string>): Promise<TestServer> {
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
  const running = await startCastellan(config, createLogger(config.logLevel)).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
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
