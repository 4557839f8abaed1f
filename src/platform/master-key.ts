import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';
import { MasterKey } from './crypto.ts';

/**
 * CASTELLAN_MASTER_KEY wins (set it on every node of a cluster); otherwise DATA_DIR/master.key,
 * generated on first start. Losing it makes stored signing keys unreadable and client secrets unverifiable.
 */
export function loadMasterKey(config: Config): MasterKey {
  if (config.masterKey) return MasterKey.fromBase64url(config.masterKey);
  const file = path.join(config.dataDir, 'master.key');
  if (existsSync(file)) return MasterKey.fromBase64url(readFileSync(file, 'utf8').trim());
  mkdirSync(config.dataDir, { recursive: true });
  const key = MasterKey.generate();
  try {
    writeFileSync(file, `${key.toBase64url()}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return MasterKey.fromBase64url(readFileSync(file, 'utf8').trim());
  }
}
