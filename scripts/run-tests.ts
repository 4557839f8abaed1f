// Runs the whole suite against one real database: MONGODB_URI if set, else a FerretDB process started
// here (built once if needed) that every test file shares, each file in a database of its own.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/platform/config.ts';
import { ferretdbBinary, startFerretdb } from '../src/platform/ferretdb.ts';
import { ensureChromium } from './ensure-chromium.ts';

const config = loadConfig({ ...process.env, MONGODB_URI: '' });
let uri = process.env.MONGODB_URI;
let stopDatabase = async (): Promise<void> => {};
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-test-db-'));

if (!uri) {
  const binary = await ferretdbBinary(config.ferretdb, (line) => console.log(line));
  const ferretdb = await startFerretdb(binary, dataDir);
  uri = ferretdb.uri;
  stopDatabase = ferretdb.stop;
  console.log(`Test database: FerretDB at ${uri}`);
}

const files = process.argv.slice(2);
if (files.length === 0 || files.some((file) => file.includes('browser'))) ensureChromium();
const runner = spawn(
  process.execPath,
  ['--test', '--test-timeout=300000', ...(files.length ? files : ['test/**/*.test.ts'])],
  {
    stdio: 'inherit',
    env: { ...process.env, CASTELLAN_TEST_MONGODB_URI: uri, CASTELLAN_FERRETDB_BIN: config.ferretdb.bin ?? '' },
  },
);
const exitCode = await new Promise<number>((resolve) => runner.on('close', (code) => resolve(code ?? 1)));

await stopDatabase();
const orphans = spawnSync('pgrep', ['-f', dataDir], { encoding: 'utf8' }).stdout.trim();
rmSync(dataDir, { recursive: true, force: true });
if (orphans) {
  console.error(`FerretDB processes left running after the suite: ${orphans}`);
  process.exit(1);
}
process.exit(exitCode);
