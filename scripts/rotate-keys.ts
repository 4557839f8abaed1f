// One signing-key rotation step for every instance (see rotateSigningKeys). Run it on a schedule, e.g.
// daily; running processes pick up the new keys when they restart or their tenant is invalidated.
import { loadConfig } from '../src/platform/config.ts';
import { openDatabase } from '../src/store/database/connection.ts';
import { createLogger } from '../src/platform/logger.ts';
import { Instance } from '../src/store/models/index.ts';
import { rotateSigningKeys } from '../src/store/queries/signing-keys.ts';
import { loadMasterKey } from '../src/platform/master-key.ts';

const config = loadConfig();
const log = createLogger(config.logLevel);
const database = await openDatabase(config, log);
try {
  const masterKey = loadMasterKey(config);
  for (const instance of await Instance.find({}, { _id: 1, tokenLifetimes: 1 }).lean()) {
    const { accessTokenSeconds, idTokenSeconds } = instance.tokenLifetimes;
    await rotateSigningKeys(
      instance._id,
      masterKey,
      Math.max(accessTokenSeconds ?? 0, idTokenSeconds ?? 0, config.tokenLifetimes.accessTokenSeconds),
    );
    log.info({ instanceId: instance._id }, 'signing keys rotated');
  }
} finally {
  await database.close();
}
