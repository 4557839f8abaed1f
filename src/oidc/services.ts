import type { Config } from '../platform/config.ts';
import type { MasterKey } from '../platform/crypto.ts';
import type { Logger } from '../platform/logger.ts';
import type { TenantRegistry } from './tenants.ts';

/** What route and provider factories need from the running process. */
export interface Services {
  config: Config;
  log: Logger;
  masterKey: MasterKey;
  tenants: TenantRegistry;
}
