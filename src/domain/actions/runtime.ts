import type { Config } from '../../platform/config.ts';
import type { MasterKey } from '../../platform/crypto.ts';
import type { Logger } from '../../platform/logger.ts';
import { outboundPolicyOf, type OutboundPolicy } from '../../platform/outbound-fetch.ts';
import { SandboxPool } from '../../platform/sandbox/pool.ts';

/** What running actions needs of the process: the sandbox threads, the key that opens target keys, limits, a log. */
export interface ActionRuntime {
  pool: SandboxPool;
  masterKey: MasterKey;
  config: Config['actions'];
  /** What targets and `http.fetch` may reach (`OUTBOUND_PRIVATE_ADDRESSES`, `OUTBOUND_DNS_SERVERS`). */
  outbound: OutboundPolicy;
  log: Logger;
}

export const TARGET_KEY_PURPOSE = 'action-target-signing-key';

let current: ActionRuntime | null = null;

/**
 * Starts the process's sandbox threads (process/server.ts). Claims are built deep inside the provider, where no
 * request services reach, hence one runtime per process; a process serves one database and one master key.
 */
export function startActionRuntime(config: Config, masterKey: MasterKey, log: Logger): ActionRuntime {
  const pool = new SandboxPool({
    maxThreads: config.actions.workers,
    idleMs: config.actions.threadIdleSeconds * 1000,
  });
  current = { pool, masterKey, config: config.actions, outbound: outboundPolicyOf(config), log };
  return current;
}

export async function stopActionRuntime(runtime: ActionRuntime): Promise<void> {
  if (current === runtime) current = null;
  await runtime.pool.close();
}

/** The running runtime; an attached action is never silently skipped, so its absence is an error. */
export function actionRuntime(): ActionRuntime {
  if (!current) throw new Error('actions cannot run: this process has not started the action runtime');
  return current;
}
