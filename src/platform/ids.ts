import { randomInt } from 'node:crypto';

// Snowflake-style numeric string ids, as ZITADEL uses: time-ordered (so `_id` sorts by creation,
// which the audit trail relies on) and unique across stateless processes without coordination.
const EPOCH = 1_704_067_200_000n; // 2024-01-01T00:00:00Z
const workerBits = BigInt(randomInt(0, 1 << 10));
let lastMillis = 0n;
let sequence = 0n;

export function newId(): string {
  let now = BigInt(Date.now()) - EPOCH;
  if (now === lastMillis) {
    sequence = (sequence + 1n) & 0xfffn;
    if (sequence === 0n) {
      while (now <= lastMillis) now = BigInt(Date.now()) - EPOCH;
    }
  } else {
    sequence = 0n;
  }
  lastMillis = now;
  return ((now << 22n) | (workerBits << 12n) | sequence).toString();
}
