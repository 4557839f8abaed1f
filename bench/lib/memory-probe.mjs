// The bench's memory probe as `node --import` loads it (bench/lib/memory-probe.ts): `--import` runs in every thread a
// process starts too, and a `.ts` module would load Node's TypeScript loader into each sandbox thread (about 12 MB that
// the product's threads do without, src/platform/sandbox/worker.mjs), so the probe itself loads on the main thread only
// and reads the other threads' isolates from there.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) await import('./memory-probe.ts');
