// One sandbox thread of the pool (platform/sandbox/pool.ts). Every job gets a fresh QuickJS runtime and context
// (WebAssembly: the guest sees no process, no file system, no network, no `require`), with a heap limit, a stack limit
// and an interrupt handler past the job's deadline. The plain build runs jobs without network; the asyncify build
// (about five times slower to start a context, measured: 1.7 ms against 0.3 ms) only jobs that may fetch, since only
// it lets a host function wait for I/O while the guest sees a synchronous `http.fetch`, as ZITADEL's actions do.
//
// Plain JavaScript, importing no TypeScript: a thread that loads a `.ts` module loads Node's TypeScript loader (its own
// WebAssembly) too, about 12 MB resident per thread (bench/README.md, "Worker memory"). The types are checked all the
// same (JSDoc, `checkJs`). For the same reason the guest's `__fetch` is made by the main thread, which holds the
// outbound policy's code already (platform/sandbox/guest-fetch.ts): the thread only asks and waits.

/** @import { QuickJSAsyncWASMModule, QuickJSContext, QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten' */
/** @import { SandboxJob, SandboxOperation, SandboxOutcome, WorkerReply, WorkerRequest } from './protocol.ts' */
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { newQuickJSAsyncWASMModule, newQuickJSWASMModule, shouldInterruptAfterDeadline } from 'quickjs-emscripten';

const MAX_STACK_BYTES = 512 * 1024;

/**
 * Scripts run at the lowest CPU priority: on Linux a thread has a niceness of its own (setpriority(2) on its thread id,
 * read from /proc/thread-self), so a runaway script competes for a core with nothing but other scripts, never with the
 * thread that serves requests (measured on a loaded two-core machine: without it, two spinning scripts tripled other
 * logins' latency). Elsewhere the script runs at normal priority, still off the event loop.
 */
function yieldCpuToRequests() {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, constants.priority.PRIORITY_LOW);
  } catch {
    // Not Linux: no per-thread priority.
  }
}
yieldCpuToRequests();

/** @param {WorkerReply} reply */
function reply(reply) {
  parentPort?.postMessage(reply);
}

// The plain build is loaded as the thread starts, so that a first job's deadline is not spent compiling WebAssembly.
// The asyncify build waits for the first job that may fetch (about 20 ms to load; a job's deadline starts after it):
// most actions never fetch, and each build holds a WebAssembly memory of its own.
/** @type {Promise<QuickJSWASMModule>} */
const plainModule = newQuickJSWASMModule();
/** @type {Promise<QuickJSAsyncWASMModule> | null} */
let asyncModule = null;

/** The running job's `__fetch`, waiting for the main thread's answer (one job, and one fetch, at a time). */
/** @type {((fetched: string) => void) | null} */
let answerFetch = null;

/**
 * @param {QuickJSContext} context
 * @param {QuickJSHandle} handle
 * @returns {{ error: string, line?: number }}
 */
function describeError(context, handle) {
  const dumped = context.dump(handle);
  if (dumped && typeof dumped === 'object' && 'message' in dumped) {
    const { name, message, lineNumber } = dumped;
    return {
      error: `${name ?? 'Error'}: ${message ?? ''}`,
      ...(typeof lineNumber === 'number' ? { line: lineNumber } : {}),
    };
  }
  return { error: String(dumped) };
}

/**
 * @param {QuickJSContext} context
 * @param {SandboxJob} job
 * @param {SandboxOperation[]} operations
 */
function installCommon(context, job, operations) {
  context
    .newString(JSON.stringify(job.input ?? null))
    .consume((input) => context.setProp(context.global, '__inputJson', input));
  context
    .newFunction('__record', (nameHandle, argsHandle) => {
      const name = context.getString(nameHandle);
      const args = JSON.parse(argsHandle ? context.getString(argsHandle) : '[]');
      operations.push({ name, args: Array.isArray(args) ? args : [] });
    })
    .consume((fn) => context.setProp(context.global, '__record', fn));
}

/**
 * @param {QuickJSContext} context
 * @param {SandboxJob} job
 * @param {number} deadline
 */
function limitRuntime(context, job, deadline) {
  context.runtime.setMemoryLimit(job.memoryBytes);
  context.runtime.setMaxStackSize(MAX_STACK_BYTES);
  context.runtime.setInterruptHandler(shouldInterruptAfterDeadline(deadline));
}

/**
 * @param {QuickJSContext} context
 * @param {ReturnType<QuickJSContext['evalCode']>} result
 * @param {SandboxOperation[]} operations
 * @returns {SandboxOutcome}
 */
function settle(context, result, operations) {
  if (result.error) {
    const described = describeError(context, result.error);
    result.error.dispose();
    return { ok: false, ...described, operations };
  }
  result.value.dispose();
  return { ok: true, operations };
}

/**
 * @param {QuickJSWASMModule} module
 * @param {SandboxJob} job
 * @returns {SandboxOutcome}
 */
function runPlain(module, job) {
  /** @type {SandboxOperation[]} */
  const operations = [];
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

/**
 * Asks the main thread to make the guest's fetch, with what is left of the job's deadline, and waits for its answer.
 * @param {number} id
 * @param {SandboxJob} job
 * @param {string} url
 * @param {string} optionsJson
 * @param {number} deadline
 * @returns {Promise<string>}
 */
function fetchThroughMainThread(id, job, url, optionsJson, deadline) {
  const timeoutMs = Math.max(1, Math.min(job.fetchTimeoutMs, deadline - Date.now()));
  return new Promise((resolve) => {
    answerFetch = resolve;
    reply({ id, fetch: { url, optionsJson, timeoutMs } });
  });
}

/**
 * @param {QuickJSAsyncWASMModule} module
 * @param {number} id
 * @param {SandboxJob} job
 * @returns {Promise<SandboxOutcome>}
 */
async function runWithFetch(module, id, job) {
  /** @type {SandboxOperation[]} */
  const operations = [];
  const context = module.newContext();
  const deadline = Date.now() + job.timeoutMs;
  try {
    limitRuntime(context, job, deadline);
    installCommon(context, job, operations);
    context
      .newAsyncifiedFunction('__fetch', async (urlHandle, optionsHandle) => {
        const url = context.getString(urlHandle);
        const optionsJson = optionsHandle ? context.getString(optionsHandle) : '{}';
        return context.newString(await fetchThroughMainThread(id, job, url, optionsJson, deadline));
      })
      .consume((fn) => context.setProp(context.global, '__fetch', fn));
    return settle(context, await context.evalCodeAsync(job.source, 'action.js'), operations);
  } finally {
    context.dispose();
  }
}

/**
 * @param {number} id
 * @param {SandboxJob} job
 * @returns {Promise<SandboxOutcome>}
 */
async function run(id, job) {
  try {
    if (job.allowedHosts.length === 0 || job.compileOnly) return runPlain(await plainModule, job);
    return await runWithFetch(await (asyncModule ??= newQuickJSAsyncWASMModule()), id, job);
  } catch (error) {
    return { ok: false, error: `sandbox: ${/** @type {Error} */ (error).message}`, operations: [] };
  }
}

// Ready once the plain build is loaded; jobs are answered one at a time, in order: the pool sends a thread its next job
// only once it has answered.
void plainModule.then(() => reply({ ready: true }));
parentPort?.on('message', (/** @type {WorkerRequest} */ request) => {
  if ('fetched' in request) {
    answerFetch?.(request.fetched);
    answerFetch = null;
  } else void run(request.id, request.job).then((outcome) => reply({ id: request.id, outcome }));
});
