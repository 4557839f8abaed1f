// Loaded into every Castellan process of a bench run (`node --import`, inherited by cluster workers through
// NODE_OPTIONS): the bench leaves a question file in the folder named by MEMORY_PROBE_DIR_VARIABLE, and at its next
// sample the process answers in a file there with where its resident memory is (V8 heap, memory outside it, the
// binary's pages), now and at its highest resident sample since the last question. Files, not a signal: SIGUSR2 is
// Node's diagnostic-report signal (`--report-on-signal`), and no other is free for certain.
// The product itself carries no such hook: RSS alone says that memory grew, not whether V8 or malloc holds it.
//
// `--import` also runs in every worker thread the process starts (the sandbox's, src/platform/sandbox/pool.ts), each
// with an isolate of its own: only the main thread answers, and each other thread tells it, over a BroadcastChannel,
// what its isolate holds (its heap, and its ArrayBuffers: QuickJS's WebAssembly memory), so that the answer counts
// the threads' heaps apart from the rest of the memory outside the main heap.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';
import {
  MEMORY_PROBE_DIR_VARIABLE,
  probeAnswerFile,
  probeQuestionFile,
  type MemoryBreakdown,
  type ProbeAnswer,
} from './memory-breakdown.ts';

const SAMPLE_INTERVAL_MS = 100;
/**
 * A thread not heard from for this long has ended. Generous: the sandbox's threads run at the lowest CPU priority, and
 * on a loaded machine their probe waits seconds for a core (observed at a load average of 17 on 2 CPUs).
 */
const THREAD_SILENT_MS = 5_000;
const MB = 2 ** 20;
const CHANNEL = 'castellan-bench-memory-probe';

interface ThreadReport {
  threadId: number;
  heapResident: number;
  external: number;
}

function statusMegabytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}

const round = (value: number): number => Math.round(value * 10) / 10;

function breakdown(threads: ThreadReport[]): MemoryBreakdown {
  const status = readFileSync('/proc/self/status', 'utf8');
  const heap = v8.getHeapStatistics();
  const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  const usage = process.memoryUsage();
  const anonymous = statusMegabytes(status, 'RssAnon');
  const threadsHeap = threads.reduce((sum, thread) => sum + thread.heapResident, 0);
  return {
    rss: round(statusMegabytes(status, 'VmRSS')),
    heapResident: round(heap.total_physical_size / MB),
    heapUsed: round(heap.used_heap_size / MB),
    newSpace: round((newSpace?.physical_space_size ?? 0) / MB),
    external: round(usage.external / MB),
    nativeAnonymous: round(anonymous - heap.total_physical_size / MB - threadsHeap),
    files: round(statusMegabytes(status, 'RssFile') + statusMegabytes(status, 'RssShmem')),
    threads: threads.length,
    threadsHeap: round(threadsHeap),
    threadsExternal: round(threads.reduce((sum, thread) => sum + thread.external, 0)),
  };
}

function reportThread(channel: BroadcastChannel): void {
  const heap = v8.getHeapStatistics();
  const report: ThreadReport = {
    threadId,
    heapResident: heap.total_physical_size / MB,
    external: process.memoryUsage().external / MB,
  };
  channel.postMessage(report);
}

function answerQuestions(channel: BroadcastChannel): void {
  const dir = process.env[MEMORY_PROBE_DIR_VARIABLE]!;
  const threads = new Map<number, ThreadReport & { at: number }>();
  channel.onmessage = (event) => {
    const report = (event as { data: ThreadReport }).data;
    threads.set(report.threadId, { ...report, at: Date.now() });
  };
  const liveThreads = (): ThreadReport[] => {
    for (const [id, thread] of threads) if (Date.now() - thread.at > THREAD_SILENT_MS) threads.delete(id);
    return [...threads.values()];
  };
  let peak = breakdown([]);
  setInterval(() => {
    const now = breakdown(liveThreads());
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

const channel = new BroadcastChannel(CHANNEL);
channel.unref();
if (isMainThread) answerQuestions(channel);
else setInterval(() => reportThread(channel), SAMPLE_INTERVAL_MS).unref();
