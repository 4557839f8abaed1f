import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import {
  newQuickJSAsyncWASMModule,
  newQuickJSWASMModule,
  shouldInterruptAfterDeadline,
  type QuickJSAsyncContext,
  type QuickJSAsyncWASMModule,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSWASMModule,
} from 'quickjs-emscripten';
import { guardedFetch } from '../outbound-fetch.ts';
import {
  fetchAllowed,
  MAX_FETCH_BODY_BYTES,
  type SandboxJob,
  type SandboxOperation,
  type SandboxOutcome,
  type WorkerReply,
  type WorkerRequest,
} from './protocol.ts';

// One sandbox thread of the pool (platform/sandbox/pool.ts). Every job gets a fresh QuickJS runtime and context
// (WebAssembly: the guest sees no process, no file system, no network, no `require`), with a heap limit, a stack limit
// and an interrupt handler past the job's deadline. The plain build runs jobs without network; the asyncify build
// (about five times slower to start a context, measured: 1.7 ms against 0.3 ms) only jobs that may fetch, since only
// it lets a host function wait for I/O while the guest sees a synchronous `http.fetch`, as ZITADEL's actions do.

const MAX_STACK_BYTES = 512 * 1024;

/**
 * Scripts run at the lowest CPU priority: on Linux a thread has a niceness of its own (setpriority(2) on its thread id,
 * read from /proc/thread-self), so a runaway script competes for a core with nothing but other scripts, never with the
 * thread that serves requests (measured on a loaded two-core machine: without it, two spinning scripts tripled other
 * logins' latency). Elsewhere the script runs at normal priority, still off the event loop.
 */
function yieldCpuToRequests(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, constants.priority.PRIORITY_LOW);
  } catch {
    // Not Linux: no per-thread priority.
  }
}
yieldCpuToRequests();

// Both loaded as the worker starts, so that a first job's deadline is not spent compiling WebAssembly.
let plainModule: Promise<QuickJSWASMModule> | null = newQuickJSWASMModule();
let asyncModule: Promise<QuickJSAsyncWASMModule> | null = newQuickJSAsyncWASMModule();

function describeError(context: QuickJSContext, handle: QuickJSHandle): { error: string; line?: number } {
  const dumped = context.dump(handle) as unknown;
  if (dumped && typeof dumped === 'object' && 'message' in dumped) {
    const { name, message, lineNumber } = dumped as { name?: string; message?: string; lineNumber?: number };
    return {
      error: `${name ?? 'Error'}: ${message ?? ''}`,
      ...(typeof lineNumber === 'number' ? { line: lineNumber } : {}),
    };
  }
  return { error: String(dumped) };
}

function installCommon(context: QuickJSContext, job: SandboxJob, operations: SandboxOperation[]): void {
  context
    .newString(JSON.stringify(job.input ?? null))
    .consume((input) => context.setProp(context.global, '__inputJson', input));
  context
    .newFunction('__record', (nameHandle, argsHandle) => {
      const name = context.getString(nameHandle);
      const args = JSON.parse(argsHandle ? context.getString(argsHandle) : '[]') as unknown[];
      operations.push({ name, args: Array.isArray(args) ? args : [] });
    })
    .consume((fn) => context.setProp(context.global, '__record', fn));
}

async function guestFetch(job: SandboxJob, url: string, optionsJson: string, deadline: number): Promise<string> {
  if (!fetchAllowed(url, job.allowedHosts)) return JSON.stringify({ error: `http.fetch: host not allowed: ${url}` });
  const options = JSON.parse(optionsJson || '{}') as {
    method?: string;
    headers?: Record<string, string>;
    body?: unknown;
  };
  const timeout = Math.max(1, Math.min(job.fetchTimeoutMs, deadline - Date.now()));
  try {
    const response = await guardedFetch(job.outbound)(url, {
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      body:
        options.body === undefined
          ? undefined
          : typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeout),
    });
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > MAX_FETCH_BODY_BYTES) return JSON.stringify({ error: 'http.fetch: response too large' });
    return JSON.stringify({ status: response.status, body: body.toString('utf8') });
  } catch (error) {
    return JSON.stringify({
      error: `http.fetch: ${(error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message}`,
    });
  }
}

function limitRuntime(context: QuickJSContext, job: SandboxJob, deadline: number): void {
  context.runtime.setMemoryLimit(job.memoryBytes);
  context.runtime.setMaxStackSize(MAX_STACK_BYTES);
  context.runtime.setInterruptHandler(shouldInterruptAfterDeadline(deadline));
}

function settle(
  context: QuickJSContext,
  result: ReturnType<QuickJSContext['evalCode']>,
  operations: SandboxOperation[],
): SandboxOutcome {
  if (result.error) {
    const described = describeError(context, result.error);
    result.error.dispose();
    return { ok: false, ...described, operations };
  }
  result.value.dispose();
  return { ok: true, operations };
}

function runPlain(module: QuickJSWASMModule, job: SandboxJob): SandboxOutcome {
  const operations: SandboxOperation[] = [];
  const context = module.newContext();
  try {
    limitRuntime(context, job, Date.now() + job.timeoutMs);
    installCommon(context, job, operations);
    // QuickJS's compile-only evaluation parses the source into bytecode and returns it, unrun.
    const options = job.compileOnly ? { compileOnly: true } : undefined;
    return settle(context, context.evalCode(job.source, 'action.js', options), operations);
  } finally {
    context.dispose();
  }
}

async function runWithFetch(module: QuickJSAsyncWASMModule, job: SandboxJob): Promise<SandboxOutcome> {
  const operations: SandboxOperation[] = [];
  const context: QuickJSAsyncContext = module.newContext();
  const deadline = Date.now() + job.timeoutMs;
  try {
    limitRuntime(context, job, deadline);
    installCommon(context, job, operations);
    context
      .newAsyncifiedFunction('__fetch', async (urlHandle, optionsHandle) =>
        context.newString(
          await guestFetch(
            job,
            context.getString(urlHandle),
            optionsHandle ? context.getString(optionsHandle) : '{}',
            deadline,
          ),
        ),
      )
      .consume((fn) => context.setProp(context.global, '__fetch', fn));
    return settle(context, await context.evalCodeAsync(job.source, 'action.js'), operations);
  } finally {
    context.dispose();
  }
}

async function run(job: SandboxJob): Promise<SandboxOutcome> {
  try {
    if (job.allowedHosts.length === 0 || job.compileOnly)
      return runPlain(await (plainModule ??= newQuickJSWASMModule()), job);
    return await runWithFetch(await (asyncModule ??= newQuickJSAsyncWASMModule()), job);
  } catch (error) {
    return { ok: false, error: `sandbox: ${(error as Error).message}`, operations: [] };
  }
}

// Ready once both builds are loaded; jobs are answered one at a time, in order: the pool sends a worker its next job
// only once it has answered.
void Promise.all([plainModule, asyncModule]).then(() => parentPort?.postMessage({ ready: true }));
parentPort?.on('message', (request: WorkerRequest) => {
  void run(request.job).then((outcome) => parentPort?.postMessage({ id: request.id, outcome } satisfies WorkerReply));
});
