import type { Config } from './config.ts';
import type { MasterKey } from './libraries/crypto.ts';
import type { Logger } from './logger.ts';
import type { TenantRegistry } from './tenants/registry.ts';

/** What route and provider factories need from the running process. */
export interface Services {
  config: Config;
  log: Logger;
  masterKey: MasterKey;
  tenants: TenantRegistry;
}
