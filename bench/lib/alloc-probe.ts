// Loaded into a server process by bench/alloc-cost.ts (`node --import` of alloc-probe.mjs, main thread only):
// answers on a loopback port of its own (written to `<ALLOC_PROBE_DIR>/<pid>.port`) `GET /start` and `GET /stop`.
// Between the two it counts every byte the process's V8 heap allocated (v8.GCProfiler: the heap used before each
// collection less what the previous one left, plus what is used at the end) and samples where it was allocated (the
// inspector's sampling heap profiler, including objects the collector has already freed,
// https://chromedevtools.github.io/devtools-protocol/tot/HeapProfiler/#method-startSampling).
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import v8 from 'node:v8';
import type { AddressInfo } from 'node:net';

const SAMPLING_INTERVAL = 4096;

/** Bytes allocated over a GCProfiler recording: a collection's heap before it, less the heap after the one before. */
interface GcStatistics {
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

function allocatedBytes(statistics: GcStatistics[], startUsed: number, endUsed: number) {
  let allocated = 0;
  let left = startUsed;
  for (const gc of statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - left;
    left = gc.afterGC.heapStatistics.usedHeapSize;
  }
  return { allocated: allocated + endUsed - left, collections: statistics.length };
}

function frameName({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^\/work\/[^/]+\//, '');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

/** Bytes by frame: allocated in the frame itself (self), and in it or anything it called (inclusive). */
function summarise(head: ProfileNode) {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const walk = (node: ProfileNode, onStack: Set<string>): number => {
    const name = frameName(node.callFrame);
    let total = node.selfSize;
    self.set(name, (self.get(name) ?? 0) + node.selfSize);
    const inner = new Set(onStack).add(name);
    for (const child of node.children) total += walk(child, inner);
    // A recursive frame counts its subtree once, at its outermost call.
    if (!onStack.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + total);
    return total;
  };
  const total = walk(head, new Set());
  const top = (map: Map<string, number>, count: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, count);
  return { sampled: total, self: top(self, 40), inclusive: top(inclusive, 80), head };
}

const probeDir = process.env.ALLOC_PROBE_DIR;
if (probeDir) {
  const session = new Session();
  session.connect();
  let recording: { profiler: v8.GCProfiler; startUsed: number } | null = null;
  const server = createServer(async (req, res) => {
    try {
      if (req.url === '/start') {
        await session.post('HeapProfiler.startSampling', {
          samplingInterval: SAMPLING_INTERVAL,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
        const profiler = new v8.GCProfiler();
        profiler.start();
        recording = { profiler, startUsed: v8.getHeapStatistics().used_heap_size };
        res.end('{}');
        return;
      }
      const endUsed = v8.getHeapStatistics().used_heap_size;
      const { statistics } = recording!.profiler.stop() as unknown as { statistics: GcStatistics[] };
      const { profile } = await session.post('HeapProfiler.getSamplingProfile');
      const head = profile.head as unknown as ProfileNode;
      await session.post('HeapProfiler.stopSampling');
      const counted = allocatedBytes(statistics, recording!.startUsed, endUsed);
      recording = null;
      res.end(JSON.stringify({ ...counted, ...summarise(head) }));
    } catch (error) {
      res.statusCode = 500;
      res.end(String((error as Error)?.stack ?? error));
    }
  });
  server.unref();
  server.listen(0, '127.0.0.1', () =>
    writeFileSync(path.join(probeDir, `${process.pid}.port`), String((server.address() as AddressInfo).port)),
  );
}
