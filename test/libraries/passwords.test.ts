import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/platform/passwords.ts';

const PASSWORD = 'correct horse battery staple';
/** Made by the `argon2` package (reference C code), which Castellan used before: stored hashes must keep working. */
const STORED_BEFORE = [
  '$argon2id$v=19$m=7168,p=1,t=5$cAZKEegJES32EwzqSEq1bQ$LbukkUsoHgx3A47wUHbAtVv+WjOzyniQAImu95B7LWg',
  '$argon2id$v=19$m=19456,p=1,t=2$5UIzjBML0m8hspJyELlYnQ$/bd2oQbC2GmS7IB/OMnfLE0vHSPrEM8rDhNfyW42PkA',
];

describe('password hashing', () => {
  it('hashes with argon2id at OWASP parameters (7 MiB, 5 iterations, 1 lane), salted', async () => {
    const first = await hashPassword(PASSWORD);
    assert.match(first, /^\$argon2id\$v=19\$m=7168,t=5,p=1\$[\w+/]{22}\$[\w+/]{43}$/);
    assert.notEqual(await hashPassword(PASSWORD), first, 'a new salt each time');
    assert.equal(await verifyPassword(first, PASSWORD), true);
    assert.equal(await verifyPassword(first, `${PASSWORD} `), false);
  });

  it('verifies hashes stored by the earlier implementation, with the parameters they carry', async () => {
    for (const stored of STORED_BEFORE) {
      assert.equal(await verifyPassword(stored, PASSWORD), true, stored);
      assert.equal(await verifyPassword(stored, 'Correct horse battery staple'), false, stored);
    }
  });

  it('answers false, without throwing, for a malformed stored hash', async () => {
    for (const stored of ['', 'plain text', '$argon2id$v=19$m=7168,t=5,p=1$bad', '$2b$10$abcdefghijklmnopqrstuu']) {
      assert.equal(await verifyPassword(stored, PASSWORD), false, JSON.stringify(stored));
    }
  });
});
