import { Worker } from 'node:worker_threads';
import { guestFetch } from './guest-fetch.ts';
import type { GuestFetchRequest, SandboxJob, SandboxOutcome, WorkerReply, WorkerRequest } from './protocol.ts';

export type { SandboxJob, SandboxOperation, SandboxOutcome } from './protocol.ts';

/**
 * Past its timeout a job's worker is given this long to answer (the interrupt handler stops a runaway script inside
 * it); then the worker is terminated and replaced, whatever the script does (a native call that never checks the
 * interrupt, a heap thrashing at its limit). Generous: the workers run at the lowest CPU priority, and on a busy
 * machine an interrupted script may wait a while for a core to report back; replacing a worker costs a thread start.
 */
const HARD_STOP_GRACE_MS = 1000;

/**
 * A job waits this long behind busy threads before the pool starts one more: quick scripts (a trivial one takes under a
 * millisecond) share one thread, and only a slow one, holding its thread for a good part of its timeout, makes others
 * wait for a second. Each thread costs its process tens of MB resident (an isolate of its own, Node's bootstrap,
 * QuickJS's builds and their WebAssembly memories: bench/README.md, "Worker memory").
 */
const GROW_AFTER_WAIT_MS = 250;

interface Pending {
  job: SandboxJob;
  resolve(outcome: SandboxOutcome): void;
  /** When it was queued (performance.now()). */
  queuedAt: number;
}

interface Slot {
  worker: Worker;
  /** Its QuickJS plain build is loaded: jobs (and their timers) start only then. */
  ready: boolean;
  running: (Pending & { id: number; timer: NodeJS.Timeout }) | null;
  /** Ends the thread once it has had no job for the pool's idle time. */
  idleTimer: NodeJS.Timeout | null;
}

export interface SandboxPoolOptions {
  /** Threads at most (`actions.workers`). */
  maxThreads: number;
  /** A thread with no job for this long ends (`actions.threadIdleSeconds`); the next job starts one again. */
  idleMs: number;
  /** How long a job waits behind busy threads before another starts (default GROW_AFTER_WAIT_MS). */
  growAfterWaitMs?: number;
}

/**
 * A small pool of worker threads that run sandboxed scripts (platform/sandbox/worker.mjs) off the main event loop: a
 * runaway script occupies one worker for at most its timeout, never the thread that serves requests. Jobs wait in
 * order for a free worker. The pool keeps as few threads as its work needs: none until the first job, one while jobs
 * are quick, more only when a job has waited GROW_AFTER_WAIT_MS, and a thread ends after its idle time, which is
 * what gives its WebAssembly memory (grown to the largest script's heap, never shrunk) back.
 */
export class SandboxPool {
  readonly #options: SandboxPoolOptions;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #growTimer: NodeJS.Timeout | null = null;
  /** When the latest thread became ready: a job's wait counts from then at the earliest, not while one starts. */
  #lastReadyAt = 0;
  #nextId = 1;
  #closed = false;

  constructor(options: SandboxPoolOptions) {
    this.#options = options;
  }

  /** How many threads the pool has now (starting ones included). */
  get threads(): number {
    return this.#slots.length;
  }

  run(job: SandboxJob): Promise<SandboxOutcome> {
    if (this.#closed) return Promise.resolve({ ok: false, error: 'sandbox: shut down', operations: [] });
    return new Promise((resolve) => {
      this.#queue.push({ job, resolve, queuedAt: performance.now() });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#growTimer) clearTimeout(this.#growTimer);
    for (const pending of this.#queue.splice(0))
      pending.resolve({ ok: false, error: 'sandbox: shut down', operations: [] });
    await Promise.all(this.#slots.splice(0).map((slot) => this.#stop(slot, 'sandbox: shut down')));
  }

  #dispatch(): void {
    while (this.#queue.length) {
      const slot = this.#slots.find((candidate) => candidate.ready && !candidate.running);
      if (!slot) {
        this.#grow();
        return;
      }
      const pending = this.#queue.shift()!;
      const id = this.#nextId++;
      const timer = setTimeout(() => {
        void this.#replace(slot, `timed out after ${pending.job.timeoutMs} ms`);
      }, pending.job.timeoutMs + HARD_STOP_GRACE_MS);
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      slot.idleTimer = null;
      slot.running = { ...pending, id, timer };
      slot.worker.postMessage({ id, job: pending.job } satisfies WorkerRequest);
    }
    for (const slot of this.#slots) if (slot.ready && !slot.running && !slot.idleTimer) this.#retireWhenIdle(slot);
  }

  /** More work than idle threads: the first thread starts at once, another once the oldest job has waited enough. */
  #grow(): void {
    if (this.#slots.length === 0) return this.#spawn();
    if (this.#growTimer || this.#slots.length >= this.#options.maxThreads) return;
    if (this.#slots.some((slot) => !slot.ready)) return;
    const waited = performance.now() - Math.max(this.#queue[0]!.queuedAt, this.#lastReadyAt);
    const patience = this.#options.growAfterWaitMs ?? GROW_AFTER_WAIT_MS;
    if (waited >= patience) return this.#spawn();
    this.#growTimer = setTimeout(() => {
      this.#growTimer = null;
      this.#dispatch();
    }, patience - waited);
    this.#growTimer.unref();
  }

  #retireWhenIdle(slot: Slot): void {
    slot.idleTimer = setTimeout(() => {
      const index = this.#slots.indexOf(slot);
      if (slot.running || index < 0) return;
      this.#slots.splice(index, 1);
      void slot.worker.terminate();
    }, this.#options.idleMs);
    slot.idleTimer.unref();
  }

  #spawn(): void {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url));
    worker.unref();
    const slot: Slot = { worker, ready: false, running: null, idleTimer: null };
    worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) {
        slot.ready = true;
        this.#lastReadyAt = performance.now();
        this.#dispatch();
      } else if (slot.running?.id !== reply.id) return;
      else if ('fetch' in reply) this.#fetchFor(slot, reply.id, reply.fetch);
      else this.#finish(slot, reply.outcome);
    });
    worker.on('error', (error) => void this.#replace(slot, `sandbox worker failed: ${error.message}`));
    this.#slots.push(slot);
  }

  /** Makes the running job's fetch for its thread, which waits for the answer (unless the job ended meanwhile). */
  #fetchFor(slot: Slot, id: number, request: GuestFetchRequest): void {
    void guestFetch(slot.running!.job, request).then((fetched) => {
      if (slot.running?.id === id) slot.worker.postMessage({ id, fetched } satisfies WorkerRequest);
    });
  }

  #finish(slot: Slot, outcome: SandboxOutcome): void {
    const running = slot.running;
    if (!running) return;
    clearTimeout(running.timer);
    slot.running = null;
    running.resolve(outcome);
    this.#dispatch();
  }

  async #stop(slot: Slot, reason: string): Promise<void> {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    const running = slot.running;
    if (running) {
      clearTimeout(running.timer);
      slot.running = null;
      running.resolve({ ok: false, error: reason, operations: [] });
    }
    await slot.worker.terminate();
  }

  /** Terminates a worker that overran (or died) and lets a fresh one take its place. */
  async #replace(slot: Slot, reason: string): Promise<void> {
    const index = this.#slots.indexOf(slot);
    if (index < 0) return;
    this.#slots.splice(index, 1);
    const stopped = this.#stop(slot, reason);
    this.#dispatch();
    await stopped;
  }
}
