import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import test from 'node:test';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { jwkThumbprint, publicJwkProblem, type PublicSigningJwk } from '../../src/domain/rules/jwk.ts';

test('the thumbprint is RFC 7638 (as jose computes it) and ignores optional members', async () => {
  for (const alg of ['ES256', 'RS256'] as const) {
    const jwk = await exportJWK((await generateKeyPair(alg)).publicKey);
    assert.equal(jwkThumbprint(jwk as Record<string, unknown>), await calculateJwkThumbprint(jwk));
    assert.equal(jwkThumbprint({ ...jwk, alg, use: 'sig', kid: 'x' }), jwkThumbprint(jwk as Record<string, unknown>));
  }
});

test('public RSA (>= 2048 bits) and EC P-256 keys pass; weak, malformed or private keys do not', async () => {
  const ec = (await exportJWK((await generateKeyPair('ES256')).publicKey)) as Extract<PublicSigningJwk, { kty: 'EC' }>;
  const rsa = (await exportJWK((await generateKeyPair('PS256')).publicKey)) as PublicSigningJwk;
  assert.equal(await publicJwkProblem(ec), null);
  assert.equal(await publicJwkProblem({ ...rsa, alg: 'PS256' } as PublicSigningJwk), null);
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
    format: 'jwk',
  }) as PublicSigningJwk;
  assert.match((await publicJwkProblem(weak)) ?? '', /2048 bits/);
  assert.match((await publicJwkProblem({ ...ec, x: ec.y })) ?? '', /not a usable public key/);
  const privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
  assert.equal(await publicJwkProblem(privateJwk as PublicSigningJwk), 'not a public key');
});
