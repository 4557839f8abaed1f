// The throttles' memory of blocked and suspected keys (http/middleware/rate-limit.ts): bounded by a count of keys,
// set up empty (lru-cache's `max` allocated 2.6 MB per cache up front, twice per process), and still blocking.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Throttles, type ThrottleKey } from '../../src/http/middleware/rate-limit.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let dropDatabase: () => Promise<void>;
before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

const quiet = pino({ level: 'silent' });
const defaults = {
  ...loadConfig({}).rateLimits,
  clientAuthFailuresPerClient: { max: 2, windowSeconds: 60 },
};
const client = (id: string): ThrottleKey => ['clientAuthFailuresPerClient', id];

/** Heap and array buffers in use (lru-cache's preallocated arrays are both: plain arrays and typed arrays). */
function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe('throttle memory', () => {
  it('sets up no memory for its bound', () => {
    const before = memoryInUse();
    const kept = Array.from({ length: 10 }, () => new Throttles(defaults, quiet));
    const perThrottles = (memoryInUse() - before) / kept.length / 2 ** 20;
    assert.ok(perThrottles < 0.5, `a Throttles took ${perThrottles.toFixed(2)} MB before remembering any key`);
  });

  it('blocks a key at its limit, and only that key', async () => {
    const throttles = new Throttles(defaults, quiet);
    for (let failure = 0; failure < 2; failure++) await throttles.fail('instance-a', [client('guessed')]);
    const refusal = await throttles.blocked('instance-a', [client('guessed')]);
    assert.equal(refusal?.limit, 'clientAuthFailuresPerClient');
    assert.ok(refusal!.seconds > 0 && refusal!.seconds <= 60);
    assert.equal(await throttles.blocked('instance-a', [client('other')]), null);
    assert.equal(await throttles.blocked('instance-b', [client('guessed')]), null, 'per instance');
    assert.ok(await throttles.suspected('instance-a', [client('guessed')]));
  });

  it('remembers at most its bound of keys, the least recently used going first', async () => {
    const throttles = new Throttles(defaults, quiet, 3);
    for (const id of ['k1', 'k2', 'k3', 'k4'])
      for (let failure = 0; failure < 2; failure++) await throttles.fail('instance-c', [client(id)]);
    assert.equal(await throttles.blocked('instance-c', [client('k1')]), null, 'the oldest block is forgotten');
    assert.equal(await throttles.suspected('instance-c', [client('k1')]), false);
    for (const id of ['k2', 'k3', 'k4'])
      assert.ok(await throttles.blocked('instance-c', [client(id)]), `${id} is still blocked`);
  });
});
