import type { AddressInfo } from 'node:net';
import { createRequestHandler } from '../http/app.ts';
import { createHttpServer } from './http-server.ts';
import { limitCachedEntries } from '../store/cache/instance-cache.ts';
import { watchCacheRevisions } from '../store/cache/revisions.ts';
import { loadDemo } from '../domain/setup/demo.ts';
import { bootstrapInstance, type BootstrapResult } from '../domain/setup/instance.ts';
import type { Config } from '../platform/config.ts';
import { openDatabase, type Database } from '../store/database/connection.ts';
import { fillMissingSearchKeys } from '../store/queries/user-search.ts';
import { startSweeper } from '../store/database/sweeper.ts';
import type { MasterKey } from '../platform/crypto.ts';
import type { Logger } from '../platform/logger.ts';
import { createTenant } from '../oidc/provider.ts';
import type { Services } from '../oidc/services.ts';
import { loadMasterKey } from '../platform/master-key.ts';
import { TenantRegistry } from '../oidc/tenants.ts';
import { startOutboxWorker, startWebhookWorker } from './outbox-worker.ts';
import { resumeInstanceRemovals } from '../domain/commands/instance-removal.ts';
import { outboundPolicyOf, setOutboundPolicy } from '../platform/outbound-fetch.ts';
import { startActionRuntime, stopActionRuntime } from '../domain/actions/runtime.ts';
import { startIdleMemoryRelease } from './idle-memory.ts';

export interface RunningCastellan {
  url: string;
  services: Services;
  database: Database;
  bootstrap: BootstrapResult;
  close(): Promise<void>;
}

export interface PreparedDatabase {
  masterKey: MasterKey;
  database: Database;
  bootstrap: BootstrapResult;
}

/** Opens the database and bootstraps the first instance (and the demo); closes the database again on failure. */
export async function openAndBootstrap(config: Config, log: Logger): Promise<PreparedDatabase> {
  const masterKey = loadMasterKey(config);
  const database = await openDatabase(config, log);
  try {
    const bootstrap = await bootstrapInstance(config, masterKey);
    const searchKeysFilled = await fillMissingSearchKeys();
    if (searchKeysFilled) log.info({ users: searchKeysFilled }, 'user search keys filled');
    if (config.demo ?? database.kind === 'ferretdb') await loadDemo(config, bootstrap.instanceId, masterKey);
    return { masterKey, database, bootstrap };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Opens the database, bootstraps the first instance (and the demo), and serves HTTP. */
export async function startCastellan(config: Config, log: Logger): Promise<RunningCastellan> {
  const { masterKey, database, bootstrap } = await openAndBootstrap(config, log);
  try {
    const tenants: TenantRegistry = new TenantRegistry(
      (instance) => createTenant(instance, services),
      config.publicUrl,
      {
        maxActive: config.system.maxActiveProviders,
        idleMs: config.system.providerIdleSeconds * 1000,
      },
    );
    const services: Services = { config, log, masterKey, tenants };
    setOutboundPolicy(outboundPolicyOf(config));
    const actionRuntime = startActionRuntime(config, masterKey, log);
    const server = createHttpServer(config.http, createRequestHandler(services));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, resolve);
    }).catch(async (error: unknown) => {
      // The port is taken: the sandbox's threads would keep the process alive.
      await stopActionRuntime(actionRuntime);
      throw error;
    });
    const stopSweeper = startSweeper(
      config.sweepIntervalSeconds,
      { outboxSeconds: config.email.outboxRetentionSeconds, systemEventDays: config.system.eventRetentionDays },
      log,
    );
    limitCachedEntries(config.cacheMaxEntries);
    const stopWatchingCaches = watchCacheRevisions(config.cacheRevisionPollMs, log);
    const outboxWorker = startOutboxWorker(services);
    const stopResumingRemovals = await resumeRemovalsPeriodically(config, log);
    const webhookWorker = startWebhookWorker(services);
    const stopReleasingMemory = startIdleMemoryRelease();
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      services,
      database,
      bootstrap,
      async close() {
        stopSweeper();
        stopResumingRemovals();
        stopWatchingCaches();
        stopReleasingMemory();
        await outboxWorker.stop();
        await webhookWorker.stop();
        await stopActionRuntime(actionRuntime);
        // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const forced = setTimeout(() => server.closeAllConnections(), 10_000);
        await closed;
        clearTimeout(forced);
        tenants.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * Finishes the instance removals a stop or crash interrupted, at start and then every sweep interval: a process that
 * died mid-removal leaves its lease to expire, and another process (or its replacement) takes over.
 */
async function resumeRemovalsPeriodically(config: Config, log: Logger): Promise<() => void> {
  const resume = (): Promise<number> =>
    resumeInstanceRemovals(config.system.removal, (error) =>
      log.error({ err: error }, 'instance removal failed; resumed at the next look for unfinished removals'),
    );
  await resume();
  const timer = setInterval(() => {
    resume().catch((error: unknown) => log.warn({ err: error }, 'looking for unfinished instance removals failed'));
  }, config.sweepIntervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
