import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
