import { deliverDueEmails, type DeliveryServices } from '../domain/email-delivery.ts';
import { deliverDueWebhooks } from '../domain/webhooks/delivery.ts';
import type { Logger } from '../platform/logger.ts';

export interface OutboxWorker {
  /** Stops polling and waits for the pass under way, so that no lease is left behind by a clean shutdown. */
  stop(): Promise<void>;
}

/** Runs `pass` every `pollMs` in this process, one pass at a time (each process runs one; they share the work). */
function startPolling(pass: () => Promise<unknown>, pollMs: number, log: Logger, name: string): OutboxWorker {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, pollMs);
    timer.unref();
  };
  function run(): void {
    running = pass().then(
      () => schedule(),
      (error: unknown) => {
        log.warn({ err: error }, `a pass of the ${name} failed`);
        schedule();
      },
    );
  }
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** Delivers the email outbox every `email.outboxPollMs` in this process. */
export function startOutboxWorker(services: DeliveryServices): OutboxWorker {
  return startPolling(() => deliverDueEmails(services), services.config.email.outboxPollMs, services.log, 'outbox');
}

/** Delivers the change-webhook outbox every `webhooks.pollMs` in this process. */
export function startWebhookWorker(services: DeliveryServices): OutboxWorker {
  return startPolling(
    () => deliverDueWebhooks(services),
    services.config.webhooks.pollMs,
    services.log,
    'webhook outbox',
  );
}
