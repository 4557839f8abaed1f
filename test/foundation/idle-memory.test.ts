import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { IdleMemoryRelease } from '../../src/process/idle-memory.ts';

test('memory is released once, when the event loop goes idle after being busy', () => {
  const idle = new IdleMemoryRelease();
  assert.equal(idle.sample(0.01), false, 'idle from the start: nothing to give back');
  assert.equal(idle.sample(0.9), false, 'busy');
  assert.equal(idle.sample(0.5), false, 'still busy');
  assert.equal(idle.sample(0.01), true, 'idle after busy: release');
  assert.equal(idle.sample(0.01), false, 'released already');
  assert.equal(idle.sample(0.08), false, 'a trickle of work is not a burst');
  assert.equal(idle.sample(0.01), false);
  assert.equal(idle.sample(0.3), false, 'busy again');
  assert.equal(idle.sample(0.08), false, 'winding down is not idle yet');
  assert.equal(idle.sample(0.0), true);
});

test('a process that was busy gives the memory its heap grew by back to the system when idle', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'castellan-idle-memory-'));
  const script = path.join(dir, 'burst.mjs');
  const module = pathToFileURL(path.resolve('src/process/idle-memory.ts')).href;
  // A burst that leaves V8 with ~120 MB of freed heap pages: V8 keeps such pages resident in its pool, for reuse,
  // until a memory-reducing GC (the watcher's) hands them back.
  writeFileSync(
    script,
    `import { readFileSync } from 'node:fs';
     import { startIdleMemoryRelease } from ${JSON.stringify(module)};
     const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
     const stop = startIdleMemoryRelease({ intervalMs: 200 });
     let kept = [];
     const busyUntil = Date.now() + 600;
     while (Date.now() < busyUntil || kept.length < 300_000) kept.push({ text: 'x'.repeat(60) + kept.length, n: [kept.length] });
     const peak = rss();
     kept = null;
     await new Promise((resolve) => setTimeout(resolve, 1500));
     stop();
     console.log(JSON.stringify({ peak, after: rss() }));`,
  );
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--max-old-space-size=1024', '--max-semi-space-size=4', script],
      { timeout: 60_000 },
    );
    const { peak, after } = JSON.parse(stdout) as { peak: number; after: number };
    assert.ok(peak - after > 60, `resident ${Math.round(peak)} MB at the peak, ${Math.round(after)} MB when idle`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
