/**
 * What a domain command refuses, and why. The domain knows nothing of HTTP: the API maps each kind to its
 * status (http/middleware/errors.ts), and any other caller (bootstrap, scripts) reads `kind`.
 */
export type DomainErrorKind = 'invalid' | 'not-found' | 'conflict' | 'throttled';

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  /** Structured detail safe to show to the caller (e.g. the offending fields). */
  readonly detail: Record<string, unknown>;
  constructor(kind: DomainErrorKind, message: string, detail: Record<string, unknown> = {}) {
    super(message);
    this.kind = kind;
    this.detail = detail;
  }
}

/** One message for every miss, so that a resource the caller may not see is indistinguishable from a missing one. */
export const NOT_FOUND_MESSAGE = 'No such resource';

export function notFound(): DomainError {
  return new DomainError('not-found', NOT_FOUND_MESSAGE);
}

export function conflict(message: string): DomainError {
  return new DomainError('conflict', message);
}

/** Refuses an unusable value in a command's input, naming the field. */
export function invalidField(field: string, message: string): DomainError {
  return new DomainError('invalid', `${field}: ${message}`, { errors: [{ field, message }] });
}

/** Too many failed attempts (of a one-time code): retry after `retryAfterSeconds`. */
export function throttled(message: string, retryAfterSeconds: number): DomainError {
  return new DomainError('throttled', message, { retryAfterSeconds });
}
