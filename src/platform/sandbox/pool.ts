import { Worker } from 'node:worker_threads';
import type { SandboxJob, SandboxOutcome, WorkerReply, WorkerRequest } from './protocol.ts';

export type { SandboxJob, SandboxOperation, SandboxOutcome } from './protocol.ts';

/**
 * Past its timeout a job's worker is given this long to answer (the interrupt handler stops a runaway script inside
 * it); then the worker is terminated and replaced, whatever the script does (a native call that never checks the
 * interrupt, a heap thrashing at its limit). Generous: the workers run at the lowest CPU priority, and on a busy
 * machine an interrupted script may wait a while for a core to report back; replacing a worker costs a thread start.
 */
const HARD_STOP_GRACE_MS = 1000;

interface Pending {
  job: SandboxJob;
  resolve(outcome: SandboxOutcome): void;
}

interface Slot {
  worker: Worker;
  /** Its QuickJS builds are loaded: jobs (and their timers) start only then. */
  ready: boolean;
  running: (Pending & { id: number; timer: NodeJS.Timeout }) | null;
}

/**
 * A small pool of worker threads that run sandboxed scripts (platform/sandbox/worker.ts) off the main event loop: a
 * runaway script occupies one worker for at most its timeout, never the thread that serves requests. Jobs wait in
 * order for a free worker.
 */
export class SandboxPool {
  readonly #size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #nextId = 1;
  #closed = false;

  /** Workers start with the first job (a process whose instances have no action keeps no thread and no heap). */
  constructor(size: number) {
    this.#size = size;
  }

  run(job: SandboxJob): Promise<SandboxOutcome> {
    if (this.#closed) return Promise.resolve({ ok: false, error: 'sandbox: shut down', operations: [] });
    return new Promise((resolve) => {
      this.#queue.push({ job, resolve });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0))
      pending.resolve({ ok: false, error: 'sandbox: shut down', operations: [] });
    await Promise.all(this.#slots.splice(0).map((slot) => this.#stop(slot, 'sandbox: shut down')));
  }

  #dispatch(): void {
    while (this.#queue.length) {
      const slot = this.#slots.find((candidate) => candidate.ready && !candidate.running);
      if (!slot) {
        // More work than idle workers: start one more (it takes jobs once ready), up to the pool's size.
        if (this.#slots.every((candidate) => candidate.ready)) this.#spawn();
        return;
      }
      const pending = this.#queue.shift()!;
      const id = this.#nextId++;
      const timer = setTimeout(() => {
        void this.#replace(slot, `timed out after ${pending.job.timeoutMs} ms`);
      }, pending.job.timeoutMs + HARD_STOP_GRACE_MS);
      slot.running = { ...pending, id, timer };
      slot.worker.postMessage({ id, job: pending.job } satisfies WorkerRequest);
    }
  }

  #spawn(): void {
    if (this.#slots.length >= this.#size) return;
    const worker = new Worker(new URL('./worker.ts', import.meta.url));
    worker.unref();
    const slot: Slot = { worker, ready: false, running: null };
    worker.on('message', (reply: WorkerReply | { ready: true }) => {
      if ('ready' in reply) {
        slot.ready = true;
        this.#dispatch();
      } else if (slot.running?.id === reply.id) this.#finish(slot, reply.outcome);
    });
    worker.on('error', (error) => void this.#replace(slot, `sandbox worker failed: ${error.message}`));
    this.#slots.push(slot);
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
