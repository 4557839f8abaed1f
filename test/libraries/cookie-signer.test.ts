import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { CookieSigner } from '../../src/platform/cookie-signer.ts';

const data = '_interaction=Yx3c-uid; path=/';
/** Keygrip's signature with its defaults: HMAC-SHA1 of the cookie under the key string, base64url without padding. */
const keygripSignature = (key: string): string => createHmac('sha1', key).update(data).digest('base64url');

describe('CookieSigner', () => {
  it('signs like Keygrip, so cookies signed before the switch still verify', () => {
    const signer = new CookieSigner(['current-key']);
    assert.equal(signer.sign(data), keygripSignature('current-key'));
    assert.equal(signer.index(data, keygripSignature('current-key')), 0);
    assert.equal(signer.verify(data, signer.sign(data)), true);
  });

  it('signs with the newest key and accepts older ones by their index (rotation)', () => {
    const signer = new CookieSigner(['new-key', 'old-key']);
    assert.equal(signer.sign(data), keygripSignature('new-key'));
    assert.equal(signer.index(data, keygripSignature('old-key')), 1);
    assert.equal(signer.index(data, keygripSignature('unknown-key')), -1);
  });

  it('refuses a changed cookie, a changed, shortened or padded signature, and junk', () => {
    const signer = new CookieSigner(['current-key']);
    const signature = signer.sign(data);
    assert.equal(signer.index(`${data}x`, signature), -1);
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    for (const bad of [
      flipped,
      signature.slice(0, -1),
      `${signature}=`,
      `${signature}A`,
      ` ${signature}`,
      '',
      '{"$ne":1}',
    ]) {
      assert.equal(signer.verify(data, bad), false, `accepted ${JSON.stringify(bad)}`);
    }
  });

  it('needs a key', () => {
    assert.throws(() => new CookieSigner([]), /at least one cookie key/);
  });
});
