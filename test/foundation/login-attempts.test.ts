import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  clearPasswordAttempts,
  countPasswordAttempts,
  reservePasswordAttempt,
} from '../../src/store/queries/login-attempts.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let dropDatabase: () => Promise<void>;
before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

describe('password attempt reservations (lockout counter)', () => {
  it('never lets more than maxAttempts of many parallel guesses through', async () => {
    for (let round = 0; round < 10; round++) {
      const userId = `parallel-${round}`;
      const results = await Promise.all(Array.from({ length: 20 }, () => reservePasswordAttempt('i', userId, 3)));
      const allowed = results.filter((r) => r.allowed).length;
      assert.ok(allowed <= 3, `round ${round}: ${allowed} guesses were checked`);
      assert.equal(await countPasswordAttempts('i', userId), 20, 'no attempt is lost');
    }
  });

  it('counts sequential attempts and starts over after a success', async () => {
    assert.deepEqual(await reservePasswordAttempt('i', 'u', 2), { allowed: true, attempts: 1 });
    assert.deepEqual(await reservePasswordAttempt('i', 'u', 2), { allowed: true, attempts: 2 });
    assert.deepEqual(await reservePasswordAttempt('i', 'u', 2), { allowed: false, attempts: 3 });
    await clearPasswordAttempts('i', 'u');
    assert.deepEqual(await reservePasswordAttempt('i', 'u', 2), { allowed: true, attempts: 1 });
  });

  it('records nothing when lockout is off', async () => {
    assert.deepEqual(await reservePasswordAttempt('i', 'off', 0), { allowed: true, attempts: 0 });
    assert.equal(await countPasswordAttempts('i', 'off'), 0);
  });
});
