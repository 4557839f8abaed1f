// Loaded into every Castellan process of a bench run (`node --import`, inherited by cluster workers through
// NODE_OPTIONS, through memory-probe.mjs on the main thread only): the bench leaves a question file in the folder named
// by MEMORY_PROBE_DIR_VARIABLE, and at its next sample the process answers in a file there with where its resident
// memory is (V8 heap, memory outside it, the binary's pages), now and at its highest resident sample since the last
// question. Files, not a signal: SIGUSR2 is Node's diagnostic-report signal (`--report-on-signal`), and no other is
// free for certain. The product itself carries no such hook: RSS alone says that memory grew, not whether V8 or malloc
// holds it.
//
// The worker threads the process starts (the sandbox's, src/platform/sandbox/pool.ts) each have an isolate of their
// own: the probe learns of each from Node's `worker_threads` diagnostics channel and asks it for its heap statistics
// (`worker.getHeapStatistics()`: its heap, and its external memory, QuickJS's WebAssembly memory), so that the answer
// counts the threads' heaps apart from the rest of the memory outside the main heap, with no code in the threads.
import { subscribe } from 'node:diagnostics_channel';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';
import {
  MEMORY_PROBE_DIR_VARIABLE,
  probeAnswerFile,
  probeQuestionFile,
  type MemoryBreakdown,
  type ProbeAnswer,
} from './memory-breakdown.ts';

const SAMPLE_INTERVAL_MS = 100;
const MB = 2 ** 20;

interface ThreadReport {
  heapResident: number;
  external: number;
}

/** The process's other threads, while they run, with what their isolates held when last asked. */
const threads = new Map<Worker, ThreadReport>();
subscribe('worker_threads', (message) => {
  const { worker } = message as { worker: Worker };
  threads.set(worker, { heapResident: 0, external: 0 });
  worker.once('exit', () => threads.delete(worker));
});

/**
 * Asks each thread again; the answer comes when its isolate takes the request (it may wait for a core). A thread not
 * running yet (or any more) refuses: it keeps its last figures until it runs, or until its exit removes it.
 */
function refreshThreads(): void {
  for (const worker of threads.keys())
    worker.getHeapStatistics().then(
      (heap) => {
        if (threads.has(worker))
          threads.set(worker, { heapResident: heap.total_physical_size / MB, external: heap.external_memory / MB });
      },
      () => undefined,
    );
}

function statusMegabytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}

const round = (value: number): number => Math.round(value * 10) / 10;

function breakdown(reports: ThreadReport[]): MemoryBreakdown {
  const status = readFileSync('/proc/self/status', 'utf8');
  const heap = v8.getHeapStatistics();
  const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  const usage = process.memoryUsage();
  const anonymous = statusMegabytes(status, 'RssAnon');
  const threadsHeap = reports.reduce((sum, report) => sum + report.heapResident, 0);
  return {
    rss: round(statusMegabytes(status, 'VmRSS')),
    heapResident: round(heap.total_physical_size / MB),
    heapUsed: round(heap.used_heap_size / MB),
    newSpace: round((newSpace?.physical_space_size ?? 0) / MB),
    external: round(usage.external / MB),
    nativeAnonymous: round(anonymous - heap.total_physical_size / MB - threadsHeap),
    files: round(statusMegabytes(status, 'RssFile') + statusMegabytes(status, 'RssShmem')),
    threads: reports.length,
    threadsHeap: round(threadsHeap),
    threadsExternal: round(reports.reduce((sum, report) => sum + report.external, 0)),
  };
}

function answerQuestions(): void {
  const dir = process.env[MEMORY_PROBE_DIR_VARIABLE]!;
  let peak = breakdown([]);
  setInterval(() => {
    refreshThreads();
    const now = breakdown([...threads.values()]);
    if (now.rss > peak.rss) peak = now;
    if (!existsSync(probeQuestionFile(dir, process.pid))) return;
    rmSync(probeQuestionFile(dir, process.pid), { force: true });
    const answer: ProbeAnswer = { pid: process.pid, now, peak };
    peak = now;
    // Renamed into place: the bench never reads a half-written answer.
    const file = probeAnswerFile(dir, process.pid);
    writeFileSync(`${file}.tmp`, JSON.stringify(answer));
    renameSync(`${file}.tmp`, file);
  }, SAMPLE_INTERVAL_MS).unref();
}

answerQuestions();
