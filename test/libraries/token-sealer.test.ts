import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { TokenSealer } from '../../src/platform/token-sealer.ts';

const key = randomBytes(32);
const payload = { jti: 'abc', kind: 'ClientCredentials', clientId: 'robot', exp: 1_900_000_000 };

it('opens what it sealed, and a fresh value each time', () => {
  const sealer = new TokenSealer(key, 'instance-1:ClientCredentials');
  const first = sealer.seal(payload);
  assert.deepEqual(sealer.open(first), payload);
  assert.notEqual(sealer.seal(payload), first, 'a new IV per token');
  assert.match(first, /^[\w-]+$/);
});

it('opens nothing sealed under another context or key', () => {
  const sealed = new TokenSealer(key, 'instance-1:ClientCredentials').seal(payload);
  assert.equal(new TokenSealer(key, 'instance-2:ClientCredentials').open(sealed), undefined);
  assert.equal(new TokenSealer(key, 'instance-1:AccessToken').open(sealed), undefined);
  assert.equal(new TokenSealer(randomBytes(32), 'instance-1:ClientCredentials').open(sealed), undefined);
});

it('refuses changed, truncated, foreign and malformed values without throwing', () => {
  const sealer = new TokenSealer(key, 'context');
  const bytes = Buffer.from(sealer.seal(payload), 'base64url');
  for (const index of [0, 1, 20, bytes.length - 1]) {
    const changed = Buffer.from(bytes);
    changed[index]! ^= 0x01;
    assert.equal(sealer.open(changed.toString('base64url')), undefined, `byte ${index} changed`);
  }
  assert.equal(sealer.open(bytes.subarray(0, bytes.length - 1).toString('base64url')), undefined);
  for (const value of ['', 'A', 'x'.repeat(43), 'a.b.c', 'not base64url!', '%00'])
    assert.equal(sealer.open(value), undefined, value);
  assert.equal(sealer.open(sealer.seal([1, 2, 3])), undefined, 'only an object is a payload');
});

it('needs a 32-byte key', () => {
  assert.throws(() => new TokenSealer(randomBytes(16), 'context'), /32 bytes/);
});
