import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { register } from 'prom-client';
import {
  cached,
  cachedEntryCount,
  cachedNow,
  dropInstanceCache,
  limitCachedEntries,
} from '../../src/store/cache/instance-cache.ts';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';

/** A loader that counts its calls and answers with the call number. */
function counter(): { load: () => Promise<number>; calls: () => number } {
  let calls = 0;
  return { load: async () => ++calls, calls: () => calls };
}

describe('per-instance cache', () => {
  it('loads a key once, per instance', async () => {
    const { load, calls } = counter();
    assert.equal(await cached('cache-a', 'k', load), 1);
    assert.equal(await cached('cache-a', 'k', load), 1);
    assert.equal(await cached('cache-b', 'k', load), 2, 'another instance has its own entry');
    assert.equal(calls(), 2);
  });

  it('loads again after the instance is dropped, and only that instance', async () => {
    const { load } = counter();
    await cached('cache-c', 'k', load);
    await cached('cache-d', 'k', load);
    dropInstanceCache('cache-c');
    assert.equal(await cached('cache-c', 'k', load), 3);
    assert.equal(await cached('cache-d', 'k', load), 2);
  });

  it('never serves a load that started before a drop afterwards', async () => {
    let release!: (value: string) => void;
    const slow = cached('cache-e', 'k', () => new Promise<string>((resolve) => (release = resolve)));
    dropInstanceCache('cache-e');
    const fresh = cached('cache-e', 'k', async () => 'after the drop');
    release('before the drop');
    assert.equal(await slow, 'before the drop');
    assert.equal(await fresh, 'after the drop');
    assert.equal(await cached('cache-e', 'k', async () => 'unused'), 'after the drop');
  });

  it('answers at once only with a value settled in the current generation', async () => {
    let release!: (value: string) => void;
    assert.equal(cachedNow('cache-now', 'k'), undefined, 'nothing cached');
    const loading = cached('cache-now', 'k', () => new Promise<string>((resolve) => (release = resolve)));
    assert.equal(cachedNow('cache-now', 'k'), undefined, 'not settled yet');
    release('loaded');
    assert.equal(await loading, 'loaded');
    assert.equal(cachedNow('cache-now', 'k'), 'loaded');
    dropInstanceCache('cache-now');
    assert.equal(cachedNow('cache-now', 'k'), undefined, 'dropped with its instance');
    await assert.rejects(
      cached('cache-now', 'k', async () => Promise.reject(new Error('down'))),
      /down/,
    );
    assert.equal(cachedNow('cache-now', 'k'), undefined, 'a failed load is nothing');
  });

  it('keeps no failed load', async () => {
    await assert.rejects(
      cached('cache-f', 'k', async () => Promise.reject(new Error('database down'))),
      /database down/,
    );
    assert.equal(await cached('cache-f', 'k', async () => 'recovered'), 'recovered');
  });

  it('costs memory by what an instance holds, not by its cap', async () => {
    // lru-cache allocates its arrays for `max` entries up front: 20,000 slots with their ages came to about 0.75 MB per
    // cached instance, whatever it held (bench/README.md, "Worker memory").
    const before = v8.getHeapStatistics().used_heap_size;
    for (let index = 0; index < 300; index++) await cached(`cache-many-${index}`, 'k', async () => index);
    const grown = (v8.getHeapStatistics().used_heap_size - before) / 2 ** 20;
    assert.ok(grown < 20, `300 instances of one entry each took ${grown.toFixed(1)} MB of heap`);
  });

  it('keeps at most 20,000 entries of an instance, dropping the least recently used', async () => {
    const { load, calls } = counter();
    for (let index = 0; index <= 20_000; index++) await cached('cache-full', `k${index}`, load);
    assert.equal(calls(), 20_001);
    await cached('cache-full', 'k20000', load);
    assert.equal(calls(), 20_001, 'the latest is kept');
    await cached('cache-full', 'k0', load);
    assert.equal(calls(), 20_002, 'the oldest was dropped');
  });

  it('keeps at most the process-wide number of entries, taken from the least recently used instances first', async () => {
    const limit = 1_000;
    limitCachedEntries(limit);
    try {
      assert.ok(cachedEntryCount() <= limit, 'what the tests above cached is cut to the limit at once');
      const { load, calls } = counter();
      for (let index = 0; index < 600; index++) await cached('process-old', `k${index}`, load);
      for (let index = 0; index < 600; index++) await cached('process-new', `k${index}`, load);
      assert.ok(cachedEntryCount() <= limit, `${cachedEntryCount()} entries cached, over ${limit}`);
      const loaded = calls();
      await cached('process-new', 'k0', load);
      assert.equal(calls(), loaded, 'the recently used instance keeps its entries');
      await cached('process-old', 'k599', load);
      assert.equal(calls(), loaded, "the older instance's latest entries are kept");
      await cached('process-old', 'k0', load);
      assert.equal(calls(), loaded + 1, "the older instance's oldest entries went first");
    } finally {
      limitCachedEntries(loadConfig({}).cacheMaxEntries);
    }
  });

  it('arms no timer per look-up (a token request makes four to six)', async () => {
    const { load } = counter();
    await cached('cache-timers', 'k', load);
    const armTimer = globalThis.setTimeout;
    let timers = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return armTimer(...args);
    }) as typeof setTimeout;
    try {
      for (let i = 0; i < 100; i++) void cached('cache-timers', 'k', load);
    } finally {
      globalThis.setTimeout = armTimer;
    }
    // lru-cache's clock for ages may arm one timer per `ttlResolution` (1 ms), whatever the number of look-ups.
    assert.ok(timers <= 1, `${timers} timers for 100 look-ups`);
  });

  it('takes the limit from cacheMaxEntries, refusing one out of range by name', () => {
    assert.equal(loadConfig({}).cacheMaxEntries, 50_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'castellan-cache-config-'));
    for (const value of [999, 10_000_001, 1.5]) {
      const file = path.join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ cacheMaxEntries: value }));
      assert.throws(
        () => loadConfig({ CASTELLAN_CONFIG: file }),
        (error: unknown) =>
          error instanceof ConfigError && error.problems.some((p) => p.startsWith('cacheMaxEntries:')),
      );
    }
  });
  it('counts every look-up as a hit or a miss in castellan_cache_lookups_total when the metrics are collected', async () => {
    const lookups = async (result: string) => {
      const metric = register.getSingleMetric('castellan_cache_lookups_total');
      const { values } = await metric!.get();
      return values.find((value) => value.labels.result === result)?.value ?? 0;
    };
    const [hits, misses] = [await lookups('hit'), await lookups('miss')];
    const { load } = counter();
    await cached('cache-metrics', 'a', load);
    await cached('cache-metrics', 'a', load);
    await cached('cache-metrics', 'a', load);
    await cached('cache-metrics', 'b', load);
    assert.equal((await lookups('hit')) - hits, 2);
    assert.equal((await lookups('miss')) - misses, 2);
    assert.equal((await lookups('hit')) - hits, 2, 'collected counts are added once');
    assert.match(await register.metrics(), /castellan_cache_lookups_total\{result="hit"\} \d+/);
  });
});
