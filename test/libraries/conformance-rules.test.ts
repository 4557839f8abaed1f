// The pure rules behind the conformance fixes: which clients must use PKCE, the address claim, and the standard claims
// a `claims` request parameter may ask for by name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pkceRequired } from '../../src/domain/rules/pkce.ts';
import { requestedStandardClaims, scopedStandardClaims, standardClaims } from '../../src/domain/rules/user-claims.ts';

describe('pkceRequired', () => {
  const lenient = { requirePkceForAllClients: false };
  const web = { authMethod: 'basic', appType: 'web', requirePkce: false };

  it('public clients always, confidential ones only when the app or the instance asks', () => {
    assert.equal(pkceRequired(web, lenient), false);
    assert.equal(pkceRequired({ ...web, authMethod: 'none' }, lenient), true);
    assert.equal(pkceRequired({ ...web, appType: 'native' }, lenient), true);
    assert.equal(pkceRequired({ ...web, appType: 'user_agent' }, lenient), true);
    assert.equal(pkceRequired({ ...web, requirePkce: true }, lenient), true);
    assert.equal(pkceRequired(web, { requirePkceForAllClients: true }), true);
  });
});

describe('standard claims', () => {
  const org = { _id: 'org1', name: 'Org', primaryDomain: 'org.test' };
  const human = { email: 'a@org.test', givenName: 'A', familyName: 'B' };
  const user = (extra: object) => ({ _id: 'u1', type: 'human' as const, username: 'a', human: { ...human, ...extra } });

  it('the address claim has the OIDC field names, and is absent when no field is set', () => {
    const all = standardClaims(user({ address: { locality: 'Bern', postalCode: '3000', region: null } }), org);
    assert.deepEqual(scopedStandardClaims(all, new Set(['address'])), {
      address: { locality: 'Bern', postal_code: '3000' },
    });
    assert.deepEqual(scopedStandardClaims(standardClaims(user({ address: {} }), org), new Set(['address'])), {});
  });

  it('the claims parameter names standard claims only, and only those the user has', () => {
    const all = standardClaims(user({ phone: '+41441234567', phoneVerified: true }), org);
    assert.deepEqual(requestedStandardClaims(all, ['phone_number', 'address', 'acr', 'urn:zitadel:iam:org:id']), {
      phone_number: '+41441234567',
    });
  });
});
