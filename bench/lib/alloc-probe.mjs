// The allocation probe as `node --import` loads it (bench/lib/alloc-probe.ts), on the main thread only: `--import`
// runs in every thread a process starts, and the sandbox's threads load no TypeScript (as bench/lib/memory-probe.mjs).
import { isMainThread } from 'node:worker_threads';

if (isMainThread) await import('./alloc-probe.ts');
