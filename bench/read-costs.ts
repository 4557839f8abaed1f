// `node bench/read-costs.ts`: what one read by `_id` costs the client process and the database, per document, over
// the embedded FerretDB's Unix socket and over TCP loopback, with driver options, one at a time or batched with `$in`
// (src/store/database/read-batcher.ts). 32 concurrent loops over 10,000 stored tokens; CPU from process.cpuUsage()
// and /proc (bench/README.md, "Refresh").
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { loadConfig } from '../src/platform/config.ts';
import { ferretdbBinary } from '../src/platform/ferretdb.ts';
import { cpuSeconds } from './lib/proc.ts';

const DOCUMENTS = 10_000;
const CONCURRENCY = 32;
const SECONDS = 4;

interface Token {
  _id: string;
  payload: string;
  grantId: string;
  expiresAt: Date;
}

const config = loadConfig({ ...process.env, MONGODB_URI: '' });
const binary = await ferretdbBinary(config.ferretdb, (line) => console.log(line));
const dir = mkdtempSync(path.join(os.tmpdir(), 'castellan-read-costs-'));
const socket = path.join(dir, 'mongodb.sock');
const port = 20_000 + Math.floor(Math.random() * 20_000);
const ferretdb = spawn(
  binary,
  [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`,
    `--listen-addr=127.0.0.1:${port}`,
    `--listen-unix=${socket}`,
    `--state-dir=${dir}`,
    '--telemetry=disable',
    '--debug-addr=-',
    '--log-level=error',
  ],
  { stdio: 'ignore', env: { GOGC: '400', ...process.env } },
);
const unixUri = `mongodb://${encodeURIComponent(socket)}/`;
const tcpUri = `mongodb://127.0.0.1:${port}/`;
const randomId = (): string => `i:t${Math.floor(Math.random() * DOCUMENTS)}`;

async function fill(): Promise<void> {
  const client = new mongoose.mongo.MongoClient(unixUri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const tokens = client.db('castellan').collection<Token>('tokens');
  const payload = JSON.stringify({ kind: 'RefreshToken', padding: 'x'.repeat(400) });
  const expiresAt = new Date(Date.now() + 3_600_000);
  for (let start = 0; start < DOCUMENTS; start += 1_000)
    await tokens.insertMany(
      Array.from({ length: 1_000 }, (_, n) => ({
        _id: `i:t${start + n}`,
        payload,
        grantId: `g${start + n}`,
        expiresAt,
      })),
    );
  await client.close();
}

async function measure(name: string, uri: string, options: object, idsPerRead: number): Promise<void> {
  const client = new mongoose.mongo.MongoClient(uri, { maxPoolSize: 16, ...options });
  await client.connect();
  const tokens = client.db('castellan').collection<Token>('tokens');
  const read = (): Promise<unknown> =>
    idsPerRead === 1
      ? tokens.findOne({ _id: randomId() })
      : tokens.find({ _id: { $in: Array.from({ length: idsPerRead }, randomId) } }).toArray();
  const loop = async (until: number): Promise<number> => {
    let reads = 0;
    for (; Date.now() < until; reads++) await read();
    return reads;
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(Date.now() + 1_000)));
  const [clientBefore, databaseBefore, started] = [process.cpuUsage(), cpuSeconds(ferretdb.pid!), Date.now()];
  const reads = await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(started + SECONDS * 1_000)));
  const documents = reads.reduce((sum, count) => sum + count, 0) * idsPerRead;
  const clientCpu = process.cpuUsage(clientBefore);
  const perDocument = (microseconds: number): string => (microseconds / 1000 / documents).toFixed(3);
  console.log(
    `${name.padEnd(34)} ${String(Math.round(documents / ((Date.now() - started) / 1000))).padStart(7)} docs/s` +
      `  client ${perDocument(clientCpu.user + clientCpu.system)} ms (system ${perDocument(clientCpu.system)})` +
      `  database ${perDocument((cpuSeconds(ferretdb.pid!) - databaseBefore) * 1e6)} ms per document`,
  );
  await client.close();
}

try {
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await fill();
  for (let round = 1; round <= 2; round++) {
    await measure('findOne, Unix socket, pool 16', unixUri, {}, 1);
    await measure('findOne, TCP loopback', tcpUri, {}, 1);
    await measure('findOne, pool 4', unixUri, { maxPoolSize: 4 }, 1);
    await measure('findOne, enableUtf8Validation off', unixUri, { enableUtf8Validation: false }, 1);
    await measure('find $in, 2 ids', unixUri, {}, 2);
    await measure('find $in, 8 ids', unixUri, {}, 8);
  }
} finally {
  ferretdb.kill('SIGTERM');
  await new Promise((resolve) => ferretdb.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
