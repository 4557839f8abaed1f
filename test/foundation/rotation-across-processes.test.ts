// Refresh-token rotation across processes (cluster workers, or several hosts on one database): two processes insert
// the same successor ids at once through their own group commits (src/oidc/adapter.ts `insertNew`, used by
// src/oidc/refresh-rotation.ts); the database's unique `_id` lets exactly one insert of each id win.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, it } from 'node:test';
import mongoose from 'mongoose';
import { projectRoot } from '../../src/platform/config.ts';
import { oidcPayloadModels } from '../../src/store/models/oidc-payload.ts';
import { freshDatabaseUri } from '../helpers/database.ts';

const IDS = 30;
const RACERS = 8;
const uri = freshDatabaseUri();

/** Inserts every id RACERS times at once, once `go` resolves; prints how many inserts of each id won. */
const racer = `
import mongoose from 'mongoose';
import { MongoAdapter } from './src/oidc/adapter.ts';
await mongoose.connect(process.env.RACE_URI, { autoIndex: false });
const adapter = new MongoAdapter('RefreshToken', 'i1');
console.log('ready');
await new Promise((resolve) => process.stdin.once('data', resolve));
const won = await Promise.all(Array.from({ length: ${IDS} }, async (_, id) => {
  const tries = Array.from({ length: ${RACERS} }, () => adapter.insertNew('s' + id, { kind: 'RefreshToken' }, 60));
  return (await Promise.allSettled(tries)).filter((outcome) => outcome.status === 'fulfilled').length;
}));
console.log(JSON.stringify(won));
await mongoose.disconnect();
`;

function startRacer() {
  const child = spawn(process.execPath, ['--input-type=module', '-e', racer], {
    cwd: projectRoot,
    env: { ...process.env, RACE_URI: uri },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.startsWith('ready\n')) resolve();
    }),
  );
  const wins = new Promise<number[]>((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(output.split('\n')[1]!) as number[]) : reject(new Error(`racer exited ${code}`)),
    ),
  );
  return { go: () => child.stdin.end('go\n'), ready, wins };
}

before(async () => {
  await mongoose.connect(uri, { autoIndex: false });
  await Promise.all(oidcPayloadModels().map((model) => model.createIndexes()));
});
after(async () => {
  await mongoose.connection.db?.dropDatabase();
  await mongoose.disconnect();
});

it('lets exactly one insert of each successor id win when two processes race for them', async () => {
  const racers = [startRacer(), startRacer()];
  await Promise.all(racers.map((child) => child.ready));
  for (const child of racers) child.go();
  const [first, second] = await Promise.all(racers.map((child) => child.wins));
  const winners = first!.map((wins, id) => wins + second![id]!);
  assert.deepEqual(
    winners,
    Array.from({ length: IDS }, () => 1),
    `wins per id: ${first} and ${second}`,
  );
});
