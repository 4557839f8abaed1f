import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import { cached, dropInstanceCache } from '../../src/store/cache/instance-cache.ts';

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
});
