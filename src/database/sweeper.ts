import type { Logger } from '../logger.ts';
import { OidcConsumption, oidcPayloadModels } from '../models/oidc-payload.ts';

/** Deletes expired OIDC artifacts. The provider re-checks expiry on every read, so lag here is harmless. */
export async function sweepExpired(now = new Date()): Promise<number> {
  const expired = { expiresAt: { $lt: now } };
  const results = await Promise.all([...oidcPayloadModels().map((model) => model.deleteMany(expired)), OidcConsumption.deleteMany(expired)]);
  return results.reduce((sum, result) => sum + result.deletedCount, 0);
}

export function startSweeper(intervalSeconds: number, log: Logger): () => void {
  const timer = setInterval(() => {
    sweepExpired().then(
      (deleted) => deleted && log.debug({ deleted }, 'expired OIDC artifacts swept'),
      (error: unknown) => log.warn({ err: error }, 'sweep of expired OIDC artifacts failed'),
    );
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
