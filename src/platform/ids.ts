import { randomFillSync } from 'node:crypto';

/**
 * Ids are UUIDv7 (RFC 9562 §5.7, https://www.rfc-editor.org/rfc/rfc9562#section-5.7) in canonical lowercase form:
 * a 48-bit Unix millisecond timestamp, a 12-bit counter within the millisecond (§6.2, method 1), then 62 random
 * bits. Fixed-width lowercase hex sorts as its bytes do, so `_id` order is creation order: strictly within a
 * process, to the millisecond across processes (what the audit trail and the `_id`-sorted lists rely on).
 *
 * No coordination between processes: two ids can only be equal if they share the millisecond, the counter value
 * and all 62 random bits. Among n ids sharing a millisecond and counter value the chance of any collision is
 * below n²/2⁶³ (a thousand processes all creating in the same millisecond: about 1 in 10¹³).
 */
const COUNTER_VALUES = 0x1000;
const VERSION_7 = 0x7000;
const VARIANT_BITS = 0x80;
const RANDOM_BITS_OF_VARIANT_BYTE = 0x3f;

const bytes = Buffer.alloc(16);
let lastMillis = 0;
let counter = 0;

export function newId(): string {
  const now = Date.now();
  if (now > lastMillis) {
    lastMillis = now;
    counter = 0;
  } else if (++counter === COUNTER_VALUES) {
    // A clock that stands still or goes back keeps its last millisecond and counts on; past 4,096 ids in it,
    // the next millisecond is borrowed (§6.2), so order holds either way.
    lastMillis += 1;
    counter = 0;
  }
  bytes.writeUIntBE(lastMillis, 0, 6);
  bytes.writeUInt16BE(VERSION_7 | counter, 6);
  randomFillSync(bytes, 8, 8);
  bytes.writeUInt8(VARIANT_BITS | (bytes.readUInt8(8) & RANDOM_BITS_OF_VARIANT_BYTE), 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
