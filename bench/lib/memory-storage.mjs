// The bench's storage stand-in as `node --import` loads it (bench/lib/memory-storage.ts), on the main thread only, as
// bench/lib/memory-probe.mjs: the sandbox's threads load no TypeScript and touch no collection.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) await import('./memory-storage.ts');
