import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Histogram, register } from 'prom-client';

/**
 * Helpers over prom-client's global default registry, the one /metrics exposes (http/metrics.ts): each layer
 * declares the metrics of what it owns, and may do so more than once (several servers in one test process).
 */

export function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames });
}

/**
 * A counter by one label, for look-ups made several times per request: each `count(value)` is a plain addition, and
 * the sums go into the prom-client counter when a registry collects it (its `collect` hook, run by `get()` for /metrics
 * and for the cluster's aggregation). prom-client's own `inc` builds a string of the labels and checks them on every
 * call (prom-client lib/counter.js `incWithoutExemplar`): 1.5% of a worker's CPU on introspection (bench/README.md,
 * "Introspection").
 */
export function summedCounter<V extends string>(
  name: string,
  help: string,
  label: string,
  values: readonly V[],
): (value: V) => void {
  // prom-client runs a metric's `collect` (a constructor option, kept as a property) before reading its values.
  const metric = counter(name, help, [label]) as Counter<string> & { collect?: (this: Counter<string>) => unknown };
  const pending = new Map<V, number>(values.map((value) => [value, 0]));
  const collectBefore = metric.collect;
  metric.collect = function addPending(this: Counter<string>) {
    for (const [value, count] of pending) {
      if (count === 0) continue;
      this.inc({ [label]: value }, count);
      pending.set(value, 0);
    }
    return collectBefore?.call(this);
  };
  return (value) => pending.set(value, pending.get(value)! + 1);
}

export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  return (
    (register.getSingleMetric(name) as Histogram<L> | undefined) ?? new Histogram({ name, help, labelNames, buckets })
  );
}

let defaultsCollected = false;

/**
 * Process metrics: CPU, memory, handles, GC, event-loop lag (nodejs_eventloop_lag_*). Once per process. A cluster
 * worker also answers the primary's AggregatorRegistry, whose listener prom-client installs on construction.
 */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics();
  if (cluster.isWorker) new AggregatorRegistry();
}

export const METRICS_REQUEST = 'castellan:metrics-request';
export const METRICS_RESPONSE = 'castellan:metrics-response';
const ASK_PRIMARY_TIMEOUT_MS = 5_000;

interface MetricsResponse {
  type: typeof METRICS_RESPONSE;
  id: string;
  text?: string;
  error?: string;
}

/**
 * The exposition text: this process's registry, or, in a cluster worker, every worker's, aggregated by the
 * primary (process/cluster.ts holds prom-client's AggregatorRegistry and answers METRICS_REQUEST).
 */
export async function exposition(): Promise<{ contentType: string; text: string }> {
  const contentType = register.contentType;
  if (!cluster.isWorker || !process.send) return { contentType, text: await register.metrics() };
  const id = randomUUID();
  const text = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('no metrics from the primary')), ASK_PRIMARY_TIMEOUT_MS);
    const onMessage = (message: MetricsResponse) => {
      if (message?.type !== METRICS_RESPONSE || message.id !== id) return;
      finish(message.error ? new Error(message.error) : null, message.text ?? '');
    };
    function finish(error: Error | null, value = ''): void {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (error) reject(error);
      else resolve(value);
    }
    process.on('message', onMessage);
    process.send!({ type: METRICS_REQUEST, id });
  });
  return { contentType, text };
}
