import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of an outgoing request (HTTP targets and change webhooks), in the form ZITADEL's Actions v2 sends as
 * `ZITADEL-Signature` (after Stripe's): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` under the
 * target's key. The timestamp lets a receiver refuse replays older than it tolerates.
 */
export const SIGNATURE_HEADER = 'castellan-signature';

export function signatureHeader(key: string, body: string, at: Date = new Date()): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  const mac = createHmac('sha256', key).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** What a receiver does: true when the header signs `body` under `key`, no older than `toleranceSeconds`. */
export function signatureValid(
  key: string,
  body: string,
  header: string | null,
  toleranceSeconds = 300,
  now: Date = new Date(),
): boolean {
  const parts = new Map((header ?? '').split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const sent = Buffer.from(parts.get('v1') ?? '', 'hex');
  if (!Number.isInteger(timestamp) || Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = createHmac('sha256', key).update(`${timestamp}.${body}`, 'utf8').digest();
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}
