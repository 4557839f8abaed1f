import { deliverDueEmails, type DeliveryServices } from '../domain/email-delivery.ts';

export interface OutboxWorker {
  /** Stops polling and waits for the pass under way, so that no lease is left behind by a clean shutdown. */
  stop(): Promise<void>;
}

/** Delivers the outbox every `email.outboxPollMs` in this process (each process runs one; they share the work). */
export function startOutboxWorker(services: DeliveryServices): OutboxWorker {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, services.config.email.outboxPollMs);
    timer.unref();
  };
  function run(): void {
    pass = deliverDueEmails(services).then(
      () => schedule(),
      (error: unknown) => {
        services.log.warn({ err: error }, 'an outbox pass failed');
        schedule();
      },
    );
  }
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await pass;
    },
  };
}
