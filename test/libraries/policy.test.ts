import test from 'node:test';
import assert from 'node:assert/strict';
import { effectiveLoginPolicy } from '../../src/domain/rules/login-policy.ts';
import { defaultLoginPolicy } from '../../src/domain/rules/login-policy.ts';
import { redirectUriProblems } from '../../src/domain/rules/redirect-uris.ts';

test('effective login policy: defaults, then the instance, then the org; unset and null inherit', () => {
  assert.deepEqual(effectiveLoginPolicy(null, null), defaultLoginPolicy);
  const merged = effectiveLoginPolicy(
    { passwordComplexity: { minLength: 12 }, allowRegister: false },
    { passwordComplexity: { requireSymbol: false, minLength: null as unknown as number }, forceMfa: true },
  );
  assert.equal(merged.passwordComplexity.minLength, 12);
  assert.equal(merged.passwordComplexity.requireSymbol, false);
  assert.equal(merged.passwordComplexity.requireUppercase, true);
  assert.equal(merged.allowRegister, false);
  assert.equal(merged.forceMfa, true);
  assert.equal(defaultLoginPolicy.passwordComplexity.minLength, 8, 'defaults are not mutated');
});

test('redirect URIs: https for web apps, loopback http or custom schemes for native apps, anything in devMode, never javascript:', () => {
  assert.deepEqual(redirectUriProblems(['https://app.example/cb'], 'web', false), []);
  assert.equal(redirectUriProblems(['http://app.example/cb'], 'web', false).length, 1);
  assert.deepEqual(redirectUriProblems(['http://app.example/cb'], 'web', true), []);
  assert.deepEqual(redirectUriProblems(['http://127.0.0.1:8080/cb', 'com.example.app:/cb'], 'native', false), []);
  assert.equal(redirectUriProblems(['http://evil.example/cb'], 'native', false).length, 1);
  assert.equal(redirectUriProblems(['javascript:alert(1)'], 'native', true).length, 1);
  assert.equal(redirectUriProblems(['https://a.example/cb#x', 'not a uri'], 'web', false).length, 2);
});
