// The bench's database: MONGODB_URI (a database of its own, dropped afterwards) or the embedded FerretDB
// that Castellan itself would start, in a temporary folder, shared by every Castellan process of the run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { loadConfig } from '../../src/platform/config.ts';
import { ferretdbBinary, startFerretdb } from '../../src/platform/ferretdb.ts';
import { childPids, commandName } from './proc.ts';

export interface BenchDatabase {
  uri: string;
  /** The FerretDB process when the bench started it (its CPU is reported per request), else null. */
  pid: number | null;
  description: string;
  stop(): Promise<void>;
}

export async function openBenchDatabase(): Promise<BenchDatabase> {
  const external = process.env.MONGODB_URI;
  if (external) {
    const url = new URL(external);
    url.pathname = `/castellan_bench_${randomBytes(4).toString('hex')}`;
    const uri = url.toString();
    await mongoose.connect(uri, { autoIndex: false });
    return {
      uri,
      pid: null,
      description: `MongoDB at ${url.host}`,
      async stop() {
        await mongoose.connection.db?.dropDatabase();
        await mongoose.disconnect();
      },
    };
  }
  const config = loadConfig({ ...process.env, MONGODB_URI: '' });
  const binary = await ferretdbBinary(config.ferretdb, (line) => console.log(line));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-bench-db-'));
  const before = new Set(childPids(process.pid));
  const ferretdb = await startFerretdb(binary, dataDir);
  // FerretDB runs as a child of this process, next to the shell guardian that stops it (platform/ferretdb.ts); the
  // kernel keeps the first 15 characters of a command's name.
  const name = path.basename(binary).slice(0, 15);
  const pid = childPids(process.pid).find((child) => !before.has(child) && commandName(child) === name) ?? null;
  await mongoose.connect(ferretdb.uri, { dbName: 'castellan', autoIndex: false });
  return {
    uri: ferretdb.uri,
    pid,
    description: `embedded FerretDB ${config.ferretdb.version} (SQLite), same machine`,
    async stop() {
      await mongoose.disconnect();
      await ferretdb.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
